// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH PUBSUB
// MONITOR, with Redis 7's replies. The state lives in ../pubsub.ts; the RESP2 rule for a
// subscribed connection (only these commands, PING as an array) is in ../run-command.ts.

import {
  bulk,
  cText,
  fail,
  latin1,
  NO_REPLY,
  OK,
  PushReply,
  type Reply,
  SimpleString,
} from '../../protocol/reply.ts';
import { blockingOf } from '../blocking.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';
import { pubsubOf, type Subscriber } from '../pubsub.ts';
import { leaveSession } from '../run-command.ts';
import { trackingOf } from '../tracking.ts';

type Kind = 'channel' | 'pattern' | 'shard';

/**
 * A command like SUBSCRIBE a b answers once per channel. The engine returns one reply per
 * command, so all but the last go out through the connection's push sink, which writes them
 * right away, ahead of the command's own (last) reply.
 */
function answerEach(sub: Subscriber, replies: Reply[]): Reply {
  for (let i = 0; i < replies.length - 1; i++) sub.deliver(replies[i]!);
  return replies[replies.length - 1]!;
}

function countOf(sub: Subscriber, kind: Kind): number {
  return kind === 'shard' ? sub.shardChannels.size : sub.count;
}

function subscribe(kind: Kind, verb: string) {
  return ({ engine, session }: CommandContext, argv: Buffer[]): Reply => {
    const hub = pubsubOf(engine);
    const sub = hub.forSession(session, true);
    const replies: Reply[] = [];
    for (let i = 1; i < argv.length; i++) {
      hub.add(sub, kind, latin1(argv[i]!));
      replies.push(new PushReply([bulk(verb), Buffer.from(argv[i]!), countOf(sub, kind)]));
    }
    return answerEach(sub, replies);
  };
}

function unsubscribe(kind: Kind, verb: string) {
  return ({ engine, session }: CommandContext, argv: Buffer[]): Reply => {
    const hub = pubsubOf(engine);
    const sub = hub.forSession(session, true);
    const replies: Reply[] = [];
    const names =
      argv.length > 1
        ? argv.slice(1).map(latin1)
        : [
            ...(kind === 'channel'
              ? sub.channels
              : kind === 'pattern'
                ? sub.patterns
                : sub.shardChannels),
          ];
    for (const name of names) {
      hub.remove(sub, kind, name);
      replies.push(new PushReply([bulk(verb), bulk(name), countOf(sub, kind)]));
    }
    // Nothing to leave: Redis still answers once, with a nil channel.
    if (replies.length === 0) replies.push(new PushReply([bulk(verb), null, countOf(sub, kind)]));
    return answerEach(sub, replies);
  };
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

function pubsub({ engine }: CommandContext, argv: Buffer[]): Reply {
  const hub = pubsubOf(engine);
  const sub = cText(argv[1]!).toLowerCase();
  const wrong = () =>
    fail(
      `ERR unknown subcommand or wrong number of arguments for '${cText(argv[1]!)}'. Try PUBSUB HELP.`,
    );
  switch (sub) {
    case 'channels':
    case 'shardchannels': {
      if (argv.length > 3) wrong();
      const pattern = argv[2] === undefined ? undefined : latin1(argv[2]);
      return hub.activeChannels(sub === 'shardchannels', pattern).map(bulk);
    }
    case 'numsub':
    case 'shardnumsub': {
      const out: Reply[] = [];
      for (const channel of argv.slice(2)) {
        out.push(Buffer.from(channel), hub.subscriberCount(sub === 'shardnumsub', latin1(channel)));
      }
      return out;
    }
    case 'numpat':
      if (argv.length !== 2) fail("ERR wrong number of arguments for 'pubsub|numpat' command");
      return hub.patternCount;
    case 'help':
      if (argv.length !== 2) fail("ERR wrong number of arguments for 'pubsub|help' command");
      return PUBSUB_HELP.map((line) => new SimpleString(line));
    default:
      return fail(`ERR unknown subcommand '${cText(argv[1]!)}'. Try PUBSUB HELP.`);
  }
}

export const pubsubCommands: CommandSpec[] = [
  { name: 'subscribe', arity: -2, handler: subscribe('channel', 'subscribe') },
  { name: 'psubscribe', arity: -2, handler: subscribe('pattern', 'psubscribe') },
  { name: 'ssubscribe', arity: -2, handler: subscribe('shard', 'ssubscribe') },
  { name: 'unsubscribe', arity: -1, handler: unsubscribe('channel', 'unsubscribe') },
  { name: 'punsubscribe', arity: -1, handler: unsubscribe('pattern', 'punsubscribe') },
  { name: 'sunsubscribe', arity: -1, handler: unsubscribe('shard', 'sunsubscribe') },
  {
    name: 'publish',
    arity: 3,
    handler: ({ engine }, argv) =>
      pubsubOf(engine).publish(latin1(argv[1]!), Buffer.from(argv[2]!)),
  },
  {
    name: 'spublish',
    arity: 3,
    handler: ({ engine }, argv) =>
      pubsubOf(engine).spublish(latin1(argv[1]!), Buffer.from(argv[2]!)),
  },
  { name: 'pubsub', arity: -2, handler: pubsub },
  {
    // RESET (the RESP surface has already gone back to RESP2 and, with a password, logged out):
    // everything a connection accumulated goes, as in Redis.
    name: 'reset',
    arity: 1,
    transactionControl: true,
    handler: ({ engine, session }) => {
      engine.resetMulti(session);
      engine.unwatchAll(session);
      leaveSession(engine, session);
      session.dbIndex = 0;
      const client = session.client;
      if (client !== undefined) {
        client.db = 0;
        if (client.tracking !== undefined) trackingOf(engine).disable(client);
        client.replyMode = 'on';
        client.noEvict = false;
        client.noTouch = false;
        client.extraFlags.delete('O');
      }
      return new SimpleString('RESET');
    },
  },
  {
    name: 'monitor',
    arity: 1,
    handler: ({ engine, session }, argv) => {
      // Like blocking, MONITOR is refused inside MULTI/EXEC and scripts.
      if (!blockingOf(engine).canBlock(session, argv)) {
        fail("ERR MONITOR isn't allowed for DENY BLOCKING client");
      }
      const client = session.client;
      if (client === undefined) fail('ERR MONITOR needs a connection of its own');
      const hub = pubsubOf(engine);
      const started = hub.startMonitor(session, (line) => {
        client.push(line);
        // Bounded like a subscriber: a monitor that never reads is disconnected.
        if (hub.limits.hardBytes > 0 && client.outputBytes() > hub.limits.hardBytes) client.kill();
      });
      // Already monitoring: Redis ignores the command, without a reply.
      if (!started) return NO_REPLY;
      client.extraFlags.add('O');
      return OK;
    },
  },
];

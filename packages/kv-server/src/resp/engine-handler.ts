// A RESP connection served by the engine: one Session per connection (MULTI/EXEC/WATCH state),
// registered in the connection registry (engine.clients) for CLIENT LIST/KILL, pub/sub and
// tracking. CLIENT, COMMAND, CONFIG and INFO are engine commands; what is done here is what
// surrounds every command of a connection: CLIENT PAUSE's gate, the bookkeeping CLIENT LIST
// shows (last command, idle time, db, MULTI), and remembering the keys a tracking client read.

import { commandInfo, commandKeys } from '../engine/command-docs.ts';
import { commandName } from '../engine/command-name.ts';
import { pauseOf } from '../engine/commands/client.ts';
import { connectionClosed, connectionOpened } from '../engine/commands/info.ts';
import type { CommandSpec, Engine } from '../engine/engine.ts';
import { pubsubOf } from '../engine/pubsub.ts';
import { leaveSession, runCommand } from '../engine/run-command.ts';
import { trackingOf } from '../engine/tracking.ts';
import { ErrorReply, type Reply } from '../protocol/reply.ts';
import { EngineFastLane } from './fast-lane.ts';
import type { ConnectionInfo, RespConnectionHandler } from './resp-server.ts';

/** Commands with subcommands: CLIENT LIST shows `cmd=client|list` for them, as Redis does. */
const CONTAINERS = new Set([
  'client',
  'command',
  'config',
  'object',
  'memory',
  'script',
  'function',
  'pubsub',
  'xinfo',
  'xgroup',
  'acl',
  'latency',
  'slowlog',
  'module',
  'cluster',
]);

/** Redis's CMD_READONLY, from COMMAND INFO's flags: the commands whose keys tracking remembers. */
function isReadonly(spec: CommandSpec): boolean {
  const flags = commandInfo(spec)[2];
  return (
    flags !== null &&
    typeof flags === 'object' &&
    '~' in flags &&
    flags['~'].some((f) => typeof f === 'object' && f !== null && '+' in f && f['+'] === 'readonly')
  );
}

export function engineHandler(engine: Engine, info: ConnectionInfo): RespConnectionHandler {
  const session = engine.createSession(true);
  // INFO's connected_clients and total_connections_received.
  connectionOpened(engine);
  // Pub/sub messages and MONITOR lines reach the connection through its ClientInfo.
  session.client = info;
  info.session = session;
  engine.clients.add(info);
  const pause = pauseOf(engine);

  const run = (argv: Buffer[], name: string): Reply | Promise<Reply> => {
    const spec = engine.command(name);
    // Only a container's subcommand is shown (or checked: CLIENT CACHING): other commands'
    // argv[1] is a key, not worth decoding on every call.
    const sub = CONTAINERS.has(name) ? argv[1]?.toString('latin1').toLowerCase() : undefined;
    info.lastCommand = spec === undefined ? 'NULL' : sub ? `${name}|${sub}` : name;
    const tracking = info.tracking === undefined ? undefined : trackingOf(engine);
    if (tracking !== undefined) tracking.current = info;
    // EXEC: the keys its read-only commands read are remembered as if sent one by one.
    const queued = tracking !== undefined && name === 'exec' ? session.queue.slice() : undefined;
    // CLIENT NO-TOUCH: this connection's reads leave LRU/LFU data alone (TOUCH still touches).
    const memory = engine.db.memory;
    const noTouch = info.noTouch && name !== 'touch';
    if (noTouch) memory.noTouch = true;
    let reply: Reply | Promise<Reply>;
    try {
      // runCommand: the subscribed-connection rule, MONITOR, and blocking commands' waits.
      reply = runCommand(engine, session, argv, undefined, name);
    } finally {
      if (tracking !== undefined) tracking.current = undefined;
      if (noTouch) memory.noTouch = false;
    }
    const state = info.tracking;
    if (state !== undefined && spec !== undefined && !session.inMulti) {
      if (!(reply instanceof ErrorReply) && !(reply instanceof Promise)) {
        if (isReadonly(spec)) trackingOf(engine).remember(info, commandKeys(spec, argv));
      }
      if (queued !== undefined && Array.isArray(reply)) {
        queued.forEach((command, i) => {
          const each = engine.command(command[0]!.toString('latin1').toLowerCase());
          if (each === undefined || reply[i] instanceof ErrorReply || !isReadonly(each)) return;
          trackingOf(engine).remember(info, commandKeys(each, command));
        });
      }
      // CLIENT CACHING yes/no applies to the one command after it.
      if (!(name === 'client' && sub === 'caching')) state.caching = undefined;
    }
    info.db = session.dbIndex;
    info.multi = session.inMulti ? session.queue.length : -1;
    return reply;
  };

  return {
    fast: new EngineFastLane(engine, session, info),
    execute(argv, known) {
      const name = known ?? commandName(argv[0]!);
      // CLIENT PAUSE: the command waits for the pause to end, then runs.
      const gate = pause.gate(engine, name);
      if (gate !== undefined) return gate.then(() => run(argv, name));
      return run(argv, name);
    },
    get closeRequested() {
      return session.closeRequested;
    },
    get subscribed() {
      return session.protocol === 2 && pubsubOf(engine).isSubscribed(session);
    },
    /** Redis's `timeout` spares subscribers and monitors: they stay quiet on purpose. */
    get idleExempt() {
      const hub = pubsubOf(engine);
      return hub.isSubscribed(session) || hub.isMonitoring(session);
    },
    close() {
      engine.clients.remove(info);
      if (info.tracking !== undefined) trackingOf(engine).disable(info);
      connectionClosed(engine);
      leaveSession(engine, session);
      engine.closeSession(session);
    },
  };
}

// Pub/sub and MONITOR in the engine, through runCommand as the RESP surface calls it. Each
// "connection" is a real Session with a ClientInfo whose push sink collects what it receives.

import { describe, expect, it } from 'vitest';
import { ClientInfo } from '../../src/engine/clients.ts';
import { createEngine, type Engine, type Session } from '../../src/engine/index.ts';
import { pubsubOf } from '../../src/engine/pubsub.ts';
import { leaveSession, runCommand } from '../../src/engine/run-command.ts';
import { PushReply, type Reply } from '../../src/protocol/reply.ts';
import { show } from '../differential/harness.ts';

/** The harness's readable form, with pushes shown as the arrays RESP2 sends. */
function view(reply: Reply): unknown {
  return show(reply instanceof PushReply ? reply.items : reply);
}

interface Conn {
  session: Session;
  client: ClientInfo;
  /** Pushed replies, in order, in their readable form. */
  pushed: unknown[];
  /** Runs a command: the pushed replies it caused plus its own reply, readable. */
  run(...argv: string[]): unknown[];
  killed: boolean;
}

let nextId = 0;
function connect(engine: Engine, protocol: 2 | 3 = 2): Conn {
  const session = engine.createSession(true);
  const client = new ClientInfo(++nextId, `127.0.0.1:${40000 + nextId}`, '127.0.0.1:6379');
  client.protocol = protocol;
  session.client = client;
  const conn: Conn = {
    session,
    client,
    pushed: [],
    killed: false,
    run(...argv) {
      const before = conn.pushed.length;
      const reply = runCommand(
        engine,
        session,
        argv.map((a) => Buffer.from(a, 'latin1')),
      ) as Reply;
      const caused = conn.pushed.splice(before);
      return [...caused, view(reply)];
    },
  };
  client.push = (reply) => {
    conn.pushed.push(view(reply));
    return true;
  };
  client.kill = () => {
    conn.killed = true;
    leaveSession(engine, session);
  };
  return conn;
}

describe('pub/sub', () => {
  it('confirms each channel of SUBSCRIBE and counts channels and patterns together', () => {
    const engine = createEngine();
    const a = connect(engine);
    expect(a.run('subscribe', 'c1', 'c2')).toEqual([
      ['$"subscribe"', '$"c1"', ':1'],
      ['$"subscribe"', '$"c2"', ':2'],
    ]);
    expect(a.run('psubscribe', 'news.*')).toEqual([['$"psubscribe"', '$"news.*"', ':3']]);
    // Subscribing again changes nothing but is still confirmed.
    expect(a.run('subscribe', 'c1')).toEqual([['$"subscribe"', '$"c1"', ':3']]);
    expect(a.run('unsubscribe')).toEqual([
      ['$"unsubscribe"', '$"c1"', ':2'],
      ['$"unsubscribe"', '$"c2"', ':1'],
    ]);
    expect(a.run('punsubscribe')).toEqual([['$"punsubscribe"', '$"news.*"', ':0']]);
    // Nothing left: one reply with a nil channel.
    expect(a.run('unsubscribe')).toEqual([['$"unsubscribe"', '$nil', ':0']]);
    expect(a.run('unsubscribe', 'never')).toEqual([['$"unsubscribe"', '$"never"', ':0']]);
  });

  it('delivers PUBLISH to channel subscribers, then to matching patterns', () => {
    const engine = createEngine();
    const a = connect(engine);
    const b = connect(engine);
    const publisher = connect(engine);
    a.run('subscribe', 'news.tech');
    b.run('psubscribe', 'news.*', 'n?ws.t[a-e]ch');
    a.pushed.length = 0;
    b.pushed.length = 0;
    expect(publisher.run('publish', 'news.tech', 'hello')).toEqual([':3']);
    expect(a.pushed).toEqual([['$"message"', '$"news.tech"', '$"hello"']]);
    expect(b.pushed).toEqual([
      ['$"pmessage"', '$"news.*"', '$"news.tech"', '$"hello"'],
      ['$"pmessage"', '$"n?ws.t[a-e]ch"', '$"news.tech"', '$"hello"'],
    ]);
    expect(publisher.run('publish', 'other', 'x')).toEqual([':0']);
    expect(publisher.run('pubsub', 'numsub', 'news.tech', 'other')).toEqual([
      ['$"news.tech"', ':1', '$"other"', ':0'],
    ]);
    expect(publisher.run('pubsub', 'numpat')).toEqual([':2']);
    expect(publisher.run('pubsub', 'channels', 'news*')).toEqual([['$"news.tech"']]);
    expect(publisher.run('pubsub', 'channels', 'x*')).toEqual([[]]);
  });

  it('keeps shard channels apart (SSUBSCRIBE, SPUBLISH, SUNSUBSCRIBE)', () => {
    const engine = createEngine();
    const a = connect(engine);
    const p = connect(engine);
    expect(a.run('ssubscribe', 's1', 's2')).toEqual([
      ['$"ssubscribe"', '$"s1"', ':1'],
      ['$"ssubscribe"', '$"s2"', ':2'],
    ]);
    expect(a.run('subscribe', 'c')).toEqual([['$"subscribe"', '$"c"', ':1']]);
    expect(p.run('publish', 's1', 'x')).toEqual([':0']);
    expect(p.run('spublish', 's1', 'x')).toEqual([':1']);
    expect(a.pushed.at(-1)).toEqual(['$"smessage"', '$"s1"', '$"x"']);
    expect(p.run('pubsub', 'shardnumsub', 's1')).toEqual([['$"s1"', ':1']]);
    expect(a.run('sunsubscribe')).toEqual([
      ['$"sunsubscribe"', '$"s1"', ':1'],
      ['$"sunsubscribe"', '$"s2"', ':0'],
    ]);
  });

  it('allows only the pub/sub commands on a subscribed RESP2 connection, and PING as an array', () => {
    const engine = createEngine();
    const a = connect(engine);
    a.run('subscribe', 'c');
    expect(a.run('get', 'k')).toEqual([
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    ]);
    // Unknown commands and bad arities keep their own errors.
    expect(a.run('get')).toEqual(["-ERR wrong number of arguments for 'get' command"]);
    expect(a.run('ping')).toEqual([['$"pong"', '$""']]);
    expect(a.run('ping', 'hi')).toEqual([['$"pong"', '$"hi"']]);
    a.run('unsubscribe');
    expect(a.run('ping')).toEqual(['+PONG']);
    expect(a.run('get', 'k')).toEqual(['$nil']);
  });

  it('lets a RESP3 connection run anything while subscribed, messages arriving as pushes', () => {
    const engine = createEngine();
    const a = connect(engine, 3);
    a.run('subscribe', 'c');
    expect(a.run('set', 'k', 'v')).toEqual(['+OK']);
    // Its own PUBLISH: the message is pushed before the PUBLISH reply, as Redis writes them.
    expect(a.run('publish', 'c', 'm')).toEqual([['$"message"', '$"c"', '$"m"'], ':1']);
  });

  it('drops the subscriptions of a connection that closes', () => {
    const engine = createEngine();
    const a = connect(engine);
    a.run('subscribe', 'c');
    a.run('psubscribe', 'p*');
    leaveSession(engine, a.session);
    const p = connect(engine);
    expect(p.run('publish', 'c', 'x')).toEqual([':0']);
    expect(p.run('pubsub', 'numpat')).toEqual([':0']);
  });

  it('disconnects a subscriber whose unsent output passes the hard limit', () => {
    const engine = createEngine();
    const hub = pubsubOf(engine);
    hub.limits.hardBytes = 1000;
    const slow = connect(engine);
    let pending = 0;
    slow.client.outputBytes = () => pending;
    slow.client.push = (reply) => {
      pending += (reply as unknown as { items: Buffer[] }).items?.[2]?.length ?? 0;
      return true;
    };
    slow.run('subscribe', 'c');
    const p = connect(engine);
    for (let i = 0; i < 20 && !slow.killed; i++) p.run('publish', 'c', 'x'.repeat(100));
    expect(slow.killed).toBe(true);
    expect(pending).toBeGreaterThan(1000);
    expect(pending).toBeLessThan(1200);
    expect(p.run('pubsub', 'numsub', 'c')).toEqual([['$"c"', ':0']]);
  });

  it('takes its output limit from CONFIG SET client-output-buffer-limit', () => {
    const engine = createEngine();
    const a = connect(engine);
    expect(a.run('config', 'get', 'client-output-buffer-limit')).toEqual([
      [
        '$"client-output-buffer-limit"',
        '$"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"',
      ],
    ]);
    expect(a.run('config', 'set', 'client-output-buffer-limit', 'pubsub 1mb 512kb 10')).toEqual([
      '+OK',
    ]);
    expect(pubsubOf(engine).limits).toEqual({
      hardBytes: 1024 * 1024,
      softBytes: 512 * 1024,
      softSeconds: 10,
    });
    expect(a.run('config', 'set', 'client-output-buffer-limit', 'master 1 1 1')).toEqual([
      "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.",
    ]);
  });

  it('shows every command to MONITOR in Redis line format', () => {
    const engine = createEngine();
    const m = connect(engine);
    const a = connect(engine);
    expect(m.run('monitor')).toEqual(['+OK']);
    a.run('set', 'k', 'a "b"\n\x01');
    a.run('select', '3');
    a.run('get', 'k');
    expect(m.pushed).toHaveLength(3);
    const lines = m.pushed as string[];
    expect(lines[0]).toMatch(
      /^\+\d{10}\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "k" "a \\"b\\"\\n\\x01"$/,
    );
    expect(lines[2]).toMatch(/^\+\d+\.\d{6} \[3 127\.0\.0\.1:\d+\] "get" "k"$/);
    // Inside MULTI it is refused at EXEC, as Redis does for DENY BLOCKING clients.
    a.run('multi');
    a.run('monitor');
    expect(a.run('exec')).toEqual([["-ERR MONITOR isn't allowed for DENY BLOCKING client"]]);
    leaveSession(engine, m.session);
    m.pushed.length = 0;
    a.run('get', 'k');
    expect(m.pushed).toEqual([]);
  });
});

// Differential: pub/sub replies and blocking commands' wake-up order, byte for byte against a
// real Redis. These need several connections at once, so unlike harness.ts both sides are
// servers on TCP: a kv-server (engine) RESP port and the real Redis. Each scenario is a list
// of steps on named connections; every byte each connection receives is its transcript, and the
// transcripts must be identical. Keys and channels carry a `dps:` prefix (database 13, see
// REDIS_DB in redis-db.ts, held for the whole file), since other suites run beside this one.

import { connect, type Socket } from 'node:net';
import { servicesRequested, serviceUrls } from '@workshop/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeCommand } from '../../src/protocol/resp-codec.ts';
import { holdRedisDb, REDIS_DB } from '../redis-db.ts';
import { type Running, startEngine } from '../servers.ts';
import { describeDifferential } from './harness.ts';

type Step = { on: string; send: (string | number)[] } | { wait: number };

interface Conn {
  socket: Socket;
  received: string;
}

function open(url: string): Promise<Conn> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
    const conn: Conn = { socket, received: '' };
    socket.on('data', (chunk) => {
      conn.received += chunk.toString('latin1');
    });
    socket.once('error', reject);
    socket.once('connect', () => resolve(conn));
  });
}

/** Names unique to this run, so two runs on one Redis never see each other's messages. */
const PREFIX = `dps:${process.pid}:`;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the steps against one server; returns each connection's transcript. */
async function transcripts(url: string, steps: Step[]): Promise<Record<string, string>> {
  const conns = new Map<string, Conn>();
  const names = [...new Set(steps.flatMap((s) => ('on' in s ? [s.on] : [])))];
  for (const name of names) {
    const conn = await open(url);
    // Connections named r3... speak RESP3 (HELLO's own reply, with ids, is not compared).
    if (name.startsWith('r3')) conn.socket.write(encodeCommand(['HELLO', '3']));
    conn.socket.write(encodeCommand(['SELECT', String(REDIS_DB.pubsub)]));
    // SELECT's +OK comes last: what arrived until then is not part of the transcript.
    while (!conn.received.endsWith('+OK\r\n')) await pause(2);
    conn.received = '';
    conns.set(name, conn);
  }
  for (const step of steps) {
    if ('wait' in step) await pause(step.wait);
    else {
      // Each command is answered before the next step is sent, so every server handles the
      // steps in the order the test chose. A command with no answer within 60 ms blocked.
      const conn = conns.get(step.on)!;
      const before = conn.received.length;
      conn.socket.write(encodeCommand(step.send.map((a) => String(a).replaceAll('dps:', PREFIX))));
      const end = Date.now() + 60;
      while (conn.received.length === before && Date.now() < end) await pause(2);
      await pause(5);
    }
  }
  await pause(150);
  // MONITOR sees the whole server: other suites' commands on the shared Redis are dropped,
  // keeping the lines of this scenario's connections (and its scripts' `lua` lines).
  const ports = new Set([...conns.values()].map((c) => String(c.socket.localPort)));
  const ours = (line: string) => {
    const from = /^\+\d+\.\d{6} \[\d+ ([^\]]+)\]/.exec(line)?.[1];
    if (from === undefined) return true;
    if (from === 'lua') return line.includes(PREFIX);
    return ports.has(from.slice(from.lastIndexOf(':') + 1));
  };
  const out: Record<string, string> = {};
  for (const [name, conn] of conns) {
    out[name] = conn.received
      .split('\r\n')
      .filter((line) => ours(line))
      .join('\r\n');
    conn.socket.destroy();
  }
  return out;
}

holdRedisDb(REDIS_DB.pubsub, servicesRequested());

describeDifferential('pub/sub and blocking, byte for byte against Redis', () => {
  let kv: Running;
  const redisUrl = () => serviceUrls().redis;

  beforeAll(async () => {
    kv = await startEngine();
  });
  afterAll(async () => {
    await kv?.close();
  });

  async function expectSame(steps: Step[]): Promise<void> {
    const cleanup: Step[] = [
      { on: 'cleanup', send: ['DEL', 'dps:q', 'dps:q2', 'dps:d', 'dps:z', 'dps:t', 'dps:mid'] },
    ];
    const [ours, theirs] = [
      await transcripts(kv.server.respUrl as string, [...cleanup, ...steps]),
      await transcripts(redisUrl(), [...cleanup, ...steps]),
    ];
    delete ours.cleanup;
    delete theirs.cleanup;
    // MONITOR lines: the time and the client's port differ by nature.
    const stable = (all: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(all).map(([name, text]) => [
          name,
          text.replace(/\+\d+\.\d{6} \[(\d+) [^\]]+\]/g, '+<time> [$1 <client>]'),
        ]),
      );
    expect(stable(ours)).toEqual(stable(theirs));
  }

  it('SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE replies, messages and the RESP2 subscribed rule', () =>
    expectSame([
      { on: 'a', send: ['SUBSCRIBE', 'dps:c1', 'dps:c2'] },
      { on: 'a', send: ['PSUBSCRIBE', 'dps:p*', 'dps:x?'] },
      { on: 'a', send: ['SUBSCRIBE', 'dps:c1'] },
      { on: 'p', send: ['PUBLISH', 'dps:c1', 'hello'] },
      { on: 'p', send: ['PUBLISH', 'dps:p1', 'pattern'] },
      { on: 'p', send: ['PUBLISH', 'dps:none', 'nobody'] },
      { on: 'p', send: ['PUBSUB', 'NUMSUB', 'dps:c1', 'dps:c2', 'dps:none'] },
      // One match: with several, the order is that of Redis's hash table.
      { on: 'p', send: ['PUBSUB', 'CHANNELS', 'dps:c1*'] },
      { on: 'a', send: ['GET', 'dps:k'] },
      { on: 'a', send: ['PING'] },
      { on: 'a', send: ['PING', 'hi'] },
      { on: 'a', send: ['GET'] },
      { on: 'a', send: ['CLIENT', 'LIST'] },
      { on: 'a', send: ['CLIENT', 'NOPE'] },
      { on: 'a', send: ['CONFIG', 'GET', 'x'] },
      { on: 'a', send: ['PUBSUB', 'NUMPAT'] },
      { on: 'a', send: ['CLIENT'] },
      { on: 'a', send: ['PING', 'a', 'b'] },
      { on: 'a', send: ['SELECT', '1'] },
      { on: 'a', send: ['HELLO', '2'] },
      { on: 'a', send: ['AUTH', 'x'] },
      { on: 'a', send: ['AUTH'] },
      { on: 'a', send: ['UNSUBSCRIBE', 'dps:c1'] },
      { on: 'a', send: ['PUNSUBSCRIBE', 'dps:x?'] },
      { on: 'a', send: ['PUNSUBSCRIBE', 'dps:p*'] },
      { on: 'a', send: ['UNSUBSCRIBE', 'dps:c2', 'dps:never'] },
      { on: 'a', send: ['UNSUBSCRIBE'] },
      { on: 'a', send: ['PUNSUBSCRIBE'] },
      { on: 'a', send: ['PING'] },
      { on: 'a', send: ['SSUBSCRIBE', 'dps:s1'] },
      { on: 'p', send: ['SPUBLISH', 'dps:s1', 'sharded'] },
      { on: 'p', send: ['PUBLISH', 'dps:s1', 'not sharded'] },
      { on: 'p', send: ['PUBSUB', 'SHARDNUMSUB', 'dps:s1'] },
      { on: 'a', send: ['SUNSUBSCRIBE'] },
      { on: 'a', send: ['SUNSUBSCRIBE'] },
      { on: 'p', send: ['PUBSUB', 'NUMPAT', 'extra'] },
      { on: 'p', send: ['PUBSUB', 'NOPE'] },
      { on: 'p', send: ['PUBSUB', 'CHANNELS', 'a', 'b'] },
      { on: 'p', send: ['SUBSCRIBE'] },
      { on: 'p', send: ['PUBLISH', 'dps:c1'] },
    ]));

  it('wakes blocked clients first come, first served, after the pushing command', () =>
    expectSame([
      { on: 'a', send: ['BLPOP', 'dps:q', '0'] },
      { on: 'b', send: ['BLPOP', 'dps:q2', 'dps:q', '0'] },
      { on: 'c', send: ['BRPOP', 'dps:q', '0'] },
      { on: 'd', send: ['BLMOVE', 'dps:q', 'dps:d', 'LEFT', 'RIGHT', '0'] },
      { on: 'p', send: ['RPUSH', 'dps:q', 'one', 'two', 'three'] },
      { on: 'p', send: ['LRANGE', 'dps:q', '0', '-1'] },
      { on: 'p', send: ['LPUSH', 'dps:q', 'four'] },
      { on: 'p', send: ['LRANGE', 'dps:d', '0', '-1'] },
    ]));

  it('serves after MULTI/EXEC, and answers nil at once inside it', () =>
    expectSame([
      { on: 'a', send: ['BLPOP', 'dps:q', '0'] },
      { on: 'p', send: ['MULTI'] },
      { on: 'p', send: ['RPUSH', 'dps:q', 'x', 'y'] },
      { on: 'p', send: ['LPOP', 'dps:q'] },
      { on: 'p', send: ['BLPOP', 'dps:q2', '0'] },
      { on: 'p', send: ['BRPOPLPUSH', 'dps:q2', 'dps:d', '0'] },
      { on: 'p', send: ['BZPOPMIN', 'dps:z', '0'] },
      { on: 'p', send: ['EXEC'] },
      { on: 'p', send: ['LRANGE', 'dps:q', '0', '-1'] },
    ]));

  it('serves after a script that pushed, not in the middle of it', () =>
    expectSame([
      { on: 'a', send: ['BLPOP', 'dps:q', '0'] },
      {
        on: 'p',
        send: [
          'EVAL',
          "redis.call('rpush', KEYS[1], 'x', 'y'); return redis.call('llen', KEYS[1])",
          '1',
          'dps:q',
        ],
      },
      { on: 'p', send: ['LRANGE', 'dps:q', '0', '-1'] },
    ]));

  it('keeps waiting through a type change, wakes on the right type; BLMOVE chains', () =>
    expectSame([
      { on: 'a', send: ['BLPOP', 'dps:t', '0'] },
      { on: 'p', send: ['SET', 'dps:t', 'string'] },
      { on: 'p', send: ['DEL', 'dps:t'] },
      { on: 'p', send: ['RPUSH', 'dps:t', 'list'] },
      { on: 'b', send: ['BLMOVE', 'dps:q', 'dps:mid', 'RIGHT', 'LEFT', '0'] },
      { on: 'c', send: ['BLPOP', 'dps:mid', '0'] },
      { on: 'p', send: ['RPUSH', 'dps:q', 'v'] },
      { on: 'p', send: ['EXISTS', 'dps:q', 'dps:mid'] },
    ]));

  it('sorted sets and the MPOP forms: reply shapes when woken', () =>
    expectSame([
      { on: 'a', send: ['BZPOPMIN', 'dps:z', '0'] },
      { on: 'b', send: ['BZMPOP', '0', '1', 'dps:z', 'MAX', 'COUNT', '5'] },
      { on: 'c', send: ['BLMPOP', '0', '2', 'dps:q2', 'dps:q', 'RIGHT', 'COUNT', '2'] },
      { on: 'p', send: ['ZADD', 'dps:z', '1.5', 'm1', '2', 'm2', '3', 'm3'] },
      { on: 'p', send: ['RPUSH', 'dps:q', 'a', 'b', 'c'] },
      { on: 'p', send: ['ZRANGE', 'dps:z', '0', '-1', 'WITHSCORES'] },
    ]));

  it('RESP3: anything goes while subscribed, messages and confirmations are pushes', () =>
    expectSame([
      { on: 'r3a', send: ['SUBSCRIBE', 'dps:c1', 'dps:c2'] },
      { on: 'r3a', send: ['PSUBSCRIBE', 'dps:p*'] },
      { on: 'r3a', send: ['GET', 'dps:k'] },
      { on: 'r3a', send: ['PING'] },
      { on: 'p', send: ['PUBLISH', 'dps:c1', 'to r3'] },
      { on: 'p', send: ['PUBLISH', 'dps:p1', 'pattern'] },
      { on: 'r3a', send: ['PUBLISH', 'dps:c2', 'to itself'] },
      { on: 'r3a', send: ['BLPOP', 'dps:q', '0.01'] },
      { wait: 150 },
      { on: 'r3a', send: ['UNSUBSCRIBE', 'dps:c1', 'dps:c2'] },
      { on: 'r3a', send: ['PUNSUBSCRIBE'] },
      { on: 'r3b', send: ['BLPOP', 'dps:q', '0'] },
      { on: 'r3c', send: ['BZPOPMIN', 'dps:z', '0'] },
      { on: 'p', send: ['RPUSH', 'dps:q', 'v'] },
      { on: 'p', send: ['ZADD', 'dps:z', '2.5', 'm'] },
    ]));

  it('RESET leaves MULTI, subscriptions, MONITOR and RESP3 behind', () =>
    expectSame([
      { on: 'a', send: ['MULTI'] },
      { on: 'a', send: ['SET', 'dps:k', 'v'] },
      { on: 'a', send: ['RESET'] },
      { on: 'a', send: ['EXEC'] },
      { on: 'a', send: ['SUBSCRIBE', 'dps:c1'] },
      { on: 'a', send: ['PSUBSCRIBE', 'dps:p*'] },
      { on: 'a', send: ['RESET'] },
      { on: 'p', send: ['PUBLISH', 'dps:c1', 'x'] },
      { on: 'a', send: ['GET', 'dps:k'] },
      { on: 'r3b', send: ['GET', 'dps:nokey'] },
      { on: 'r3b', send: ['RESET'] },
      { on: 'r3b', send: ['GET', 'dps:nokey'] },
      { on: 'm', send: ['MONITOR'] },
      { on: 'm', send: ['RESET'] },
      { on: 'p', send: ['PING'] },
      { on: 'm', send: ['PING'] },
    ]));

  it('MONITOR shows commands once they ran: queued ones at EXEC, none of a DISCARD', () =>
    expectSame([
      { on: 'm', send: ['MONITOR'] },
      { on: 'a', send: ['SET', 'dps:k', 'a "quoted"\nline\x01'] },
      { on: 'a', send: ['MULTI'] },
      { on: 'a', send: ['SET', 'dps:k', '2'] },
      { on: 'a', send: ['GET', 'dps:k'] },
      { on: 'a', send: ['EXEC'] },
      { on: 'a', send: ['MULTI'] },
      { on: 'a', send: ['SET', 'dps:k', '3'] },
      { on: 'a', send: ['DISCARD'] },
      { on: 'a', send: ['BLPOP', 'dps:q', '0.01'] },
      { wait: 150 },
      {
        on: 'a',
        send: [
          'EVAL',
          "redis.call('set', KEYS[1], 'x'); return redis.call('get', KEYS[1])",
          '1',
          'dps:k',
        ],
      },
      { on: 'a', send: ['SELECT', '12'] },
      { on: 'a', send: ['CONFIG', 'GET', 'maxmemory'] },
      { on: 'a', send: ['PING'] },
      { on: 'm', send: ['MONITOR'] },
    ]));

  it('SWAPDB serves a client blocked on a key the other database has', () =>
    expectSame([
      { on: 'p', send: ['SELECT', '12'] },
      { on: 'p', send: ['DEL', 'dps:sw'] },
      { on: 'p', send: ['RPUSH', 'dps:sw', 'from 12'] },
      { on: 'a', send: ['BLPOP', 'dps:sw', '0'] },
      { on: 'p', send: ['SWAPDB', '12', '13'] },
      { on: 'p', send: ['SWAPDB', '12', '13'] },
      { on: 'p', send: ['DEL', 'dps:sw'] },
    ]));

  it('timeouts and argument errors', () =>
    expectSame([
      { on: 'a', send: ['BLPOP', 'dps:q', '0.05'] },
      { on: 'a', send: ['BRPOPLPUSH', 'dps:q', 'dps:d', '0.01'] },
      { on: 'a', send: ['BZPOPMAX', 'dps:z', '0.01'] },
      { on: 'a', send: ['BLMPOP', '0.01', '1', 'dps:q', 'LEFT'] },
      { wait: 150 },
      { on: 'b', send: ['BLPOP', 'dps:q', 'abc'] },
      { on: 'b', send: ['BLPOP', 'dps:q', '-1'] },
      { on: 'b', send: ['BLPOP', 'dps:q', 'nan'] },
      { on: 'b', send: ['BLPOP', 'dps:q', 'inf'] },
      { on: 'b', send: ['BLPOP', 'dps:q', ' 1'] },
      { on: 'b', send: ['BLMOVE', 'dps:q', 'dps:d', 'UP', 'LEFT', '0'] },
      { on: 'b', send: ['BLMPOP', '0', '0', 'dps:q', 'LEFT'] },
      { on: 'b', send: ['BLMPOP', '0', '1', 'dps:q', 'MIDDLE'] },
      { on: 'b', send: ['BZMPOP', '0', '1', 'dps:z', 'MIN', 'COUNT', '0'] },
      { on: 'b', send: ['SET', 'dps:t', 'v'] },
      { on: 'b', send: ['BLPOP', 'dps:t', '0'] },
      { on: 'b', send: ['BZPOPMIN', 'dps:t', '0'] },
      { on: 'b', send: ['BLPOP', 'dps:q'] },
    ]));
});

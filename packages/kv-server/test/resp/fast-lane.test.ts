// The RESP fast lane (src/resp/fast-lane.ts) beside the features it must not bypass, on a real
// kv-server over TCP: what only this server can show (its INFO counters, CLIENT LIST, MONITOR,
// maxmemory, CLIENT PAUSE, NOAUTH, tracking, a subscribed connection, the SELECTed database).
// Its replies themselves are compared with the real Redis in test/differential/fast-lane.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorReply, type Reply, SimpleString } from '../../src/protocol/reply.ts';
import { type Running, startEngine } from '../servers.ts';
import { RawClient } from './raw-client.ts';

let running: Running;
const clients: RawClient[] = [];

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(running.server.respUrl as string);
  clients.push(c);
  return c;
}

function text(reply: Reply): string {
  if (Buffer.isBuffer(reply)) return reply.toString('latin1');
  if (reply instanceof SimpleString) return reply.value;
  if (reply instanceof ErrorReply) return `-${reply.message}`;
  return JSON.stringify(reply);
}

function infoField(info: Reply, name: string): number {
  const match = new RegExp(`^${name}:(\\d+)`, 'm').exec(text(info));
  if (!match) throw new Error(`INFO has no ${name}`);
  return Number(match[1]);
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('RESP fast lane beside the server features', () => {
  beforeAll(async () => {
    running = await startEngine();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await running?.close();
  });

  it('counts keyspace hits, misses and commands as the normal path does', async () => {
    const c = await client();
    const before = await c.call('INFO', 'stats');
    await c.pipeline([
      ['SET', 'hit', 'v'],
      ['GET', 'hit'],
      ['GET', 'hit'],
      ['GET', 'miss'],
      // Writes read their key too, but only read-only commands count hits and misses.
      ['INCR', 'n'],
      ['LPUSH', 'l', 'a'],
      ['LPOP', 'l'],
      ['MSET', 'a', '1', 'b', '2'],
    ]);
    const after = await c.call('INFO', 'stats');
    expect(infoField(after, 'keyspace_hits') - infoField(before, 'keyspace_hits')).toBe(2);
    expect(infoField(after, 'keyspace_misses') - infoField(before, 'keyspace_misses')).toBe(1);
    // The eight commands and the first INFO.
    expect(
      infoField(after, 'total_commands_processed') - infoField(before, 'total_commands_processed'),
    ).toBe(9);
  });

  it('runs in the SELECTed database and shows in CLIENT LIST', async () => {
    const c = await client();
    await c.pipeline([
      ['SELECT', '3'],
      ['SET', 'db3', 'v'],
      ['ZADD', 'z3', '1', 'a'],
    ]);
    const list = text(await c.call('CLIENT', 'LIST', 'ID', text(await c.call('CLIENT', 'ID'))));
    expect(list).toMatch(/ db=3 /);
    await c.call('GET', 'db3');
    const again = text(await c.call('CLIENT', 'INFO'));
    expect(again).toMatch(/ cmd=client\|info /);
    const other = await client();
    expect(
      await other.pipeline([
        ['GET', 'db3'],
        ['SELECT', '3'],
        ['GET', 'db3'],
      ]),
    ).toEqual([null, new SimpleString('OK'), Buffer.from('v')]);
    await c.call('GET', 'db3');
    const seen = text(await other.call('CLIENT', 'LIST'));
    expect(seen).toMatch(/ db=3 .* cmd=get /);
  });

  it('shows its commands to MONITOR', async () => {
    const monitor = await client();
    expect(await monitor.call('MONITOR')).toEqual(new SimpleString('OK'));
    const c = await client();
    await c.pipeline([
      ['SET', 'mk', 'v'],
      ['GET', 'mk'],
      ['HSET', 'mh', 'f', 'x\ny'],
    ]);
    await until(() => monitor.pushes.length >= 3);
    const lines = monitor.pushes.map(text);
    expect(lines[0]).toMatch(/\[0 127\.0\.0\.1:\d+\] "SET" "mk" "v"$/);
    expect(lines[1]).toMatch(/"GET" "mk"$/);
    expect(lines[2]).toMatch(/"HSET" "mh" "f" "x\\ny"$/);
    monitor.close();
  });

  it('refuses writes over maxmemory under noeviction, and evicts under a policy', async () => {
    const c = await client();
    await c.call('SET', 'fill', 'x'.repeat(1000));
    expect(await c.call('CONFIG', 'SET', 'maxmemory', '1')).toEqual(new SimpleString('OK'));
    try {
      const [set, get, incr] = await c.pipeline([
        ['SET', 'k', 'v'],
        ['GET', 'fill'],
        ['INCR', 'n'],
      ]);
      expect(text(set as Reply)).toMatch(/^-OOM command not allowed/);
      expect(text(get as Reply)).toBe('x'.repeat(1000));
      expect(text(incr as Reply)).toMatch(/^-OOM/);
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      // Under a policy, the fast lane's writes are made room for like any other.
      await c.pipeline(Array.from({ length: 20 }, (_, i) => ['SET', `fill${i}`, 'y'.repeat(1000)]));
      const used = infoField(await c.call('INFO', 'memory'), 'used_memory');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      await c.call('CONFIG', 'SET', 'maxmemory', String(used + 500));
      const evictedBefore = infoField(await c.call('INFO', 'stats'), 'evicted_keys');
      // The first goes over the limit; the second evicts before it runs, as in Redis.
      expect(
        await c.pipeline([
          ['SET', 'big', 'z'.repeat(2000)],
          ['SET', 'k', 'v'],
        ]),
      ).toEqual([new SimpleString('OK'), new SimpleString('OK')]);
      expect(infoField(await c.call('INFO', 'stats'), 'evicted_keys')).toBeGreaterThan(
        evictedBefore,
      );
    } finally {
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('waits out CLIENT PAUSE WRITE for writes, not for reads', async () => {
    const admin = await client();
    const c = await client();
    await c.call('SET', 'p', 'before');
    await admin.call('CLIENT', 'PAUSE', '300', 'WRITE');
    const started = Date.now();
    const write = c.pipeline([['SET', 'p', 'after']]);
    const reader = await client();
    expect(await reader.call('GET', 'p')).toEqual(Buffer.from('before'));
    await write;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await reader.call('GET', 'p')).toEqual(Buffer.from('after'));
  });

  it('tells a tracking client its key changed', async () => {
    const cache = await client();
    await cache.call('HELLO', '3');
    await cache.call('CLIENT', 'TRACKING', 'ON');
    await cache.call('SET', 'tracked', '1');
    expect(await cache.call('GET', 'tracked')).toEqual(Buffer.from('1'));
    const writer = await client();
    await writer.call('INCR', 'tracked');
    await until(() => cache.pushes.length > 0);
    const push = cache.pushes[0] as unknown as { items: [Buffer, Buffer[]] };
    expect(push.items[0].toString()).toBe('invalidate');
    expect(push.items[1].map(String)).toEqual(['tracked']);
  });

  it('keeps a subscribed RESP2 connection to the pub/sub commands', async () => {
    const c = await client();
    await c.call('SUBSCRIBE', 'ch');
    expect(text(await c.call('SET', 'k', 'v'))).toBe(
      "-ERR Can't execute 'set': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    );
  });
});

describe('RESP fast lane with a password', () => {
  let secured: Running;
  beforeAll(async () => {
    secured = await startEngine({ password: 's3cret' });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('answers NOAUTH before AUTH, then runs', async () => {
    const c = await RawClient.connect(secured.server.respUrl as string);
    try {
      const replies = await c.pipeline([
        ['SET', 'k', 'v'],
        ['GET', 'k'],
        ['AUTH', 's3cret'],
        ['SET', 'k', 'v'],
        ['GET', 'k'],
      ]);
      expect(replies.map(text)).toEqual([
        '-NOAUTH Authentication required.',
        '-NOAUTH Authentication required.',
        'OK',
        'OK',
        'v',
      ]);
    } finally {
      c.close();
    }
  });
});

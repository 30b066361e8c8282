// The commands lessons 03 and 04 send, through iovalkey as the wiki sends them, answered from
// Postgres rows. (lesson-05-suites.test.ts runs lesson 05's own checkpoints against the server.)
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { useRespServer } from './server.ts';

const stack = useTestStack();
const resp = useRespServer(stack, { sweepEveryMs: 0 }); // sweeps only when a test asks
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let n = 0;
const newKey = (name: string) => `${name}-${process.pid}-${Date.now()}-${++n}`;

describe('strings', () => {
  it('keeps any bytes, as bytea', async () => {
    const client = resp.client();
    const key = newKey('binary');
    const bytes = Buffer.from([0, 13, 10, 255, 0x24, 0x2a, 0xc3, 0xa9, 0]);
    await client.set(key, bytes);
    expect(
      (await client.getBuffer(key))?.equals(bytes),
      'a value must come back byte for byte (NUL, \\r\\n, 0xff, invalid UTF-8): store it as bytea, not text',
    ).toBe(true);
    const keyBytes = Buffer.from([0xff, 0, 0x41]);
    await client.set(keyBytes, 'binary key');
    expect(await client.get(keyBytes), 'keys are bytes too').toBe('binary key');
  });

  it('SET NX writes only a missing key, XX only an existing one, GET answers the old value', async () => {
    const client = resp.client();
    const key = newKey('set-options');
    expect(await client.set(key, 'one', 'XX'), 'XX on a missing key must not write').toBeNull();
    expect(await client.exists(key)).toBe(0);
    expect(await client.set(key, 'one', 'NX'), 'NX on a missing key writes').toBe('OK');
    expect(await client.set(key, 'two', 'NX'), 'NX on an existing key must not write').toBeNull();
    expect(await client.get(key)).toBe('one');
    expect(await client.set(key, 'two', 'XX'), 'XX on an existing key writes').toBe('OK');
    expect(
      await client.call('SET', key, 'three', 'GET'),
      'SET ... GET answers the value it replaced',
    ).toBe('two');
    expect(await client.get(key)).toBe('three');
    await expect(client.call('SET', key, 'x', 'EX', '0'), 'EX 0 is refused').rejects.toThrow(
      "ERR invalid expire time in 'set' command",
    );
  });

  it('gives 50 concurrent SET NX to one winner', async () => {
    const key = newKey('nx-race');
    const clients = Array.from({ length: 5 }, () => resp.client());
    await Promise.all(clients.map((client) => client.ping()));
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        clients[i % 5]?.set(key, `editor${i}`, 'PX', 10_000, 'NX'),
      ),
    );
    expect(
      replies.filter((reply) => reply === 'OK').length,
      'exactly one SET NX of a missing key may win, however many arrive together',
    ).toBe(1);
  });

  it('MSET and MGET many keys in one command', async () => {
    const client = resp.client();
    const [a, b] = [newKey('m'), newKey('m')];
    expect(await client.mset(a, '1', b, '2', a, '3')).toBe('OK');
    expect(
      await client.mget(a, b, newKey('missing')),
      'MGET answers the values in the order of the keys, nil for a missing one; a key set twice keeps its last value',
    ).toEqual(['3', '2', null]);
    expect(await client.exists(a, a, b), 'EXISTS counts a key named twice twice').toBe(3);
    expect(await client.del(a, b, newKey('missing')), 'DEL answers how many existed').toBe(2);
  });
});

describe('counters', () => {
  it('counts 200 concurrent INCRs from 5 connections exactly', async () => {
    const key = newKey('incr');
    const clients = Array.from({ length: 5 }, () => resp.client());
    await Promise.all(clients.map((client) => client.ping())); // all five connected: they race
    await Promise.all(Array.from({ length: 200 }, (_, i) => clients[i % 5]?.incr(key)));
    expect(
      await clients[0]?.get(key),
      'INCR must read, add and write in one statement (INSERT ... ON CONFLICT DO UPDATE), never SELECT then UPDATE',
    ).toBe('200');
  });

  it('INCRBY, DECR, and INCR of what is not an integer fails like Redis', async () => {
    const client = resp.client();
    const key = newKey('incrby');
    expect(await client.incrby(key, 10)).toBe(10);
    expect(await client.decr(key)).toBe(9);
    const text = newKey('text');
    await client.set(text, ' 12'); // a space: not an integer for Redis
    await expect(
      client.incr(text),
      'INCR of " 12" must fail with "ERR value is not an integer or out of range"',
    ).rejects.toThrow('ERR value is not an integer or out of range');
    expect(await client.get(text), 'a failed INCR leaves the value as it was').toBe(' 12');
    const big = newKey('big');
    await client.set(big, '9223372036854775807');
    await expect(client.incr(big), 'past 2^63 - 1, INCR must fail').rejects.toThrow(
      'ERR increment or decrement would overflow',
    );
  });
});

describe('expiry', () => {
  it('hides an expired key at once, and the sweeper deletes its row later', async () => {
    const client = resp.client();
    const key = newKey('expiring');
    // PX 1000, not 100: on a loaded machine a tenth of a second can pass between SET and PTTL.
    await client.set(key, 'soon gone', 'PX', 1000);
    const pttl = await client.pttl(key);
    expect(pttl, 'PTTL of a key set with PX 1000 is between 0 and 1000').toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1000);
    await sleep(1100);
    expect(
      await client.get(key),
      'a read must check expires_at: an expired row is a missing key, swept or not',
    ).toBeNull();
    expect(await client.exists(key)).toBe(0);
    expect(await client.ttl(key), 'TTL of an expired key is -2').toBe(-2);
    const rows = () =>
      stack.pool.query(`SELECT 1 FROM ${resp.server.table} WHERE key = $1`, [Buffer.from(key)]);
    expect((await rows()).rowCount, 'before the sweep, the row is still there').toBe(1);
    await resp.server.keyspace.sweep(stack.pool);
    expect((await rows()).rowCount, 'the sweep deletes expired rows').toBe(0);
  });

  it('EXPIRE, EXPIRE NX, TTL, PERSIST', async () => {
    const client = resp.client();
    const key = newKey('ttl');
    expect(await client.ttl(key), 'TTL of a missing key is -2').toBe(-2);
    expect(await client.expire(key, 10), 'EXPIRE of a missing key answers 0').toBe(0);
    await client.set(key, 'v');
    expect(await client.ttl(key), 'TTL of a key without expiry is -1').toBe(-1);
    expect(await client.expire(key, 100, 'NX')).toBe(1);
    expect(await client.expire(key, 5, 'NX'), 'EXPIRE NX must not change an existing expiry').toBe(
      0,
    );
    expect(await client.ttl(key)).toBe(100);
    expect(await client.persist(key)).toBe(1);
    expect(await client.ttl(key)).toBe(-1);
    await client.set(key, 'v2', 'EX', 50);
    await client.set(key, 'v3');
    expect(await client.ttl(key), 'a plain SET removes the old expiry').toBe(-1);
  });
});

describe('the rest of what lessons 03-04 send', () => {
  it('runs MULTI/EXEC as one transaction; one failed command does not undo the others', async () => {
    const client = resp.client();
    const key = newKey('multi');
    const replies = await client.multi().incr(key).expire(key, 60, 'NX').exec();
    expect(replies, 'EXEC answers each queued command’s reply, in order').toEqual([
      [null, 1],
      [null, 1],
    ]);
    const text = newKey('multi-text');
    await client.set(text, 'abc');
    const mixed = await client.multi().incr(key).incr(text).incr(key).exec();
    expect(mixed?.[0]).toEqual([null, 2]);
    expect(String(mixed?.[1]?.[0]), 'INCR of a string fails inside EXEC too').toContain(
      'not an integer',
    );
    expect(mixed?.[2], 'the commands after a failed one still run, as in Redis').toEqual([null, 3]);
    const aborted = client.multi();
    aborted.call('NOSUCHCOMMAND');
    aborted.incr(key);
    await expect(
      aborted.exec(),
      'an unknown command queued in MULTI discards the transaction',
    ).rejects.toThrow('EXECABORT');
    expect(await client.get(key), 'nothing of a discarded transaction runs').toBe('3');
  });

  it('keeps SELECT’s databases apart, and FLUSHDB empties only its own', async () => {
    const one = resp.client(1);
    const two = resp.client(2);
    await one.set('same-name', 'in db 1');
    await two.set('same-name', 'in db 2');
    expect(await one.get('same-name')).toBe('in db 1');
    await two.flushdb();
    expect(await two.get('same-name')).toBeNull();
    expect(await one.get('same-name'), 'FLUSHDB in db 2 must not touch db 1').toBe('in db 1');
  });

  it('walks every key with SCAN, COUNT at a time, MATCH filtering', async () => {
    const client = resp.client(3);
    await client.flushdb();
    for (let i = 0; i < 25; i++) await client.set(`scan:${i}`, 'x');
    await client.set('other', 'x');
    const seen = new Set<string>();
    let cursor = '0';
    let steps = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', 'scan:*', 'COUNT', 10);
      for (const key of keys) seen.add(key);
      cursor = next;
      steps++;
    } while (cursor !== '0' && steps < 100);
    expect(seen.size, 'SCAN from 0 back to 0 must return every matching key').toBe(25);
    expect(steps, 'COUNT 10 over 26 keys takes 3 steps').toBe(3);
  });

  it('keeps the most-viewed list of lesson 04 as a sorted set', async () => {
    const client = resp.client();
    const key = newKey('ranking');
    await client.zincrby(key, 1, 'a');
    await client.zincrby(key, 3, 'b');
    await client.zincrby(key, 1, 'a');
    expect(await client.zrange(key, 0, -1, 'REV', 'WITHSCORES')).toEqual(['b', '3', 'a', '2']);
    await expect(client.get(key), 'GET of a sorted set is WRONGTYPE').rejects.toThrow('WRONGTYPE');
  });

  it('stores one row per key, UNLOGGED when asked', async () => {
    const client = resp.client(4);
    await client.flushdb();
    await client.mset('a', '1', 'b', '2', 'c', '3');
    await client.set('a', 'changed');
    const { rows } = await stack.pool.query(
      `SELECT count(*)::int AS n FROM ${resp.server.table} WHERE db = 4`,
    );
    expect(rows[0]?.n, 'three keys are three rows, however often they change').toBe(3);
    const { rows: kind } = await stack.pool.query(
      `SELECT relpersistence FROM pg_class WHERE relname = $1`,
      [resp.server.table],
    );
    expect(kind[0]?.relpersistence, "the server's table was asked for UNLOGGED").toBe('u');
  });
});

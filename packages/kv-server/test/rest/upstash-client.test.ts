// The real @upstash/redis client, with its default settings (base64 responses, auto-pipelining,
// JSON-parsed values), against the REST surface: in engine mode and in forwarding mode.

import { errors, type Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { REDIS_DB } from '../redis-db.ts';
import { startEngine, startForwarding, useUpstash } from '../servers.ts';

describe.each([
  ['engine', startEngine],
  ['forward', () => startForwarding(REDIS_DB.client)],
] as const)('@upstash/redis against kv-server (%s mode)', (mode, start) => {
  let redis: Redis;
  useUpstash(mode, start, (client) => {
    redis = client;
  });

  it('strings: plain words, numeric strings and JSON objects come back as the client expects', async () => {
    expect(await redis.set('s:word', 'test')).toBe('OK');
    expect(await redis.get('s:word')).toBe('test');
    await redis.set('s:one', '1');
    expect(await redis.get('s:one')).toBe(1); // the client JSON-parses values
    await redis.set('s:obj', { name: 'Ada', tags: ['a', 'b'], n: 2 });
    expect(await redis.get('s:obj')).toEqual({ name: 'Ada', tags: ['a', 'b'], n: 2 });
    await redis.set('s:utf8', 'héllo wörld ✓ 日本');
    expect(await redis.get('s:utf8')).toBe('héllo wörld ✓ 日本');
    expect(await redis.get('s:missing')).toBeNull();
    expect(await redis.set('s:word', 'other', { nx: true })).toBeNull();
    expect(await redis.mset({ 's:a': 'x', 's:b': 'y' })).toBe('OK');
    expect(await redis.mget('s:a', 's:missing', 's:b')).toEqual(['x', null, 'y']);
    expect(await redis.incr('s:counter')).toBe(1);
    expect(await redis.incrby('s:counter', 41)).toBe(42);
    expect(await redis.decr('s:counter')).toBe(41);
    expect(await redis.append('s:word', '!')).toBe(5);
    expect(await redis.getdel('s:word')).toBe('test!');
    expect(await redis.strlen('s:a')).toBe(1);
  });

  it('keys: exists, type, rename, del, scan', async () => {
    await redis.set('k:1', 'v');
    await redis.set('k:2', 'v');
    expect(await redis.exists('k:1', 'k:2', 'k:none')).toBe(2);
    expect(await redis.type('k:1')).toBe('string');
    expect(await redis.rename('k:2', 'k:3')).toBe('OK');
    const [cursor, keys] = await redis.scan(0, { match: 'k:*', count: 100 });
    expect(String(cursor)).toBe('0');
    expect(keys.sort()).toEqual(['k:1', 'k:3']);
    expect((await redis.keys('k:*')).sort()).toEqual(['k:1', 'k:3']);
    expect(await redis.del('k:1', 'k:3', 'k:none')).toBe(2);
  });

  it('expiry: ex, expire, ttl, pttl, persist', async () => {
    await redis.set('e:1', 'v', { ex: 100 });
    const ttl = await redis.ttl('e:1');
    expect(ttl).toBeGreaterThan(95);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.pttl('e:1')).toBeGreaterThan(95_000);
    expect(await redis.persist('e:1')).toBe(1);
    expect(await redis.ttl('e:1')).toBe(-1);
    expect(await redis.ttl('e:missing')).toBe(-2);
    await redis.set('e:2', 'v', { px: 50 });
    expect(await redis.expire('e:1', 1)).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(await redis.get('e:2')).toBeNull();
  });

  it('hashes: objects in, objects out', async () => {
    expect(await redis.hset('h:1', { name: 'Ada', age: 36, json: { a: 1 } })).toBe(3);
    expect(await redis.hget('h:1', 'name')).toBe('Ada');
    expect(await redis.hget('h:1', 'age')).toBe(36);
    expect(await redis.hgetall('h:1')).toEqual({ name: 'Ada', age: 36, json: { a: 1 } });
    expect(await redis.hincrby('h:1', 'age', 1)).toBe(37);
    expect(await redis.hexists('h:1', 'name')).toBe(1);
    expect(await redis.hdel('h:1', 'name')).toBe(1);
    expect(await redis.hlen('h:1')).toBe(2);
    expect(await redis.hgetall('h:missing')).toBeNull();
  });

  it('lists: push, range, pop', async () => {
    expect(await redis.rpush('l:1', 'a', 'b', 'c')).toBe(3);
    expect(await redis.lpush('l:1', 'z')).toBe(4);
    expect(await redis.lrange('l:1', 0, -1)).toEqual(['z', 'a', 'b', 'c']);
    expect(await redis.lpop('l:1')).toBe('z');
    expect(await redis.rpop('l:1')).toBe('c');
    expect(await redis.llen('l:1')).toBe(2);
    expect(await redis.lindex('l:1', 1)).toBe('b');
  });

  it('sets: add, members, membership', async () => {
    expect(await redis.sadd('set:1', 'a', 'b', 'c')).toBe(3);
    expect(await redis.sadd('set:1', 'a')).toBe(0);
    expect((await redis.smembers('set:1')).sort()).toEqual(['a', 'b', 'c']);
    expect(await redis.sismember('set:1', 'b')).toBe(1);
    expect(await redis.srem('set:1', 'b')).toBe(1);
    expect(await redis.scard('set:1')).toBe(2);
  });

  it('sorted sets: scores, ranges, ranks', async () => {
    expect(
      await redis.zadd('z:1', { score: 1, member: 'one' }, { score: 2.5, member: 'two' }),
    ).toBe(2);
    expect(await redis.zscore('z:1', 'two')).toBe(2.5);
    expect(await redis.zincrby('z:1', 10, 'one')).toBe(11);
    expect(await redis.zrange('z:1', 0, -1)).toEqual(['two', 'one']);
    expect(await redis.zrange('z:1', 0, -1, { withScores: true })).toEqual(['two', 2.5, 'one', 11]);
    expect(await redis.zrank('z:1', 'one')).toBe(1);
    expect(await redis.zcard('z:1')).toBe(2);
  });

  it('pipeline(): results in order, an error per command', async () => {
    const results = await redis
      .pipeline()
      .set('p:1', 'test')
      .get('p:1')
      .incr('p:n')
      .hset('p:h', { f: 'v' })
      .exec();
    expect(results).toEqual(['OK', 'test', 1, 1]);
    await expect(redis.pipeline().set('p:2', 'x').incr('p:2').exec()).rejects.toThrow(
      /not an integer/,
    );
    expect(await redis.get('p:2')).toBe('x');
  });

  it('multi(): atomic, replies decoded', async () => {
    const results = await redis.multi().set('m:1', 'test').incr('m:n').get('m:1').exec();
    expect(results).toEqual(['OK', 1, 'test']);
  });

  it('errors surface as UpstashError with the Redis text', async () => {
    await redis.set('x:s', 'abc');
    const error = await redis.incr('x:s').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.UpstashError);
    expect((error as Error).message).toMatch(/ERR value is not an integer or out of range/);
    await redis.rpush('x:l', 'a');
    await expect(redis.get('x:l')).rejects.toThrow(/WRONGTYPE Operation against a key/);
    // The server still works afterwards.
    expect(await redis.get('x:s')).toBe('abc');
  });

  it('reports the unknown-command error the backend gives', async () => {
    const error = await redis.exec(['nosuchcommand', 'a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.UpstashError);
    expect((error as Error).message).toMatch(/unknown command 'nosuchcommand'/);
  });
});

// The ecosystem's Lua-based libraries over REST: @upstash/ratelimit (its three algorithms run as
// EVALSHA scripts) and @upstash/lock (EVAL for release and extend), against the engine, and the
// same against a forwarding kv-server (in services mode: real Redis, database 11).

import { Lock } from '@upstash/lock';
import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { REDIS_DB } from '../redis-db.ts';
import { startEngine, startForwarding, useUpstash } from '../servers.ts';

/** Redis database of the services-mode run (redis-db.ts). */
const ECOSYSTEM_DB = REDIS_DB.ecosystem;

describe.each([
  ['engine', startEngine],
  ['forward', () => startForwarding(ECOSYSTEM_DB)],
] as const)('Upstash Lua libraries over REST (%s mode)', (mode, start) => {
  const run = `${process.pid}-${Date.now()}`;
  let redis: Redis;
  useUpstash(mode, start, (client) => {
    redis = client;
  });

  // No ephemeral cache and no analytics: every decision is the server's script's.
  const limiter = (limiter: ReturnType<typeof Ratelimit.fixedWindow>, prefix: string) =>
    new Ratelimit({
      redis,
      limiter,
      prefix: `${prefix}:${run}`,
      ephemeralCache: false,
      analytics: false,
    });

  for (const [name, make] of [
    // Hour-long windows: a fixed window is aligned to the clock, and crossing its boundary in
    // the middle of the test would reset the count (a 10 s window did, now and then).
    ['fixed window', () => Ratelimit.fixedWindow(3, '1 h')],
    ['sliding window', () => Ratelimit.slidingWindow(3, '1 h')],
    ['token bucket', () => Ratelimit.tokenBucket(3, '1 h', 3)],
  ] as const) {
    it(`ratelimit ${name}: 3 allowed, the 4th refused, getRemaining, resetUsedTokens`, async () => {
      const rl = limiter(make(), name.replace(' ', '-'));
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await rl.limit('user-1'));
      expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      expect(results[0]!.limit).toBe(3);
      expect(results[0]!.reset).toBeGreaterThan(Date.now());
      // Another identifier has its own budget; another instance sees the same server state.
      expect((await rl.limit('user-2')).success).toBe(true);
      const other = limiter(make(), name.replace(' ', '-'));
      expect((await other.limit('user-1')).success).toBe(false);
      expect((await rl.getRemaining('user-1')).remaining).toBe(0);
      expect((await rl.getRemaining('user-2')).remaining).toBe(2);
      await rl.resetUsedTokens('user-1');
      expect((await rl.getRemaining('user-1')).remaining).toBe(3);
      expect((await rl.limit('user-1')).success).toBe(true);
    });
  }

  it('ratelimit: a request can take several tokens (rate)', async () => {
    const rl = limiter(Ratelimit.fixedWindow(5, '1 h'), 'rate');
    expect((await rl.limit('u', { rate: 4 })).remaining).toBe(1);
    const last = await rl.limit('u', { rate: 1 });
    expect([last.success, last.remaining]).toEqual([true, 0]);
    expect((await rl.limit('u', { rate: 1 })).success).toBe(false);
  });

  it('lock: acquire, contention, extend, release, and release by a non-owner', async () => {
    const id = `lock:${run}`;
    // @upstash/lock resolves @upstash/redis's CommonJS typings, this file its ESM ones: same class.
    const lockRedis = redis as unknown as ConstructorParameters<typeof Lock>[0]['redis'];
    const a = new Lock({ id, redis: lockRedis, lease: 2000, retry: { attempts: 1, delay: 10 } });
    const b = new Lock({ id, redis: lockRedis, lease: 2000, retry: { attempts: 2, delay: 10 } });
    expect(await a.acquire()).toBe(true);
    expect(await a.getStatus()).toBe('ACQUIRED');
    expect(await b.acquire()).toBe(false);
    expect(await a.extend(10_000)).toBe(true);
    expect(await redis.pttl(id)).toBeGreaterThan(5000);
    expect(await b.extend(10_000)).toBe(false); // b does not hold it
    expect(await b.release()).toBe(false);
    expect(await a.release()).toBe(true);
    expect(await redis.exists(id)).toBe(0);
    expect(await b.acquire()).toBe(true);
    expect(await a.release()).toBe(false); // a's UUID no longer matches
    expect(await b.release()).toBe(true);
  });

  it('scripts through @upstash/redis: eval, evalsha, scriptLoad, createScript', async () => {
    expect(await redis.eval('return {KEYS[1], ARGV[1]}', ['k'], ['v'])).toEqual(['k', 'v']);
    const sha = await redis.scriptLoad('return tonumber(ARGV[1]) * 2');
    expect(await redis.evalsha(sha, [], ['21'])).toBe(42);
    expect(await redis.scriptExists(sha, 'ffffffffffffffffffffffffffffffffffffffff')).toEqual([
      1, 0,
    ]);
    const script = redis.createScript<string>('return redis.call("SET", KEYS[1], ARGV[1])');
    expect(await script.exec([`s:${run}`], ['x'])).toBe('OK');
    expect(await redis.get(`s:${run}`)).toBe('x');
    await expect(redis.eval('return redis.call("nosuch")', [], [])).rejects.toThrow(
      /Unknown Redis command called from script/,
    );
  });
});

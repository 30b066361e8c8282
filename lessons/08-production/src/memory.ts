// maxmemory and the eviction policies. A Redis-like server keeps everything in memory; with no
// limit it grows until the machine (or the container) kills it. `maxmemory` sets the limit, and
// `maxmemory-policy` says what happens at it: refuse writes (noeviction), or make room by
// evicting keys, chosen among all keys (allkeys-*) or only those with a TTL (volatile-*), by
// least recently used (lru), least frequently used (lfu), shortest TTL left (ttl) or at random.

import type { Redis as ValkeyClient } from 'iovalkey';

// #region configure
export type EvictionPolicy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'allkeys-lfu'
  | 'allkeys-random'
  | 'volatile-lru'
  | 'volatile-lfu'
  | 'volatile-random'
  | 'volatile-ttl';

/** Sets the limit and the policy; answers a function that puts the old ones back. */
export async function limitMemory(
  client: ValkeyClient,
  maxmemory: number,
  policy: EvictionPolicy,
): Promise<() => Promise<void>> {
  const [, before] = (await client.config('GET', 'maxmemory')) as [string, string];
  const [, beforePolicy] = (await client.config('GET', 'maxmemory-policy')) as [string, string];
  await client.config('SET', 'maxmemory-policy', policy);
  await client.config('SET', 'maxmemory', String(maxmemory));
  return async () => {
    await client.config('SET', 'maxmemory', before);
    await client.config('SET', 'maxmemory-policy', beforePolicy);
  };
}
// #endregion configure

/** used_memory now, in bytes (INFO memory). */
export async function usedMemory(client: ValkeyClient): Promise<number> {
  return Number((await client.info('memory')).match(/^used_memory:(\d+)/m)?.[1]);
}

// #region fill
/**
 * Writes `count` keys `<prefix><i>` of `valueBytes` each (with a TTL of `ttlSeconds(i)` when
 * given), 100 to a pipeline. Answers how many the server refused with OOM.
 */
export async function fill(
  client: ValkeyClient,
  {
    prefix,
    count,
    valueBytes,
    ttlSeconds,
  }: { prefix: string; count: number; valueBytes: number; ttlSeconds?: (i: number) => number },
): Promise<{ refused: number }> {
  const value = 'x'.repeat(valueBytes);
  let refused = 0;
  for (let start = 0; start < count; start += 100) {
    const pipeline = client.pipeline();
    for (let i = start; i < Math.min(count, start + 100); i++) {
      const ttl = ttlSeconds?.(i);
      if (ttl === undefined) pipeline.set(`${prefix}${i}`, value);
      else pipeline.set(`${prefix}${i}`, value, 'EX', ttl);
    }
    for (const [error] of (await pipeline.exec()) ?? []) {
      if (error?.message.startsWith('OOM')) refused++;
      else if (error) throw error;
    }
  }
  return { refused };
}
// #endregion fill

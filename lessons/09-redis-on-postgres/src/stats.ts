// The hit ratio, from both ends. The app counts what its cache did (a hit, a miss); the server
// counts lookups (INFO stats: keyspace_hits, keyspace_misses) for every client and every key,
// counters and locks included. Side by side they tell you whether the cache earns its memory.
// Memory and evictions come from the same INFO: used_memory, maxmemory, evicted_keys.

import type { Redis as ValkeyClient } from 'iovalkey';
import type { CacheEvent } from './cache.ts';

// #region app-counter
/** The app's own count of its cache reads: a hit answered from the store, a miss from Postgres. */
export function createHitCounter() {
  let hits = 0;
  let misses = 0;
  return {
    /** Give it every CacheEvent (the wiki's onCacheEvent); only hits and misses count. */
    record(event: CacheEvent): void {
      if (event.kind === 'hit') hits++;
      else if (event.kind === 'miss') misses++;
      // 'shared' is a caller that joined a miss already loading: no read of its own.
    },
    counts: () => ({ hits, misses }),
  };
}

/** hits / (hits + misses), or null before the first read (0 of 0 is no ratio at all). */
export function hitRatio({ hits, misses }: { hits: number; misses: number }): number | null {
  return hits + misses === 0 ? null : hits / (hits + misses);
}
// #endregion app-counter

// #region server-stats
export interface ServerStats {
  keyspaceHits: number;
  keyspaceMisses: number;
  evictedKeys: number;
  expiredKeys: number;
  usedMemory: number;
  maxmemory: number;
  policy: string;
}

/** The figures of INFO stats and INFO memory this lesson reads. */
export async function serverStats(client: ValkeyClient): Promise<ServerStats> {
  const info = `${await client.info('stats')}\n${await client.info('memory')}`;
  const field = (name: string) => info.match(new RegExp(`^${name}:(.*)$`, 'm'))?.[1]?.trim();
  const number = (name: string) => Number(field(name) ?? Number.NaN);
  return {
    keyspaceHits: number('keyspace_hits'),
    keyspaceMisses: number('keyspace_misses'),
    evictedKeys: number('evicted_keys'),
    expiredKeys: number('expired_keys'),
    usedMemory: number('used_memory'),
    maxmemory: number('maxmemory'),
    policy: field('maxmemory_policy') ?? 'unknown',
  };
}
// #endregion server-stats

// #region report
const percent = (ratio: number | null) =>
  ratio === null ? 'no reads yet' : `${(ratio * 100).toFixed(1)}%`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The report `pnpm lesson 8` prints and the web front's /status page shows. */
export function statusReport(
  app: { hits: number; misses: number },
  server: ServerStats,
  /** More rows for the hit ratio table (the web front's in-process tier). */
  moreRatioRows: [string, string][] = [],
): { title: string; rows: [string, string][] }[] {
  const serverCounts = { hits: server.keyspaceHits, misses: server.keyspaceMisses };
  return [
    {
      title: 'Hit ratio',
      rows: [
        [
          'the app (its cache reads)',
          `${percent(hitRatio(app))} (${app.hits} hits, ${app.misses} misses)`,
        ],
        [
          'the server (INFO stats)',
          `${percent(hitRatio(serverCounts))} (${server.keyspaceHits} hits, ${server.keyspaceMisses} misses)`,
        ],
        ...moreRatioRows,
      ],
    },
    {
      title: 'Memory',
      rows: [
        ['used_memory', mb(server.usedMemory)],
        ['maxmemory', server.maxmemory === 0 ? 'none (0: no limit)' : mb(server.maxmemory)],
        ['maxmemory-policy', server.policy],
        ['evicted_keys', String(server.evictedKeys)],
        ['expired_keys', String(server.expiredKeys)],
      ],
    },
  ];
}
// #endregion report

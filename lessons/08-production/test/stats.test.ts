// Checkpoint 08, hit ratio: the app counts its cache's hits and misses, INFO stats counts the
// server's lookups, and the report shows both, correctly. On a server of the file's own, so no
// other client's lookups are in INFO's counters.

import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { createHitCounter, hitRatio, serverStats, statusReport } from '../src/stats.ts';
import { createWiki } from '../src/wiki.ts';
import { scratchServers } from './servers.ts';

const stack = useTestStack();

it('a ratio is hits over all reads, and no reads is no ratio', () => {
  expect(hitRatio({ hits: 3, misses: 1 })).toBe(0.75);
  expect(hitRatio({ hits: 0, misses: 0 })).toBeNull();
});

describe.each(scratchServers())('on $name', (server) => {
  it('counts 8 hits and 2 misses for 10 reads of 2 pages, as INFO does', async () => {
    const { client, store } = server.connect();
    await client.flushall();
    const counter = createHitCounter();
    const wiki = createWiki({ pool: stack.pool, store, client, onCacheEvent: counter.record });
    const before = await serverStats(client);
    for (let i = 0; i < 5; i++) {
      await wiki.listArticles();
      await wiki.getArticle('article-00005');
    }
    const after = await serverStats(client);
    expect(
      counter.counts(),
      'each read is one hit or one miss: the first of each page misses',
    ).toEqual({
      hits: 8,
      misses: 2,
    });
    expect({
      hits: after.keyspaceHits - before.keyspaceHits,
      misses: after.keyspaceMisses - before.keyspaceMisses,
    }).toEqual({ hits: 8, misses: 2 });

    const report = statusReport(counter.counts(), after);
    const rows = Object.fromEntries(report.flatMap((section) => section.rows));
    expect(
      rows['the app (its cache reads)'],
      'the report shows the app ratio as a percentage',
    ).toBe('80.0% (8 hits, 2 misses)');
    expect(rows['the server (INFO stats)']).toContain(`${after.keyspaceHits} hits`);
    expect(rows['maxmemory-policy']).toBe(after.policy);
    expect(rows.evicted_keys).toBe(String(after.evictedKeys));
  });
});

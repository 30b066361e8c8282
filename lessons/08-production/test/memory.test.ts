// Checkpoint 08, memory: at maxmemory with noeviction the store refuses writes (OOM) and the
// wiki still answers every page from Postgres, edits included; with allkeys-lru the server
// evicts (evicted_keys), least recently used first; with volatile-ttl only keys with a TTL go,
// shortest TTL first. Each on a server of the file's own (test/servers.ts).

import { getArticle } from '@workshop/db';
import { useTestStack } from '@workshop/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheEvent } from '../src/cache.ts';
import { fill, limitMemory, usedMemory } from '../src/memory.ts';
import { serverStats } from '../src/stats.ts';
import { createWiki } from '../src/wiki.ts';
import { scratchServers } from './servers.ts';

const stack = useTestStack();
const servers = scratchServers();

let restore: (() => Promise<void>) | undefined;
afterEach(async () => {
  await restore?.();
  restore = undefined;
});

describe.each(servers)('on $name', (server) => {
  it('at maxmemory with noeviction, the wiki answers from Postgres and edits stay correct', async () => {
    const { client, store } = server.connect();
    // SYNC: Valkey 8 frees a FLUSHALL in the background by default, and the memory figures
    // read next must not still count the keys being freed.
    await client.flushall('SYNC');
    const events: CacheEvent[] = [];
    const wiki = createWiki({
      pool: stack.pool,
      store,
      client,
      onCacheEvent: (e) => events.push(e),
    });
    // Cache one article while there is room, then fill the store to its limit.
    expect((await wiki.getArticle('article-00001'))?.slug).toBe('article-00001');
    restore = await limitMemory(client, (await usedMemory(client)) + 256 * 1024, 'noeviction');
    const { refused } = await fill(client, { prefix: 'filler:', count: 2000, valueBytes: 1024 });
    expect(refused, 'the store should be full: writes refused with OOM').toBeGreaterThan(0);

    for (const slug of ['article-00002', 'article-00003']) {
      const article = await wiki.getArticle(slug);
      expect(article?.slug, 'a full store must not fail the page: answer from Postgres').toBe(slug);
    }
    const list = await wiki.listArticles();
    expect(list.length, 'the list must come from Postgres when the store is full').toBeGreaterThan(
      0,
    );
    expect(
      events.some((e) => e.kind === 'store-full'),
      'an OOM refusal should be reported as store-full (the store answers; it is full)',
    ).toBe(true);
    expect(
      events.some((e) => e.kind === 'store-down'),
      'a full store is not a store that is down',
    ).toBe(false);

    // An edit while full: the new fields are refused, so the old copy must not stay.
    const updated = await wiki.updateArticle('article-00001', { title: 'Edited while full' });
    expect(updated?.title).toBe('Edited while full');
    expect(
      (await wiki.getArticle('article-00001'))?.title,
      'when the store refuses the new fields (OOM), delete the old copy: DEL works on a full store',
    ).toBe('Edited while full');
    expect((await getArticle(stack.pool, 'article-00001'))?.title).toBe('Edited while full');
  });

  it('with allkeys-lru, it evicts (evicted_keys), and the keys read recently stay', async () => {
    const { client } = server.connect();
    await client.flushall('SYNC');
    const before = (await serverStats(client)).evictedKeys;
    restore = await limitMemory(client, (await usedMemory(client)) + 512 * 1024, 'allkeys-lru');
    // The LRU is approximate: it evicts the oldest of a sample of keys. 10 samples instead of
    // 5 bring it closer to the true LRU (this server is the file's own: no restore needed).
    await client.config('SET', 'maxmemory-samples', '10');
    await fill(client, { prefix: 'hot:', count: 50, valueBytes: 1024 });
    await fill(client, { prefix: 'cold:', count: 200, valueBytes: 1024 });
    // The server's LRU clock ticks once a second (and is read up to 100 ms late), so keys written
    // in the same second look equally old: 1.1 s later, every key written from now on is at least
    // one tick younger than every cold key.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const hot = Array.from({ length: 50 }, (_, i) => `hot:${i}`);
    // Keep reading the hot keys while more data arrives, until 50 keys have been evicted.
    let evicted = 0;
    for (let round = 0; round < 100 && evicted < 50; round++) {
      await client.mget(...hot);
      await fill(client, { prefix: `more${round}:`, count: 10, valueBytes: 1024 });
      evicted = (await serverStats(client)).evictedKeys - before;
    }
    expect(
      evicted,
      'past maxmemory, allkeys-lru must evict keys (INFO evicted_keys)',
    ).toBeGreaterThan(0);
    const hotLeft = (await client.mget(...hot)).filter((v) => v !== null).length;
    const cold = Array.from({ length: 200 }, (_, i) => `cold:${i}`);
    const coldLeft = (await client.mget(...cold)).filter((v) => v !== null).length;
    expect(hotLeft / 50, 'LRU keeps the keys read recently').toBeGreaterThanOrEqual(0.9);
    expect(
      200 - coldLeft,
      'LRU evicts the keys nobody read: most evictions are cold keys',
    ).toBeGreaterThan(evicted * 0.8);
  });

  it('with volatile-ttl, only keys with a TTL are evicted, shortest TTL first', async () => {
    const { client } = server.connect();
    await client.flushall('SYNC');
    restore = await limitMemory(client, (await usedMemory(client)) + 256 * 1024, 'volatile-ttl');
    await fill(client, { prefix: 'forever:', count: 100, valueBytes: 1024 });
    await fill(client, { prefix: 'short:', count: 150, valueBytes: 1024, ttlSeconds: () => 100 });
    await fill(client, { prefix: 'long:', count: 150, valueBytes: 1024, ttlSeconds: () => 10_000 });
    const left = async (prefix: string, count: number) =>
      (await client.mget(...Array.from({ length: count }, (_, i) => `${prefix}${i}`))).filter(
        (v) => v !== null,
      ).length;
    expect(await left('forever:', 100), 'volatile-ttl never evicts a key without a TTL').toBe(100);
    const short = await left('short:', 150);
    const long = await left('long:', 150);
    expect(short, 'volatile-ttl evicts the keys closest to expiring first').toBeLessThan(long);
    // Fill on with keys without a TTL: once nothing volatile is left, writes fail with OOM.
    const { refused } = await fill(client, {
      prefix: 'more-forever:',
      count: 1000,
      valueBytes: 1024,
    });
    expect(
      refused,
      'with nothing evictable left, volatile-ttl refuses writes (OOM)',
    ).toBeGreaterThan(0);
  });
});

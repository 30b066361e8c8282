// Checkpoint 03, through the wiki: the article list is cached, every write (create, update,
// delete) is visible on the next read, a stampede costs one query, and a dead cache only costs
// speed. Queries are counted on the real pool: each pool.query() checks out a connection.

import { listArticles } from '@workshop/db';
import { useTestStack } from '@workshop/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CacheEvent } from '../src/cache.ts';
import { closedPort } from '../src/closed-port.ts';
import { countQueries } from '../src/count-queries.ts';
import { createWiki } from '../src/wiki.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack();

// The same checkpoint as lesson 03, once per backend.
describe.each(backendsOf(stack))('$name', ({ connect, connectTo, flush, throughProxy }) => {
  beforeAll(flush); // both backends may share one server: start each from an empty database

  /** The store and a wiki on it, starting from an empty store. */
  async function freshWiki(options: { ttlSeconds?: number } = {}) {
    // Start each test cold: empty the store (this file's own kv-server, or its own Redis db).
    await flush(); // the backend's own database
    const store = connect();
    // A timeout no healthy store reaches, even on a busy machine (the outage test sets its own).
    return {
      store,
      wiki: createWiki({ pool: stack.pool, store, cacheTimeoutMs: 10_000, ...options }),
    };
  }

  let n = 0;
  const newSlug = () => `l03-${process.pid}-${Date.now()}-${++n}`;

  describe('the cached article list', () => {
    it('queries Postgres once for two reads', async () => {
      const { wiki } = await freshWiki();
      const queries = await countQueries(stack.pool, async () => {
        await wiki.listArticles();
        await wiki.listArticles();
      });
      expect(
        queries,
        'listArticles() queried Postgres on both reads: read the list through the cache (GET, then SET ... EX on a miss)',
      ).toBe(1);
    });

    it('comes back from the cache with real dates', async () => {
      const { wiki } = await freshWiki();
      const fromPostgres = await wiki.listArticles();
      const fromCache = await wiki.listArticles();
      expect(
        fromCache[0]?.updatedAt,
        'JSON has no dates: revive createdAt/updatedAt',
      ).toBeInstanceOf(Date);
      expect(fromCache, 'the cached list must equal the list Postgres returned').toEqual(
        fromPostgres,
      );
    });

    it('expires after its TTL', async () => {
      const { wiki } = await freshWiki({ ttlSeconds: 1 });
      await wiki.listArticles();
      await stack.passTime(1_100); // the store's clock moves 1.1 s on: the list's TTL runs out
      const queries = await countQueries(stack.pool, () => wiki.listArticles());
      expect(queries, 'the list outlived its 1 s TTL: SET it with { ex: ttlSeconds }').toBe(1);
    });
  });

  describe('a missing article', () => {
    it('reads as null, again and again', async () => {
      const { wiki } = await freshWiki();
      const slug = newSlug();
      expect(
        await wiki.getArticle(slug),
        'an article that does not exist reads as null',
      ).toBeNull();
      let second: unknown;
      try {
        second = await wiki.getArticle(slug);
      } catch (error) {
        second = `an error: ${error instanceof Error ? error.message : String(error)}`;
      }
      expect(
        second,
        'the second read of a missing article failed: the cache kept null (JSON "null" reads back as a hit); SET only when the loader found something',
      ).toBeNull();
    });
  });

  describe('invalidation: a write is visible on the next read', () => {
    it('after createArticle', async () => {
      const { wiki } = await freshWiki();
      await wiki.listArticles(); // cached
      const slug = newSlug();
      await wiki.createArticle({ slug, title: 'New', body: 'b', author: 'test' });
      const list = await wiki.listArticles();
      expect(
        list.some((article) => article.slug === slug),
        'a created article is missing from the list: createArticle must delete the cached list',
      ).toBe(true);
    });

    it('after createArticle while the store was down', async () => {
      const { wiki: direct } = await freshWiki();
      const { proxy, store } = await throughProxy();
      try {
        const wiki = createWiki({ pool: stack.pool, store, cacheTimeoutMs: 10_000 });
        await direct.listArticles(); // cached, and the store keeps that copy through the outage
        await proxy.cut();
        const slug = newSlug();
        await wiki.createArticle({
          slug,
          title: 'Written during the outage',
          body: 'b',
          author: 't',
        });
        await proxy.restore();
        const list = await wiki.listArticles();
        expect(
          list.some((article) => article.slug === slug),
          'the list cached before the outage was served after it, without the article written during it: remember the keys whose DEL failed and send it again before the next read',
        ).toBe(true);
      } finally {
        await proxy.close();
      }
    });

    it('after updateArticle', async () => {
      const { wiki } = await freshWiki();
      const slug = newSlug();
      await wiki.createArticle({ slug, title: 'Before', body: 'b', author: 'test' });
      await wiki.listArticles(); // cached
      await wiki.getArticle(slug); // cached
      await wiki.updateArticle(slug, { title: 'After' });
      const list = await wiki.listArticles();
      expect(
        list.find((article) => article.slug === slug)?.title,
        'the list shows the old title: updateArticle must delete the cached list',
      ).toBe('After');
      expect(
        (await wiki.getArticle(slug))?.title,
        'getArticle shows the old title: updateArticle must delete the cached article too',
      ).toBe('After');
    });

    it('after deleteArticle', async () => {
      const { wiki } = await freshWiki();
      const slug = newSlug();
      await wiki.createArticle({ slug, title: 'Doomed', body: 'b', author: 'test' });
      await wiki.listArticles(); // cached
      await wiki.getArticle(slug); // cached
      await wiki.deleteArticle(slug);
      const list = await wiki.listArticles();
      expect(
        list.some((article) => article.slug === slug),
        'a deleted article is still listed: deleteArticle must delete the cached list',
      ).toBe(false);
      expect(
        await wiki.getArticle(slug),
        'getArticle still returns a deleted article: deleteArticle must delete its cached copy',
      ).toBeNull();
    });
  });

  describe('a stampede on the list', () => {
    it('sends one query for 100 concurrent reads on a cold cache', async () => {
      const { wiki } = await freshWiki();
      let reads: PromiseSettledResult<unknown>[] = [];
      const queries = await countQueries(stack.pool, async () => {
        reads = await Promise.allSettled(Array.from({ length: 100 }, () => wiki.listArticles()));
      });
      // A read that timed out waiting for a pool connection wanted to query too: count it.
      const timedOut = reads.filter((read) => read.status === 'rejected').length;
      expect(
        queries + timedOut,
        '100 concurrent misses each queried Postgres: let concurrent reads of a key share one load (single-flight)',
      ).toBe(1);
    });
  });

  describe('when the cache is down', () => {
    it('answers from Postgres quickly and warns once', async () => {
      const store = connectTo(await closedPort());
      const events: CacheEvent[] = [];
      const wiki = createWiki({
        pool: stack.pool,
        store,
        cacheTimeoutMs: 5_000, // a refused connection must fail on its own, long before this
        onCacheEvent: (event) => events.push(event),
      });

      const expected = await listArticles(stack.pool);
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        const list = await wiki.listArticles();
        const took = performance.now() - start;
        expect(list.length, 'with the cache down the wiki must still list every article').toBe(
          expected.length,
        );
        expect(
          took,
          'a read waited while the client retried the dead cache: create the client with retry: false (@upstash/redis), or fail fast like createValkeyStoreClient (iovalkey)',
        ).toBeLessThan(3_000);
      }
      expect(
        events.filter((event) => event.kind === 'store-down').length,
        'the outage must be reported once, not on every request',
      ).toBe(1);
    });
  });
});

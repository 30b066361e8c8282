// The web front's way into this lesson's app (`pnpm lesson 8 --web`): lesson 07's app, with
// the cache's hits and misses counted, and a /status page showing them beside the server's own
// figures (INFO stats and memory). The web layer itself lives in packages/web.

import { createUpstashClient } from '@workshop/config';
import * as db from '@workshop/db';
import { type CreateWebWiki, uncachedWiki } from '@workshop/web';
import { createActivity } from './activity.ts';
import { createViewCounter, milestoneFor } from './counters.ts';
import { createEditLocks, isHeld } from './lock.ts';
import { createReaders } from './readers.ts';
import { createSlidingLimiter } from './sliding-limit.ts';
import { createHitCounter, serverStats, statusReport } from './stats.ts';
import { createTags } from './tags.ts';
import { createTrending } from './trending.ts';
import { INVALIDATION_CHANNEL, subscribeOverTcp, withLocalTier } from './two-tier.ts';
import { connectValkeyStore, createValkeyStoreClient } from './valkey-store.ts';
import { createWiki, type Wiki } from './wiki.ts';

export const createWebWiki: CreateWebWiki = async (hooks) => {
  const { config } = hooks;
  const pool = hooks.instrumentPool(db.createPool(config));
  const connected = await connectValkeyStore(config);
  const store = hooks.instrumentStore(connected.store);
  const client = hooks.instrumentStore(connected.client);
  let wiki: Wiki = uncachedWiki(pool);
  let unsubscribe = async () => {};
  // Lesson 08: the store tier's hits and misses, and what the in-process tier answered.
  const counter = createHitCounter();
  let localHits = 0;
  if (hooks.cache) {
    // Lesson 07: an in-process tier in front of the store, dropped on every invalidation.
    const storeTier = createWiki({
      pool,
      store,
      client,
      ttlSeconds: 60,
      onCacheEvent: counter.record,
    });
    const twoTier = withLocalTier(storeTier, {
      localTtlMs: 5000,
      publish: (message) => connected.client.publish(INVALIDATION_CHANNEL, message),
      onRead: (tier) => {
        if (tier === 'local') {
          localHits++;
          hooks.reportLocalHit?.();
        }
      },
    });
    wiki = twoTier.wiki;
    const subscription = await subscribeOverTcp(
      createValkeyStoreClient(config.valkeyUrl),
      twoTier.onMessage,
    );
    unsubscribe = async () => subscription.close();
  }
  const views = createViewCounter({ store });
  const limiter = createSlidingLimiter(createUpstashClient(config), {
    name: 'create-article',
    limit: 3,
    windowSeconds: 60,
  });
  const locks = createEditLocks(connected.client, { ttlMs: 5 * 60_000 });
  const tags = createTags({ pool, client });
  const readers = createReaders(client);
  const trending = createTrending(client);
  const activity = createActivity(client);
  await tags.loadFromPostgres();
  const now = () => new Date().toISOString();
  return {
    lesson: 8,
    ...wiki,
    async createArticle(input) {
      const article = await wiki.createArticle(input);
      await activity.record({ at: now(), who: input.author, what: 'created', slug: input.slug });
      return article;
    },
    async updateArticle(slug, patch) {
      const article = await wiki.updateArticle(slug, patch);
      if (article) await activity.record({ at: now(), who: article.author, what: 'edited', slug });
      return article;
    },
    async deleteArticle(slug) {
      const deleted = await wiki.deleteArticle(slug);
      if (deleted) {
        await tags.forgetArticle(slug);
        await activity.record({ at: now(), who: 'someone', what: 'deleted', slug });
      }
      return deleted;
    },
    async recordView(slug) {
      const count = await views.recordView(slug);
      await trending.recordView(slug);
      return { views: count, milestone: milestoneFor(count) };
    },
    async recordReader(slug, reader) {
      await readers.recordReader(slug, reader);
      const [exact, approximate] = await Promise.all([
        readers.exactReaders(slug),
        readers.readersToday(slug),
      ]);
      return { exact, approximate };
    },
    tagsOf: (slug) => tags.tagsOf(slug),
    taggedAll: (chosen) => tags.taggedAll(...chosen),
    trending: (limit) => trending.top(limit),
    recentActivity: (limit) => activity.recent(limit),
    limitCreate: (author) => limiter.hit(author),
    // The web front knows an editor by the browser's reader id; the lock's token is derived from
    // it, so the same browser can save (and release) the lock it took.
    async lockEdit(slug, editor) {
      const token = `${editor}:web`;
      const taken = await locks.acquire(slug, editor, token);
      if (isHeld(taken)) return { locked: true };
      if ((await connected.client.get(`lock:edit:${slug}`)) === token) return { locked: true };
      return { locked: false, heldBy: taken.heldBy };
    },
    unlockEdit: (slug, editor) => locks.release({ slug, token: `${editor}:web` }),
    // #region status
    // Lesson 08: the /status page. The store tier's ratio excludes what the in-process tier
    // answered (those reads never reached the store), so that count is shown on its own row.
    async status() {
      const stats = await serverStats(connected.client);
      return statusReport(counter.counts(), stats, [
        ['answered by the in-process tier', `${localHits} reads`],
      ]);
    },
    // #endregion status
    async close() {
      await unsubscribe();
      connected.client.disconnect();
      await pool.end();
    },
  };
};

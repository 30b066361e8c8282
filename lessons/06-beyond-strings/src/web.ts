// The web front's way into this lesson's app (`pnpm lesson 6 --web`): the wiki, the view counter
// and the create limiter of lesson 05, plus this lesson's tags, unique readers, trending and
// recent activity, built as main.ts builds them. The web layer itself lives in packages/web.

import * as db from '@workshop/db';
import { type CreateWebWiki, uncachedWiki } from '@workshop/web';
import { createActivity } from './activity.ts';
import { createViewCounter, milestoneFor } from './counters.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createReaders } from './readers.ts';
import { createTags } from './tags.ts';
import { createTrending } from './trending.ts';
import { connectValkeyStore } from './valkey-store.ts';
import { createWiki, type Wiki } from './wiki.ts';

export const createWebWiki: CreateWebWiki = async (hooks) => {
  const { config } = hooks;
  const pool = hooks.instrumentPool(db.createPool(config));
  const connected = await connectValkeyStore(config);
  const store = hooks.instrumentStore(connected.store);
  const client = hooks.instrumentStore(connected.client);
  const wiki: Wiki = hooks.cache
    ? createWiki({ pool, store, client, ttlSeconds: 60 })
    : uncachedWiki(pool);
  const views = createViewCounter({ store });
  const limiter = createRateLimiter({ store, name: 'create-article', limit: 3, windowSeconds: 60 });
  const tags = createTags({ pool, client });
  const readers = createReaders(client);
  const trending = createTrending(client);
  const activity = createActivity(client);
  await tags.loadFromPostgres();
  const now = () => new Date().toISOString();
  return {
    lesson: 6,
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
    async close() {
      connected.client.disconnect();
      await pool.end();
    },
  };
};

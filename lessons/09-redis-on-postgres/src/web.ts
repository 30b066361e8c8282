// The web front's way into this lesson's app (`pnpm lesson 9 --web`): lesson 08's wiki, with the
// store of lessons 03 and 04 (the article list's copy, view counts) on this lesson's RESP server,
// so those keys are rows in Postgres. What that server does not speak (hashes, sets, sorted-set
// windows, Lua, pub/sub) stays on the stack's Valkey; /status says which server answers what.

import { createUpstashClient } from '@workshop/config';
import * as db from '@workshop/db';
import { type CreateWebWiki, uncachedWiki } from '@workshop/web';
import { createActivity } from './activity.ts';
import { createViewCounter, milestoneFor } from './counters.ts';
import { createEditLocks, isHeld } from './lock.ts';
import { createReaders } from './readers.ts';
import { startRespServer } from './resp-server.ts';
import { createSlidingLimiter } from './sliding-limit.ts';
import { createHitCounter, serverStats, statusReport } from './stats.ts';
import { createTags } from './tags.ts';
import { createTrending } from './trending.ts';
import { INVALIDATION_CHANNEL, subscribeOverTcp, withLocalTier } from './two-tier.ts';
import { connectValkeyStore, createValkeyStore, createValkeyStoreClient } from './valkey-store.ts';
import { createWiki, type Wiki } from './wiki.ts';

export const createWebWiki: CreateWebWiki = async (hooks) => {
  const { config } = hooks;
  const pool = hooks.instrumentPool(db.createPool(config));
  const connected = await connectValkeyStore(config);
  // Lesson 09: the keys of lessons 03 and 04 go to a RESP server over the wiki's own Postgres.
  const respPool = db.createPool(config);
  const resp = await startRespServer({ pool: respPool, unlogged: true });
  const respClient = createValkeyStoreClient(resp.url);
  const store = hooks.instrumentStore(createValkeyStore(respClient));
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
  /** Which server answers, from its own INFO (pg-resp names itself; Valkey gives its version). */
  const serverName = async (info: Promise<string>) => {
    const text = await info.catch((error: Error) => `error: ${error.message}`);
    const name = text.match(/^server_name:(.+)$/m)?.[1]?.trim();
    const valkey = text.match(/^valkey_version:(.+)$/m)?.[1]?.trim();
    const redis = text.match(/^redis_version:(.+)$/m)?.[1]?.trim();
    return name ?? (valkey ? `Valkey ${valkey}` : redis ? `Redis ${redis}` : text);
  };
  return {
    lesson: 9,
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
    async status() {
      const { rows } = await respPool.query(
        `SELECT count(*)::int AS rows, count(*) FILTER (WHERE expires_at <= now())::int AS expired,
                pg_size_pretty(pg_total_relation_size('${resp.table}')) AS size
         FROM ${resp.table}`,
      );
      const table = rows[0] as { rows: number; expired: number; size: string };
      const calls = [...resp.calls].sort((a, b) => b[1] - a[1]).slice(0, 8);
      // Lesson 08's hit ratio and server figures follow this lesson's own sections.
      const stats = await serverStats(connected.client);
      const lesson08 = statusReport(counter.counts(), stats, [
        ['answered by the in-process tier', `${localHits} reads`],
      ]);
      return [
        {
          title: 'Which server answers',
          rows: [
            [
              'article list copy, view counts (lessons 03-04)',
              `${await serverName(respClient.info('server'))} at ${resp.url}`,
            ],
            [
              'articles as hashes, tags, readers, trending, activity, edit lock, pub/sub',
              `${await serverName(connected.client.info('server'))} at ${config.valkeyUrl}`,
            ],
          ],
        },
        {
          title: `The Postgres table ${resp.table} (UNLOGGED)`,
          rows: [
            ['rows (one per key)', String(table.rows)],
            ['expired, not swept yet', String(table.expired)],
            ['size with its indexes', table.size],
            ['client connections', String(resp.connections())],
          ],
        },
        {
          title: 'Commands pg-resp has answered',
          rows: calls.map(([name, count]): [string, string] => [name.toUpperCase(), String(count)]),
        },
        ...lesson08,
      ];
    },
    // #endregion status
    async close() {
      await unsubscribe();
      connected.client.disconnect();
      respClient.disconnect();
      await resp.close();
      await respPool.end();
      await pool.end();
    },
  };
};

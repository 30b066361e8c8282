// `pnpm lesson 5`: the app of lesson 04 (cache, page views, milestones, rate limit), now on a
// Valkey over TCP through iovalkey and a thin adapter; then the same app, unchanged, over HTTP
// through an Upstash-compatible endpoint that forwards to that Valkey.

import { exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import { startKvServer } from '@workshop/kv-server';
import type { CacheEvent } from './cache.ts';
import { closedPort } from './closed-port.ts';
import { countQueries } from './count-queries.ts';
import { createViewCounter, RANKING_KEY, viewsKey } from './counters.ts';
import { connectNodeRedis, createNodeRedisStore } from './node-redis-store.ts';
import { race } from './race.ts';
import { countHitInOneTransaction, countHitInTwoSteps, createRateLimiter } from './rate-limit.ts';
import { createUpstashStore } from './upstash.ts';
import { connectValkeyStore, createValkeyStore, createValkeyStoreClient } from './valkey-store.ts';
import { ARTICLE_LIST_KEY, createWiki } from './wiki.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(5);

const config = loadConfig();
const pool = createPool(config);
// #region store
// Lesson 05: the same store interface, now a Valkey (or any Redis) over TCP, through the adapter.
const { client: valkey, store } = await connectValkeyStore(config);
// #endregion store

// #region events
// What the cache reports. Hits and misses are collected for the demo; the store going down or
// coming back is said once, as it happens.
const events: CacheEvent[] = [];
function onCacheEvent(event: CacheEvent) {
  if (event.kind === 'store-down') {
    console.warn(`   [cache] the store is unreachable (${event.reason}): answering from Postgres`);
  } else if (event.kind === 'store-up') {
    console.warn('   [cache] the store answers again');
  } else {
    events.push(event);
  }
}
// #endregion events

// #region setup
const wiki = createWiki({ pool, store, ttlSeconds: 60, onCacheEvent });
// #endregion setup

// #region counting-setup
// Lesson 04: page views with milestones, and a limit on how fast one author creates articles.
const views = createViewCounter({
  store,
  onMilestone: (slug, count) => console.log(`   milestone: "${slug}" reached ${count} views`),
});
const createLimiter = createRateLimiter({
  store,
  name: 'create-article',
  limit: 3,
  windowSeconds: 60,
});
// #endregion counting-setup

// #region handlers
/** What a request for an article page does: read it (through the cache) and count the view. */
async function viewArticle(slug: string) {
  const article = await wiki.getArticle(slug);
  if (article !== null) await views.recordView(slug);
  return article;
}

/** What a request to create an article does: ask the author's limiter first. */
async function createArticleAs(
  author: string,
  input: { slug: string; title: string; body: string },
) {
  const decision = await createLimiter.hit(author);
  if (!decision.allowed) {
    return `refused: limit reached, try again in ${decision.retryAfterSeconds} s`;
  }
  await wiki.createArticle({ ...input, author });
  return `created (${decision.remaining} left in this window)`;
}
// #endregion handlers

/** Runs one call, then prints what the cache did and how long it took. */
async function timed<T>(label: string, call: () => Promise<T>): Promise<T> {
  events.length = 0;
  const start = performance.now();
  const result = await call();
  const took = (performance.now() - start).toFixed(1).padStart(6);
  const kinds = events.map((event) => event.kind).join(',') || '-';
  console.log(`   ${kinds.padEnd(5)} ${took} ms  ${label}`);
  return result;
}

/**
 * What answers at VALKEY_URL, in its own words (INFO server): Valkey reports valkey_version;
 * the workshop's engine reports a Redis version for clients' sake, so it is named for what it is.
 */
async function serverName(): Promise<string> {
  const info = await valkey.info('server');
  const field = (name: string) => info.match(new RegExp(`^${name}:(.+)$`, 'm'))?.[1]?.trim();
  if (field('valkey_version')) return `Valkey ${field('valkey_version')}`;
  if (field('kv_server_engine')) return "the workshop's own engine (the kv-server), not Valkey";
  return `Redis ${field('redis_version') ?? '(no version in INFO)'}`;
}

try {
  console.log('Lesson 05: swapping to Valkey\n');
  const server = await serverName();
  console.log(`The store: ${config.valkeyUrl} over TCP (iovalkey): ${server}`);
  if (config.valkeySource === 'env') {
    console.log('   from VALKEY_URL in .env: whatever server runs there, with unchanged code.\n');
  } else if (server.startsWith('Valkey')) {
    console.log("   the local stack's own valkey-server (no VALKEY_URL set), nothing saved.\n");
  } else {
    console.log(
      "   the local stack's port (no VALKEY_URL set), where the stack serves its own engine when\n   valkey-server is not installed: install Valkey (`pnpm run doctor` says how) for the real one.\n",
    );
  }
  await store.del(ARTICLE_LIST_KEY); // start cold, whatever an earlier run left behind

  console.log('1. The article list, cached for 60 seconds');
  const list = await timed('listArticles()', () => wiki.listArticles());
  await timed('listArticles()', () => wiki.listArticles());
  await timed('listArticles()', () => wiki.listArticles());
  console.log(
    `   ${list.length} articles; ttl('${ARTICLE_LIST_KEY}') -> ${await store.ttl(ARTICLE_LIST_KEY)} s`,
  );

  console.log('\n2. Every write deletes the cached list; the next read loads it fresh');
  const slug = `cache-demo-${Date.now()}`;
  await timed(`createArticle("${slug}")`, () =>
    wiki.createArticle({ slug, title: 'Cache demo', body: 'Hello', author: 'lesson-03' }),
  );
  let after = await timed('listArticles()', () => wiki.listArticles());
  console.log(
    `                    the new article is ${after[0]?.slug === slug ? 'first' : 'MISSING'} in the list`,
  );
  await timed(`updateArticle("${slug}")`, () => wiki.updateArticle(slug, { title: 'Renamed' }));
  after = await timed('listArticles()', () => wiki.listArticles());
  console.log(
    `                    its title in the list: "${after.find((a) => a.slug === slug)?.title}"`,
  );
  await timed(`deleteArticle("${slug}")`, () => wiki.deleteArticle(slug));
  after = await timed('listArticles()', () => wiki.listArticles());
  console.log(`                    still listed: ${after.some((a) => a.slug === slug)}`);

  console.log('\n3. A stampede: 100 reads at once on a cold cache');
  await store.del(ARTICLE_LIST_KEY);
  events.length = 0;
  const queries = await countQueries(pool, () =>
    Promise.all(Array.from({ length: 100 }, () => wiki.listArticles())),
  );
  const tally = (kind: string) => events.filter((event) => event.kind === kind).length;
  console.log(
    `   ${tally('miss')} miss, ${tally('shared')} shared the same load: Postgres was queried ${queries} time(s)`,
  );

  console.log('\n4. The cache goes down (a store pointed at a port where nothing listens)');
  // Over TCP now: the client of createValkeyStoreClient(), which fails fast.
  const deadClient = createValkeyStoreClient(`redis://127.0.0.1:${await closedPort()}`);
  const deadStore = createValkeyStore(deadClient);
  const degraded = createWiki({ pool, store: deadStore, onCacheEvent });
  for (let i = 0; i < 3; i++) await timed('listArticles()', () => degraded.listArticles());
  deadClient.disconnect(); // stop its reconnection attempts
  console.log(
    '   Every read is answered from Postgres; the warning is printed once, not per read.',
  );
  console.log('\n5. GET+SET against INCR: 1,000 views by more and more visitors at once');
  console.log('   visitors  GET+SET counted  INCR counted');
  for (const concurrency of [1, 10, 100, 1000]) {
    const getSet = await race(store, 'GET+SET', { visits: 1000, concurrency });
    const incr = await race(store, 'INCR', { visits: 1000, concurrency });
    console.log(
      `   ${String(concurrency).padStart(8)}  ${String(getSet.counted).padStart(15)}  ${String(incr.counted).padStart(12)}`,
    );
  }

  console.log('\n6. Page views: 120 readers open the same article at once');
  const [popular = 'missing', ...others] = list.slice(0, 4).map((article) => article.slug);
  // Start from 0, whatever an earlier run left behind.
  await store.del(RANKING_KEY, ...[popular, ...others].map(viewsKey));
  await Promise.all(Array.from({ length: 120 }, () => viewArticle(popular)));
  console.log(`   views of "${popular}": ${await views.views(popular)}`);

  console.log('\n7. The most viewed articles (a sorted set)');
  for (const [index, slug] of others.entries()) {
    await Promise.all(Array.from({ length: 30 - index * 10 }, () => viewArticle(slug)));
  }
  for (const { slug, views: count } of await views.mostViewed(3)) {
    console.log(`   ${String(count).padStart(5)}  ${slug}`);
  }

  console.log('\n8. A rate limit: 3 new articles per author per minute');
  const author = 'lesson-04';
  await store.del(`ratelimit:create-article:${author}`); // a fresh window for the demo
  const created: string[] = [];
  for (let i = 1; i <= 5; i++) {
    const newSlug = `limit-demo-${Date.now()}-${i}`;
    const outcome = await createArticleAs(author, {
      slug: newSlug,
      title: `Draft ${i}`,
      body: '...',
    });
    if (outcome.startsWith('created')) created.push(newSlug);
    console.log(`   article ${i}: ${outcome}`);
  }
  for (const slug of created) await wiki.deleteArticle(slug); // leave the wiki as we found it

  console.log(
    '\n9. A crash between INCR and EXPIRE (simulated: INCR alone, as if the process died)',
  );
  for (const [label, countHit] of [
    ['two steps (INCR, then EXPIRE if 1)', countHitInTwoSteps],
    ['one transaction (MULTI INCR EXPIRE NX)', countHitInOneTransaction],
  ] as const) {
    const key = 'ratelimit:crash-demo';
    await store.del(key);
    await store.incr(key); // the process "dies" here, before its EXPIRE
    await countHit(store, key, 60); // the next hit, after a restart
    console.log(`   ${label.padEnd(40)} ttl afterwards: ${await store.ttl(key)}`);
  }
  console.log('   -1 means the key never expires: with two steps that caller is limited forever.');

  console.log(
    '\n10. The same app over HTTP, through an Upstash-compatible endpoint in front of the same store',
  );
  // #region forward
  // A kv-server in forwarding mode: it speaks the Upstash REST protocol and passes every
  // command on to the same Valkey over TCP. The wiki gets an Upstash store, as in lesson 02.
  const forwarder = await startKvServer({
    restPort: 0,
    respPort: false,
    forwardTo: config.valkeyUrl,
  });
  try {
    const overHttp = createUpstashStore({ url: forwarder.restUrl, token: forwarder.token });
    const sameWikiOverHttp = createWiki({ pool, store: overHttp, onCacheEvent });
    await timed('listArticles() over TCP', () => wiki.listArticles());
    await timed('listArticles() over TCP', () => wiki.listArticles());
    await timed('listArticles() over HTTP', () => sameWikiOverHttp.listArticles());
    const viewsOverHttp = createViewCounter({ store: overHttp });
    console.log(`   views of "${popular}" read over HTTP: ${await viewsOverHttp.views(popular)}`);
  } finally {
    await forwarder.close();
  }
  // #endregion forward

  console.log('\n11. The same counters through node-redis, beside iovalkey');
  // #region node-redis-demo
  const nodeRedis = await connectNodeRedis(config.valkeyUrl);
  try {
    const viewsViaNodeRedis = createViewCounter({ store: createNodeRedisStore(nodeRedis) });
    const before = await views.views(popular);
    await Promise.all(Array.from({ length: 30 }, () => viewsViaNodeRedis.recordView(popular)));
    console.log(
      `   views of "${popular}": ${before} (iovalkey), +30 through node-redis -> ${await views.views(popular)} read by iovalkey`,
    );
    const top = (await viewsViaNodeRedis.mostViewed(1))[0];
    console.log(`   most viewed, asked through node-redis: ${top?.slug} (${top?.views})`);
  } finally {
    await nodeRedis.quit();
  }
  // #endregion node-redis-demo
  console.log('\nMeasure TCP against HTTP with the same `pnpm stack` running (or VALKEY_URL set):');
  console.log('   pnpm --filter @workshop/lesson-05-valkey-swap latency');
} finally {
  await pool.end();
  await valkey.quit();
}

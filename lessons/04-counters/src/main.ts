// `pnpm lesson 4`: the wiki of lesson 03 (the cached article list, invalidation, the stampede,
// the store going down), then what this lesson adds: page views counted with INCR, milestones,
// the most viewed articles, and a rate limit on creating articles.

import { exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import type { CacheEvent } from './cache.ts';
import { closedPort } from './closed-port.ts';
import { countQueries } from './count-queries.ts';
import { createViewCounter, RANKING_KEY, viewsKey } from './counters.ts';
import { race } from './race.ts';
import { countHitInOneTransaction, countHitInTwoSteps, createRateLimiter } from './rate-limit.ts';
import { connectStore, createUpstashStore } from './upstash.ts';
import { ARTICLE_LIST_KEY, createWiki } from './wiki.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(4);

const config = loadConfig();
const pool = createPool(config);
const store = await connectStore(config);

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
 * The demo's own store calls, outside the cache, degrade as the cache does: with the store gone
 * (the kv-server stopped mid-run) they answer `fallback` instead of ending the demo.
 */
async function orElse<T, F>(command: () => Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await command();
  } catch {
    return fallback;
  }
}

try {
  console.log('Lesson 04: counting with INCR\n');
  await orElse(() => store.del(ARTICLE_LIST_KEY), 0); // start cold, whatever an earlier run left behind

  console.log('1. The article list, cached for 60 seconds');
  const list = await timed('listArticles()', () => wiki.listArticles());
  await timed('listArticles()', () => wiki.listArticles());
  await timed('listArticles()', () => wiki.listArticles());
  console.log(
    `   ${list.length} articles; ttl('${ARTICLE_LIST_KEY}') -> ${await orElse(() => store.ttl(ARTICLE_LIST_KEY), '(store unreachable)')} s`,
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
  await orElse(() => store.del(ARTICLE_LIST_KEY), 0);
  events.length = 0;
  const queries = await countQueries(pool, () =>
    Promise.all(Array.from({ length: 100 }, () => wiki.listArticles())),
  );
  const tally = (kind: string) => events.filter((event) => event.kind === kind).length;
  console.log(
    `   ${tally('miss')} miss, ${tally('shared')} shared the same load: Postgres was queried ${queries} time(s)`,
  );

  console.log('\n4. The cache goes down (a store pointed at a port where nothing listens)');
  const deadStore = createUpstashStore({
    url: `http://127.0.0.1:${await closedPort()}`,
    token: 'any',
  });
  const degraded = createWiki({ pool, store: deadStore, onCacheEvent });
  for (let i = 0; i < 3; i++) await timed('listArticles()', () => degraded.listArticles());
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
} finally {
  await pool.end();
}

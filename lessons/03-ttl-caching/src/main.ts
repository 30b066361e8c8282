// `pnpm lesson 3`: the slow article list behind a cache with a TTL. Shows a miss and a hit,
// invalidation on every write, a stampede collapsing into one query, and the wiki carrying on
// from Postgres when the cache is down.

import { exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import type { CacheEvent } from './cache.ts';
import { closedPort } from './closed-port.ts';
import { countQueries } from './count-queries.ts';
import { connectStore, createUpstashStore } from './upstash.ts';
import { ARTICLE_LIST_KEY, createWiki } from './wiki.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(3);

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
  console.log('Lesson 03: caching with a TTL\n');
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
  console.log('\nMeasure miss against hit: `pnpm stack` in one terminal, then in another:');
  console.log('   pnpm --filter @workshop/lesson-03-ttl-caching measure');
} finally {
  await pool.end();
}

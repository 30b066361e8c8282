// `pnpm lesson 6`: the wiki of lesson 05 (on Valkey over TCP) with a type for each new feature:
// the article as a hash, tags as sets, unique readers as a set and a HyperLogLog, trending as
// sorted sets per hour, recent activity as a capped list.

import { exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool, slugsTaggedAll } from '@workshop/db';
import { createActivity } from './activity.ts';
import { articleHashKey } from './article-hash.ts';
import type { CacheEvent } from './cache.ts';
import { createReaders } from './readers.ts';
import { createTags } from './tags.ts';
import { createTrending, hourKey, hourOf } from './trending.ts';
import { bytesForOneFieldChange } from './type-costs.ts';
import { connectValkeyStore } from './valkey-store.ts';
import { createWiki } from './wiki.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(6);

const config = loadConfig();
const pool = createPool(config);
const { client, store } = await connectValkeyStore(config);

const events: CacheEvent[] = [];
function onCacheEvent(event: CacheEvent) {
  if (event.kind === 'store-down')
    console.warn(`   [cache] the store is unreachable (${event.reason})`);
  else if (event.kind !== 'store-up') events.push(event);
}

// #region setup
const wiki = createWiki({ pool, store, client, ttlSeconds: 60, onCacheEvent });
const tags = createTags({ pool, client });
const readers = createReaders(client);
const trending = createTrending(client);
const activity = createActivity(client);
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

const slug = `beyond-strings-${Date.now()}`;
const now = new Date();
const hoursAgo = (h: number) => new Date(now.getTime() - h * 60 * 60 * 1000);
const old = `${slug}-old-favourite`;
const rising = `${slug}-rising`;
try {
  console.log('Lesson 06: beyond strings\n');
  console.log(`The store: ${config.valkeyUrl} over TCP (iovalkey)\n`);

  console.log('1. An article as a hash: an edit writes the fields it changed');
  await wiki.createArticle({ slug, title: 'Types', body: 'One type per feature.', author: 'ada' });
  await activity.record({ at: new Date().toISOString(), who: 'ada', what: 'created', slug });
  await timed(`getArticle("${slug}")`, () => wiki.getArticle(slug));
  await timed(`getArticle("${slug}")`, () => wiki.getArticle(slug));
  await timed('updateArticle(title)', () => wiki.updateArticle(slug, { title: 'Data types' }));
  await activity.record({ at: new Date().toISOString(), who: 'grace', what: 'edited', slug });
  const edited = await timed(`getArticle("${slug}")`, () => wiki.getArticle(slug));
  console.log(`   title after the edit: "${edited?.title}", read from the hash, no Postgres query`);
  console.log(
    `   HGETALL ${articleHashKey(slug)} -> ${Object.keys(await client.hgetall(articleHashKey(slug))).join(', ')}`,
  );
  const big = await wiki.getArticle('article-00042');
  if (big) {
    const { asJson, asHashField } = await bytesForOneFieldChange(client, big);
    console.log(
      `   a new title for article-00042: ${asJson} bytes as JSON, ${asHashField} bytes as one HSET`,
    );
  }

  console.log('\n2. Tags as sets, kept in step with Postgres');
  const loaded = await tags.loadFromPostgres();
  console.log(
    `   ${loaded ? 'loaded the tag sets from Postgres' : 'the tag sets were already in the store'}`,
  );
  console.log(
    `   setTags("${slug}") -> ${(await tags.setTags(slug, ['howto', 'ops']))?.join(', ')}`,
  );
  await activity.record({ at: new Date().toISOString(), who: 'ada', what: 'tagged', slug });
  const both = await tags.taggedAll('howto', 'ops');
  const fromPostgres = await slugsTaggedAll(pool, ['howto', 'ops']);
  console.log(
    `   SINTER tag:howto tag:ops -> ${both.length} articles (Postgres agrees: ${JSON.stringify(both) === JSON.stringify(fromPostgres)})`,
  );
  console.log(`   SINTERCARD 2 tag:howto tag:ops -> ${await tags.countTaggedAll('howto', 'ops')}`);
  console.log(
    `   SUNION tag:howto tag:ops -> ${(await tags.taggedAny('howto', 'ops')).length} articles`,
  );
  console.log(`   tags of "${slug}": ${(await tags.tagsOf(slug)).join(', ')}`);

  console.log('\n3. Unique readers: 1,000 views by 300 different readers');
  for (let i = 0; i < 1000; i++) await readers.recordReader(slug, `reader-${i % 300}`);
  console.log(`   SCARD (exact):          ${await readers.exactReaders(slug)}`);
  console.log(`   PFCOUNT (today):        ${await readers.readersToday(slug)}`);
  console.log(`   PFMERGE of 7 days:      ${await readers.readersThisWeek(slug)}`);
  console.log(
    '   The memory each costs, at 10 to 1,000,000 readers: pnpm --filter @workshop/lesson-06-beyond-strings measure',
  );

  console.log('\n4. Trending: views per hour, older hours weigh less');
  for (let i = 0; i < 30; i++) await trending.recordView(old, hoursAgo(20)); // popular yesterday
  for (let i = 0; i < 12; i++) await trending.recordView(rising, hoursAgo(1)); // popular now
  for (const { slug: top, score } of await trending.top(3, now)) {
    console.log(`   ${score.toFixed(2).padStart(7)}  ${top}`);
  }
  console.log(
    '   30 views 20 hours ago weigh 30 x 0.5^(20/6) = 2.98; 12 views an hour ago 12 x 0.5^(1/6) = 10.69',
  );

  console.log('\n5. Recent activity: a list capped with LTRIM, in one MULTI with its LPUSH');
  for (const entry of await activity.recent(3)) {
    console.log(`   ${entry.at}  ${entry.who.padEnd(6)} ${entry.what.padEnd(8)} ${entry.slug}`);
  }
  console.log(`   LLEN activity -> ${await client.llen('activity')} (never more than 50)`);
} finally {
  await wiki.deleteArticle(slug).catch(() => false);
  await tags.forgetArticle(slug).catch(() => {});
  // Leave the wiki as we found it: the demo's views are not real trending articles.
  await client.zrem(hourKey(hourOf(hoursAgo(20))), old);
  await client.zrem(hourKey(hourOf(hoursAgo(1))), rising);
  await pool.end();
  await client.quit();
}

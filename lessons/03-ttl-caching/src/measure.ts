// Measures what the cache buys, for the big article list and for one small article: straight
// from Postgres, through the cache on a miss (GET + Postgres + SET), and on a hit (one GET).
// Prints medians and the machine, so a figure quoted in the lesson says where it came from.
//
//   pnpm stack                                             (in one terminal)
//   pnpm --filter @workshop/lesson-03-ttl-caching measure  (in another)

import { cpus, loadavg, release, type } from 'node:os';
import { loadConfig } from '@workshop/config';
import { createPool, getArticle, listArticles } from '@workshop/db';
import { connectStore } from './upstash.ts';
import { ARTICLE_LIST_KEY, articleKey, createWiki } from './wiki.ts';

const ROUNDS = 30;
const WARM_UP = 3;
const BURST = 20;

const config = loadConfig();
const pool = createPool(config);
const store = await connectStore(config);
const wiki = createWiki({ pool, store });

async function time(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface Samples {
  postgres: number[];
  miss: number[];
  hit: number[];
}

/** Times `read` straight from Postgres, then through the cache: cold (after `forget`), then warm. */
async function measure(
  direct: () => Promise<unknown>,
  forget: () => Promise<unknown>,
  read: () => Promise<unknown>,
): Promise<Samples> {
  const samples: Samples = { postgres: [], miss: [], hit: [] };
  for (let round = 0; round < WARM_UP + ROUNDS; round++) {
    const postgres = await time(direct);
    await forget();
    const miss = await time(read);
    const hit = await time(read);
    if (round < WARM_UP) continue;
    samples.postgres.push(postgres);
    samples.miss.push(miss);
    samples.hit.push(hit);
  }
  return samples;
}

function report(title: string, samples: Samples) {
  console.log(`\n${title}`);
  console.log(`  Postgres, no cache  ${median(samples.postgres).toFixed(1).padStart(7)} ms`);
  console.log(`  cache miss          ${median(samples.miss).toFixed(1).padStart(7)} ms`);
  console.log(`  cache hit           ${median(samples.hit).toFixed(1).padStart(7)} ms`);
  const ratio = median(samples.hit) / median(samples.postgres);
  console.log(
    `  hit / Postgres      ${ratio.toFixed(2).padStart(7)}   (below 1: the hit is faster)`,
  );
}

try {
  const rows = await listArticles(pool);
  const slug = rows[0]?.slug ?? '';
  const list = await measure(
    () => listArticles(pool),
    () => store.del(ARTICLE_LIST_KEY),
    () => wiki.listArticles(),
  );
  const article = await measure(
    () => getArticle(pool, slug),
    () => store.del(articleKey(slug)),
    () => wiki.getArticle(slug),
  );
  // A burst: 20 readers open the list page at the same moment, with the list cached.
  const burst = { postgres: [] as number[], cached: [] as number[] };
  const readers = Array.from({ length: BURST });
  for (let round = 0; round < 5; round++) {
    burst.postgres.push(await time(() => Promise.all(readers.map(() => listArticles(pool)))));
    await wiki.listArticles(); // make sure it is cached
    burst.cached.push(await time(() => Promise.all(readers.map(() => wiki.listArticles()))));
  }
  const kb = async (key: string) => (((await store.get(key))?.length ?? 0) / 1024).toFixed(1);

  const cpu = cpus();
  const database = config.databaseSource === 'embedded' ? 'embedded PGlite' : 'DATABASE_URL';
  const kv = config.upstash.source === 'local' ? 'local kv-server' : 'UPSTASH_REDIS_REST_URL';
  const load = loadavg()[0]?.toFixed(1);
  console.log(`${type()} ${release()}, ${cpu.length} cores, Node ${process.version}, load ${load}`);
  console.log(`${database} + ${kv}; medians of ${ROUNDS} rounds after ${WARM_UP} warm-up rounds`);
  report(`listArticles(): ${rows.length} articles, ${await kb(ARTICLE_LIST_KEY)} KB of JSON`, list);
  report(`getArticle(): one article, ${await kb(articleKey(slug))} KB of JSON`, article);
  console.log(`\n${BURST} concurrent listArticles(), all of them done (median of 5 bursts)`);
  console.log(`  Postgres, no cache  ${median(burst.postgres).toFixed(1).padStart(7)} ms`);
  console.log(`  cached              ${median(burst.cached).toFixed(1).padStart(7)} ms`);
  const ratio = median(burst.cached) / median(burst.postgres);
  console.log(`  cached / Postgres   ${ratio.toFixed(2).padStart(7)}`);
} finally {
  await pool.end();
}

// Measures listArticles, the query lesson 03 caches, through `pg` on the embedded Postgres, next
// to a primary-key lookup (getArticle) for scale. Uses a throwaway in-memory copy of the seeded
// database, never your data.
//   pnpm --filter @workshop/db measure [runs]
import { cpus } from 'node:os';
import {
  createPool,
  createTemplateDump,
  getArticle,
  listArticles,
  startEmbeddedPostgres,
} from '../src/index.ts';

const runs = Number(process.argv[2] ?? 30);

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}
const at = (times: number[], q: number) => times[Math.floor(q * (times.length - 1))] ?? Number.NaN;

const postgres = await startEmbeddedPostgres({ template: await createTemplateDump(), port: 0 });
const pool = createPool({ databaseUrl: postgres.url, databaseSource: 'embedded' });
try {
  const rows = (await listArticles(pool)).length;
  const list = await time(() => listArticles(pool));
  const get = await time(() => getArticle(pool, 'article-02500'));
  console.log(`${runs} runs each, after one warm-up; milliseconds`);
  console.log('query                       median    p90    min');
  for (const [name, t] of [
    [`listArticles (${rows} rows)`, list],
    ['getArticle (primary key)', get],
  ] as const) {
    console.log(
      `${name.padEnd(26)} ${at(t, 0.5).toFixed(1).padStart(7)} ${at(t, 0.9).toFixed(1).padStart(6)} ${at(t, 0).toFixed(1).padStart(6)}`,
    );
  }
  console.log(`listArticles / getArticle (median): ${(at(list, 0.5) / at(get, 0.5)).toFixed(0)}x`);
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, Node ${process.version}`,
  );
} finally {
  await pool.end();
  await postgres.close();
}

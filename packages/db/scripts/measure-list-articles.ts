// Measures listArticles (the query lesson 03 caches) through `pg` on the embedded Postgres.
// Run: pnpm --filter @workshop/db measure   (uses a throwaway in-memory copy, not your data)
import { cpus } from 'node:os';
import {
  createPool,
  createTemplateDump,
  listArticles,
  startEmbeddedPostgres,
} from '../src/index.ts';

const runs = Number(process.argv[2] ?? 30);
const pg = await startEmbeddedPostgres({ template: await createTemplateDump(), port: 0 });
const pool = createPool({ databaseUrl: pg.url, databaseSource: 'embedded' });
try {
  const first = await listArticles(pool);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await listArticles(pool);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    times[Math.min(times.length - 1, Math.floor(q * times.length))]?.toFixed(1);
  console.log(`listArticles: ${first.length} rows, ${runs} runs after one warm-up`);
  console.log(`  median ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${at(0)} ms`);
  console.log(
    `  machine: ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, Node ${process.version}`,
  );
} finally {
  await pool.end();
  await pg.close();
}

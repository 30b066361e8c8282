// What the cache buys a web page under load: the lesson's list page served by the web front
// with the cache on and with it off (every page from Postgres), 50 connections each, side by
// side, in rounds that alternate so a busy moment hurts both. Prints requests per second and
// p50/p99 latency, and the machine, so a figure quoted in a lesson says where it came from.
//
//   pnpm stack                                                   (in one terminal)
//   pnpm --filter @workshop/lesson-03-ttl-caching measure:http   (in another)

import { cpus, loadavg, release, type } from 'node:os';
import autocannon from 'autocannon';
import { type LessonWeb, startLessonWeb } from './lesson.ts';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.MEASURE_SECONDS ?? 5);
const ROUNDS = Number(process.env.MEASURE_ROUNDS ?? 3);

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(web: LessonWeb): Promise<Result> {
  const result = await autocannon({
    url: `http://127.0.0.1:${web.port}/`,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { host: `localhost:${web.port}` },
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const dir = process.cwd();
const cached = await startLessonWeb(dir, { cache: true });
const uncached = await startLessonWeb(dir, { cache: false });
const runs: { on: Result[]; off: Result[] } = { on: [], off: [] };
try {
  // One warm-up each: the first list page fills the cache; the first Postgres reads warm it.
  await fetch(`http://127.0.0.1:${cached.port}/`, { headers: { host: 'localhost' } });
  await fetch(`http://127.0.0.1:${uncached.port}/`, { headers: { host: 'localhost' } });
  for (let round = 1; round <= ROUNDS; round++) {
    runs.on.push(await load(cached));
    runs.off.push(await load(uncached));
    process.stderr.write(`  round ${round}/${ROUNDS} done\n`);
  }
} finally {
  await cached.close();
  await uncached.close();
}

const row = (label: string, results: Result[]) => {
  const rps = median(results.map((r) => r.rps));
  const p50 = median(results.map((r) => r.p50));
  const p99 = median(results.map((r) => r.p99));
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  console.log(
    `${label.padEnd(22)} ${rps.toFixed(0).padStart(8)} req/s   p50 ${String(p50).padStart(5)} ms   p99 ${String(p99).padStart(5)} ms${errors ? `   (${errors} errors)` : ''}`,
  );
  return rps;
};

console.log(
  `\nThe list page (GET /), ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} rounds, medians:`,
);
const on = row('cache on (lesson app)', runs.on);
const off = row('cache off (Postgres)', runs.off);
console.log(`cache on / cache off: ${(on / off).toFixed(1)}x the requests per second`);
console.log(
  `\nmachine: ${type()} ${release()}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// The Lua row of the benchmark: an @upstash/ratelimit `limit()` round trip (an EVALSHA of its
// sliding-window script over REST) on the engine, against the same through a forwarding
// kv-server to the real Redis. Run alone with `tsx bench/ratelimit.ts`, or as part of run.ts.

import { Ratelimit } from '@upstash/ratelimit';
import { Redis as Upstash } from '@upstash/redis';
import { startKvProcess } from './kv-process.ts';

/** Its own database of the real Redis (the ecosystem suite uses 11, the memory rows 13). */
const RATELIMIT_DB = 10;

/** A kv-server process: the engine, or forwarding to `forwardTo`. */
const startKv = (forwardTo?: string) =>
  startKvProcess(forwardTo ? ['--forward-to', forwardTo] : ['--resp-port', '0']);

/** p50 and p99 in ms of `count` sequential limit() calls (after a warm-up). */
async function limitLatency(restUrl: string, count: number): Promise<{ p50: number; p99: number }> {
  const redis = new Upstash({ url: restUrl, token: 'bench', enableAutoPipelining: false });
  const limiter = new Ratelimit({
    redis,
    limiter: Ratelimit.slidingWindow(1_000_000, '60 s'),
    prefix: `bench-rl:${process.pid}`,
    ephemeralCache: false,
    analytics: false,
  });
  for (let i = 0; i < 200; i++) await limiter.limit(`warm-${i % 10}`);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const result = await limiter.limit(`user-${i % 50}`);
    times.push(performance.now() - start);
    if (!result.success) throw new Error('the limiter refused a request under its limit');
  }
  times.sort((a, b) => a - b);
  const at = (p: number) =>
    times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!;
  return { p50: at(50), p99: at(99) };
}

export interface RatelimitRow {
  engineP50: number;
  forwardP50: number;
  engineP99: number;
  forwardP99: number;
}

/** Measures both; `redisUrl` is the real Redis behind the forwarding server. */
export async function measureRatelimit(redisUrl: string, count = 2000): Promise<RatelimitRow> {
  const engine = await startKv();
  const url = new URL(redisUrl);
  url.pathname = `/${RATELIMIT_DB}`;
  const forward = await startKv(url.toString());
  try {
    const ours = await limitLatency(engine.restUrl, count);
    const theirs = await limitLatency(forward.restUrl, count);
    return {
      engineP50: ours.p50,
      forwardP50: theirs.p50,
      engineP99: ours.p99,
      forwardP99: theirs.p99,
    };
  } finally {
    // The limiter's keys on the real Redis expire with their 60 s window.
    engine.stop();
    forward.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const row = await measureRatelimit(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  console.log(
    `@upstash/ratelimit limit() p50: engine ${row.engineP50.toFixed(3)} ms, forwarding to Redis ${row.forwardP50.toFixed(3)} ms (${(row.engineP50 / row.forwardP50).toFixed(2)}x, target <= 1.5x); p99 ${row.engineP99.toFixed(3)} vs ${row.forwardP99.toFixed(3)} ms`,
  );
}

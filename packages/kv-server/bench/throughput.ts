// The throughput rows of the benchmark (issue 12), each a ratio measured side by side in one
// run: the two sides alternate round by round (3 rounds, median), so a burst of load from
// elsewhere on a shared machine hits both, not one. The load average is printed with each part.
//   RESP: redis-benchmark -c 50, -P 1 and -P 16, nine commands, engine vs redis-server.
//   REST: autocannon, 50 connections: the engine (POST / INCR, /pipeline of 10 INCRs) vs a no-op
//         node:http server answering the same requests; forwarding mode vs the engine and vs
//         @humanwhocodes/upstash-redis-server over the same Redis; p50 and p99.
//   @upstash/redis sequential GET p50: forwarding mode vs that same peer.
// Run alone with `tsx bench/throughput.ts` (BENCH_SECONDS, BENCH_ROUNDS tune it), or via run.ts.

import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis as Upstash } from '@upstash/redis';
import autocannon from 'autocannon';
import { Redis as Valkey } from 'iovalkey';
import { startKvProcess } from './kv-process.ts';
import { NOOP_PIPELINE_REPLY, NOOP_SINGLE_REPLY } from './noop-replies.ts';

const exec = promisify(execFile);
const PEER_BIN = fileURLToPath(
  new URL('../node_modules/@humanwhocodes/upstash-redis-server/dist/server.js', import.meta.url),
);
/**
 * The real Redis database these rows write to (redis-benchmark's keys, the REST counters), flushed
 * after: one no test uses (test/servers.ts lists theirs), so a bench beside a test run breaks nothing.
 */
export const BENCH_DB = 9;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const TESTS = ['SET', 'GET', 'INCR', 'LPUSH', 'LPOP', 'SADD', 'HSET', 'ZADD', 'MSET (10 keys)'];

export interface Row {
  what: string;
  ours: string;
  redis: string;
  ratio: string;
  target: string;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

export function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** `ours / theirs`, the median over rounds of each round's ratio. */
function ratioOf(ours: number[], theirs: number[]): number {
  return median(ours.map((a, i) => a / (theirs[i] ?? Number.NaN)));
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A kv-server process: the engine, or forwarding to `forwardTo`. */
const startKv = (forwardTo?: string) =>
  startKvProcess(
    forwardTo ? ['--forward-to', forwardTo, '--resp-port', 'off'] : ['--resp-port', '0'],
  );

/** A node:http server that reads the body and answers fixed JSON: the floor of any REST server. */
export async function startNoop() {
  const code = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, {'content-type': 'application/json'}); s.end(q.url === '/pipeline' ? ${JSON.stringify(NOOP_PIPELINE_REPLY)} : ${JSON.stringify(NOOP_SINGLE_REPLY)}); }); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d) => resolve(String(d).trim())),
  );
  return {
    restUrl: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: () => child.kill(),
  };
}

/** @humanwhocodes/upstash-redis-server with its documented settings (URS_TOKEN, PORT, REDIS_URL). */
async function startPeer(redisUrl: string) {
  const port = await freePort();
  const child = spawn(process.execPath, [PEER_BIN], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, URS_TOKEN: 'bench', PORT: String(port), REDIS_URL: redisUrl },
  });
  const restUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(restUrl, {
      method: 'POST',
      headers: { Authorization: 'Bearer bench' },
      body: '["PING"]',
    }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { restUrl, stop: () => child.kill() };
}

async function redisBenchmark(port: number, pipeline: number, n: number) {
  const { stdout } = await exec('redis-benchmark', [
    ...['-h', '127.0.0.1', '-p', String(port), '--dbnum', String(BENCH_DB)],
    ...['-t', 'set,get,incr,lpush,lpop,sadd,hset,zadd,mset', '-c', '50'],
    ...['-n', String(n), '-P', String(pipeline), '--csv'],
  ]);
  const result = new Map<string, number>();
  for (const line of stdout.trim().split('\n').slice(1)) {
    const [test, rps] = line.split(',').map((cell) => cell.replaceAll('"', ''));
    if (test && rps) result.set(test, Number(rps));
  }
  return result;
}

export async function respRows(redisPort: number): Promise<Row[]> {
  const server = await startKv();
  const rows: Row[] = [];
  try {
    // About 2 s of each side per test and round: at -P 16 Redis answers 300,000 requests in under
    // half a second here, short enough for one scheduler hiccup to swing a ratio by 0.3.
    for (const [pipeline, n] of [
      [1, 100_000],
      [16, 1_500_000],
    ] as const) {
      const ours = new Map<string, number[]>(TESTS.map((t) => [t, []]));
      const theirs = new Map<string, number[]>(TESTS.map((t) => [t, []]));
      for (let round = 0; round < ROUNDS; round++) {
        process.stdout.write(
          `redis-benchmark -c 50 -P ${pipeline}, round ${round + 1}/${ROUNDS} (load ${load()})\n`,
        );
        // Alternate which side goes first, so a trend in the machine's load favours neither.
        const sides = [
          [server.respPort, ours],
          [redisPort, theirs],
        ] as const;
        for (const [port, into] of round % 2 ? [...sides].reverse() : sides) {
          const result = await redisBenchmark(port, pipeline, n);
          for (const test of TESTS) into.get(test)!.push(result.get(test) ?? Number.NaN);
        }
      }
      for (const test of TESTS) {
        rows.push({
          what: `RESP ${test} -c 50 -P ${pipeline} (req/s)`,
          ours: fmt(median(ours.get(test)!)),
          redis: fmt(median(theirs.get(test)!)),
          ratio: `${fmt(ratioOf(ours.get(test)!, theirs.get(test)!), 2)}x`,
          target: pipeline === 1 ? '>= 1.0x' : '>= 0.8x',
        });
      }
    }
  } finally {
    server.stop();
  }
  return rows;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
}

/** autocannon, 50 connections, for SECONDS: req/s and latency percentiles (ms). */
async function cannon(baseUrl: string, path: string, body: string): Promise<Load> {
  const result = await autocannon({
    url: `${baseUrl}${path}`,
    connections: 50,
    duration: SECONDS,
    method: 'POST',
    headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
    body,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${baseUrl}${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

export const SINGLE = '["INCR","bench:rest"]';
export const PIPELINE = JSON.stringify(
  Array.from({ length: 10 }, (_, i) => ['INCR', `bench:rest:${i}`]),
);

export async function restRows(redisUrl: string): Promise<Row[]> {
  const db = `${redisUrl.replace(/\/\d*$/, '')}/${BENCH_DB}`;
  const noop = await startNoop();
  const engine = await startKv();
  const forward = await startKv(db);
  const peer = await startPeer(db);
  type Case = { name: string; url: string; path: string; body: string };
  const cases: Case[] = [
    { name: 'noop', url: noop.restUrl, path: '/', body: SINGLE },
    { name: 'engine', url: engine.restUrl, path: '/', body: SINGLE },
    { name: 'noop-pipe', url: noop.restUrl, path: '/pipeline', body: PIPELINE },
    { name: 'engine-pipe', url: engine.restUrl, path: '/pipeline', body: PIPELINE },
    { name: 'forward', url: forward.restUrl, path: '/', body: SINGLE },
    { name: 'peer', url: peer.restUrl, path: '/', body: SINGLE },
  ];
  const runs = new Map<string, Load[]>(cases.map((c) => [c.name, []]));
  const rows: Row[] = [];
  try {
    for (const c of cases) await cannon(c.url, c.path, c.body); // warm-up (JIT, connections)
    for (let round = 0; round < ROUNDS; round++) {
      process.stdout.write(
        `REST autocannon -c 50, round ${round + 1}/${ROUNDS} (load ${load()})\n`,
      );
      const order = round % 2 ? [...cases].reverse() : cases;
      for (const c of order) runs.get(c.name)!.push(await cannon(c.url, c.path, c.body));
    }
    const rps = (name: string) => runs.get(name)!.map((r) => r.rps);
    const med = (name: string, key: keyof Load) => median(runs.get(name)!.map((r) => r[key]));
    const row = (what: string, a: string, b: string, target: string, scale = 1): Row => ({
      what,
      ours: `${fmt(med(a, 'rps') * scale)} (p50 ${med(a, 'p50')} p99 ${med(a, 'p99')} ms)`,
      redis: `${fmt(med(b, 'rps') * scale)} (p50 ${med(b, 'p50')} p99 ${med(b, 'p99')} ms)`,
      ratio: `${fmt(ratioOf(rps(a), rps(b)), 2)}x`,
      target,
    });
    rows.push(
      row('REST POST / INCR, engine vs no-op node:http (req/s)', 'engine', 'noop', '>= 0.8x'),
    );
    rows.push(
      row(
        'REST /pipeline of 10, engine vs no-op node:http (req/s)',
        'engine-pipe',
        'noop-pipe',
        '>= 0.8x',
      ),
    );
    rows.push(
      row('REST /pipeline of 10, engine vs no-op (commands/s)', 'engine-pipe', 'noop-pipe', '', 10),
    );
    rows.push(
      row(
        'REST POST / INCR, forwarding vs upstash-redis-server (req/s)',
        'forward',
        'peer',
        '>= 4x',
      ),
    );
    rows.push(
      row('REST POST / INCR, forwarding vs engine (req/s)', 'forward', 'engine', '>= 0.8x'),
    );

    // Sequential @upstash/redis GET, forwarding vs the peer (it needs responseEncoding: false).
    process.stdout.write(`@upstash/redis sequential GET (load ${load()})\n`);
    const ours = new Upstash({ url: forward.restUrl, token: 'bench', enableAutoPipelining: false });
    const theirs = new Upstash({
      url: peer.restUrl,
      token: 'bench',
      responseEncoding: false,
      enableAutoPipelining: false,
    });
    await ours.set('bench:get', 'value');
    const p50s: [number[], number[]] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      const sides = [ours, theirs] as const;
      for (const [i, client] of (round % 2 ? [...sides].reverse() : sides).entries()) {
        const which = round % 2 ? 1 - i : i;
        for (let k = 0; k < 100; k++) await client.get('bench:get');
        const times: number[] = [];
        for (let k = 0; k < 1000; k++) {
          const start = performance.now();
          await client.get('bench:get');
          times.push(performance.now() - start);
        }
        p50s[which]!.push(median(times));
      }
    }
    rows.push({
      what: '@upstash/redis sequential GET p50, forwarding vs upstash-redis-server (ms)',
      ours: fmt(median(p50s[0]), 3),
      redis: fmt(median(p50s[1]), 3),
      ratio: `${fmt(ratioOf(p50s[0], p50s[1]), 2)}x`,
      target: '',
    });
  } finally {
    noop.stop();
    engine.stop();
    forward.stop();
    peer.stop();
    const redis = new Valkey(db);
    await redis.flushdb().catch(() => {});
    redis.disconnect();
  }
  return rows;
}

export function printTable(rows: Row[]): void {
  const headers: Row = {
    what: '',
    ours: 'kv-server',
    redis: 'anchor',
    ratio: 'ratio',
    target: 'target',
  };
  const keys = Object.keys(headers) as (keyof Row)[];
  const widths = keys.map((key) => Math.max(...[headers, ...rows].map((row) => row[key].length)));
  const line = (row: Row) =>
    keys
      .map((key, i) => (i === 0 ? row[key].padEnd(widths[i]!) : row[key].padStart(widths[i]!)))
      .join('  ');
  console.log(`\n${line(headers)}`);
  for (const row of rows) console.log(line(row));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  console.log(`load average at start: ${load()}`);
  const rows = process.argv.includes('--rest')
    ? await restRows(redisUrl)
    : process.argv.includes('--resp')
      ? await respRows(Number(new URL(redisUrl).port || 6379))
      : [
          ...(await respRows(Number(new URL(redisUrl).port || 6379))),
          ...(await restRows(redisUrl)),
        ];
  printTable(rows);
  console.log(`load average at end: ${load()}`);
  process.exit(0);
}

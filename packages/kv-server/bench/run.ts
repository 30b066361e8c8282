// kv-server vs the real Redis, measured in one run on this machine, printed side by side:
//   1. throughput (bench/throughput.ts): redis-benchmark, nine commands, -P 1 (target >= 1.0x
//      Redis) and -P 16 (>= 0.8x); REST under autocannon vs a no-op node:http server (>= 0.8x),
//      forwarding vs @humanwhocodes/upstash-redis-server (>= 4x) and vs the engine (>= 0.8x)
//   2. @upstash/redis -> REST -> engine vs iovalkey -> Redis, sequential calls (target: REST p50 <= 3x TCP p50)
//   +  Lua: @upstash/ratelimit limit() p50, engine vs forwarding to Redis (target: <= 1.5x)
//   3. memory for 1,000,000 small string keys: engine RSS growth vs Redis used_memory growth (target: <= 1.3x)
//   4. the accuracy of the engine's used_memory (what maxmemory acts on) against its own RSS
//      growth, for 1,000,000 small keys and for 1,000 values of 1 MB (`--memory`: only this)
// `--keys` runs only row 3, in a fresh server (BENCH_ROUNDS servers one after the other).
// `--rest-cpu` runs only the REST rows as server CPU per request (bench/rest-cpu.ts), the
// figure that survives a loaded machine.
// A script, not a test: `pnpm --filter @workshop/kv-server bench`. Loopback only, a few minutes.
// BENCH_REDIS_URL picks the Redis to compare with (default redis://127.0.0.1:6379).

import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { Redis as Upstash } from '@upstash/redis';
import { Redis as Valkey } from 'iovalkey';
import { startKvProcess } from './kv-process.ts';
import { measureRatelimit } from './ratelimit.ts';
import { restCpuRows } from './rest-cpu.ts';
import { BENCH_DB, fmt, load, printTable, type Row, respRows, restRows } from './throughput.ts';

const exec = promisify(execFile);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Its own database on the real Redis for the memory test, flushed before and after. */
const MEMORY_DB = BENCH_DB;
const KEYS = 1_000_000;
const rows: Row[] = [];

/**
 * How long `node` takes to start and print one line, median of 5. The same code measures
 * differently from one day to the next on a shared machine; the READMEs give this figure with
 * each run so that runs from different days can be compared.
 */
async function nodeFloorSeconds(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await exec(process.execPath, ['-e', 'console.log(1)']);
    times.push((performance.now() - start) / 1000);
  }
  return times.sort((a, b) => a - b)[2]!;
}

/** The kv-server CLI as a process of its own, so its memory and CPU are its own. */
const startServer = () => startKvProcess(['--resp-port', '0']);

/** A node:http server answering a fixed JSON body, in a process of its own like kv-server. */
async function startNoopHttp() {
  const code = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, {'content-type': 'application/json'}); s.end('[{"result":null}]'); }); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d) => resolve(String(d).trim())),
  );
  return { url: `http://127.0.0.1:${port}/pipeline`, stop: () => child.kill() };
}

/**
 * Waits until a server that just took a burst of writes is settled: the kv-server CLI gives
 * back what the burst needed with V8's full collections 1 s and 7 s into an idle spell
 * (memory.ts's IdleCollector), as Redis's used_memory counts the data and not the burst. RSS
 * read 1 s after the load is printed too.
 */
const settle = () => new Promise((r) => setTimeout(r, 9000));

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A row of two times in ms (`what` gets the unit) and their ratio. */
function msRow(what: string, ours: number, theirs: number, target = ''): Row {
  return {
    what: `${what} (ms)`,
    ours: fmt(ours, 3),
    redis: fmt(theirs, 3),
    ratio: `${fmt(ours / theirs, 2)}x`,
    target,
  };
}

async function latencies(call: (i: number) => Promise<unknown>, count: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) await call(i); // warm up JIT and connections
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(i);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

/** A client of the Redis to compare with, and whether it answered (no retries when it does not). */
async function connectRedis() {
  const redis = new Valkey(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  const hasRedis = await redis.connect().then(
    () => true,
    () => false,
  );
  return { redis, hasRedis };
}

/** Loads `KEYS` small string keys in pipelined batches. */
async function loadKeys(client: Valkey): Promise<void> {
  const batch = 10_000;
  for (let start = 0; start < KEYS; start += batch) {
    const pipeline = client.pipeline();
    for (let i = start; i < start + batch; i++) pipeline.set(`key:${i}`, `value:${i}`);
    await pipeline.exec();
  }
}

/** INFO memory's used_memory of a server. */
async function usedMemory(client: Valkey): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
}

/**
 * used_memory growth against RSS growth in a fresh server process: how well the estimate that
 * maxmemory acts on tracks what the data really costs. `load` writes the data.
 */
async function memoryAccuracy(what: string, load: (client: Valkey) => Promise<void>): Promise<Row> {
  const server = await startServer();
  const client = new Valkey(server.respUrl);
  try {
    await client.ping();
    await new Promise((r) => setTimeout(r, 500));
    const rssBefore = rssBytes(server.pid);
    const usedBefore = await usedMemory(client);
    await load(client);
    await settle();
    const rssGrowth = rssBytes(server.pid) - rssBefore;
    const usedGrowth = (await usedMemory(client)) - usedBefore;
    return {
      what: `used_memory vs RSS growth, ${what} (MB)`,
      ours: fmt(usedGrowth / 2 ** 20, 1),
      redis: `RSS ${fmt(rssGrowth / 2 ** 20, 1)}`,
      ratio: `${fmt(rssGrowth / usedGrowth, 2)}x`,
      target: '0.5x-2x',
    };
  } finally {
    client.disconnect();
    server.stop();
  }
}

async function memoryAccuracyRows(): Promise<Row[]> {
  process.stdout.write('used_memory accuracy: 1,000,000 small keys...\n');
  const small = await memoryAccuracy(`${fmt(KEYS)} small keys`, loadKeys);
  process.stdout.write('used_memory accuracy: 1,000 values of 1 MB...\n');
  const big = await memoryAccuracy('1,000 values of 1 MB', async (client) => {
    const value = Buffer.alloc(1024 * 1024, 'v');
    for (let start = 0; start < 1000; start += 10) {
      const pipeline = client.pipeline();
      for (let i = start; i < start + 10; i++) pipeline.set(`big:${i}`, value);
      await pipeline.exec();
    }
  });
  return [small, big];
}

/**
 * Row 3: the RSS growth of a kv-server process for `KEYS` small string keys against the real
 * Redis's used_memory growth for the same keys, in its own database (flushed before and after).
 */
async function smallKeysRow(
  server: Awaited<ReturnType<typeof startServer>>,
  hasRedis: boolean,
): Promise<Row[]> {
  process.stdout.write(`memory for ${fmt(KEYS)} keys...\n`);
  const client = new Valkey(server.respUrl);
  await client.flushdb();
  await new Promise((r) => setTimeout(r, 500));
  const rssBefore = rssBytes(server.pid);
  await loadKeys(client);
  await new Promise((r) => setTimeout(r, 1000));
  const rssAt1s = rssBytes(server.pid);
  await settle();
  const rssAfter = rssBytes(server.pid);
  client.disconnect();
  let redisGrowth = Number.NaN;
  if (hasRedis) {
    const own = new Valkey(`${REDIS_URL.replace(/\/\d*$/, '')}/${MEMORY_DB}`);
    await own.flushdb();
    const before = await usedMemory(own);
    await loadKeys(own);
    redisGrowth = (await usedMemory(own)) - before;
    await own.flushdb();
    own.disconnect();
  }
  const ourGrowth = rssAfter - rssBefore;
  const at1s = rssAt1s - rssBefore;
  return [
    {
      what: `memory growth, ${fmt(KEYS)} keys, settled (MB)`,
      ours: fmt(ourGrowth / 2 ** 20, 1),
      redis: fmt(redisGrowth / 2 ** 20, 1),
      ratio: `${fmt(ourGrowth / redisGrowth, 2)}x`,
      target: '<= 1.3x',
    },
    {
      what: '  the same 1 s after the load (MB)',
      ours: fmt(at1s / 2 ** 20, 1),
      redis: fmt(redisGrowth / 2 ** 20, 1),
      ratio: `${fmt(at1s / redisGrowth, 2)}x`,
      target: '',
    },
  ];
}

/**
 * `--keys`: row 3 alone, in a fresh server, `BENCH_ROUNDS` times (default 1), each round its
 * own server process; the load average is printed around it.
 */
async function smallKeysOnly(): Promise<void> {
  const { redis, hasRedis } = await connectRedis();
  redis.disconnect();
  console.log(`load average at start: ${load()}`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  for (let round = 0; round < rounds; round++) {
    const server = await startServer();
    try {
      rows.push(...(await smallKeysRow(server, hasRedis)));
    } finally {
      server.stop();
    }
  }
  printRows();
  console.log(`load average at end: ${load()}`);
}

const printRows = () => printTable(rows);

async function main() {
  if (process.argv.includes('--keys')) {
    await smallKeysOnly();
    return;
  }
  if (process.argv.includes('--rest-cpu')) {
    console.log(`load average at start: ${load()}`);
    rows.push(...(await restCpuRows()));
    printRows();
    console.log(`load average at end: ${load()}`);
    return;
  }
  if (process.argv.includes('--memory')) {
    rows.push(...(await memoryAccuracyRows()));
    printRows();
    return;
  }
  const redisPort = Number(new URL(REDIS_URL).port || 6379);
  const hasBenchmark = await exec('redis-benchmark', ['--version']).then(
    () => true,
    () => false,
  );
  const { redis, hasRedis } = await connectRedis();
  const redisVersion = hasRedis
    ? (/redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?')
    : 'not reachable';

  console.log('kv-server benchmark');
  console.log(`load average at start: ${load()}`);
  console.log(
    `machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, ${fmt(totalmem() / 2 ** 30, 1)} GB RAM, Node ${process.version}, Redis ${redisVersion} at ${REDIS_URL}`,
  );
  console.log(
    `machine speed: node prints one line in ${fmt(await nodeFloorSeconds(), 2)} s (median of 5)`,
  );
  if (!hasRedis)
    console.log(`(no Redis at ${REDIS_URL}: the comparisons are skipped; set BENCH_REDIS_URL)`);

  const server = await startServer();
  try {
    // 1. Throughput, side by side, median of 3 alternating rounds (bench/throughput.ts).
    if (!hasBenchmark) {
      console.log('(redis-benchmark not found: install it with `apt-get install -y redis-tools`)');
    } else if (hasRedis) {
      rows.push(...(await respRows(redisPort)));
    }
    if (hasRedis) rows.push(...(await restRows(REDIS_URL)));

    // 2. Sequential call latency: the REST path a lesson's Upstash code takes vs plain TCP.
    process.stdout.write('sequential latency...\n');
    const upstash = new Upstash({ url: server.restUrl, token: 'bench' });
    const count = 3000;
    const rest = await latencies(
      (i) => (i % 2 ? upstash.get(`lat:${i >> 1}`) : upstash.set(`lat:${i >> 1}`, 'value')),
      count,
    );
    const ownTcp = new Valkey(server.respUrl);
    const ours = await latencies(
      (i) => (i % 2 ? ownTcp.get(`lat:${i >> 1}`) : ownTcp.set(`lat:${i >> 1}`, 'value')),
      count,
    );
    ownTcp.disconnect();
    // The floor of any REST server: fetch to a node:http server that does nothing.
    const floorServer = await startNoopHttp();
    const floor = await latencies(
      () => fetch(floorServer.url, { method: 'POST', body: '[["get","k"]]' }).then((r) => r.text()),
      count,
    );
    floorServer.stop();
    // The same request as the floor's, to kv-server: what the server itself adds.
    const direct = await latencies(
      () =>
        fetch(`${server.restUrl}/pipeline`, {
          method: 'POST',
          headers: { Authorization: 'Bearer bench', 'Upstash-Encoding': 'base64' },
          body: '[["get","k"]]',
        }).then((r) => r.text()),
      count,
    );
    const tcp = hasRedis
      ? await latencies(
          (i) => (i % 2 ? redis.get(`lat:${i >> 1}`) : redis.set(`lat:${i >> 1}`, 'value')),
          count,
        )
      : [];
    if (hasRedis) await redis.del(...Array.from({ length: count / 2 + 100 }, (_, i) => `lat:${i}`));
    const versusTcp = (p: number, what: string, times: number[], target = '') =>
      rows.push(
        msRow(`p${p} ${what} vs iovalkey->Redis`, percentile(times, p), percentile(tcp, p), target),
      );
    versusTcp(50, '@upstash/redis->REST->engine', rest, '<= 3x');
    versusTcp(99, '@upstash/redis->REST->engine', rest);
    versusTcp(50, 'fetch->no-op node:http server', floor);
    versusTcp(50, 'fetch->kv-server REST', direct);
    versusTcp(50, 'iovalkey->engine RESP', ours);

    // Lua: an @upstash/ratelimit limit() round trip, engine vs forwarding to Redis (bench/ratelimit.ts).
    if (hasRedis) {
      process.stdout.write('@upstash/ratelimit limit()...\n');
      const rl = await measureRatelimit(REDIS_URL);
      rows.push(
        msRow(
          'p50 @upstash/ratelimit limit(): engine vs forwarding to Redis',
          rl.engineP50,
          rl.forwardP50,
          '<= 1.5x',
        ),
      );
    }

    // 3. Memory for 1,000,000 small string keys, in a fresh server as `--keys` does (Redis's
    // used_memory counts only the data): the server above has served minutes of load, and in it
    // the row read 110 MB where fresh servers read 97-106 MB.
    const fresh = await startServer();
    try {
      rows.push(...(await smallKeysRow(fresh, hasRedis)));
    } finally {
      fresh.stop();
    }
  } finally {
    server.stop();
    redis.disconnect();
  }
  rows.push(...(await memoryAccuracyRows()));
  printRows();
  console.log(`load average at end: ${load()}`);
}

await main();

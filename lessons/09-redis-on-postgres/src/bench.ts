// The figures of the lesson's table: redis-benchmark (SET, GET, INCR, 50 clients, without and
// with pipelining) against Valkey and against this lesson's server over PGlite and over a real
// Postgres, UNLOGGED and logged; then one client's GET latency, next to the primary-key SELECT
// that GET runs, sent straight through `pg`.
//
//   pnpm --filter @workshop/lesson-09-redis-on-postgres bench
//
// Valkey: BENCH_VALKEY_URL (default redis://127.0.0.1:6390), else the kv-server engine.
// Postgres: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), where it
// creates tables pg_resp_bench_* and drops them after; skipped when it does not answer.
// Needs redis-benchmark (Debian/Ubuntu: redis-tools; macOS: brew install redis).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, startEmbeddedPostgres } from '@workshop/db';
import { startKvServer } from '@workshop/kv-server';
import { Redis as ValkeyClient } from 'iovalkey';
import pg from 'pg';

const REQUESTS = Number(process.env.REQUESTS ?? 20_000); // per test on Valkey
const PG_REQUESTS = Number(process.env.PG_REQUESTS ?? 4_000); // per test on Postgres
const CLIENTS = 50;
const ROUNDS = 1000; // one client's sequential reads

if (spawnSync('redis-benchmark', ['--version']).error) {
  console.error(
    'redis-benchmark is not installed: apt install redis-tools (Debian, Ubuntu), brew install redis (macOS).',
  );
  process.exit(1);
}

interface Row {
  target: string;
  /** requests per second: [SET, GET, INCR] without, then with pipelining (-P 16) */
  rps: number[];
  /** one client's GET, median ms; and the primary-key SELECT through pg, when there is one */
  getMs: number;
  selectMs?: number;
}
const rows: Row[] = [];
const cleanup: (() => Promise<unknown>)[] = [];

// #region benchmark
/** redis-benchmark's requests per second for SET, GET and INCR, each on one key (no -r). */
async function redisBenchmark(port: number, requests: number, pipeline: number) {
  const args = ['-p', String(port), '-t', 'set,get,incr', '-n', String(requests)];
  args.push('-c', String(CLIENTS), '-P', String(pipeline), '--csv');
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('redis-benchmark', args);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', () => {
      // "Could not fetch server CONFIG" is expected: this server has no CONFIG command.
      const problems = err.split('\n').filter((line) => line.trim() && !line.includes('CONFIG'));
      if (problems.length > 0)
        console.log(`\n   redis-benchmark: ${problems.slice(0, 3).join(' / ')}`);
      resolve(out);
    });
  });
  const rps = (test: string) =>
    Number(output.match(new RegExp(`^"${test}","([\\d.]+)"`, 'm'))?.[1] ?? Number.NaN);
  return ['SET', 'GET', 'INCR'].map(rps);
}
// #endregion benchmark

/** The median of `ROUNDS` calls, one after the other, in ms. */
async function median(call: () => Promise<unknown>) {
  for (let i = 0; i < 100; i++) await call(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[ROUNDS >> 1] ?? Number.NaN;
}

async function measure(
  target: string,
  port: number,
  requests: number,
  pool?: pg.Pool,
  table?: string,
) {
  process.stdout.write(`measuring ${target}...`);
  const plain = await redisBenchmark(port, requests, 1);
  const piped = await redisBenchmark(port, requests, 16);
  const client = new ValkeyClient({ port, host: '127.0.0.1' });
  await client.set('bench:read', 'a value of some twenty bytes');
  const getMs = await median(() => client.get('bench:read'));
  client.disconnect();
  let selectMs: number | undefined;
  if (pool && table) {
    // #region select
    // The same row, read with the statement GET runs, without the RESP server in between.
    const key = Buffer.from('bench:read');
    selectMs = await median(() =>
      pool.query(
        `SELECT type, value FROM ${table} WHERE db = 0 AND key = $1 AND (expires_at IS NULL OR expires_at > now())`,
        [key],
      ),
    );
    // #endregion select
  }
  rows.push({ target, rps: [...plain, ...piped], getMs, selectMs });
  console.log(' done');
}

/**
 * The server in a process of its own (src/serve.ts), as Valkey is: on a free port, over
 * `databaseUrl`. Answers its port once it listens.
 */
async function startServer(databaseUrl: string, table: string, unlogged: boolean, pglite: boolean) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('serve.ts', import.meta.url))],
    {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        TABLE: table,
        LOGGED: unlogged ? '' : '1',
        PGLITE: pglite ? '1' : '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/listening on redis:\/\/[\d.]+:(\d+)/);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`src/serve.ts exited (${code}) before listening`)));
  });
  const stopped = new Promise((resolve) => child.on('exit', resolve));
  const stop = () => {
    child.kill('SIGTERM');
    return stopped;
  };
  return { port, stop };
}

/** Both tables (UNLOGGED and logged) of one Postgres, each behind its own server. */
async function measurePostgres(name: string, pool: pg.Pool, databaseUrl: string, pglite: boolean) {
  for (const unlogged of [true, false]) {
    const table = `pg_resp_bench_${unlogged ? 'unlogged' : 'logged'}`;
    await pool.query(`DROP TABLE IF EXISTS ${table}_zset, ${table}`);
    const server = await startServer(databaseUrl, table, unlogged, pglite);
    try {
      await measure(
        `${name}, ${unlogged ? 'UNLOGGED' : 'logged'}`,
        server.port,
        PG_REQUESTS,
        pool,
        table,
      );
    } finally {
      await server.stop();
      await pool.query(`DROP TABLE IF EXISTS ${table}_zset, ${table}`);
    }
  }
}

const started = loadavg()[0] ?? 0;
try {
  // 1. Valkey, or the workshop's kv-server engine where Valkey is not running.
  const valkeyUrl = new URL(process.env.BENCH_VALKEY_URL ?? 'redis://127.0.0.1:6390');
  const probe = new ValkeyClient({
    port: Number(valkeyUrl.port),
    host: valkeyUrl.hostname,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  const valkeyUp = await probe
    .connect()
    .then(() => probe.info('server'))
    .catch(() => '');
  probe.disconnect();
  if (valkeyUp) {
    const version = valkeyUp.match(/^valkey_version:(.+)$/m)?.[1]?.trim() ?? '';
    await measure(`Valkey ${version}`.trim(), Number(valkeyUrl.port), REQUESTS);
  } else {
    console.log(`No Valkey at ${valkeyUrl}: measuring the workshop's kv-server engine instead.`);
    const kv = await startKvServer({ restPort: 0, respPort: 0 });
    cleanup.push(() => kv.close());
    await measure('kv-server engine (Node)', Number(new URL(kv.respUrl ?? '').port), REQUESTS);
  }

  // 2. This lesson's server over the embedded PGlite (one session, queries one at a time).
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-resp-bench-'));
  const postgres = await startEmbeddedPostgres({ dataDir, port: 0 });
  const embedded = createPool({ databaseUrl: postgres.url, databaseSource: 'embedded' });
  cleanup.push(async () => {
    await embedded.end();
    await postgres.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await measurePostgres('pg-resp on PGlite', embedded, postgres.url, true);

  // 3. The same server over a real Postgres, when one answers.
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const real = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  real.on('error', () => {});
  cleanup.push(() => real.end());
  const version = await real
    .query<{ server_version: string }>('SHOW server_version')
    .then((r) => r.rows[0]?.server_version.split(' ')[0])
    .catch((error: Error) => {
      console.log(`No Postgres at ${databaseUrl} (${error.message}): skipped.`);
      return undefined;
    });
  if (version) await measurePostgres(`pg-resp on PostgreSQL ${version}`, real, databaseUrl, false);
} finally {
  for (const close of cleanup.reverse()) await close().catch(() => {});
}

// #region table
const k = (n: number) =>
  Number.isNaN(n)
    ? 'n/a'
    : n >= 10_000
      ? `${Math.round(n / 1000)}k`
      : Math.round(n).toLocaleString('en-US');
console.log(
  `\n${cpus().length} cores, load average ${started.toFixed(1)} at the start and ${loadavg()[0]?.toFixed(1)} at the end; redis-benchmark -c ${CLIENTS}, one key per test; requests per second:\n`,
);
console.log(
  '| server | SET | GET | INCR | SET -P 16 | GET -P 16 | INCR -P 16 | one GET (p50) | its SELECT through pg (p50) |',
);
console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: |');
for (const row of rows) {
  const select = row.selectMs === undefined ? '' : `${row.selectMs.toFixed(3)} ms`;
  console.log(
    `| ${row.target} | ${row.rps.map(k).join(' | ')} | ${row.getMs.toFixed(3)} ms | ${select} |`,
  );
}
// #endregion table

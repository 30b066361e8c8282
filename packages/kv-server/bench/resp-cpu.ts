// CPU time each server process spends per request under redis-benchmark -c 50 -P 16 (or P=1):
// kv-server (a fresh engine process) and the real Redis, in the same minute. Read from /proc/<pid>/stat
// (user + system, all threads), so it needs Linux and a Redis on this machine (its pid comes
// from INFO). On a shared machine req/s follow the scheduler; the CPU a server spends on each
// request moves much less, which makes this the figure to compare versions of the code with.
//   pnpm exec tsx bench/resp-cpu.ts [set,get,incr,mset] [requests]
// P sets the pipeline depth (16). BASE_BIN=<another checkout>/bin/kv-server.mjs adds a second
// kv-server, e.g. the code before a change, measured in the same rounds; ROUNDS (1) repeats
// the measures, alternating the servers, and keeps each one's median. NOOP=1 adds the floor,
// a Node server that answers +OK without parsing (bench/resp-noop-server.ts); NOOP=data,onread,...
// adds one such server per NOOP_VARIANT listed there, to compare ways of using the socket.
// KV=0 leaves kv-server out (to compare no-op variants only).
// Writes to Redis database 9 (BENCH_DB) and flushes it after.

import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis as Valkey } from 'iovalkey';
import { BENCH_DB, fmt, load } from './throughput.ts';

const exec = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/kv-server.mjs', import.meta.url));
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TESTS = (process.argv[2] ?? 'set,get,incr,mset').split(',');
const REQUESTS = Number(process.argv[3] ?? 600_000);
const P = Number(process.env.P ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const BASE_BIN = process.env.BASE_BIN;
const TICKS_PER_SECOND = 100; // USER_HZ: what /proc/<pid>/stat counts in on Linux

function cpuSeconds(pid: number): number {
  // Fields after the `(comm)`: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function perRequest(pid: number, port: number, test: string): Promise<number> {
  const before = cpuSeconds(pid);
  await exec('redis-benchmark', [
    ...['-h', '127.0.0.1', '-p', String(port), '--dbnum', String(BENCH_DB)],
    ...['-t', test, '-c', '50', '-P', String(P), '-n', String(REQUESTS), '-q'],
  ]);
  return ((cpuSeconds(pid) - before) * 1e6) / REQUESTS;
}

/** A kv-server process (engine mode) from `bin`: its pid and RESP port. */
async function startServer(bin: string): Promise<{ pid: number; port: number; kill(): void }> {
  const child = spawn(process.execPath, [bin, '--rest-port', '0', '--resp-port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const out = await new Promise<string>((resolve) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += String(chunk);
      if (text.includes('Ctrl+C')) resolve(text);
    });
  });
  const port = Number(new URL(/Redis \(RESP\)\s+(\S+)/.exec(out)?.[1] ?? '').port);
  return { pid: child.pid!, port, kill: () => child.kill() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The no-op floor (bench/resp-noop-server.ts), a process of its own. */
async function startNoop(variant: string): Promise<{ pid: number; port: number; kill(): void }> {
  const script = fileURLToPath(new URL('./resp-noop-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NOOP_VARIANT: variant },
  });
  const port = await new Promise<number>((resolve) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += String(chunk);
      const match = /port (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
  });
  return { pid: child.pid!, port, kill: () => child.kill() };
}

const servers: { name: string; pid: number; port: number; kill(): void }[] = [];
if (process.env.KV !== '0') servers.push({ name: 'kv-server', ...(await startServer(BIN)) });
if (BASE_BIN !== undefined) servers.push({ name: 'base', ...(await startServer(BASE_BIN)) });
const NOOP = process.env.NOOP;
if (NOOP === '1') servers.push({ name: 'no-op', ...(await startNoop('data')) });
else if (NOOP !== undefined && NOOP !== '0') {
  for (const [i, variant] of NOOP.split(',').entries()) {
    // A variant listed twice shows the noise: each gets its own name.
    const name = servers.some((s) => s.name === `no-op:${variant}`) ? `${variant}#${i}` : variant;
    servers.push({
      name: name.includes('#') ? name : `no-op:${name}`,
      ...(await startNoop(variant)),
    });
  }
}
const redis = new Valkey(`${REDIS_URL.replace(/\/\d*$/, '')}/${BENCH_DB}`);
const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
const redisPort = Number(new URL(REDIS_URL).port || 6379);
console.log(
  `µs of server CPU per request, redis-benchmark -c 50 -P ${P} -n ${fmt(REQUESTS)}, median of ${ROUNDS}`,
);
console.log(`load average at start: ${load()}`);
try {
  for (const test of TESTS) {
    const samples = new Map<string, number[]>([['Redis', []]]);
    for (const server of servers) {
      samples.set(server.name, []);
      await perRequest(server.pid, server.port, test); // warm-up (JIT)
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const server of servers) {
        samples.get(server.name)!.push(await perRequest(server.pid, server.port, test));
      }
      samples.get('Redis')!.push(await perRequest(redisPid, redisPort, test));
    }
    const theirs = median(samples.get('Redis')!);
    const cells = servers.map((server) => {
      const ours = median(samples.get(server.name)!);
      return `${server.name} ${ours.toFixed(2)} (${(ours / theirs).toFixed(2)}x)`;
    });
    console.log(`${test.padEnd(6)} ${cells.join('  ')}  Redis ${theirs.toFixed(2)}`);
  }
} finally {
  for (const server of servers) server.kill();
  await redis.flushdb();
  redis.disconnect();
}
console.log(`load average at end: ${load()}`);

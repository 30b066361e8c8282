// CPU time the server process spends per REST request under autocannon (50 connections): the
// kv-server engine (a fresh process, `POST /` INCR and `/pipeline` of 10 INCRs) and a no-op
// node:http server answering the same requests with a fixed body, alternating, in the same
// minutes. Read from /proc/<pid>/stat (user + system, all threads), so it needs Linux. On a
// shared machine req/s follow the scheduler; the CPU a server spends on each request moves much
// less. A throughput ratio of 0.8x once both are CPU-bound means kv-server's CPU per request is
// at most 1.25x the no-op's: that is the target column.
//   pnpm exec tsx bench/rest-cpu.ts [single,pipeline] [requests]
// or `bench/run.ts --rest-cpu` (the same rows in its table).
// BENCH_ROUNDS rounds (default 3, median). BENCH_KV_BIN_2=<path to another kv-server.mjs> adds
// a third side (another build of kv-server, e.g. the code before a change), measured the same way.
// BENCH_FORWARD_TO=redis://127.0.0.1:6379/13 adds kv-server in forwarding mode to that Redis as a
// side (logged, with its ratio to the engine), and makes BENCH_KV_BIN_2's side forward there too.
// BENCH_KV_BIN=<path> runs the main sides (engine, forward) from that build instead of this one:
// with BENCH_KV_BIN_2, two snapshots that differ only in the files being measured.
// BENCH_NOOP_OURS=1 adds a no-op that uses node:http the way kv-server does (bench/rest-noop-
// server.ts): what it costs above the plain no-op is our use of node:http, the rest is ours.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startKvProcess } from './kv-process.ts';
import {
  fmt,
  load,
  median,
  PIPELINE,
  printTable,
  type Row,
  SINGLE,
  startNoop,
} from './throughput.ts';

const CASES = (process.argv[2] ?? 'single,pipeline').split(',');
const REQUESTS = Number(process.argv[3] ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TICKS_PER_SECOND = 100; // USER_HZ: what /proc/<pid>/stat counts in on Linux

function cpuSeconds(pid: number): number {
  // Fields after the `(comm)`: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

interface Side {
  name: string;
  url: string;
  pid: number;
  stop: () => void;
}

/** A kv-server engine process (from `bin`, another build's), REST on a free port, token `bench`, RESP off. */
async function startKv(name: string, bin?: string, forwardTo?: string): Promise<Side> {
  const args = forwardTo
    ? ['--forward-to', forwardTo, '--resp-port', 'off']
    : ['--resp-port', 'off'];
  const kv = await startKvProcess(args, bin);
  return { name, url: kv.restUrl.replace(/\/$/, ''), pid: kv.pid, stop: kv.stop };
}

/** bench/rest-noop-server.ts, a process of its own. */
async function startNoopOurs(): Promise<Side> {
  const script = fileURLToPath(new URL('./rest-noop-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', () => reject(new Error('bench/rest-noop-server.ts exited')));
  });
  return {
    name: 'no-op, ours',
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: () => child.kill(),
  };
}

/** µs of the server's CPU per request, and the req/s seen, for `amount` requests. */
async function perRequest(side: Side, path: string, body: string, amount: number) {
  const before = cpuSeconds(side.pid);
  const result = await autocannon({
    url: `${side.url}${path}`,
    connections: 50,
    amount,
    method: 'POST',
    headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
    body,
  });
  const cpu = cpuSeconds(side.pid) - before;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${side.name} ${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { us: (cpu * 1e6) / result.requests.total, rps: result.requests.average };
}

/**
 * Rows for run.ts/printTable: µs of server CPU per request, kv-server vs the no-op, for each
 * case (`single`, `pipeline`), median of BENCH_ROUNDS alternating rounds. `log` gets each
 * round's figures. With `otherBin`, a third side (another kv-server build) is measured too and
 * logged, not made a row. With `forwardTo`, a side forwarding to that Redis URL is logged too
 * (and the other build forwards there as well).
 */
export async function restCpuRows(
  cases: readonly string[] = ['single', 'pipeline'],
  requests = 100_000,
  otherBin?: string,
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  forwardTo?: string,
  bin?: string,
): Promise<Row[]> {
  const sides: Side[] = [];
  const rows: Row[] = [];
  log(`REST: µs of server CPU per request, autocannon -c 50, ${fmt(requests)} requests a run`);
  try {
    sides.push(await startKv('kv-server', bin));
    const noop = await startNoop();
    sides.push({ name: 'no-op', url: noop.restUrl, pid: noop.pid, stop: noop.stop });
    if (process.env.BENCH_NOOP_OURS === '1') sides.push(await startNoopOurs());
    if (forwardTo) sides.push(await startKv('forward', bin, forwardTo));
    if (otherBin) sides.push(await startKv('kv-server 2', otherBin, forwardTo));
    for (const which of cases) {
      const pipeline = which === 'pipeline';
      const [path, body] = pipeline ? ['/pipeline', PIPELINE] : ['/', SINGLE];
      // Warm-up (JIT, connections).
      for (const side of sides) await perRequest(side, path, body, requests / 4);
      const us = new Map<string, number[]>(sides.map((s) => [s.name, []]));
      const rps = new Map<string, number[]>(sides.map((s) => [s.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which side goes first, so a trend in the machine's load favours none.
        for (const side of round % 2 ? [...sides].reverse() : sides) {
          const r = await perRequest(side, path, body, requests);
          us.get(side.name)!.push(r.us);
          rps.get(side.name)!.push(r.rps);
        }
      }
      const what = pipeline ? '/pipeline of 10 INCR' : 'POST / INCR';
      const base = median(us.get('no-op')!);
      log(`${what} (load ${load()})`);
      for (const side of sides) {
        const mine = median(us.get(side.name)!);
        log(
          `  ${side.name.padEnd(13)} ${mine.toFixed(2).padStart(6)} µs/request` +
            `  ${(mine / base).toFixed(2)}x the no-op` +
            `  ${(mine / median(us.get('kv-server')!)).toFixed(2)}x the engine` +
            `  [${us
              .get(side.name)!
              .map((n) => n.toFixed(2))
              .join(' ')}]` +
            `  ${fmt(median(rps.get(side.name)!))} req/s`,
        );
      }
      const ours = median(us.get('kv-server')!);
      rows.push({
        what: `REST ${what}, engine vs no-op node:http: server CPU per request (µs)`,
        ours: fmt(ours, 2),
        redis: fmt(base, 2),
        ratio: `${fmt(ours / base, 2)}x`,
        target: '<= 1.25x',
      });
    }
  } finally {
    for (const side of sides) side.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`load average at start: ${load()}`);
  const rows = await restCpuRows(
    CASES,
    REQUESTS,
    process.env.BENCH_KV_BIN_2,
    undefined,
    process.env.BENCH_FORWARD_TO,
    process.env.BENCH_KV_BIN,
  );
  printTable(rows);
  console.log(`load average at end: ${load()}`);
  process.exit(0);
}

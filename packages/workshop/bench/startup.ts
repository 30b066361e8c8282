// How long a learner waits: `pnpm stack` (first start and warm) until it is ready, and
// `pnpm lesson 1` until its first line, next to the floor of starting node (+ tsx) at all.
// Run: pnpm --filter @workshop/cli bench   (uses its own data folder and free ports)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const RUNS = Number(process.env.RUNS ?? 5);

function freePort(): Promise<number> {
  return new Promise((resolvePromise) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}

/** Spawns in a process group of its own, so "Ctrl-C" reaches every process, as in a terminal. */
function launch(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(command, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Milliseconds from spawn until stdout matches (or prints anything). Then Ctrl-C, wait for exit. */
async function timeUntil(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  pattern?: RegExp,
) {
  const started = performance.now();
  const child = launch(command, args, env);
  let output = '';
  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
  const elapsed = await new Promise<number>((resolvePromise, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (!pattern || pattern.test(output)) resolvePromise(performance.now() - started);
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    void exited.then(() =>
      reject(new Error(`${command} ${args.join(' ')} exited early:\n${output}`)),
    );
  });
  process.kill(-(child.pid as number), 'SIGINT');
  await exited;
  return elapsed;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'workshop-bench-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WORKSHOP_DATA_DIR: dataDir,
    WORKSHOP_POSTGRES_PORT: String(await freePort()),
    WORKSHOP_REST_PORT: String(await freePort()),
    WORKSHOP_RESP_PORT: String(await freePort()),
  };
  for (const name of [
    'DATABASE_URL',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'VALKEY_URL',
  ]) {
    delete env[name];
  }
  const empty = join(dataDir, 'empty.ts');
  writeFileSync(empty, "console.log('hi');\n");
  const ready = /Press Ctrl-C/;

  const rows: { what: string; ms: number; target?: number }[] = [];
  const repeat = async (what: string, target: number | undefined, run: () => Promise<number>) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await run());
    rows.push({ what: `${what} (median of ${RUNS})`, ms: median(times), target });
  };

  try {
    await repeat('floor: node, print one line', undefined, () =>
      timeUntil(process.execPath, ['-e', "console.log('hi')"], env),
    );
    await repeat('floor: node --import tsx, print one line', undefined, () =>
      timeUntil(process.execPath, ['--import', import.meta.resolve('tsx/esm'), empty], env),
    );
    rows.push({
      what: 'pnpm stack, first start (fresh data folder)',
      ms: await timeUntil('pnpm', ['stack'], env, ready),
      target: 15_000,
    });
    await repeat('pnpm stack, warm start', 2000, () => timeUntil('pnpm', ['stack'], env, ready));
    await repeat('pnpm lesson 1, to its first line (warm)', 2000, () =>
      timeUntil('pnpm', ['lesson', '1'], env),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const load = loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
  console.log(
    `Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${load}\n`,
  );
  const width = Math.max(...rows.map((row) => row.what.length));
  console.log(
    `${'measure'.padEnd(width)}  ${'time'.padStart(8)}  ${'target'.padStart(8)}  of target`,
  );
  for (const row of rows) {
    const target = row.target === undefined ? '' : `${(row.target / 1000).toFixed(1)} s`;
    const ratio = row.target === undefined ? '' : `${((row.ms / row.target) * 100).toFixed(0)}%`;
    console.log(
      `${row.what.padEnd(width)}  ${`${(row.ms / 1000).toFixed(2)} s`.padStart(8)}  ${target.padStart(8)}  ${ratio.padStart(9)}`,
    );
  }
}

await main();

// How long a learner waits: `pnpm stack` (first start and warm) until it is ready, `pnpm lesson 1`
// until its first line and to its end, `pnpm check` (lessons 1, 3 and 5), lessons run and checked
// while `pnpm stack` runs, and `pnpm practice watch`'s re-run after a save (lessons 1, 3 and 5),
// next to the floor of starting node (+ tsx) at all. Targets: issue 12's learner loop.
// Run: pnpm --filter @workshop/cli bench   (uses its own data folder and free ports; RUNS=5;
// ONLY=watch for the practice watch rows alone, WATCH_LESSONS=1,3,5 for which lessons; ONLY=check
// for the check rows alone, CHECK_LESSONS=1,3,5)
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const RUNS = Number(process.env.RUNS ?? 5);
const ONLY = process.env.ONLY;
const WATCH_LESSONS = (process.env.WATCH_LESSONS ?? '1,3,5').split(',');
const CHECK_LESSONS = (process.env.CHECK_LESSONS ?? '1,3,5').split(',');

interface Timing {
  /** Wall-clock milliseconds. */
  ms: number;
  /** CPU milliseconds (user + system) of the whole process tree: the load does not stretch it. */
  cpuMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}

/** CPU time used so far by a process and its descendants, from Linux's /proc (100 ticks/s). */
function treeCpuMs(pid: number): number {
  const proc = `/proc/${pid}`;
  if (!existsSync(proc)) return 0;
  try {
    // The fields after the command name's ")": utime and stime are the 12th and 13th.
    const fields = readFileSync(`${proc}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    let ms = (Number(fields[11]) + Number(fields[12])) * 10;
    for (const task of readdirSync(`${proc}/task`)) {
      const children = readFileSync(`${proc}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) ms += treeCpuMs(Number(child));
    }
    return ms;
  } catch {
    return 0; // it exited meanwhile
  }
}

/**
 * CPU time of a process tree, children that already exited included: each live process's own
 * time plus the time of its exited, waited-for descendants (cutime + cstime). A long-running
 * process (practice watch) starts and ends workers between two readings: their CPU counts.
 */
function treeCpuMsWithExited(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    let ms =
      (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) {
        ms += treeCpuMsWithExited(Number(child));
      }
    }
    return ms;
  } catch {
    return 0; // it exited meanwhile
  }
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

/** From spawn until stdout matches (or prints anything); then Ctrl-C and wait for the exit. */
async function timeUntil(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  pattern?: RegExp,
): Promise<Timing> {
  const started = performance.now();
  const child = launch(command, args, env);
  let output = '';
  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
  const timing = await new Promise<Timing>((resolvePromise, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (!pattern || pattern.test(output)) {
        resolvePromise({ ms: performance.now() - started, cpuMs: treeCpuMs(child.pid as number) });
      }
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
  return timing;
}

/**
 * From spawn to exit, and the CPU of the whole process tree: run under `sh`, which reads its own
 * children's CPU (cutime + cstime in /proc/<pid>/stat) once the command and everything it
 * started have exited and been waited for.
 */
async function timeRun(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timing> {
  const started = performance.now();
  const script = '"$0" "$@" >/dev/null 2>&1; code=$?; cat /proc/$$/stat; exit $code';
  const child = spawn('sh', ['-c', script, command, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolvePromise) =>
    child.once('close', resolvePromise),
  );
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
  // The fields after the command name's ")": cutime and cstime are the 14th and 15th.
  const fields = output.split(') ')[1]?.split(' ') ?? [];
  return { ms, cpuMs: (Number(fields[13]) + Number(fields[14])) * 10 };
}

/**
 * `pnpm practice watch` on lesson `lesson`'s solution, in a playground of its own: from a save
 * (a line appended to the file the exercise has the learner write) to the check's result line,
 * `runs` times, each after the last result; the CPU of the whole tree (the CLI, its vitest, the
 * workers) over the same span. The save waits out watch.ts's 150 ms settle time like any other.
 */
async function timeWatchReruns(
  lesson: string,
  env: NodeJS.ProcessEnv,
  runs: number,
): Promise<{ first: Timing; reruns: Timing[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'workshop-bench-practice-'));
  const playground = join(dir, 'playground');
  const watchEnv = { ...env, WORKSHOP_PLAYGROUND_DIR: playground, NO_COLOR: '1' };
  try {
    await timeRun('pnpm', ['practice', 'start', lesson], watchEnv);
    await timeRun('pnpm', ['practice', 'solution'], watchEnv);
    const [solved] = readdirSync(`${playground}-solution`);
    cpSync(join(`${playground}-solution`, solved as string, 'src'), join(playground, 'src'), {
      recursive: true,
    });
    const folder = readdirSync(join(ROOT, 'lessons')).find((name) =>
      name.startsWith(lesson.padStart(2, '0')),
    ) as string;
    const exercise = readdirSync(join(ROOT, 'lessons', folder, 'exercise', 'src')).sort()[0];
    const saved = join(playground, 'src', exercise as string);

    const started = performance.now();
    const child = launch('pnpm', ['practice', 'watch'], watchEnv);
    let output = '';
    const results = () => (output.match(/checks out|Not there yet/g) ?? []).length;
    let waiting: (() => void) | undefined;
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      waiting?.();
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
    const untilResult = (count: number) =>
      new Promise<void>((resolvePromise, reject) => {
        waiting = () => {
          if (results() >= count) resolvePromise();
        };
        waiting();
        void exited.then(() =>
          reject(
            new Error(`practice watch exited early:
${output}`),
          ),
        );
      });
    try {
      await untilResult(1);
      const first = {
        ms: performance.now() - started,
        cpuMs: treeCpuMsWithExited(child.pid as number),
      };
      if (!output.includes('checks out')) throw new Error(`the solution failed:\n${output}`);
      const reruns: Timing[] = [];
      for (let i = 1; i <= runs; i++) {
        // Let the last run's stragglers (closing servers, GC) settle before the next save.
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 1000));
        const cpuBefore = treeCpuMsWithExited(child.pid as number);
        const savedAt = performance.now();
        appendFileSync(saved, `\n// save ${i}\n`);
        await untilResult(i + 1);
        reruns.push({
          ms: performance.now() - savedAt,
          cpuMs: treeCpuMsWithExited(child.pid as number) - cpuBefore,
        });
      }
      const passes = (output.match(/checks out/g) ?? []).length;
      if (passes !== runs + 1) throw new Error(`a re-run of the solution failed:\n${output}`);
      return { first, reruns };
    } finally {
      process.kill(-(child.pid as number), 'SIGINT');
      await exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'workshop-bench-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WORKSHOP_DATA_DIR: dataDir,
    WORKSHOP_POSTGRES_PORT: String(await freePort()),
    WORKSHOP_REST_PORT: String(await freePort()),
    WORKSHOP_RESP_PORT: String(await freePort()),
  };
  for (const name of ['DATABASE_URL', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN']) {
    delete env[name];
  }
  delete env.VALKEY_URL;
  delete env.WORKSHOP_INITDB_CACHE;
  const empty = join(dataDir, 'empty.ts');
  writeFileSync(empty, "console.log('hi');\n");
  const ready = /Press Ctrl-C/;
  const loadBefore = loadavg()[0] ?? 0;

  const rows: (Timing & { what: string; target?: number })[] = [];
  const repeat = async (what: string, target: number | undefined, run: () => Promise<Timing>) => {
    const timings: Timing[] = [];
    for (let i = 0; i < RUNS; i++) timings.push(await run());
    rows.push({
      what: `${what} (median of ${RUNS})`,
      ms: median(timings.map((t) => t.ms)),
      cpuMs: median(timings.map((t) => t.cpuMs)),
      target,
    });
  };

  const watchRows = async () => {
    for (const lesson of WATCH_LESSONS) {
      const { first, reruns } = await timeWatchReruns(lesson, env, RUNS);
      rows.push({ what: `pnpm practice watch ${lesson}, first check`, ...first });
      rows.push({
        what: `pnpm practice watch ${lesson}, save to result (median of ${RUNS})`,
        ms: median(reruns.map((t) => t.ms)),
        cpuMs: median(reruns.map((t) => t.cpuMs)),
        target: 1500,
      });
      console.error(
        `practice watch ${lesson} re-runs (wall/CPU ms): ${reruns.map((t) => `${t.ms.toFixed(0)}/${t.cpuMs}`).join(', ')}`,
      );
    }
  };

  const checkRows = async () => {
    for (const lesson of CHECK_LESSONS) {
      await repeat(`pnpm check ${lesson}`, 3000, () => timeRun('pnpm', ['check', lesson], env));
    }
  };
  // The loop a learner is in: `pnpm stack` in one terminal, lessons run and checked in another.
  const withStack = async (rowsWhileUp: (stack: ChildProcess) => Promise<void>) => {
    const stack = launch('pnpm', ['stack'], env);
    try {
      await new Promise<void>((resolvePromise, reject) => {
        let output = '';
        stack.stdout?.on('data', (chunk) => {
          output += chunk;
          if (ready.test(output)) resolvePromise();
        });
        stack.once('exit', () => reject(new Error(`pnpm stack exited early:\n${output}`)));
      });
      await rowsWhileUp(stack);
    } finally {
      const exited = new Promise((resolvePromise) => stack.once('exit', resolvePromise));
      process.kill(-(stack.pid as number), 'SIGINT');
      await exited;
    }
  };
  // `pnpm check <n>` runs in the stack's test runner (check-server.ts): its CPU is the stack's
  // process tree's, counted too. The first check starts that runner.
  const stackCheckRows = async (stack: ChildProcess) => {
    const inStack = async (lesson: string) => {
      const before = treeCpuMs(stack.pid as number);
      const timing = await timeRun('pnpm', ['check', lesson], env);
      return { ...timing, cpuMs: timing.cpuMs + treeCpuMs(stack.pid as number) - before };
    };
    rows.push({
      what: `pnpm check ${CHECK_LESSONS[0]}, pnpm stack running, first (starts its test runner)`,
      ...(await inStack(CHECK_LESSONS[0] as string)),
    });
    for (const lesson of CHECK_LESSONS) {
      await repeat(`pnpm check ${lesson}, pnpm stack running`, 3000, () => inStack(lesson));
    }
  };

  try {
    if (ONLY === 'watch') {
      await watchRows();
      return report(rows, loadBefore);
    }
    if (ONLY === 'check') {
      await checkRows();
      await withStack(stackCheckRows);
      return report(rows, loadBefore);
    }
    await repeat('floor: node, print one line', undefined, () =>
      timeUntil(process.execPath, ['-e', "console.log('hi')"], env),
    );
    await repeat('floor: node --import tsx, print one line', undefined, () =>
      timeUntil(process.execPath, ['--import', import.meta.resolve('tsx/esm'), empty], env),
    );
    // A first start runs initdb once per machine (and PGlite version); later first starts copy
    // the folder it saved (@workshop/db's initdb cache). Both, each in a data folder of its own.
    rows.push({
      what: 'pnpm stack, first start, initdb (WORKSHOP_INITDB_CACHE=off)',
      ...(await timeUntil(
        'pnpm',
        ['stack'],
        { ...env, WORKSHOP_DATA_DIR: join(dataDir, 'initdb'), WORKSHOP_INITDB_CACHE: 'off' },
        ready,
      )),
      target: 15_000,
    });
    rows.push({
      what: 'pnpm stack, first start, initdb cache (after the first on the machine)',
      ...(await timeUntil('pnpm', ['stack'], env, ready)),
      target: 15_000,
    });
    await repeat('pnpm stack, warm start', 1000, () => timeUntil('pnpm', ['stack'], env, ready));
    await repeat('pnpm lesson 1, to its first line (warm)', undefined, () =>
      timeUntil('pnpm', ['lesson', '1'], env),
    );
    await repeat('pnpm lesson 1, whole run, nothing running', undefined, () =>
      timeRun('pnpm', ['lesson', '1'], env),
    );
    await checkRows();
    await withStack(async (stack) => {
      for (const lesson of ['1', '5']) {
        await repeat(`pnpm lesson ${lesson}, whole run, pnpm stack running`, 2000, () =>
          timeRun('pnpm', ['lesson', lesson], env),
        );
      }
      await stackCheckRows(stack);
    });
    await watchRows();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  report(rows, loadBefore);
}

function report(rows: (Timing & { what: string; target?: number })[], loadBefore: number) {
  const load = `${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after`;
  console.log(
    `Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model}, load ${load}\n`,
  );
  const width = Math.max(...rows.map((row) => row.what.length));
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);
  const head = ['wall', 'CPU', 'target'].map((h) => h.padStart(8)).join('  ');
  console.log(`${'measure'.padEnd(width)}  ${head}  wall/target`);
  for (const row of rows) {
    const target = row.target === undefined ? '' : `${(row.target / 1000).toFixed(1)} s`;
    const ratio = row.target === undefined ? '' : `${((row.ms / row.target) * 100).toFixed(0)}%`;
    console.log(
      `${row.what.padEnd(width)}  ${seconds(row.ms)}  ${seconds(row.cpuMs)}  ${target.padStart(8)}  ${ratio.padStart(11)}`,
    );
  }
  console.log(
    '\nCPU: user + system time of the whole process tree until then; a busy machine stretches the wall time, not this.',
  );
}

await main();

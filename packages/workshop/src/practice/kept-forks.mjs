// The worker processes of the vitest that practice watch and `pnpm stack`'s check runner keep up
// (vitest-server.mjs), kept between runs. vitest stops every worker at the end of a run, even
// with `isolate: false`, so each save or check paid for new worker processes: node, vitest's
// runtime, then kv-server, pg, PGlite, undici and @upstash/redis loaded and compiled again
// (about 1 s of CPU each, most of a re-run's CPU on two cores).
//
// This is vitest's own child-process worker (the `forks` pool) run through
// kept-fork-entry.mjs, which answers the end-of-run "stop" itself and keeps the process. The
// next run's pool then takes an idle process instead of forking one. What the learner edits is
// evaluated afresh every run: the entry forgets every module of the folder under test before a
// run (the playground for practice watch; the whole repo for the stack's checks, so an edited
// package is evaluated afresh too). What stays loaded, the workspace packages for practice watch
// and node_modules for both, stays as it already does from one test file to the next within a
// run (`isolate: false`: test-support's config-entry.js). A worker whose heap grew past 512 MB
// is not kept (kept-fork-entry.mjs).
//
// It leans on vitest 4's worker requests ("start", "run", "stop") and its worker's module graph
// (`__vitest_worker__.evaluatedModules`). A worker that does not find that graph is stopped as
// before, so a vitest that changed them costs speed, not stale code;
// test/practice/kept-workers.test.ts checks both the reuse and the fresh evaluation.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./kept-fork-entry.mjs', import.meta.url));

/** Processes that finished a run cleanly, ready for the next one. */
const idle = [];
/** Every process started, to stop them all on close. */
const started = new Set();
/**
 * Stops asked for and not yet done. vitest does not wait for the last run's workers to stop
 * before it reports the run, so the next run can start while they are still on their way back to
 * `idle`: it waits for them (a moment) rather than forking new processes.
 */
const stopping = new Set();
/** The longest a run waits for the last run's workers to come back. */
const STOPPING_WAIT_MS = 2000;
let closing = false;

function isRequest(message, type) {
  return message?.__vitest_worker_request__ === true && message.type === type;
}

class KeptForkWorker {
  name = 'kept-forks';
  cacheFs = true;
  #options;
  #child;
  /** Listeners the current run added: removed at its stop, so the next run starts clean. */
  #listeners = [];
  /** The run asked this process to stop (not a forced stop after a failure). */
  #stopAsked = false;
  /** The process answered that stop, and kept itself for the next run. */
  #kept = false;
  /** Resolves that stop in `stopping`. */
  #stopDone = () => {};

  constructor(options) {
    this.#options = options;
  }

  get child() {
    if (!this.#child) throw new Error('The kept test worker was stopped or never started.');
    return this.#child;
  }

  async start() {
    if (idle.length === 0 && stopping.size > 0) {
      let timer;
      const timeout = new Promise((resolve) => {
        timer = setTimeout(resolve, STOPPING_WAIT_MS);
      });
      await Promise.race([Promise.allSettled([...stopping]), timeout]);
      clearTimeout(timer);
    }
    this.#child = idle.pop() ?? this.#fork();
    this.#stopAsked = false;
    this.#kept = false;
    const onMessage = (message) => {
      if (message?.__vitest_worker_response__ === true && message.type === 'stopped') {
        this.#kept = message.kept === true;
      }
    };
    this.on('message', onMessage);
  }

  #fork() {
    const { project, env, execArgv, distPath } = this.#options;
    const child = fork(ENTRY, [join(distPath, 'workers', 'forks.js'), project.config.root], {
      env,
      execArgv,
      stdio: 'pipe',
      serialization: 'advanced',
    });
    const { outputStream, errorStream } = project.vitest.logger;
    child.stdout?.pipe(outputStream, { end: false });
    child.stderr?.pipe(errorStream, { end: false });
    started.add(child);
    child.once('exit', () => {
      started.delete(child);
      const index = idle.indexOf(child);
      if (index !== -1) idle.splice(index, 1);
    });
    return child;
  }

  on(event, callback) {
    this.child.on(event, callback);
    this.#listeners.push([event, callback]);
  }

  off(event, callback) {
    this.child.off(event, callback);
    const index = this.#listeners.findIndex(([e, c]) => e === event && c === callback);
    if (index !== -1) this.#listeners.splice(index, 1);
  }

  send(message) {
    if (isRequest(message, 'stop')) {
      this.#stopAsked = true;
      const done = new Promise((resolve) => {
        // Forgotten after a while even if vitest never gets to stop() (it gave up on the worker).
        const expire = setTimeout(() => this.#stopDone(), STOPPING_WAIT_MS);
        expire.unref();
        this.#stopDone = () => {
          clearTimeout(expire);
          stopping.delete(done);
          resolve();
        };
      });
      stopping.add(done);
    }
    this.child.send(message);
  }

  deserialize(data) {
    return data;
  }

  async stop() {
    const child = this.child;
    for (const [event, callback] of this.#listeners) child.off(event, callback);
    this.#listeners = [];
    this.#child = undefined;
    const alive = child.exitCode === null && child.signalCode === null && child.connected;
    // Kept only after a clean end of run: a forced stop (a cancelled run, a worker that did not
    // answer) may leave a test running in it.
    if (alive && this.#stopAsked && this.#kept && !closing) {
      idle.push(child);
    } else {
      await stopProcess(child);
    }
    this.#stopDone();
  }
}

function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 500);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill();
  });
}

/** The `pool` option of the kept-up vitest (vitest-server.mjs). */
export const keptForks = {
  name: 'kept-forks',
  createPoolWorker: (options) => new KeptForkWorker(options),
};

/** Stops every kept process (after vitest.close(), which stops the runs' workers first). */
export async function closeKeptForks() {
  closing = true;
  idle.length = 0;
  await Promise.all([...started].map(stopProcess));
}

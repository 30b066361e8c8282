// Every vitest run the CLI starts (pnpm check, test:services, practice check/watch/verify) goes
// through here: the vitest installed at the repo root, as a child process.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { testWorkers } from '@workshop/test-support/workers';
import { type QuietOptions, runNodeScript } from './child-process.ts';

function resolveVitest(root: string, entry: string): string {
  const require = createRequire(join(root, 'package.json'));
  return entry === 'vitest.mjs'
    ? join(require.resolve('vitest/package.json'), '..', 'vitest.mjs')
    : require.resolve(entry);
}

/** `vitest run <args>`; resolves with its exit code and, when quiet, its output. */
export function runVitest(
  root: string,
  args: string[],
  options: QuietOptions = {},
): Promise<{ code: number; output: string }> {
  return runNodeScript(resolveVitest(root, 'vitest.mjs'), ['run', ...args], {
    cwd: root,
    ...options,
  });
}

/** A vitest kept running between checks (practice watch): see practice/vitest-server.mjs. */
export interface VitestServer {
  /**
   * Runs the test files again (those `filters` pick, or all), after dropping the transforms of
   * those of the `files` whose content changed since; resolves with 0 on a pass.
   */
  run(files: string[], filters?: string[]): Promise<number>;
  /** Stops the current run, which then resolves. */
  cancel(): void;
  close(): Promise<void>;
}

export interface VitestServerOptions {
  /** Where its output goes; this process's own output without it. */
  onOutput?: (text: string) => void;
  /** Only this project of the config. */
  project?: string;
}

/**
 * Starts vitest in `dir` with its `config` in a child process that stays up; the first run()
 * waits for it. If it dies (a broken config), run() says so and the next run() starts another.
 */
export function startVitestServer(
  root: string,
  dir: string,
  config: string,
  { onOutput, project }: VitestServerOptions = {},
): VitestServer {
  const script = fileURLToPath(new URL('./practice/vitest-server.mjs', import.meta.url));
  const vitestNode = pathToFileURL(resolveVitest(root, 'vitest/node')).href;
  let closing = false;
  let current: ReturnType<typeof launch> | undefined;

  function launch() {
    // As many files at once as pnpm test runs (vitest's default is one worker on two cores).
    const args = [script, vitestNode, config, String(testWorkers()), ...(project ? [project] : [])];
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: process.env,
      stdio: ['ignore', onOutput ? 'pipe' : 'inherit', onOutput ? 'pipe' : 'inherit', 'ipc'],
    });
    child.stdout?.on('data', (chunk: Buffer) => onOutput?.(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => onOutput?.(chunk.toString()));
    let onDone: ((code: number) => void) | undefined;
    const ready = new Promise<boolean>((resolve) => {
      child.on('message', (message: { type?: string; code?: number }) => {
        if (message.type === 'ready') resolve(true);
        if (message.type === 'done') onDone?.(message.code ?? 1);
      });
      child.once('exit', (code, signal) => {
        resolve(false);
        if (current?.child === child) current = undefined;
        if (!closing) {
          const text = `The test runner stopped (${signal ?? `exit code ${code}`}).`;
          if (onOutput) onOutput(`${text}\n`);
          else console.error(text);
        }
        onDone?.(1);
      });
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const run = async (files: string[], filters: string[]) => {
      if (!(await ready)) return 1;
      return new Promise<number>((resolve) => {
        onDone = (code) => {
          onDone = undefined;
          resolve(code);
        };
        child.send({ type: 'run', files, filters });
      });
    };
    return { child, run, exited };
  }

  return {
    run(files, filters = []) {
      current ??= launch();
      return current.run(files, filters);
    },
    cancel() {
      if (current?.child.connected) current.child.send({ type: 'cancel' });
    },
    async close() {
      closing = true;
      const runner = current;
      if (!runner || runner.child.exitCode !== null) return;
      if (runner.child.connected) runner.child.send({ type: 'close' });
      // vitest closes its workers and servers first; a runner stuck in a test is stopped.
      const timer = setTimeout(() => runner.child.kill('SIGTERM'), 5000);
      await runner.exited;
      clearTimeout(timer);
    },
  };
}

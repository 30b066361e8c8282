// Runs the real `workshop` CLI as a child process, the way a learner does, in a controlled
// environment: its own data folder and ports, none of the developer's service variables.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from '@workshop/course';
import { expect } from 'vitest';

const temporaryFolders = new Set<string>();

/**
 * Removes the folders temporaryFolder() made. test/setup.ts calls it after each test file: not an
 * afterAll here, since the files share worker processes, which import this module only once.
 */
export function removeTemporaryFolders(): void {
  for (const folder of temporaryFolders) rmSync(folder, { recursive: true, force: true });
  temporaryFolders.clear();
}

/** A folder under the system's temp folder, removed after the test file (test/setup.ts). */
export function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  temporaryFolders.add(folder);
  return folder;
}

export const REPO_ROOT = findRepoRoot({ from: dirname(fileURLToPath(import.meta.url)), env: {} });
const BIN = join(REPO_ROOT, 'packages/workshop/bin/workshop.mjs');

/** The process environment without anything that would point the CLI at real services. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(DATABASE_URL|UPSTASH_|VALKEY_URL|KV_REST_|WORKSHOP_|TEST_|npm_config_user_agent)/.test(key)
    )
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

export interface RunningCli {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output so far once it matches; rejects if the CLI exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code, or the signal that ended the process. */
  exited: Promise<number | NodeJS.Signals>;
}

const started = new Set<ChildProcess>();

const WINDOWS = process.platform === 'win32';

/**
 * Ctrl-C for a CLI that startCli started: SIGINT on macOS and Linux. On Windows kill() with any
 * signal ends a process at once (TerminateProcess), so there the CLI gets an IPC channel and a
 * 'stop' message, which waitForStopSignal treats as Ctrl-C.
 */
export function interrupt(child: ChildProcess): void {
  if (WINDOWS && child.connected) child.send('stop');
  else signal(child, 'SIGINT');
}

/** Children started in a process group of their own: signals go to the whole group. */
const groups = new WeakSet<ChildProcess>();

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (groups.has(child)) process.kill(-(child.pid as number), name);
  else child.kill(name);
}

/**
 * Stops every CLI that startCli started and that still runs (a failed or timed-out test must not
 * leave a stack behind): Ctrl-C first, as a learner would, then SIGKILL.
 */
export async function stopLeftovers(): Promise<void> {
  await Promise.all(
    [...started].map(async (child) => {
      started.delete(child);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
      interrupt(child);
      const timer = setTimeout(() => signal(child, 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** Starts a long-running command (`stack`), to be stopped by the test (or stopLeftovers). */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = REPO_ROOT,
  options: { inGroup?: boolean } = {},
): RunningCli {
  return startCommand(process.execPath, [BIN, ...args], env, { cwd, ...options });
}

/**
 * Starts any command, as startCli does the CLI. `inGroup`: in a process group of its own, as a
 * terminal starts one (not on Windows); interrupt() then sends SIGINT to the whole group, as a
 * terminal's Ctrl-C does, and stopLeftovers stops the whole group.
 */
export function startCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; inGroup?: boolean } = {},
): RunningCli {
  const stdio = WINDOWS ? ['pipe', 'pipe', 'pipe', 'ipc'] : 'pipe';
  const inGroup = options.inGroup === true && !WINDOWS;
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio,
    detached: inGroup,
  } as SpawnOptions);
  if (inGroup) groups.add(child);
  started.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | NodeJS.Signals>((resolvePromise) =>
    child.once('exit', (code, signal) => resolvePromise(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          done();
          resolvePromise(output);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`Timed out waiting for ${pattern}. Output so far:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          if (pattern.test(output)) resolvePromise(output);
          else reject(new Error(`The CLI exited (${code}) before ${pattern}. Output:\n${output}`));
        });
        check();
      });
    },
  };
}

/**
 * A port nothing listens on right now, for a CLI that must be told its ports. Picked at random
 * below Linux's ephemeral range (32768-60999), then checked with a bind: a port-0 server or an
 * outgoing connection of a parallel test can take an ephemeral port between our release and the
 * CLI's bind, but they never take one of these.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canBind(port)) return port;
    if (attempt > 50) throw new Error('No free port between 20000 and 32000 after 50 tries.');
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

/**
 * A throwaway repo root (WORKSHOP_ROOT): the real package.json's engines and packageManager, a
 * pnpm-workspace.yaml, and the given files.
 */
export function tempRoot(files: Record<string, string> = {}): string {
  const root = temporaryFolder('workshop-cli-');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const all: Record<string, string> = {
    'package.json': JSON.stringify(
      {
        name: 'temp-workshop',
        private: true,
        engines: pkg.engines,
        packageManager: pkg.packageManager,
      },
      null,
      2,
    ),
    'pnpm-workspace.yaml': 'packages: []\n',
    ...files,
  };
  writeFiles(root, all);
  return root;
}

/** Writes each file (path relative to `dir`: content), making the folders on the way. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** True while a process with this pid exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A data folder of its own for a test file, and the environment to run the CLI on it. */
export function dataFolder() {
  const dir = temporaryFolder('workshop-data-');
  const lockFile = join(dir, 'stack.lock.json');
  return {
    dir,
    lockFile,
    /**
     * Free ports, this folder, none of the developer's service variables, and `extra`. The
     * engine serves VALKEY_URL whether or not valkey-server is installed (WORKSHOP_VALKEY), so
     * results do not depend on it; valkey.test.ts deletes it to test both.
     */
    async env(extra: Record<string, string> = {}) {
      return cleanEnv({
        WORKSHOP_VALKEY: 'engine',
        WORKSHOP_DATA_DIR: dir,
        WORKSHOP_POSTGRES_PORT: String(await freePort()),
        WORKSHOP_REST_PORT: String(await freePort()),
        WORKSHOP_RESP_PORT: String(await freePort()),
        ...extra,
      });
    },
    /** Ctrl-C, then: exit code 0, no process, no lock file. */
    async stopWithCtrlC(stack: RunningCli) {
      interrupt(stack.child);
      const code = await stack.exited;
      expect(code, stack.output()).toBe(0);
      expect(isRunning(stack.child.pid as number)).toBe(false);
      expect(existsSync(lockFile)).toBe(false);
    },
  };
}

/** The URLs in the table `workshop stack` prints. */
export function tableUrls(output: string) {
  const url = (service: string) => {
    const match = new RegExp(`^ {2}${service}\\s+(\\S+)\\s+(embedded|real)`, 'm').exec(output);
    if (!match?.[1]) throw new Error(`No ${service} row in:\n${output}`);
    return match[1];
  };
  return {
    postgres: url('Postgres'),
    rest: url('Upstash REST'),
    resp: url('Valkey \\(Redis protocol\\)'),
  };
}

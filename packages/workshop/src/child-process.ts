// Running another program in the foreground: same terminal, its exit code becomes ours.
import { type ChildProcess, spawn } from 'node:child_process';
import { basename } from 'node:path';

/**
 * The command and arguments that run `pnpm <args>` with the pnpm that runs us (npm_execpath:
 * pnpm 12's own executable, or an older one's JS file), not the name `pnpm`: on Windows that is
 * a .cmd shim, which Node starts only through a shell.
 */
export function pnpmCommand(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): [command: string, args: string[]] {
  const own = env.npm_execpath;
  if (!own || !/pnpm/i.test(basename(own)) || /\.(cmd|bat|ps1)$/i.test(own)) return ['pnpm', args];
  return /\.[cm]?js$/.test(own) ? [process.execPath, [own, ...args]] : [own, args];
}

/**
 * A second SIGINT this soon after the first is the same Ctrl-C, not a second one: the terminal
 * sends it to the whole process group, and pnpm, whose child the CLI is (the root scripts `exec`
 * it), passes its own copy on as well, a few milliseconds later.
 */
export const SAME_CTRL_C_MS = 500;

/**
 * Ignores SIGINT until `stop()`, and for SAME_CTRL_C_MS after it: the Ctrl-C that ended a child
 * may still have a copy on its way to us, which would otherwise end the CLI while it cleans up
 * (Node's default action, once no listener is left).
 */
function ignoreCtrlC(): () => void {
  const ignore = () => {};
  process.on('SIGINT', ignore);
  return () => {
    setTimeout(() => process.off('SIGINT', ignore), SAME_CTRL_C_MS).unref();
  };
}

export interface ForegroundOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Open an IPC channel to the child (child.send). */
  ipc?: boolean;
}

/**
 * Runs a command with inherited stdio and resolves with its exit code. Ctrl-C reaches the child
 * directly (same process group), so we only wait for it; a SIGTERM sent to us is passed on.
 */
export function runForeground(
  command: string,
  args: string[],
  options: ForegroundOptions,
): { child: ChildProcess; exit: Promise<number> } {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: options.ipc ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit',
  });
  const forwardTerm = () => child.kill('SIGTERM');
  const stopIgnoring = ignoreCtrlC();
  process.on('SIGTERM', forwardTerm);
  const exit = new Promise<number>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      stopIgnoring();
      process.off('SIGTERM', forwardTerm);
      resolvePromise(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
  return { child, exit };
}

/**
 * `node --import tsx [--import preload...] <file>`: tsx's loader in the same node process (the
 * tsx CLI would start a second one).
 */
export function tsxArgs(file: string, preloads: string[] = []): string[] {
  return [
    '--import',
    import.meta.resolve('tsx/esm'),
    ...preloads.flatMap((p) => ['--import', p]),
    file,
  ];
}

export interface QuietOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep the output (returned) instead of printing it. */
  quiet?: boolean;
  /** Stops the run (practice watch: q, or a save during a run); resolves with 130. */
  signal?: AbortSignal;
}

/**
 * `node <script> <args>` with our stdout and stderr, or quietly with its output kept; resolves
 * with its exit code and that output. stdin stays ours: practice watch reads its keys from it.
 * Ctrl-C reaches the child too (same process group): we let it stop and report, then return.
 */
export function runNodeScript(
  script: string,
  args: string[],
  options: QuietOptions = {},
): Promise<{ code: number; output: string }> {
  const out = options.quiet ? 'pipe' : 'inherit';
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', out, out],
    signal: options.signal,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stopIgnoring = ignoreCtrlC();
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    child.once('error', (error) =>
      error.name === 'AbortError' ? resolve({ code: 130, output }) : reject(error),
    );
    child.once('close', (code, signal) =>
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), output }),
    );
  }).finally(stopIgnoring);
}

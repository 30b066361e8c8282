// Running another program in the foreground: same terminal, its exit code becomes ours.
import { type ChildProcess, spawn } from 'node:child_process';

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
  const ignoreInterrupt = () => {};
  const forwardTerm = () => child.kill('SIGTERM');
  process.on('SIGINT', ignoreInterrupt);
  process.on('SIGTERM', forwardTerm);
  const exit = new Promise<number>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', ignoreInterrupt);
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

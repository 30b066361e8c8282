// Every vitest run the CLI starts (pnpm check, test:services, practice check/watch/verify) goes
// through here: the vitest installed at the repo root, as a child process.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface VitestOptions {
  /** Where vitest runs (default: the repo root, where `pnpm test` runs it). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep the output (returned) instead of printing it. */
  quiet?: boolean;
  /** Stops the run (practice watch: q, or a save during a run); resolves with 130. */
  signal?: AbortSignal;
}

/** `vitest run <args>`; resolves with its exit code and, when quiet, its output. */
export function runVitest(
  root: string,
  args: string[],
  options: VitestOptions = {},
): Promise<{ code: number; output: string }> {
  const vitest = join(
    createRequire(join(root, 'package.json')).resolve('vitest/package.json'),
    '..',
    'vitest.mjs',
  );
  const out = options.quiet ? 'pipe' : 'inherit';
  const child = spawn(process.execPath, [vitest, 'run', ...args], {
    cwd: options.cwd ?? root,
    env: options.env ?? process.env,
    // stdin stays ours: practice watch reads its keys from it.
    stdio: ['ignore', out, out],
    signal: options.signal,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Ctrl-C reaches vitest too (same process group): let it stop and report, then exit with it.
  const ignoreInterrupt = () => {};
  process.on('SIGINT', ignoreInterrupt);
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    child.once('error', (error) =>
      error.name === 'AbortError' ? resolve({ code: 130, output }) : reject(error),
    );
    child.once('close', (code, signal) =>
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), output }),
    );
  }).finally(() => process.off('SIGINT', ignoreInterrupt));
}

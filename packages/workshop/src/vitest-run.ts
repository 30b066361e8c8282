// Every vitest run the CLI starts (pnpm check, test:services, practice check/watch/verify) goes
// through here: the vitest installed at the repo root, as a child process.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type QuietOptions, runNodeScript } from './child-process.ts';

/** `vitest run <args>`; resolves with its exit code and, when quiet, its output. */
export function runVitest(
  root: string,
  args: string[],
  options: QuietOptions = {},
): Promise<{ code: number; output: string }> {
  const require = createRequire(join(root, 'package.json'));
  const vitest = join(require.resolve('vitest/package.json'), '..', 'vitest.mjs');
  return runNodeScript(vitest, ['run', ...args], { cwd: root, ...options });
}

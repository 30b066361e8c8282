// `vitest run` at the repo root, the way `pnpm test` runs it, as a foreground child.
import { runForeground, vitestBin } from './child-process.ts';

export function runVitest(root: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return runForeground(process.execPath, [vitestBin(root), 'run', ...args], {
    cwd: root,
    env: env ?? process.env,
  }).exit;
}

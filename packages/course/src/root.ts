// Where the workshop repo is, from wherever a tool runs.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FindRepoRootOptions {
  /** Where to start looking (default: the current folder). */
  from?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The repo root: WORKSHOP_ROOT when set (tests point it at a temp copy), else the nearest folder
 * above `from` holding pnpm-workspace.yaml, else the repo this package lives in (so the CLI works
 * from any folder).
 */
export function findRepoRoot({
  from = process.cwd(),
  env = process.env,
}: FindRepoRootOptions = {}) {
  if (env.WORKSHOP_ROOT) return resolve(env.WORKSHOP_ROOT);
  for (const start of [from, dirname(fileURLToPath(import.meta.url))]) {
    const found = workspaceAbove(start);
    if (found) return found;
  }
  throw new Error(`No pnpm-workspace.yaml above ${from}: run this from inside the workshop repo.`);
}

function workspaceAbove(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

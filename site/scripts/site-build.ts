// Building the site, in one place: `pnpm build` (scripts/build.ts), `start` (scripts/serve.ts)
// and the browser tests' setup all call this.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lessonsDir } from '../src/course/lessons.ts';

export const siteDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = path.join(siteDir, 'dist');
/** A file in dist/ naming the lessons folder the site was built from. */
const BUILT_FROM = '.built-from';

/** Newest modification time under `target`, skipping installs and local state. */
function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

/** Whether dist/ (with its search index) is newer than the site's sources and every lesson file. */
export function distIsCurrent(): boolean {
  const built = path.join(distDir, 'index.html');
  if (!existsSync(built) || !existsSync(path.join(distDir, 'pagefind'))) return false;
  // Built from other lessons (WORKSHOP_LESSONS_DIR, the fixtures) is not current either.
  const marker = path.join(distDir, BUILT_FROM);
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== lessonsDir()) return false;
  const inputs = [
    path.join(siteDir, 'src'),
    path.join(siteDir, 'public'),
    path.join(siteDir, 'astro.config.ts'),
    path.join(siteDir, 'package.json'),
    lessonsDir(),
  ];
  return Math.max(...inputs.map(newestMtime)) < statSync(built).mtimeMs;
}

// Variables that make Astro build in dev mode (vitest sets DEV=1, MODE=test, NODE_ENV=test...):
// a dev build renders a "search only works in production" stub instead of Pagefind.
const DEV_MODE_VARIABLES = new Set(['TEST', 'NODE_ENV', 'PROD', 'DEV', 'BASE_URL', 'MODE', 'SSR']);

/** Builds dist/ (static, offline, with its search index); returns the seconds it took. */
export function buildSite(): number {
  const started = performance.now();
  // Astro's content cache can outlive a change of the content config and leave the lessons out
  // (https://github.com/withastro/astro/issues/12866): five READMEs are cheap to load afresh.
  rmSync(path.join(siteDir, 'node_modules', '.astro'), { recursive: true, force: true });
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('VITEST') && !DEV_MODE_VARIABLES.has(key),
    ),
  );
  const astro = path.join(siteDir, 'node_modules', 'astro', 'astro.js');
  const build = spawnSync(process.execPath, [astro, 'build'], {
    cwd: siteDir,
    stdio: 'inherit',
    env: { ...env, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0) {
    throw new Error('The site build failed: the lines above say where (a README, a snippet...).');
  }
  writeFileSync(path.join(distDir, BUILT_FROM), lessonsDir());
  return (performance.now() - started) / 1000;
}

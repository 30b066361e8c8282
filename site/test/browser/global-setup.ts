// Builds the site once (unless dist/ is newer than every input), serves dist/ on a free port,
// and checks that Debian's Chromium is there. Nothing here downloads a browser.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { lessonsDir, listLessons } from '../../src/course/lessons.ts';
import { serveStatic } from './static-server.ts';

export const CHROMIUM = '/usr/bin/chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    distDir: string;
    /** The lessons (folder names) with a README when the site was built. */
    builtLessons: string[];
  }
}

const siteDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distDir = path.join(siteDir, 'dist');

/** Newest modification time under `dir`, skipping installs and local state. */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  const stat = statSync(dir);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(dir, entry)));
  }
  return newest;
}

function distIsCurrent(): boolean {
  const built = path.join(distDir, 'index.html');
  if (!existsSync(built) || !existsSync(path.join(distDir, 'pagefind'))) return false;
  const inputs = [
    path.join(siteDir, 'src'),
    path.join(siteDir, 'astro.config.ts'),
    path.join(siteDir, 'package.json'),
    lessonsDir(),
  ];
  return Math.max(...inputs.map(newestMtime)) < statSync(built).mtimeMs;
}

export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install Debian's package: apt-get install -y chromium`,
    );
  }
  // Taken before building: lessons are still being written while the tests run.
  const builtLessons = listLessons(lessonsDir())
    .filter((lesson) => lesson.hasReadme)
    .map((lesson) => lesson.slug);
  if (process.env.SITE_TEST_REBUILD === '1' || !distIsCurrent()) {
    const started = performance.now();
    // Not vitest's environment: vitest sets DEV=1, MODE=test... which Astro would read as a dev
    // build (and render the dev-only search stub instead of Pagefind).
    const vitestOnly = new Set(['TEST', 'NODE_ENV', 'PROD', 'DEV', 'BASE_URL', 'MODE', 'SSR']);
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => !key.startsWith('VITEST') && !vitestOnly.has(key),
      ),
    );
    const build = spawnSync('pnpm', ['run', 'build'], {
      cwd: siteDir,
      stdio: 'inherit',
      env: { ...env, NODE_ENV: 'production' },
    });
    if (build.status !== 0) throw new Error('The site build failed (see above).');
    console.log(`site built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const server = await serveStatic(distDir);
  project.provide('baseUrl', server.url);
  project.provide('distDir', distDir);
  project.provide('builtLessons', builtLessons);
  return () => server.close();
}

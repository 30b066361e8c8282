// The whole vitest config of a package, lesson or the site (see src/define-project.ts, which
// re-exports it with its types). Plain JavaScript on purpose: Vite bundles a vitest.config.ts but
// leaves the packages it imports to Node, and Node 20 cannot run TypeScript. Loading a .ts file
// here through tsx would register tsx's loader hooks in vitest's main process, and every module
// vitest loads after the config would then cross tsx's hooks thread: about 2.5 s of CPU per
// `vitest run` (pnpm check, practice, pnpm test), against 1 s for everything else vitest does at
// start-up. So nothing here imports TypeScript, @workshop/course included (its Node entry loads
// tsx too): the two rules below are course's own, and test/define-project.test.ts checks that
// they agree with @workshop/course for every folder of the repo.
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig, defineProject as vitestDefineProject } from 'vitest/config';

const HERE = dirname(fileURLToPath(import.meta.url));
const GLOBAL_SETUP = join(HERE, 'src', 'global-setup.ts');

/** The repository this package lives in: the folder above it with pnpm-workspace.yaml. */
function repoRoot() {
  for (let dir = HERE; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No pnpm-workspace.yaml above ${HERE}.`);
  }
}
const REPO_ROOT = repoRoot();
const FS_MODULE_CACHE = join(REPO_ROOT, 'node_modules', '.experimental-vitest-cache');

/** `packages/db` -> `db`, `lessons/03-ttl-caching` -> `lesson-03-ttl-caching`, `site` -> `site`. */
export function projectName(root) {
  const [zone, folder] = relative(REPO_ROOT, resolve(root)).split(/[\\/]/);
  if (zone === 'lessons' && folder) return `lesson-${folder}`;
  if (zone === 'packages' && folder) return folder;
  return basename(root);
}

// Every project's test files share worker processes, one file after another (`isolate: false`):
// vitest then starts a worker, and imports kv-server, pg, PGlite's WebAssembly and the rest, once
// per worker instead of once per file: about a third of the CPU time of a lesson's checkpoints
// (lesson 05: 45 s -> 29 s). Safe because these files keep their state in the servers and
// databases each one starts, mock no module, and put back any environment variable they set.
// kv-server's files too (CPU 156 s -> 57 s): none leaves anything running after it since its
// tests stop @upstash/realtime's ping interval with the subscription (kv-server's
// test/realtime.ts); left running, it failed a minute later in whichever file the worker ran.
// The workshop CLI's files too: they give the CLIs they spawn an environment of their own rather
// than change vitest's (lesson-cluster.test.ts puts PATH back), and the CLIs and temp folders a
// file leaves are cleaned up after it by its setup file (packages/workshop/test/setup.ts): a
// module-level afterAll would run after the first file of each worker only.
function sharedTestOptions(inRepo) {
  return {
    isolate: false,
    environment: 'node',
    // Builds the cached test database template once per run, before any worker needs it.
    globalSetup: [GLOBAL_SETUP],
    // Real servers and databases, on machines that may be busy: a test that takes seconds is
    // slow, not broken. Hooks start a stack per file (~0.5 s) but may wait for the template's
    // first build (~10 s).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Vite's transforms kept on disk between runs, keyed by each file's content (and the
    // lockfile: an install clears them): a check transforms only what changed since the
    // last one. Not for the copies practice verify and mutations lay out in temp folders:
    // their paths are new each time, the cache would only grow.
    experimental: inRepo
      ? { fsModuleCache: true, fsModuleCachePath: FS_MODULE_CACHE }
      : { fsModuleCache: false },
  };
}

/**
 * `export default defineProject(import.meta.url);`: a package's, lesson's or the site's own
 * config, for `pnpm test` in its folder and for practice mode's copies of a lesson. The project is
 * named after its folder.
 */
export function defineProject(importMetaUrl, overrides = {}) {
  const root = dirname(fileURLToPath(importMetaUrl));
  const inRepo = !relative(REPO_ROOT, root).startsWith('..');
  const name = projectName(root);
  return vitestDefineProject(
    mergeConfig(
      { test: { ...sharedTestOptions(inRepo), name, root, include: ['test/**/*.test.ts'] } },
      overrides,
    ),
  );
}

/** Where the root config finds tests: every folder's own config includes its `test/`. */
export const REPO_TEST_FILES = [
  'packages/*/test/**/*.test.ts',
  'lessons/*/test/**/*.test.ts',
  'site/test/**/*.test.ts',
];

/** The workshop CLI's tests: every learner command, run end to end as a child process. */
export const CLI_TEST_FILES = ['packages/workshop/test/**/*.test.ts'];

/**
 * The root vitest.config.ts: two projects, `main` (every package's, lesson's and the site's tests
 * but the CLI's: `pnpm test`) and `cli` (the CLI's, which start the learner's commands as child
 * processes: `pnpm test:cli`), not a project per folder. vitest hands a worker process on only to
 * files of the same project (a worker that finished a file of lesson 03 is stopped, not given a
 * file of lesson 04), so a project per folder started and stopped ~45 workers per run, each
 * importing vitest, kv-server, pg and PGlite's WebAssembly anew; one project keeps the same few
 * for all its files (175 s wall and 320 s CPU -> 129 s and 224 s for both on a 2-core machine).
 * Pick a folder with a path filter: `vitest run lessons/03-ttl-caching/` (`pnpm check 3` does).
 */
export function defineRepoConfig(overrides = {}) {
  const project = (name, include, test = {}) => ({
    test: { ...sharedTestOptions(true), name, root: REPO_ROOT, include, ...test },
  });
  return mergeConfig(
    {
      test: {
        projects: [
          project('main', REPO_TEST_FILES, {
            // The site's browser tests need a built site and Chromium: pnpm test:site runs them.
            exclude: ['site/test/browser/**', ...CLI_TEST_FILES, '**/node_modules/**'],
          }),
          project('cli', CLI_TEST_FILES, {
            // The CLIs and temporary folders a file leaves, cleaned up after it (see above).
            setupFiles: [join(REPO_ROOT, 'packages/workshop/test/setup.ts')],
          }),
        ],
      },
    },
    overrides,
  );
}

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectName as courseProjectName, findRepoRoot } from '@workshop/course';
import {
  mergeConfig,
  type UserWorkspaceConfig,
  defineProject as vitestDefineProject,
} from 'vitest/config';

// The repository this package lives in. Not from @workshop/db: vitest.config.ts files load this
// module natively, keep it light (@workshop/course has no dependencies).
const REPO_ROOT = findRepoRoot({ from: dirname(fileURLToPath(import.meta.url)), env: {} });
const GLOBAL_SETUP = join(dirname(fileURLToPath(import.meta.url)), 'global-setup.ts');

/**
 * The whole vitest config of a package, lesson or the site: `export default
 * defineProject(import.meta.url);`. The project is named after its folder (`packages/db` -> `db`,
 * `lessons/03-ttl-caching` -> `lesson-03-ttl-caching`, `site` -> `site`), so
 * `vitest run --project lesson-03-ttl-caching` selects one.
 */
export function defineProject(
  importMetaUrl: string,
  overrides: UserWorkspaceConfig = {},
): UserWorkspaceConfig {
  const root = dirname(fileURLToPath(importMetaUrl));
  return vitestDefineProject(
    mergeConfig(
      {
        test: {
          name: projectName(root),
          root,
          environment: 'node',
          include: ['test/**/*.test.ts'],
          // Builds the cached test database template once per run, before any worker needs it.
          globalSetup: [GLOBAL_SETUP],
          // Real servers and databases, on machines that may be busy: a test that takes seconds is
          // slow, not broken. Hooks start a stack per file (~0.5 s) but may wait for the template's
          // first build (~10 s).
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      overrides,
    ),
  );
}

export function projectName(root: string): string {
  return courseProjectName(root, REPO_ROOT);
}

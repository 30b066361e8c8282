import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  mergeConfig,
  type UserWorkspaceConfig,
  defineProject as vitestDefineProject,
} from 'vitest/config';

// The repository root (this file is <root>/packages/test-support/src/define-project.ts). Not
// imported from @workshop/db: vitest.config.ts files load this module natively, keep it light.
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
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
  const [zone, folder] = relative(REPO_ROOT, root).split(/[\\/]/);
  if (zone === 'lessons' && folder) return `lesson-${folder}`;
  if (zone === 'packages' && folder) return folder;
  return basename(root);
}

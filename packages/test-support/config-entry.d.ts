import type { UserConfig, UserWorkspaceConfig } from 'vitest/config';

/** A vitest project's name, from its folder: `packages/db` -> `db`, `lessons/03-x` -> `lesson-03-x`. */
export function projectName(root: string): string;

/** A package's, lesson's or the site's own vitest config: `defineProject(import.meta.url)`. */
export function defineProject(
  importMetaUrl: string,
  overrides?: UserWorkspaceConfig,
): UserWorkspaceConfig;

/** Where the root config finds tests (every folder's own config includes its `test/`). */
export const REPO_TEST_FILES: string[];

/** The workshop CLI's tests, the root config's `cli` project (`pnpm test:cli`). */
export const CLI_TEST_FILES: string[];

/** The root vitest.config.ts: projects `main` and `cli` (config-entry.js says why). */
export function defineRepoConfig(overrides?: UserConfig): UserConfig;

import type { UserConfig, UserWorkspaceConfig } from 'vitest/config';

/** A vitest project's name, from its folder: `packages/db` -> `db`, `lessons/03-x` -> `lesson-03-x`. */
export function projectName(root: string): string;

/** A package's, lesson's or the site's own vitest config: `defineProject(import.meta.url)`. */
export function defineProject(
  importMetaUrl: string,
  overrides?: UserWorkspaceConfig,
): UserWorkspaceConfig;

/** Where the whole-repository run finds tests (every folder's own config includes `test/`). */
export const REPO_TEST_FILES: string[];

/** The root vitest.config.ts: every folder's tests as one project (config-entry.js says why). */
export function defineRepoConfig(overrides?: UserConfig): UserConfig;

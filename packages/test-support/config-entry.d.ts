import type { UserWorkspaceConfig } from 'vitest/config';

/** A vitest project's name, from its folder: `packages/db` -> `db`, `lessons/03-x` -> `lesson-03-x`. */
export function projectName(root: string): string;

/** The whole vitest config of a package, lesson or the site: `defineProject(import.meta.url)`. */
export function defineProject(
  importMetaUrl: string,
  overrides?: UserWorkspaceConfig,
): UserWorkspaceConfig;

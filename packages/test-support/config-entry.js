// Node itself loads every vitest.config.ts's imports (Vite bundles the config file but leaves
// packages external), and Node 20 cannot run TypeScript: this entry loads defineProject through
// tsx. Tests resolve the package to src/index.ts instead (the "development" condition, which
// Vite sets when it runs tests), so they get one copy of vitest and of every module.
import { tsImport } from 'tsx/esm/api';

const { defineProject, projectName } = await tsImport('./src/define-project.ts', import.meta.url);

export { defineProject, projectName };

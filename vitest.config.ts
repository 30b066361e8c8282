import { defineConfig } from 'vitest/config';
// Relative, not the package: the root is no workspace package's dependant.
import { testWorkers } from './packages/test-support/src/workers.ts';

// Every package and every lesson is a vitest project of its own (its own vitest.config.ts);
// `pnpm test` at the root runs them all in one go, `pnpm check <n>` runs one lesson's.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'lessons/*/vitest.config.ts',
      'site/vitest.config.ts',
    ],
    // More files at once than there are cores: they mostly wait on servers (workers.ts says why).
    maxWorkers: testWorkers(),
  },
});

import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Every package and every lesson is a vitest project of its own (its own vitest.config.ts);
// `pnpm test` at the root runs them all in one go, `pnpm check <n>` runs one lesson's.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'lessons/*/vitest.config.ts',
      'site/vitest.config.ts',
    ],
    // Test files mostly wait on servers they start, so run more of them than there are cores
    // (vitest's default is cores - 1: a single worker on a 2-core machine). At most 8: under
    // `pnpm test:services` each worker gets Redis/Valkey db 1 + (VITEST_POOL_ID % 8) of its own.
    maxWorkers: Math.min(Math.max(availableParallelism() - 1, 3), 8),
  },
});

import { defineConfig } from 'vitest/config';

// Every package and every lesson is a vitest project of its own (its own vitest.config.ts);
// `pnpm test` at the root runs them all in one go, `pnpm check <n>` runs one lesson's.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'lessons/*/vitest.config.ts', 'site/vitest.config.ts'],
  },
});

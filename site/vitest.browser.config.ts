import { defineConfig } from 'vitest/config';

// The site in a real browser (Debian's Chromium through playwright-core): `pnpm test:site`.
// Kept out of `pnpm test` because it builds the site first.
export default defineConfig({
  test: {
    name: 'site-browser',
    include: ['test/browser/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    // One browser at a time: the machine running the workshop may be small.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

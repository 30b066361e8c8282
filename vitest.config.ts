// Every package's, lesson's and the site's tests (not the site's browser tests), as two vitest
// projects: `main` (`pnpm test`) and `cli`, the workshop CLI's end-to-end tests (`pnpm
// test:cli`); defineRepoConfig() in packages/test-support/config-entry.js says why not one per
// folder. One folder: `pnpm exec vitest run packages/db/` or `lessons/03-ttl-caching/`; `pnpm
// check 3` runs a lesson's the same way. Each folder keeps its own vitest.config.ts too, for
// `pnpm test` inside it and for practice mode's copies.
import { defineConfig } from 'vitest/config';
import { defineRepoConfig } from './packages/test-support/config-entry.js';
// Relative, not the package: the root is no workspace package's dependant.
import { testWorkers } from './packages/test-support/src/workers.ts';

export default defineConfig(
  defineRepoConfig({
    // More files at once than there are cores: they mostly wait on servers (workers.ts says why).
    test: { maxWorkers: testWorkers() },
  }),
);

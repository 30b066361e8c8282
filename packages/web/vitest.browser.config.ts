import { defineProject } from '@workshop/test-support';

// The Chromium click-through, apart from `pnpm test` (it needs Debian's chromium): `pnpm test:site`.
const config = defineProject(import.meta.url);
// (defineProject merges arrays, so `include` is replaced here rather than passed as an override.)
if (config.test) config.test.include = ['browser/**/*.test.ts'];
export default config;

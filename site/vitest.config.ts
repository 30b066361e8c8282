import { defineProject } from 'vitest/config';

// Unit tests of the site's build logic (snippets, diffs); the browser tests have their own config.
export default defineProject({ test: { name: 'site', include: ['test/*.test.ts'] } });

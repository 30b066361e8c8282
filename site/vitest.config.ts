import { defineProject } from '@workshop/test-support';

// Unit tests of the site's build logic; the browser tests (test/browser) have their own config.
export default defineProject(import.meta.url, {
  test: { exclude: ['test/browser/**', '**/node_modules/**'] },
});

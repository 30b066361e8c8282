import { defineProject } from '@workshop/test-support';

// test/setup.ts cleans up after each file: the files share worker processes.
export default defineProject(import.meta.url, { test: { setupFiles: ['test/setup.ts'] } });

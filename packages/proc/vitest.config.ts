// Not @workshop/test-support's defineProject: test-support depends on this package (through
// @workshop/config), so depending back on it would make a cycle, and these tests need no stack.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'proc', environment: 'node', include: ['test/**/*.test.ts'] },
});

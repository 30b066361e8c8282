import { defineProject } from '@workshop/test-support';

// The file starts six valkey-server processes and a test stack: on a busy machine (or beside the
// other copies `practice mutations` runs at once) that can take minutes, not seconds.
export default defineProject(import.meta.url, { test: { hookTimeout: 180_000 } });

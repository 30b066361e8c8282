// How many test files run at once, for `pnpm test` and for `pnpm test:exercises` alike. Test
// files mostly wait on servers they start, so run more of them than there are cores (vitest's
// default is cores - 1: a single worker on a 2-core machine). At most 8: under
// `pnpm test:services` each worker gets Redis/Valkey db 1 + (VITEST_POOL_ID % 8) of its own.
import { availableParallelism } from 'node:os';

export function testWorkers(): number {
  return Math.min(Math.max(availableParallelism() - 1, 3), 8);
}

// Databases of the real Redis (and Valkey) that the services-mode suites use. Redis has 16, the
// learner's code uses 0 and the lessons' test stacks 1-8, so there are fewer numbers than files
// that need one: files that share a number take turns. Each file holds the number's lock
// (@workshop/proc's pid lock: a holder that died is taken over) from before its first flush to
// after its last command, so one file's FLUSHDB never empties another's keys mid-test, and a
// `pnpm test:services` beside another one (CI's lanes, a second terminal) waits instead of racing.
// The differential harness (database 15) has its own lock of the same kind.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releasePidLock, takePidLock } from '@workshop/proc';
import { afterAll, beforeAll } from 'vitest';

export const REDIS_DB = {
  /** test/clients/matrix.test.ts (also the benchmark's, which never runs beside the tests). */
  matrix: 9,
  /** RESP3: test/differential/resp3.test.ts; streams: test/ecosystem/streams.test.ts. */
  resp3: 10,
  streams: 10,
  /** test/ecosystem/*: bullmq, @upstash/redis and ratelimit; test/resp/resp3.test.ts. */
  ecosystem: 11,
  /** test/forward/forward.test.ts. */
  forward: 12,
  /** Pub/sub and blocking: test/resp/pubsub, test/rest/sse, test/differential/pubsub. */
  pubsub: 13,
  /** test/rest/upstash-client.test.ts. */
  client: 14,
} as const;

const WAIT_MS = 150_000;
/** Locks this process holds, and how many times (a file may start two servers on one number). */
const holds = new Map<number, number>();

function lockFile(db: number): string {
  return join(tmpdir(), `workshop-kv-redis-db${db}.pid-lock`);
}

/** Waits until this process holds database `db`. Pair each call with releaseRedisDb. */
export async function lockRedisDb(db: number): Promise<void> {
  const count = holds.get(db) ?? 0;
  if (count > 0) {
    holds.set(db, count + 1);
    return;
  }
  const deadline = Date.now() + WAIT_MS;
  while (takePidLock(lockFile(db), {}) !== undefined) {
    if (Date.now() > deadline) {
      throw new Error(
        `Redis database ${db} was held by another test process for ${WAIT_MS / 1000} s (${lockFile(db)}): ` +
          'a suite that never released it, or one that hangs.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  holds.set(db, 1);
}

export function releaseRedisDb(db: number): void {
  const count = holds.get(db) ?? 0;
  if (count > 1) {
    holds.set(db, count - 1);
    return;
  }
  if (count === 1) {
    holds.delete(db);
    releasePidLock(lockFile(db));
  }
}

/** At a file's top level: holds `db` for the whole file when `when` is true (services mode). */
export function holdRedisDb(db: number, when: boolean): void {
  if (!when) return;
  beforeAll(() => lockRedisDb(db), WAIT_MS + 10_000);
  afterAll(() => releaseRedisDb(db));
}

// One owner at a time for the data folder: the embedded Postgres data must never be opened by
// two processes. The lock file also tells other commands where a running stack listens. The
// lock itself is @workshop/proc's pid lock; this file says what the stack writes into it.
import { join } from 'node:path';
import { readPidLock, releasePidLock, takePidLock, updatePidLock } from '@workshop/proc';

export interface StackLock {
  pid: number;
  /** `stack` (pnpm stack / pnpm start) or `lesson` (services started for one lesson run). */
  kind: 'stack' | 'lesson';
  host: string;
  postgresPort?: number;
  restPort?: number;
  respPort?: number;
  token?: string;
  /** Where `pnpm check <n>` asks the stack's test runner (check-server.ts). */
  checkSocket?: string;
}

const lockFile = (dataDir: string) => join(dataDir, 'stack.lock.json');

/** The lock of a live process, or undefined (a stale lock of a killed process is ignored). */
export function readLock(dataDir: string): StackLock | undefined {
  return readPidLock<StackLock>(lockFile(dataDir));
}

/** Takes the lock, or returns the live holder's lock when another process has it. */
export function acquireLock(dataDir: string, lock: StackLock): StackLock | undefined {
  return takePidLock(lockFile(dataDir), lock);
}

/** Records where the services ended up listening (known only after they started). */
export function updateLock(dataDir: string, lock: StackLock): void {
  updatePidLock(lockFile(dataDir), lock);
}

export function releaseLock(dataDir: string): void {
  releasePidLock(lockFile(dataDir));
}

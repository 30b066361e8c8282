// One owner at a time for the data folder: the embedded Postgres data must never be opened by
// two processes. The lock file also tells other commands where a running stack listens.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@workshop/db';

export interface StackLock {
  pid: number;
  /** `stack` (pnpm stack / pnpm start) or `lesson` (services started for one lesson run). */
  kind: 'stack' | 'lesson';
  host: string;
  postgresPort?: number;
  restPort?: number;
  respPort?: number;
  token?: string;
}

export function lockFile(dataDir: string): string {
  return join(dataDir, 'stack.lock.json');
}

/** The lock of a live process, or undefined (a stale lock of a killed process is ignored). */
export function readLock(dataDir: string): StackLock | undefined {
  let lock: StackLock;
  try {
    lock = JSON.parse(readFileSync(lockFile(dataDir), 'utf8')) as StackLock;
  } catch {
    return undefined;
  }
  return typeof lock.pid === 'number' && isProcessAlive(lock.pid) ? lock : undefined;
}

/** Takes the lock, or returns the live holder's lock when another process has it. */
export function acquireLock(dataDir: string, lock: StackLock): StackLock | undefined {
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile(dataDir), JSON.stringify(lock, null, 2), { flag: 'wx' });
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(dataDir);
      if (holder && holder.pid !== process.pid) return holder;
      rmSync(lockFile(dataDir), { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Cannot take the lock ${lockFile(dataDir)}: delete it if no stack is running.`);
}

/** Records where the services ended up listening (known only after they started). */
export function updateLock(dataDir: string, lock: StackLock): void {
  writeFileSync(lockFile(dataDir), JSON.stringify(lock, null, 2));
}

export function releaseLock(dataDir: string): void {
  const holder = readLock(dataDir);
  if (!holder || holder.pid === process.pid) rmSync(lockFile(dataDir), { force: true });
}

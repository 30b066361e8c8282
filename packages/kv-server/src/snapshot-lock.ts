// Snapshot safety at start: the folder must exist and be writable (otherwise every save would
// fail and everything would be lost at exit), and one kv-server per snapshot file (two would
// silently overwrite each other's saves).
//
// The lock is a copy of packages/config/src/pid-lock.ts, kept on purpose: the kv-server depends
// on no workspace package at run time (CONTRIBUTING.md), and @workshop/config depending on the
// kv-server for it would put the whole server (fengari included) under every lesson. A fix to
// one belongs in both.
// A lock file `<file>.lock` holds the owner's pid and ports, is taken by an exclusive create,
// and a lock whose process is gone is taken over race-safely (moved aside under our own name,
// then checked).

import {
  accessSync,
  constants,
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isProcessAlive } from './engine/snapshot.ts';

/** The snapshot cannot be used; the message names the file or folder and the fix. */
export class SnapshotSetupError extends Error {
  override name = 'SnapshotSetupError';
}

/** Throws SnapshotSetupError unless the snapshot's folder exists and this process can write in it. */
export function checkSnapshotFolder(file: string): void {
  const folder = dirname(resolve(file));
  let isDirectory: boolean;
  try {
    isDirectory = statSync(folder).isDirectory();
  } catch {
    throw new SnapshotSetupError(
      `The snapshot folder ${folder} does not exist, so no save could succeed: create it (mkdir -p ${folder}) or choose another --snapshot file.`,
    );
  }
  if (!isDirectory) {
    throw new SnapshotSetupError(
      `${folder} is not a folder, so the snapshot ${file} cannot be saved there: choose another --snapshot file.`,
    );
  }
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw new SnapshotSetupError(
      `The snapshot folder ${folder} is not writable by this user, so no save could succeed: fix its permissions (chmod u+w ${folder}) or choose another --snapshot file.`,
    );
  }
}

export interface SnapshotLock {
  /** Writes where this server listens into the lock, so a second one can say so. */
  record(info: { restPort?: number; respPort?: number }): void;
  release(): void;
}

interface LockOwner {
  pid?: number;
  restPort?: number;
  respPort?: number;
}

/** Takes `<file>.lock` or throws SnapshotSetupError naming the process that holds it. */
export function lockSnapshot(file: string): SnapshotLock {
  const lockFile = `${resolve(file)}.lock`;
  const write = (content: object) => {
    const temp = `${lockFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(content));
    renameSync(temp, lockFile); // replaces it in one step: readers never see half a lock
  };
  const lock: SnapshotLock = {
    record: (info) => {
      if (readOwner(lockFile)?.pid === process.pid) write({ pid: process.pid, ...info });
    },
    release: () => {
      if (readOwner(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
    },
  };
  const inUse = (owner: LockOwner) =>
    new SnapshotSetupError(
      `The snapshot file ${file} is in use by kv-server process ${owner.pid}` +
        `${owner.restPort ? ` (REST port ${owner.restPort})` : ''}: two servers would overwrite each other's saves. Stop that one, or give this one another --snapshot file.`,
    );

  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    try {
      // Exclusive create: fails when any lock exists. Written complete via a linked temp file.
      const temp = `${lockFile}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ pid: process.pid }));
      try {
        linkSync(temp, lockFile);
        return lock;
      } finally {
        rmSync(temp, { force: true });
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(lockFile);
    if (owner === undefined) continue; // released in the meantime
    if (owner.pid && isProcessAlive(owner.pid)) throw inUse(owner);
    // Stale. Move it aside under a name of our own, then check that what we moved is the stale
    // lock and not one another process took a moment ago (if so, put it back).
    const aside = `${lockFile}.stale-${process.pid}`;
    try {
      renameSync(lockFile, aside);
    } catch {
      continue; // someone else moved it first
    }
    const moved = readOwner(aside);
    if (moved?.pid && moved.pid !== owner.pid && isProcessAlive(moved.pid)) {
      try {
        linkSync(aside, lockFile);
      } catch {}
      rmSync(aside, { force: true });
      throw inUse(moved);
    }
    rmSync(aside, { force: true });
  }
  throw new SnapshotSetupError(`Could not take the lock ${lockFile}: delete it and try again.`);
}

/** The lock's owner; {} when it cannot be parsed (then nobody live owns it); undefined when absent. */
function readOwner(file: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    return {};
  }
}

/** The save at stop failed: the data is still in memory, and stopping again retries the save. */
export class SnapshotSaveError extends Error {
  override name = 'SnapshotSaveError';
  constructor(
    readonly file: string,
    readonly keys: number,
    cause: Error,
  ) {
    super(
      `Could not save the snapshot to ${file} (${cause.message}). The ${keys} keys are still in memory and nothing was lost yet: fix the problem (folder removed? disk full? permissions?) and stop again to retry the save.`,
    );
  }
}

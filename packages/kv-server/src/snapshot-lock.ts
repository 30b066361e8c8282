// Snapshot safety at start: the folder must exist and be writable (otherwise every save would
// fail and everything would be lost at exit), and one kv-server per snapshot file (two would
// silently overwrite each other's saves).
//
// The lock is `<file>.lock`, @workshop/proc's pid lock (the one the stack and the test template
// use): it holds the owner's pid and ports, and a lock whose process is gone is taken over.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type LockContent, releasePidLock, takePidLock, updatePidLock } from '@workshop/proc';

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

/** Takes `<file>.lock` or throws SnapshotSetupError naming the process that holds it. */
export function lockSnapshot(file: string): SnapshotLock {
  const lockFile = `${resolve(file)}.lock`;
  let owner: (LockContent & { restPort?: number }) | undefined;
  try {
    owner = takePidLock<{ restPort?: number }>(lockFile, {});
  } catch (error) {
    throw new SnapshotSetupError((error as Error).message);
  }
  if (owner !== undefined) {
    throw new SnapshotSetupError(
      `The snapshot file ${file} is in use by kv-server process ${owner.pid}` +
        `${owner.restPort ? ` (REST port ${owner.restPort})` : ''}: two servers would overwrite each other's saves. Stop that one, or give this one another --snapshot file.`,
    );
  }
  return {
    record: (info) => updatePidLock(lockFile, info),
    release: () => releasePidLock(lockFile),
  };
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

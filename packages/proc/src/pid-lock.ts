// One owner at a time, across processes: a lock file holding the owner's pid, plus whatever the
// owner wants others to know (where it listens). The data folders of the local stack, the test
// template and the kv-server's snapshot files are guarded this way. A lock whose process is gone
// is taken over. Every step is atomic (an exclusive create through a hard link, renames), so two
// processes starting at once cannot both get it, and a reader never sees half a lock.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isProcessAlive } from './process.ts';

export type LockContent = { pid: number } & Record<string, unknown>;

/** The files this process holds: a lock naming our pid that is not here is a stale one. */
const held = new Set<string>();

/** The content of a lock file; {} when it cannot be parsed (no one live owns it); undefined when absent. */
function readContent(file: string): Partial<LockContent> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const content = JSON.parse(text);
    return typeof content === 'object' && content !== null ? content : {};
  } catch {
    return {};
  }
}

function isLive(file: string, content: Partial<LockContent> | undefined): content is LockContent {
  const pid = content?.pid;
  if (typeof pid !== 'number' || pid <= 0) return false;
  return pid === process.pid ? held.has(file) : isProcessAlive(pid);
}

/** The live owner's content, or undefined when nobody (alive) holds the lock. */
export function readPidLock<T extends object>(file: string): (T & LockContent) | undefined {
  const content = readContent(file);
  return isLive(file, content) ? (content as T & LockContent) : undefined;
}

/**
 * Takes the lock, writing `content` (with our pid) into it. Returns undefined when it is ours,
 * or the live owner's content when another process (or this one, earlier) holds it.
 */
export function takePidLock<T extends object>(
  file: string,
  content: T,
): (T & LockContent) | undefined {
  mkdirSync(dirname(file), { recursive: true });
  const text = JSON.stringify({ ...content, pid: process.pid });
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    // Exclusive create: fails when any lock exists. Written complete via a linked temp file.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    try {
      linkSync(temp, file);
      held.add(file);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temp, { force: true });
    }
    const owner = readContent(file);
    if (owner === undefined) continue; // released in the meantime
    if (isLive(file, owner)) return owner as T & LockContent;
    // Stale. Move it aside under a name of our own, then check that what we moved is the stale
    // lock and not one another process took a moment ago (if so, put it back).
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch {
      continue; // someone else moved it first
    }
    const moved = readContent(aside);
    if (moved?.pid !== owner.pid && isLive(file, moved)) {
      try {
        linkSync(aside, file);
      } catch {}
      rmSync(aside, { force: true });
      return moved as T & LockContent;
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`Could not take the lock ${file}: delete it and try again.`);
}

/** Replaces the content of a lock we hold (e.g. the ports, known only once listening). */
export function updatePidLock<T extends object>(file: string, content: T): void {
  if (!held.has(file) || readContent(file)?.pid !== process.pid) return;
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ ...content, pid: process.pid }));
  renameSync(temp, file); // replaces it in one step
}

/** Removes the lock if it is ours; another process's lock is left alone. */
export function releasePidLock(file: string): void {
  if (!held.delete(file)) return;
  if (readContent(file)?.pid === process.pid) rmSync(file, { force: true });
}

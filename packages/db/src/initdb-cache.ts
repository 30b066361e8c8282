// A pristine copy of a freshly initialised data folder (initdb run, cleanly closed, not migrated,
// not seeded), so that a first start in another data folder copies it (well under a second)
// instead of running initdb again (5 s on a quiet laptop, much more on a busy one).
import { randomBytes } from 'node:crypto';
import {
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isProcessAlive, REPO_ROOT, releasePidLock, takePidLock } from '@workshop/config';

/** Where the fresh data folders are kept (git-ignored, like the rest of `.data`). */
export const DEFAULT_INITDB_CACHE = join(REPO_ROOT, '.data', 'initdb-cache');

/**
 * The parameters our first start gives initdb (PGlite's defaults). A different set, or another
 * PGlite version, makes a data folder of its own: the cache folder's name says which.
 */
export const INITDB_OPTIONS = { initDbStartParams: [] as string[] };

/** `pglite-<version>-<parameters>`: one cached folder per PGlite version and initdb parameters. */
function initdbCacheKey(): string {
  const params = JSON.stringify(INITDB_OPTIONS.initDbStartParams)
    .replace(/[^\w=-]+/g, '_')
    .replace(/^_|_$/g, '');
  return `pglite-${pgliteVersion()}-${params || 'defaults'}`;
}

function pgliteVersion(): string {
  // The package's exports hide its package.json: find it next to its entry point (dist/).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8'));
  return pkg.version as string;
}

/** Copies as reflinks where the file system can (APFS, Btrfs, XFS): instant, and no space used. */
export const COPY = { recursive: true, mode: constants.COPYFILE_FICLONE };

/** The cached fresh data folder for this PGlite and these parameters, if there is one. */
export function cachedFreshDataDir(cacheRoot: string): string | undefined {
  const dir = join(cacheRoot, initdbCacheKey());
  return existsSync(join(dir, 'PG_VERSION')) ? dir : undefined;
}

/**
 * Several first starts at once with no cache yet (a test suite, two terminals): one runs initdb,
 * the others wait for its cache and copy it, rather than each running initdb on a busy machine.
 * Returns the release of our claim (a no-op when we waited), to call once the cache is saved or
 * our initdb failed. A claimant that dies is taken over; one that takes too long is not waited for.
 */
export async function claimInitdb(
  cacheRoot: string,
  progress: (m: string) => void,
): Promise<() => void> {
  const lockFile = join(cacheRoot, `${initdbCacheKey()}.lock`);
  const deadline = Date.now() + 90_000;
  let told = false;
  for (;;) {
    const owner = takePidLock(lockFile, {});
    if (!owner) return () => releasePidLock(lockFile);
    if (cachedFreshDataDir(cacheRoot) || Date.now() > deadline) return () => {};
    if (!told) progress(`waiting for process ${owner.pid}'s initdb, to copy it...`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Saves a freshly initialised, closed data folder as the cache: copied into a side folder, then
 * renamed, so a kill leaves either no cache or a whole one. When another process saved one first,
 * theirs is kept. `replace` first moves away a cache that did not open.
 */
export function saveFreshDataDir(cacheRoot: string, freshDir: string, replace = false): void {
  const target = join(cacheRoot, initdbCacheKey());
  const side = `${target}.saving-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(cacheRoot, { recursive: true });
    removeLeftovers(cacheRoot);
    cpSync(freshDir, side, COPY);
    rmSync(join(side, 'postmaster.pid'), { force: true });
    if (replace) discard(target);
    renameSync(side, target);
  } catch {
    // Another process saved it first (the rename finds a folder there), or the disk refused: the
    // cache only saves time, so the first start goes on either way.
  } finally {
    rmSync(side, { recursive: true, force: true });
  }
}

/** Removes a cache that did not open: renamed away first, so no reader copies it half deleted. */
function discard(cacheDir: string): void {
  const away = `${cacheDir}.discarded-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(cacheDir, away);
  } catch {
    return; // already gone
  }
  rmSync(away, { recursive: true, force: true });
}

/** Side folders of processes killed while saving or discarding a cache. */
function removeLeftovers(cacheRoot: string): void {
  for (const name of readdirSync(cacheRoot)) {
    const pid = /\.(?:saving|discarded)-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid && !isProcessAlive(Number(pid))) {
      rmSync(join(cacheRoot, name), { recursive: true, force: true });
    }
  }
}

// Opening PGlite from a data-folder dump (the test template) without unpacking it twice.
//
// PGlite's own `loadDataDir` reads the dump into memory, cuts each file out of it (a copy), then
// writes each into its in-memory filesystem (another copy): for the test template (then 33 MB),
// about a quarter of a test file's database open. Here the dump is copied once, and each file of the
// in-memory filesystem is a view into that copy (`canOwn`), before Postgres starts: PGlite then
// finds a data folder and opens it as it reopens any other.
//
// It relies on two things of PGlite's (pinned at one version by @electric-sql/pglite-socket):
// a custom `fs` gets `initialSyncFs()` once the module and its filesystem exist and before
// Postgres starts, and the data folder is the module's PGDATA. Should either change, every test
// database fails to open (test-support's tests say so), rather than open wrong.

import type { MemoryFS } from '@electric-sql/pglite';

interface TarEntry {
  /** The path inside the data folder, without a leading slash. */
  readonly path: string;
  readonly directory: boolean;
  readonly start: number;
  readonly size: number;
}

const BLOCK = 512;

/** The entries of a ustar archive (what PGlite's dumpDataDir writes), in order. */
function tarEntries(bytes: Uint8Array): TarEntry[] {
  const decoder = new TextDecoder();
  const text = (from: number, length: number) => {
    let end = from;
    while (end < from + length && bytes[end] !== 0) end++;
    return decoder.decode(bytes.subarray(from, end));
  };
  const notADump = (why: string) =>
    new Error(
      `Not a data-folder dump from createTemplateDump() (${why}): ` +
        'delete the file it was read from, and it is made again on the next run.',
    );
  const entries: TarEntry[] = [];
  for (let at = 0; at + BLOCK <= bytes.length && bytes[at] !== 0; ) {
    if (text(at + 257, 5) !== 'ustar') throw notADump(`no tar header at byte ${at}`);
    const prefix = text(at + 345, 155);
    const name = text(at, 100);
    const size = Number.parseInt(text(at + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(bytes[at + 156] ?? 0);
    entries.push({
      path: (prefix ? `${prefix}/${name}` : name).replace(/^\/+|\/+$/g, ''),
      directory: type === '5',
      start: at + BLOCK,
      size,
    });
    // A file cut short (a disk that filled up, a copy stopped half way) would give Postgres a
    // short data file, and an error of its own far from the cause.
    if (at + BLOCK + size > bytes.length) {
      throw notADump(`it ends inside ${name || 'an entry'}, at byte ${bytes.length}`);
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  // Nothing in it (zeros, an empty file): PGlite would find no data folder and run initdb,
  // giving a database without the course's tables instead of an error.
  if (entries.length === 0) throw notADump('no entries');
  return entries;
}

/**
 * The dump without the files `drop` names (paths as in the data folder, no leading slash): a
 * ustar archive stays one when whole entries, each a header and its padded data, are left out.
 */
export function dumpWithout(dump: Uint8Array, drop: (path: string) => boolean): Uint8Array {
  const kept: Uint8Array[] = [];
  let size = 0;
  for (const entry of tarEntries(dump)) {
    if (!entry.directory && drop(entry.path)) continue;
    const bytes = dump.subarray(
      entry.start - BLOCK,
      entry.start + Math.ceil(entry.size / BLOCK) * BLOCK,
    );
    kept.push(bytes);
    size += bytes.length;
  }
  // Two zero blocks end an archive.
  const out = new Uint8Array(size + 2 * BLOCK);
  let at = 0;
  for (const bytes of kept) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** An in-memory filesystem for PGlite that starts out holding the data folder in `dump`. */
export async function templateFileSystem(dump: Uint8Array): Promise<MemoryFS> {
  const { MemoryFS } = await import('@electric-sql/pglite');
  class TemplateFileSystem extends MemoryFS {
    override async initialSyncFs(): Promise<void> {
      await super.initialSyncFs();
      const mod = this.pg?.Module;
      const dataDir = mod?.ENV?.PGDATA;
      if (!mod || !dataDir) throw new Error('PGlite gave its filesystem no module or PGDATA.');
      // Postgres writes into its files: this open gets bytes of its own, the dump stays as it is.
      // (A copy made by the Uint8Array constructor: a Buffer's slice() is a view, not a copy.)
      const own = new Uint8Array(dump);
      for (const entry of tarEntries(own)) {
        const path = entry.path ? `${dataDir}/${entry.path}` : dataDir;
        if (entry.directory) {
          mod.FS.mkdirTree(path);
        } else {
          mod.FS.mkdirTree(path.slice(0, path.lastIndexOf('/')));
          mod.FS.writeFile(path, own.subarray(entry.start, entry.start + entry.size), {
            canOwn: true,
          });
        }
      }
    }
  }
  return new TemplateFileSystem();
}

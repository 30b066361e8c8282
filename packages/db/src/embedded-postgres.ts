import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import {
  LOCAL_STACK,
  REPO_ROOT,
  releasePidLock,
  takePidLock,
  updatePidLock,
} from '@workshop/config';
import pg from 'pg';
import {
  COPY,
  cachedFreshDataDir,
  claimInitdb,
  DEFAULT_INITDB_CACHE,
  INITDB_OPTIONS,
  saveFreshDataDir,
} from './initdb-cache.ts';
import { migrate, seed } from './schema.ts';
import { dumpWithout, templateFileSystem } from './template-fs.ts';

// PGlite (WebAssembly) takes about a quarter of a second to load: only the process that serves
// the embedded Postgres pays it, not every lesson and test that imports @workshop/db.
//
// PGlite is Postgres compiled to WebAssembly. V8 compiles it quickly (Liftoff), then compiles each
// busy function again, optimised (TurboFan), on background threads: about 1 s of CPU in the first
// seconds on Node 20, which on a 2-core laptop competes with the lesson or test it serves and is
// thrown away when they stop. Queries cost about the same either way (60 article-list queries:
// 70-77 ms of CPU each, with and without), so the quick compile is kept: --liftoff-only, set
// before PGlite is loaded, as V8 reads it when it compiles a module (Node 20-24 have it). It is
// process-wide, and only the processes that open an embedded Postgres get here.
const loadPGlite = async () => {
  setFlagsFromString('--liftoff-only');
  return (await import('@electric-sql/pglite')).PGlite;
};

// Postgres zeroes its whole buffer pool when it starts: shared_buffers, which initdb sets to
// 128 MB. In WebAssembly compiled by Liftoff that one memset was a third of every open's CPU
// (0.4-0.6 s on a 2-core machine: the stack's start, each lesson run and each test file's
// database). The course's database is about 30 MB with Postgres's own catalogs, and a page that
// is not in the pool is read from PGlite's files in memory (or the OS's cache), so 16 MB serve its
// queries as fast (primary-key selects and full scans measured the same). Set at start, not in
// postgresql.conf: a data folder made before this change gets it too.
const START_PARAMS = ['-c', 'shared_buffers=16MB'];

/** PGlite.create() with the course's start parameters added to PGlite's own. */
async function createPGlite(options: PGliteOptions): Promise<PGlite> {
  const PGlite = await loadPGlite();
  return PGlite.create({
    ...options,
    startParams: [...PGlite.defaultStartParams, ...START_PARAMS],
  });
}

const loadSocketServer = async () =>
  (await import('@electric-sql/pglite-socket')).PGLiteSocketServer;

/** Where `pnpm stack` keeps the embedded Postgres data (git-ignored). */
export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.data', 'postgres');

export interface EmbeddedPostgresOptions {
  /** The data folder (default `<repo>/.data/postgres`), created, migrated and seeded on first start. */
  dataDir?: string;
  /**
   * Start from this data-folder dump (see `createTemplateDump`) in memory instead of a folder. The
   * bytes are copied, not changed: one dump can start any number of databases.
   */
  template?: Uint8Array;
  /** The TCP port (default 54329, the local stack's); 0 picks a free one. */
  port?: number;
  host?: string;
  /** Progress lines for a person waiting (the first start runs initdb: a few seconds). */
  onProgress?: (message: string) => void;
  /**
   * Where a fresh, initdb'd data folder is kept for the next first start to copy instead of
   * running initdb (default `<repo>/.data/initdb-cache`); `false` always runs initdb, as does the
   * environment variable WORKSHOP_INITDB_CACHE=off.
   */
  initdbCache?: string | false;
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The port is taken; `port` says which, for callers that word it their own way. */
export class PostgresPortInUseError extends Error {
  override name = 'PostgresPortInUseError';
  constructor(readonly port: number) {
    super(
      `Port ${port} is in use: another local stack may be running (stop it with Ctrl-C, or use it), ` +
        `or set DATABASE_URL in .env to use another Postgres.`,
    );
  }
}

/** The data folder is in use by another live process. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

/**
 * PGlite (Postgres compiled to WebAssembly) served over the Postgres wire protocol, so plain `pg`
 * connects to it. Migrates and seeds on every start (both are no-ops once applied).
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const host = options.host ?? LOCAL_STACK.host;
  const port = options.port ?? LOCAL_STACK.postgresPort;
  const progress = options.onProgress ?? (() => {});

  let db: PGlite;
  let lock: DataDirLock | undefined;
  const releaseLock = () => lock?.release();
  if (options.template) {
    db = await createPGlite({ fs: await templateFileSystem(options.template) });
  } else {
    const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
    lock = acquireLock(dataDir);
    try {
      db = await openDataDir(dataDir, progress, initdbCacheOption(options.initdbCache));
    } catch (error) {
      releaseLock();
      throw error;
    }
  }

  // All connections share PGlite's one session; createPool() uses max: 1 for this reason.
  const PGLiteSocketServer = await loadSocketServer();
  const server = new PGLiteSocketServer({ db, host, port, maxConnections: 100 });
  try {
    await server.start();
  } catch (error) {
    await db.close().catch(() => {});
    releaseLock();
    throw portError(error, port);
  }
  const actualPort = Number(server.getServerConn().split(':').pop());
  const url = `postgres://postgres@${host}:${actualPort}/postgres`;
  lock?.record(actualPort);

  const close = async () => {
    await server.stop().catch(() => {});
    await db.close().catch(() => {});
    releaseLock();
  };

  if (!options.template) {
    try {
      await migrateAndSeed(url, progress);
    } catch (error) {
      await close();
      throw error;
    }
  }
  return { url, port: actualPort, close };
}

/**
 * Initialises, migrates and seeds a database in memory and returns a dump of its data folder (a
 * tar archive), for `startEmbeddedPostgres({ template })`. It holds the `postgres` database only:
 * CREATE DATABASE fails in a database opened from it (no template1 to copy). `articles`: how
 * many the seed writes (default all of them, `SEED_ARTICLE_COUNT`; the test template's,
 * `TEST_SEED_ARTICLE_COUNT`).
 */
export async function createTemplateDump(options: { articles?: number } = {}): Promise<Uint8Array> {
  // 1 MB WAL segments, not 16: the dump holds the one the last checkpoint is in, where it held two
  // of 16 MB (half of its 65 MB), and every test file's PGlite unpacks all of it.
  const db = await createPGlite({ initDbStartParams: ['--wal-segsize=1'] });
  const PGLiteSocketServer = await loadSocketServer();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 10 });
  await server.start();
  try {
    const port = Number(server.getServerConn().split(':').pop());
    await migrateAndSeed(`postgres://postgres@127.0.0.1:${port}/postgres`, () => {}, options);
  } finally {
    await server.stop();
  }
  // Postgres's own template databases (template0 and template1, what CREATE DATABASE copies) are
  // half of the dump, and every database opened from it copies all of it (0.1 s of a test file's
  // CPU at 30 MB). A dump's databases are in-memory, one per test file, and nothing creates a
  // database in them, so they go. (A learner's data folder keeps them.)
  await db.exec('ALTER DATABASE template1 IS_TEMPLATE false');
  await db.exec('DROP DATABASE template1');
  await db.exec('ALTER DATABASE template0 IS_TEMPLATE false');
  await db.exec('DROP DATABASE template0');
  // A checkpoint, with spent segments deleted rather than kept for reuse: the dump then carries no
  // WAL to replay nor old segments (one open of it: 0.3-0.5 s less CPU).
  await db.exec('SET wal_recycle = off; CHECKPOINT');
  // The segment the checkpoint is in is all the WAL a start needs. Postgres keeps min_wal_size
  // (5 MB) of segments made ahead for later writes; it makes them again when it needs them, so
  // they stay out of the dump (4 of its 15 MB).
  const { rows } = await db.query<{ redo: string }>(
    'SELECT (pg_control_checkpoint()).redo_wal_file AS redo',
  );
  const redo = rows[0]?.redo;
  const dump = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
  await db.close();
  if (!redo) return dump;
  return dumpWithout(dump, (path) => /^pg_wal\/[0-9A-F]{24}$/.test(path) && path.slice(7) > redo);
}

async function migrateAndSeed(
  url: string,
  progress: (m: string) => void,
  seedOptions: { articles?: number } = {},
): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const applied = await pool
      .query<{ id: string }>('SELECT id FROM schema_migrations')
      .then((r) => r.rows.length)
      .catch(() => 0);
    if (applied === 0) progress('Creating the wiki schema and seeding articles...');
    await migrate(pool);
    await seed(pool, seedOptions);
  } finally {
    await pool.end();
  }
}

function initdbCacheOption(option: string | false | undefined): string | false {
  if (option !== undefined) return option;
  return process.env.WORKSHOP_INITDB_CACHE === 'off' ? false : DEFAULT_INITDB_CACHE;
}

async function openDataDir(
  dataDir: string,
  progress: (m: string) => void,
  cacheRoot: string | false,
): Promise<PGlite> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return openExisting(dataDir);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(
      `${dataDir} is not empty but holds no Postgres data (no PG_VERSION file). Nothing was ` +
        `deleted: move it aside (mv "${dataDir}" "${dataDir}.old") and start again to create a fresh database.`,
    );
  }
  progress(`First start: initialising the embedded Postgres in ${dataDir} (a few seconds)...`);
  const copiedFrom = await createDataDir(dataDir, progress, cacheRoot, true);
  try {
    return await openExisting(dataDir);
  } catch (error) {
    if (!copiedFrom || cacheRoot === false) throw error;
    // The copy of the cached fresh folder does not open: neither it nor the cache is trusted. The
    // folder holds nothing but that copy (made just now, under our lock): start it over with
    // initdb, which saves a new cache in place of this one.
    progress(`The cached fresh database in ${copiedFrom} does not open: running initdb instead.`);
    rmSync(dataDir, { recursive: true, force: true });
    await createDataDir(dataDir, progress, cacheRoot, false);
    return openExisting(dataDir);
  }
}

/**
 * Creates the data folder in a side folder, renamed into place when complete, so a kill during
 * the first start never leaves a half-made data folder behind: a copy of the cached fresh folder
 * when there is one (and `useCache`), else initdb, whose result then becomes the cache. Returns
 * the cache folder it copied, if it did.
 */
async function createDataDir(
  dataDir: string,
  progress: (m: string) => void,
  cacheRoot: string | false,
  useCache: boolean,
): Promise<string | undefined> {
  const staging = `${dataDir}.initialising`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(dataDir), { recursive: true });
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  let cached = cacheRoot && useCache ? cachedFreshDataDir(cacheRoot) : undefined;
  // No cache yet: run initdb, or wait for the first start that is running it already.
  let release = () => {};
  if (cacheRoot && useCache && !cached) {
    release = await claimInitdb(cacheRoot, progress);
    cached = cachedFreshDataDir(cacheRoot);
  }
  let copied = false;
  try {
    if (cached) {
      try {
        cpSync(cached, staging, COPY);
        copied = true;
      } catch {
        // Being replaced by another process (or unreadable): initdb, as without a cache.
        rmSync(staging, { recursive: true, force: true });
      }
    }
    if (!copied) {
      const fresh = await createPGlite({ ...INITDB_OPTIONS, dataDir: staging });
      await fresh.close();
      // Before it is migrated or seeded: the pristine folder any first start can begin from.
      if (cacheRoot) saveFreshDataDir(cacheRoot, staging, !useCache);
    }
  } finally {
    release();
  }
  if (existsSync(dataDir)) rmdirSync(dataDir); // empty (checked by the caller)
  renameSync(staging, dataDir);
  progress(copied ? `copied a fresh database in ${seconds()} s` : `initdb done in ${seconds()} s`);
  return copied ? cached : undefined;
}

async function openExisting(dataDir: string): Promise<PGlite> {
  // Postgres's own log, kept quiet but at hand: when it refuses to start, its last FATAL/PANIC
  // line says why better than PGlite's "failed to initialize".
  const log: string[] = [];
  const keep = (line: string) => {
    log.push(line);
    if (log.length > 50) log.shift();
    return true;
  };
  try {
    const db = await createPGlite({ dataDir, onStderr: keep, onStdout: keep });
    await db.query('SELECT 1');
    return db;
  } catch (error) {
    const reason = log
      .findLast((line) => /\b(FATAL|PANIC):/.test(line))
      ?.replace(/^.*?\b(FATAL|PANIC):\s*/, '$1: ');
    throw new Error(
      `The embedded Postgres data in ${dataDir} could not be opened (${reason ?? (error as Error).message}). ` +
        `Nothing was deleted. To start over with a fresh database, move it aside: mv "${dataDir}" "${dataDir}.broken"`,
    );
  }
}

function portError(error: unknown, port: number): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    return new PostgresPortInUseError(port);
  return error as Error;
}

interface DataDirLock {
  /** Writes the port into the lock, so a second process can say where the first one serves. */
  record(port: number): void;
  release(): void;
}

/**
 * One process per data folder: two PGlite processes writing one folder would corrupt it, and
 * PGlite's own postmaster.pid cannot tell them apart. The lock file `<dataDir>.lock` holds the
 * owner's pid (and port).
 */
function acquireLock(dataDir: string): DataDirLock {
  const lockFile = `${dataDir}.lock`;
  const owner = takePidLock<{ port?: number }>(lockFile, {});
  if (owner) {
    throw new DataDirLockedError(
      `The embedded Postgres data in ${dataDir} is in use by process ${owner.pid}` +
        `${owner.port ? ` (serving port ${owner.port})` : ''}: stop that process (Ctrl-C in its terminal) or connect to it instead.`,
    );
  }
  return {
    record: (port) => updatePidLock(lockFile, { port }),
    release: () => releasePidLock(lockFile),
  };
}

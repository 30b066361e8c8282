import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@workshop/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createArticle,
  createPool,
  DataDirLockedError,
  type EmbeddedPostgres,
  getArticle,
  SEED_ARTICLE_COUNT,
  startEmbeddedPostgres,
} from '../src/index.ts';

// One data folder initialised once (initdb takes seconds), then reopened by each test in turn.
// Its first start finds a broken initdb cache (in a folder of the test's own), so it runs the real
// initdb and saves the cache anew, which the initdb cache's tests below then copy: the one initdb
// of this file covers both the first initdb and the fallback from a cache that does not open.
const root = mkdtempSync(join(tmpdir(), 'workshop-embedded-'));
const dataDir = join(root, 'postgres');
const cache = join(root, 'initdb-cache');
const progress: string[] = [];
let firstSystemId: string;

const open = (dir = dataDir) => startEmbeddedPostgres({ dataDir: dir, port: 0 });
async function withDatabase<T>(
  postgres: EmbeddedPostgres,
  fn: (pool: ReturnType<typeof createPool>) => Promise<T>,
): Promise<T> {
  const pool = createPool({ databaseUrl: postgres.url, databaseSource: 'embedded' });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** The cache folder for the installed PGlite, named here independently of the code under test. */
const cacheKey = () => `pglite-${installedPGliteVersion()}-defaults`;

beforeAll(async () => {
  // A cached folder that does not open: a data folder's version file, and no control file.
  mkdirSync(join(cache, cacheKey(), 'global'), { recursive: true });
  writeFileSync(join(cache, cacheKey(), 'PG_VERSION'), '18\n');
  writeFileSync(join(cache, cacheKey(), 'global', 'pg_control'), '');
  const postgres = await startEmbeddedPostgres({
    dataDir,
    port: 0,
    initdbCache: cache,
    onProgress: (m) => progress.push(m),
  });
  await withDatabase(postgres, async (pool) => {
    await createArticle(pool, {
      slug: 'survivor',
      title: 'Survivor',
      body: 'Still here.',
      author: 'ada',
    });
    firstSystemId = await systemId(pool);
  });
  await postgres.close();
}, 120_000);

describe('startEmbeddedPostgres', () => {
  it('initialises, migrates and seeds on first start, reporting progress', () => {
    expect(progress[0]).toMatch(/^First start: initialising the embedded Postgres/);
    expect(progress.join('\n')).toMatch(/^initdb done in \d+\.\d s$/m);
    expect(progress.join('\n')).toMatch(/seeding articles/);
    expect(existsSync(`${dataDir}.initialising`)).toBe(false);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('keeps the data across a restart, without initialising again', async () => {
    const messages: string[] = [];
    const postgres = await startEmbeddedPostgres({
      dataDir,
      port: 0,
      onProgress: (m) => messages.push(m),
    });
    try {
      expect(messages).toEqual([]);
      await withDatabase(postgres, async (pool) => {
        expect((await getArticle(pool, 'survivor'))?.body).toBe('Still here.');
        const { rows } = await pool.query('SELECT count(*)::int AS n FROM articles');
        expect(rows[0].n).toBe(SEED_ARTICLE_COUNT + 1);
        // A data folder made by initdb says 128MB in its postgresql.conf; the start overrides it
        // (zeroing 128 MB at each start was a third of an open's CPU: embedded-postgres.ts).
        const buffers = await pool.query('SHOW shared_buffers');
        expect(buffers.rows[0].shared_buffers).toBe('16MB');
      });
    } finally {
      await postgres.close();
    }
  });

  it('refuses a second opener of the same data folder, naming the process and port', async () => {
    const postgres = await open();
    try {
      const second = open();
      await expect(second).rejects.toThrow(DataDirLockedError);
      await expect(second).rejects.toThrow(
        new RegExp(`in use by process ${process.pid} \\(serving port ${postgres.port}\\)`),
      );
    } finally {
      await postgres.close();
    }
    // Released on close: opening again works.
    await (await open()).close();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: dead, port: 1 }));
    const postgres = await open();
    await postgres.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('lets exactly one of several processes starting at once take over a stale lock', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: dead }));
    const contenders = Array.from({ length: 3 }, () => startFixture('lock-contender.ts', dataDir));
    // The one that got in holds the folder until all three have answered (however slowly each
    // started), then is let go: no contender can find it free after the holder closed it.
    try {
      await Promise.all(contenders.map((contender) => contender.answer));
    } finally {
      for (const contender of contenders) contender.release();
    }
    const outcomes = await Promise.all(contenders.map((contender) => contender.exited));
    expect(outcomes.map((o) => o.trim()).sort()).toEqual(['LOCKED', 'LOCKED', 'OPENED']);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 60_000);

  it('names a port that is in use, and releases the data folder', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startEmbeddedPostgres({ dataDir, port })).rejects.toThrow(
        new RegExp(`^Port ${port} is in use`),
      );
    } finally {
      blocker.close();
    }
    await (await open()).close();
  });

  it('loses no committed transaction when killed with SIGKILL in the middle of writes', async () => {
    for (let round = 0; round < 2; round++) {
      const lastCommitted = await killWriterAfter(dataDir, 60);
      const postgres = await open(); // also takes over the dead writer's lock
      try {
        await withDatabase(postgres, async (pool) => {
          const { rows } = await pool.query(
            'SELECT max(n)::int AS max, count(*)::int AS count, (SELECT total FROM crash_total) AS total FROM crash_log',
          );
          expect(rows[0].max).toBeGreaterThanOrEqual(lastCommitted);
          // Each transaction wrote a row and bumped the total: nothing half-applied.
          expect(rows[0].count).toBe(rows[0].max);
          expect(rows[0].total).toBe(rows[0].count);
          expect((await getArticle(pool, 'survivor'))?.title).toBe('Survivor');
        });
      } finally {
        await postgres.close();
      }
    }
  }, 120_000);

  it('says how to recover from a data folder it cannot open, and deletes nothing', async () => {
    const broken = join(root, 'broken');
    cpSync(dataDir, broken, { recursive: true });
    writeFileSync(join(broken, 'global', 'pg_control'), ''); // destroy the control file
    const files = readdirSync(broken).sort();
    await expect(open(broken)).rejects.toThrow(
      /could not be opened \(PANIC: could not read file "global\/pg_control".*\)\. Nothing was deleted.*move it aside: mv ".*broken" ".*broken\.broken"/,
    );
    // Every file is still there (PGlite itself may have added postmaster.pid).
    expect(readdirSync(broken)).toEqual(expect.arrayContaining(files));
    expect(existsSync(`${broken}.lock`)).toBe(false);
  });

  it('refuses a non-empty folder that is not a data folder, and deletes nothing', async () => {
    const other = join(root, 'not-postgres');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await expect(open(other)).rejects.toThrow(
      /holds no Postgres data .*Nothing was deleted: move it aside/,
    );
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

let writer: ChildProcess | undefined;
afterAll(() => {
  writer?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/**
 * Starts a fixture script. `answer`: its first line of output; `exited`: its whole stdout once it
 * exits with code 0; `release()` closes its stdin, which a fixture may wait for.
 */
function startFixture(script: string, ...args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures', script), ...args],
    { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  // Closed stdin of a fixture that has exited already: nothing to tell it.
  child.stdin?.on('error', () => {});
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<string>((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}: ${stderr}`)),
    );
  });
  const answer = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      stdout += d;
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n') + 1));
    });
    exited.then(() => reject(new Error(`${script} exited without a line`)), reject);
  });
  return { answer, exited, release: () => child.stdin?.end() };
}

/** Starts the crash writer, lets it commit `rows` more rows, SIGKILLs it; returns the last committed. */
function killWriterAfter(dir: string, rows: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'crash-writer.ts'), dir],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    writer = child;
    let first: number | undefined;
    let last = 0;
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        last = Number(line);
        first ??= last;
        if (last - first >= rows && !child.killed) child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`crash writer exited by itself: ${stderr}`));
    });
  });
}

/** The installed PGlite's version, read here independently of the code under test. */
function installedPGliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')).version;
}

interface FirstStart {
  progress: string[];
  /** Postgres's system identifier, chosen at random by initdb: equal only in copies of one initdb. */
  systemId: string;
  articles: number;
}

/** Postgres's system identifier, chosen at random by initdb: equal only in copies of one initdb. */
async function systemId(pool: ReturnType<typeof createPool>): Promise<string> {
  const { rows } = await pool.query(
    'SELECT system_identifier::text AS id FROM pg_control_system()',
  );
  return rows[0].id;
}

/** Starts the embedded Postgres in a new data folder under root; what it said and holds. */
async function firstStart(name: string, initdbCache: string | false = cache): Promise<FirstStart> {
  const progress: string[] = [];
  const postgres = await startEmbeddedPostgres({
    dataDir: join(root, name),
    port: 0,
    initdbCache,
    onProgress: (line) => progress.push(line),
  });
  const pool = createPool({ databaseUrl: postgres.url, databaseSource: 'embedded' });
  try {
    const count = await pool.query('SELECT count(*)::int AS n FROM articles');
    return { progress, systemId: await systemId(pool), articles: count.rows[0].n };
  } finally {
    await pool.end();
    await postgres.close();
  }
}

// First starts copy the fresh folder the first initdb saved, rather than running initdb.
describe.sequential('the initdb cache', { timeout: 180_000 }, () => {
  it('ignores a cache that does not open, runs initdb and replaces the cache', () => {
    // The first start, above, began with a broken cache.
    expect(progress.slice(1, 4)).toEqual([
      expect.stringMatching(/^copied a fresh database in /),
      expect.stringMatching(
        /^The cached fresh database in .*pglite-.* does not open: running initdb instead\.$/,
      ),
      expect.stringMatching(/^initdb done in /),
    ]);
    expect(readdirSync(cache)).toEqual([cacheKey()]);
    expect(existsSync(join(cache, cacheKey(), 'postgresql.conf')), 'a whole data folder').toBe(
      true,
    );
  });

  it('creates a second data folder from the cache, without initdb, migrated and seeded as usual', async () => {
    const second = await firstStart('second');
    expect(second.progress).toEqual([
      expect.stringMatching(/^First start: initialising the embedded Postgres in .*second/),
      expect.stringMatching(/^copied a fresh database in \d+\.\d s$/),
      // The cache was not migrated: this folder's own start creates the schema.
      'Creating the wiki schema and seeding articles...',
    ]);
    // A copy of the first start's initdb, not an initdb of its own.
    expect(second.systemId).toBe(firstSystemId);
    expect(second.articles).toBe(SEED_ARTICLE_COUNT);
    expect(existsSync(join(root, 'second.initialising'))).toBe(false);
  });

  it('waits for a first start that is running initdb already, and copies its cache', async () => {
    // Another process claims the initdb of an empty cache; the cache appears later.
    const [key] = readdirSync(cache) as [string];
    const emptyCache = join(root, 'empty-cache');
    mkdirSync(emptyCache);
    const claimant = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)']);
    writeFileSync(join(emptyCache, `${key}.lock`), JSON.stringify({ pid: claimant.pid }));
    const progress: string[] = [];
    const starting = startEmbeddedPostgres({
      dataDir: join(root, 'waiter'),
      port: 0,
      initdbCache: emptyCache,
      onProgress: (line) => progress.push(line),
    });
    try {
      await expect
        .poll(() => progress.join('\n'), { timeout: 30_000 })
        .toMatch(new RegExp(`waiting for process ${claimant.pid}'s initdb`));
      cpSync(join(cache, key), join(emptyCache, key), { recursive: true });
      claimant.kill();
      const postgres = await starting;
      await postgres.close();
    } finally {
      claimant.kill();
    }
    expect(progress[2]).toMatch(/^copied a fresh database in /);
    expect(progress.join('\n')).not.toMatch(/initdb done/);
  });

  it('leaves no half data folder when killed in the middle of copying the cache', async () => {
    const dataDir = join(root, 'killed');
    // Killed as soon as the side folder appears, which is while the copy runs (a second run if
    // the copy beat the kill, and the folder was complete).
    let midCopy = false;
    for (let attempt = 0; attempt < 5 && !midCopy; attempt++) {
      rmSync(dataDir, { recursive: true, force: true });
      await killWhenCreated(dataDir, `${dataDir}.initialising`);
      midCopy = !existsSync(dataDir) && existsSync(`${dataDir}.initialising`);
    }
    expect(midCopy, 'killed mid-copy').toBe(true);
    expect(existsSync(dataDir)).toBe(false);
    const progress: string[] = [];
    const postgres = await startEmbeddedPostgres({
      dataDir,
      port: 0,
      initdbCache: cache,
      onProgress: (line) => progress.push(line),
    });
    try {
      expect(progress[1]).toMatch(/^copied a fresh database in /);
      const pool = createPool({ databaseUrl: postgres.url, databaseSource: 'embedded' });
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM articles');
      await pool.end();
      expect(rows[0].n).toBe(SEED_ARTICLE_COUNT);
    } finally {
      await postgres.close();
    }
    expect(existsSync(`${dataDir}.initialising`)).toBe(false);
  });
});

/** Runs fixtures/first-start.ts on dataDir and SIGKILLs it the moment `watched` is created. */
function killWhenCreated(dataDir: string, watched: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'first-start.ts'), dataDir, cache],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const watcher = watch(dirname(watched), (_event, name) => {
      if (name && join(dirname(watched), name) === watched) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      watcher.close();
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`first-start.ts was not killed mid-copy: ${stderr}`));
    });
  });
}

// The initdb cache: the first start on a machine runs initdb and keeps the fresh data folder;
// later first starts (a deleted .data, a second data folder) copy it instead. Real PGlite, in
// temporary folders, with a cache folder of the test's own.
import { spawn } from 'node:child_process';
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
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@workshop/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, SEED_ARTICLE_COUNT, startEmbeddedPostgres } from '../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'workshop-initdb-cache-'));
const cache = join(root, 'cache');
afterAll(() => rmSync(root, { recursive: true, force: true }));

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
    const id = await pool.query('SELECT system_identifier::text AS id FROM pg_control_system()');
    const count = await pool.query('SELECT count(*)::int AS n FROM articles');
    return { progress, systemId: id.rows[0].id, articles: count.rows[0].n };
  } finally {
    await pool.end();
    await postgres.close();
  }
}

let first: FirstStart;
beforeAll(async () => {
  first = await firstStart('first');
}, 180_000);

describe.sequential('the initdb cache', { timeout: 180_000 }, () => {
  it('runs the real initdb when there is no cache, and saves the fresh folder, named by PGlite version', () => {
    expect(first.progress[0]).toMatch(
      /^First start: initialising the embedded Postgres in .*first/,
    );
    expect(first.progress[1]).toMatch(/^initdb done in \d+\.\d s$/);
    expect(first.progress.join('\n')).toMatch(/seeding articles/);
    expect(first.articles).toBe(SEED_ARTICLE_COUNT);
    expect(readdirSync(cache)).toEqual([`pglite-${installedPGliteVersion()}-defaults`]);
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
    expect(second.systemId).toBe(first.systemId);
    expect(second.articles).toBe(SEED_ARTICLE_COUNT);
    expect(existsSync(join(root, 'second.initialising'))).toBe(false);
  });

  it('ignores a cache that does not open, runs initdb and replaces the cache', async () => {
    const [key] = readdirSync(cache) as [string];
    writeFileSync(join(cache, key, 'global', 'pg_control'), ''); // destroy the control file
    const third = await firstStart('third');
    expect(third.progress.join('\n')).toMatch(
      /cached fresh database in .* does not open: running initdb/,
    );
    expect(third.progress.join('\n')).toMatch(/^initdb done in /m);
    expect(third.articles).toBe(SEED_ARTICLE_COUNT);
    expect(third.systemId).not.toBe(first.systemId);
    // The new cache is this initdb's, and it opens.
    expect(readdirSync(cache)).toEqual([key]);
    const fourth = await firstStart('fourth');
    expect(fourth.progress[1]).toMatch(/^copied a fresh database in /);
    expect(fourth.systemId).toBe(third.systemId);
    expect(fourth.articles).toBe(SEED_ARTICLE_COUNT);
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

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const root = mkdtempSync(join(tmpdir(), 'workshop-embedded-'));
const dataDir = join(root, 'postgres');
const progress: string[] = [];

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

beforeAll(async () => {
  // The real initdb, never a copy of a cached fresh folder (initdb-cache.test.ts tests those).
  const postgres = await startEmbeddedPostgres({
    dataDir,
    port: 0,
    initdbCache: false,
    onProgress: (m) => progress.push(m),
  });
  await withDatabase(postgres, (pool) =>
    createArticle(pool, {
      slug: 'survivor',
      title: 'Survivor',
      body: 'Still here.',
      author: 'ada',
    }),
  );
  await postgres.close();
}, 120_000);

describe('startEmbeddedPostgres', () => {
  it('initialises, migrates and seeds on first start, reporting progress', () => {
    expect(progress.join('\n')).toMatch(/First start: initialising the embedded Postgres/);
    expect(progress.join('\n')).toMatch(/^initdb done in /m);
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
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () => runFixture('lock-contender.ts', dataDir)),
    );
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

/** Runs a fixture script to the end; resolves with its stdout. */
function runFixture(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', script), ...args],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}: ${stderr}`)),
    );
  });
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

import { createHash } from 'node:crypto';
import { createUpstashClient, createValkeyClient } from '@workshop/config';
import {
  ARTICLE_LIST_SIZE,
  createPool,
  getArticle,
  listArticles,
  startEmbeddedPostgres,
  TEST_SEED_ARTICLE_COUNT,
} from '@workshop/db';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { servicesRequested, useTestStack } from '../src/index.ts';
import { loadEmbeddedTemplate } from '../src/template.ts';

const stack = useTestStack();
const other = useTestStack();
const keyValueOnly = useTestStack({ postgres: false });

let earlyAccess = '';
try {
  void stack.pool;
} catch (error) {
  earlyAccess = (error as Error).message;
}

describe('useTestStack', () => {
  it('says when its values are read too early (at a file top level)', () => {
    expect(earlyAccess).toMatch(/useTestStack\(\)\.pool is only available inside tests/);
  });

  it('uses the backend the environment asks for', () => {
    expect(stack.backend).toBe(servicesRequested() ? 'services' : 'embedded');
  });

  it('gives a migrated and seeded database, reachable by URL too', async () => {
    expect(await listArticles(stack.pool)).toHaveLength(ARTICLE_LIST_SIZE);
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM articles');
      expect(rows[0].n).toBe(TEST_SEED_ARTICLE_COUNT);
    } finally {
      await client.end();
    }
  });

  // The real Postgres keeps its own settings.
  it.skipIf(servicesRequested())(
    'starts the embedded Postgres with 16 MB of buffers, not 128',
    async () => {
      const { rows } = await stack.pool.query('SHOW shared_buffers');
      expect(rows[0].shared_buffers).toBe('16MB');
    },
  );

  it('gives each stack its own database', async () => {
    // Written and then removed, so the other tests here see the seeded database in any order.
    await stack.pool.query(
      "INSERT INTO articles (slug, title, body, author) VALUES ('only-mine', 't', 'b', 'me')",
    );
    const select = "SELECT 1 FROM articles WHERE slug = 'only-mine'";
    try {
      expect((await stack.pool.query(select)).rowCount).toBe(1);
      expect((await other.pool.query(select)).rowCount).toBe(0);
    } finally {
      await stack.pool.query("DELETE FROM articles WHERE slug = 'only-mine'");
    }
    expect(other.databaseUrl).not.toBe(stack.databaseUrl);
  });

  it('gives an empty Upstash REST endpoint that @upstash/redis talks to', async () => {
    const redis = createUpstashClient({ upstash: { ...stack.upstash, source: 'local' } });
    expect(await redis.dbsize()).toBe(0);
    await redis.set('k', 'v', { ex: 60 });
    expect(await redis.get('k')).toBe('v');
  });

  it('gives an empty Redis-protocol endpoint', async () => {
    const valkey = createValkeyClient({ valkeyUrl: stack.valkeyUrl });
    try {
      expect(await valkey.dbsize()).toBe(0);
      await valkey.set('counter', '41');
      expect(await valkey.incr('counter')).toBe(42);
    } finally {
      valkey.disconnect();
    }
  });

  it('lets time pass for the stores: a TTL runs out, on both endpoints, and only there', async () => {
    const redis = createUpstashClient({ upstash: { ...stack.upstash, source: 'local' } });
    const valkey = createValkeyClient({ valkeyUrl: stack.valkeyUrl });
    const theirs = createValkeyClient({ valkeyUrl: other.valkeyUrl });
    try {
      await redis.set('pass:rest', 'v', { ex: 3 });
      await valkey.set('pass:resp', 'v', 'EX', 3);
      await theirs.set('pass:theirs', 'v', 'EX', 3);
      const started = performance.now();
      await stack.passTime(1_000);
      expect(await redis.ttl('pass:rest'), 'REST: 1 s of a 3 s TTL has passed').toBe(2);
      expect(await valkey.ttl('pass:resp'), 'RESP: 1 s of a 3 s TTL has passed').toBe(2);
      await stack.passTime(2_100);
      expect(await redis.get('pass:rest'), 'REST: the 3 s TTL has run out').toBeNull();
      expect(await valkey.get('pass:resp'), 'RESP: the 3 s TTL has run out').toBeNull();
      // On the embedded stack, another stack's stores keep their own time, and none was waited
      // for. (On the services stack all three stacks share the real Redis and Valkey.)
      if (stack.backend === 'embedded') {
        expect(await theirs.ttl('pass:theirs')).toBe(3);
        expect(
          performance.now() - started,
          'the embedded stack moves its clock at once',
        ).toBeLessThan(2_000);
      }
      await expect(stack.passTime(-1)).rejects.toThrow(/only moves on/);
    } finally {
      valkey.disconnect();
      theirs.disconnect();
    }
  }, 30_000);

  it('describes itself as a config for the @workshop/db factories', async () => {
    expect(stack.config.databaseUrl).toBe(stack.databaseUrl);
    expect(stack.config.upstash).toMatchObject(stack.upstash);
    expect(stack.config.valkeyUrl).toBe(stack.valkeyUrl);
    const pool = createPool(stack.config);
    try {
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('opens no database for a file that asks for none, and says so when one is read', async () => {
    for (const read of [
      () => keyValueOnly.pool,
      () => keyValueOnly.databaseUrl,
      () => keyValueOnly.config.databaseUrl,
    ]) {
      expect(read).toThrow(/asked for no Postgres \(useTestStack\(\{ postgres: false \}\)\)/);
    }
    // Its key-value endpoints are there as in any stack.
    expect(keyValueOnly.config.valkeyUrl).toBe(keyValueOnly.valkeyUrl);
    const valkey = createValkeyClient(keyValueOnly.config);
    try {
      expect(await valkey.ping()).toBe('PONG');
    } finally {
      valkey.disconnect();
    }
    expect(await createUpstashClient(keyValueOnly.config).ping()).toBe('PONG');
  });

  // The services suite uses the real Postgres's template instead.
  it.skipIf(servicesRequested())(
    'starts each embedded database from the template without changing it',
    async () => {
      const template = await loadEmbeddedTemplate();
      const hash = () => createHash('sha256').update(template).digest('hex');
      const before = hash();
      const slug = `written-${process.pid}`;
      const first = await startEmbeddedPostgres({ template, port: 0 });
      const firstPool = createPool({ databaseUrl: first.url, databaseSource: 'embedded' });
      try {
        await firstPool.query(
          "INSERT INTO articles (slug, title, body, author) VALUES ($1, 't', 'b', 'a')",
          [slug],
        );
        await firstPool.query("UPDATE articles SET title = 'changed' WHERE slug = 'article-00001'");
        // About 5 MB of WAL: past the segments made ahead, which the dump leaves out.
        await firstPool.query(
          "CREATE TABLE filler AS SELECT g, repeat('x', 500) AS pad FROM generate_series(1, 8000) g",
        );
        expect((await firstPool.query('SELECT count(*)::int AS n FROM filler')).rows[0].n).toBe(
          8000,
        );
        // Writes the changed pages into the database's files, which the template's bytes back.
        await firstPool.query('CHECKPOINT');
      } finally {
        await firstPool.end();
        await first.close();
      }
      expect(hash(), 'a database changed the template it started from').toBe(before);
      const second = await startEmbeddedPostgres({ template, port: 0 });
      const secondPool = createPool({ databaseUrl: second.url, databaseSource: 'embedded' });
      try {
        expect(await getArticle(secondPool, slug)).toBeNull();
        expect((await getArticle(secondPool, 'article-00001'))?.title).not.toBe('changed');
        // Postgres's template databases are left out of the dump: half its size, copied per file.
        const { rows } = await secondPool.query<{ datname: string }>(
          'SELECT datname FROM pg_database ORDER BY datname',
        );
        expect(rows.map((row) => row.datname)).toEqual(['postgres']);
      } finally {
        await secondPool.end();
        await second.close();
      }
    },
  );

  it.skipIf(servicesRequested())(
    'refuses a template cut short or empty, saying to delete it',
    async () => {
      const template = await loadEmbeddedTemplate();
      await expect(
        startEmbeddedPostgres({ template: template.subarray(0, 1_000_000), port: 0 }),
      ).rejects.toThrow(/ends inside .* at byte 1000000\): delete the file/);
      await expect(
        startEmbeddedPostgres({ template: new Uint8Array(8192), port: 0 }),
      ).rejects.toThrow(/\(no entries\): delete the file/);
    },
  );
});

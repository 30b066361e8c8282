import { useTestStack } from '@workshop/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  migrate,
  SEED_ARTICLE_COUNT,
  seed,
  TEST_SEED_ARTICLE_COUNT,
} from '../src/index.ts';

const stack = useTestStack();

const count = async (sql: string) => Number((await stack.pool.query(sql)).rows[0].count);

describe('migrate and seed', () => {
  // The database as the file got it, before any test below changes it (they may run in any
  // order: vitest --sequence.shuffle).
  let initial: { migrations: string[]; articles: number };
  beforeAll(async () => {
    const { rows } = await stack.pool.query<{ id: string }>(
      'SELECT id FROM schema_migrations ORDER BY id',
    );
    initial = {
      migrations: rows.map((r) => r.id),
      articles: await count('SELECT count(*) FROM articles'),
    };
  });

  it('start from a database where every migration and the seed are recorded', () => {
    expect(initial.migrations).toEqual([
      ...MIGRATIONS.map((m) => m.id),
      'seed-001-articles',
      'seed-002-article-tags',
    ]);
    expect(initial.articles).toBe(TEST_SEED_ARTICLE_COUNT);
  });

  it('are idempotent, and a deleted seed article stays deleted', async () => {
    await stack.pool.query("DELETE FROM articles WHERE slug = 'article-00001'");
    await migrate(stack.pool);
    await seed(stack.pool);
    await Promise.all([migrate(stack.pool), seed(stack.pool), seed(stack.pool)]);
    expect(await count('SELECT count(*) FROM articles')).toBe(TEST_SEED_ARTICLE_COUNT - 1);
    expect(await count('SELECT count(*) FROM schema_migrations')).toBe(MIGRATIONS.length + 2);
  });

  // Re-running the seed takes a second or two on an idle machine: allow for a busy one.
  it("seeds the same articles every time (deterministic, no randomness), the tests' the first of them", {
    timeout: 60_000,
  }, async () => {
    // The test databases' articles (the seed's slugs count up from article-00001), bar one the
    // test above may have deleted.
    const lastTestSlug = `article-${String(TEST_SEED_ARTICLE_COUNT).padStart(5, '0')}`;
    const fingerprint = async () =>
      (
        await stack.pool.query<{ md5: string; n: number }>(
          `SELECT md5(string_agg(concat_ws('|', slug, title, body, author, created_at, updated_at), '#' ORDER BY slug)) AS md5,
                  count(*)::int AS n
             FROM articles WHERE slug <> 'article-00001' AND slug <= $1`,
          [lastTestSlug],
        )
      ).rows[0];
    const before = await fingerprint();
    expect(before?.n).toBe(TEST_SEED_ARTICLE_COUNT - 1);
    await stack.pool.query('DELETE FROM articles');
    await stack.pool.query("DELETE FROM schema_migrations WHERE id LIKE 'seed-%'");
    await seed(stack.pool); // all of them, as a learner's database gets
    // Every article the test database had comes back identical, with the rest after it.
    expect(await fingerprint()).toEqual(before);
    expect(await count('SELECT count(*) FROM articles')).toBe(SEED_ARTICLE_COUNT);
    expect(await count('SELECT count(DISTINCT author) FROM articles')).toBeGreaterThan(1);
    expect(await count('SELECT count(DISTINCT title) FROM articles')).toBeGreaterThan(1000);
    // Back to the test database's size, for the other tests in whatever order they run.
    await stack.pool.query('DELETE FROM articles WHERE slug > $1', [lastTestSlug]);
  });

  it('refuses a count of articles that is not a whole number', async () => {
    await expect(seed(stack.pool, { articles: -1 })).rejects.toThrow(/whole number/);
    await expect(seed(stack.pool, { articles: 1.5 })).rejects.toThrow(/whole number/);
  });
});

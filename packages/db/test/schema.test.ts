import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, SEED_ARTICLE_COUNT, seed } from '../src/index.ts';

const stack = useTestStack();

const count = async (sql: string) => Number((await stack.pool.query(sql)).rows[0].count);

describe('migrate and seed', () => {
  it('start from a database where every migration and the seed are recorded', async () => {
    const { rows } = await stack.pool.query<{ id: string }>(
      'SELECT id FROM schema_migrations ORDER BY id',
    );
    expect(rows.map((r) => r.id)).toEqual([...MIGRATIONS.map((m) => m.id), 'seed-001-articles']);
    expect(await count('SELECT count(*) FROM articles')).toBe(SEED_ARTICLE_COUNT);
  });

  it('are idempotent, and a deleted seed article stays deleted', async () => {
    await stack.pool.query("DELETE FROM articles WHERE slug = 'article-00001'");
    await migrate(stack.pool);
    await seed(stack.pool);
    await Promise.all([migrate(stack.pool), seed(stack.pool), seed(stack.pool)]);
    expect(await count('SELECT count(*) FROM articles')).toBe(SEED_ARTICLE_COUNT - 1);
    expect(await count('SELECT count(*) FROM schema_migrations')).toBe(MIGRATIONS.length + 1);
  });

  it('seeds the same articles every time (deterministic, no randomness)', async () => {
    await stack.pool.query('CREATE TABLE seeded_before AS SELECT * FROM articles');
    await stack.pool.query('DELETE FROM articles');
    await stack.pool.query("DELETE FROM schema_migrations WHERE id LIKE 'seed-%'");
    await seed(stack.pool);
    // article-00001 was deleted above; everything else must match column for column.
    const differences = await count(`
      SELECT count(*) FROM (
        (SELECT * FROM articles WHERE slug <> 'article-00001' EXCEPT SELECT * FROM seeded_before)
        UNION ALL
        (SELECT * FROM seeded_before EXCEPT SELECT * FROM articles)
      ) d`);
    expect(differences).toBe(0);
    expect(await count('SELECT count(*) FROM articles')).toBe(SEED_ARTICLE_COUNT);
    expect(await count('SELECT count(DISTINCT author) FROM articles')).toBeGreaterThan(1);
    expect(await count('SELECT count(DISTINCT title) FROM articles')).toBeGreaterThan(100);
  });
});

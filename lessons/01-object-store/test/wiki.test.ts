// Checkpoint 01: the wiki reads an article from Postgres once, then from the store, and a write
// never leaves an old copy behind. A real (per-file) database from useTestStack().

import { useTestStack } from '@workshop/test-support';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createObjectStore } from '../src/store.ts';
import { createWiki } from '../src/wiki.ts';

const stack = useTestStack();

/** Counts the queries the wiki sends: every pool.query() checks out a connection. */
function countQueries(pool: pg.Pool) {
  let count = 0;
  const onAcquire = () => count++;
  pool.on('acquire', onAcquire);
  return {
    get count() {
      return count;
    },
    stop: () => pool.off('acquire', onAcquire),
  };
}

async function someSlug(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ slug: string }>(
    'SELECT slug FROM articles ORDER BY slug LIMIT 1',
  );
  const slug = rows[0]?.slug;
  if (!slug) throw new Error('the test database has no articles: is the seed missing?');
  return slug;
}

describe('the wiki with an object store', () => {
  it('asks Postgres once, then answers from the store', async () => {
    const wiki = createWiki({ pool: stack.pool, store: createObjectStore() });
    const slug = await someSlug(stack.pool);
    const queries = countQueries(stack.pool);
    try {
      const first = await wiki.getArticle(slug);
      const second = await wiki.getArticle(slug);
      expect(first?.slug, 'getArticle must return the article with that slug').toBe(slug);
      expect(
        queries.count,
        'the second getArticle asked Postgres again: is the article SET in the store after a miss, and read from it first?',
      ).toBe(1);
      expect(
        second?.createdAt,
        'createdAt came back as a string: JSON has no dates, turn them back into Date objects',
      ).toBeInstanceOf(Date);
      expect(second, 'the copy from the store must equal what Postgres returned').toEqual(first);
    } finally {
      queries.stop();
    }
  });

  it('keeps strings in the store', async () => {
    const store = createObjectStore();
    const wiki = createWiki({ pool: stack.pool, store });
    const slug = await someSlug(stack.pool);
    await wiki.getArticle(slug);
    expect(
      await store.exists(`article:${slug}`),
      'after reading an article, the store should hold it under the key article:<slug>',
    ).toBe(1);
    const raw = await store.get(`article:${slug}`);
    expect(typeof raw, 'a Redis value is a string: store the article as JSON').toBe('string');
  });

  it('never serves an old copy after an update or a delete', async () => {
    const wiki = createWiki({ pool: stack.pool, store: createObjectStore() });
    await wiki.createArticle({ slug: 'l01-edit-me', title: 'Before', body: 'b', author: 'test' });
    await wiki.getArticle('l01-edit-me'); // now stored

    await wiki.updateArticle('l01-edit-me', { title: 'After' });
    expect(
      (await wiki.getArticle('l01-edit-me'))?.title,
      'getArticle returned the old title after updateArticle: delete the stored copy when you write',
    ).toBe('After');

    await wiki.deleteArticle('l01-edit-me');
    expect(
      await wiki.getArticle('l01-edit-me'),
      'getArticle still returns a deleted article: delete the stored copy in deleteArticle too',
    ).toBeNull();
  });
});

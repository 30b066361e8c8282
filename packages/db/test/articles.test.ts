import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import {
  ARTICLE_LIST_SIZE,
  ArticleExistsError,
  createArticle,
  deleteArticle,
  getArticle,
  listArticles,
  updateArticle,
} from '../src/index.ts';

const stack = useTestStack();

describe('articles', () => {
  it("lists the most recently updated articles with their authors' stats, without bodies", async () => {
    const list = await listArticles(stack.pool);
    expect(list).toHaveLength(ARTICLE_LIST_SIZE);
    const times = list.map((article) => article.updatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Object.keys(list[0] ?? {}).sort()).toEqual([
      'author',
      'authorArticles',
      'authorAverageLength',
      'createdAt',
      'slug',
      'title',
      'updatedAt',
    ]);
    expect(list[0]?.updatedAt).toBeInstanceOf(Date);

    // The stats are computed over every article, not just the listed ones.
    const { rows } = await stack.pool.query<{ author: string; n: number; avg: number }>(
      'SELECT author, count(*)::int AS n, round(avg(length(body)))::int AS avg FROM articles GROUP BY author',
    );
    expect(rows.reduce((sum, row) => sum + row.n, 0)).toBeGreaterThan(ARTICLE_LIST_SIZE);
    for (const article of list) {
      const expected = rows.find((row) => row.author === article.author);
      expect(article.authorArticles).toBe(expected?.n);
      expect(article.authorAverageLength).toBe(expected?.avg);
    }
  });

  it('gets one article with its body, or null', async () => {
    const article = await getArticle(stack.pool, 'article-00042');
    expect(article?.slug).toBe('article-00042');
    expect(article?.body.split(/\s+/).length).toBeGreaterThanOrEqual(100);
    expect(await getArticle(stack.pool, 'no-such-article')).toBeNull();
  });

  it('creates an article, and refuses a second one with the same slug', async () => {
    const input = { slug: 'caching-101', title: 'Caching 101', body: 'Start here.', author: 'ada' };
    const created = await createArticle(stack.pool, input);
    expect(created).toMatchObject(input);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await getArticle(stack.pool, 'caching-101')).toEqual(created);
    await expect(createArticle(stack.pool, input)).rejects.toThrow(ArticleExistsError);
    await expect(createArticle(stack.pool, input)).rejects.toThrow(/"caching-101" already exists/);
  });

  it('updates the title or body, bumps updatedAt, and moves the article to the top of the list', async () => {
    const before = await getArticle(stack.pool, 'article-00007');
    const updated = await updateArticle(stack.pool, 'article-00007', { title: 'Renamed' });
    expect(updated?.title).toBe('Renamed');
    expect(updated?.body).toBe(before?.body);
    expect(updated?.updatedAt.getTime()).toBeGreaterThan(before?.updatedAt.getTime() ?? Infinity);
    const list = await listArticles(stack.pool);
    expect(list[0]?.slug).toBe('article-00007');

    const rewritten = await updateArticle(stack.pool, 'article-00007', { body: 'New body.' });
    expect(rewritten).toMatchObject({ title: 'Renamed', body: 'New body.' });
    expect(await updateArticle(stack.pool, 'no-such-article', { title: 'x' })).toBeNull();
  });

  it('deletes an article once', async () => {
    expect(await deleteArticle(stack.pool, 'article-00003')).toBe(true);
    expect(await getArticle(stack.pool, 'article-00003')).toBeNull();
    expect(await deleteArticle(stack.pool, 'article-00003')).toBe(false);
  });

  it('serves many concurrent queries and a transaction through one pool without mixing them up', async () => {
    const client = await stack.pool.connect();
    const reads = Array.from({ length: 40 }, (_, i) =>
      getArticle(stack.pool, `article-${String(100 + i).padStart(5, '0')}`),
    );
    try {
      await client.query('BEGIN');
      await client.query(
        "UPDATE articles SET title = 'in a transaction' WHERE slug = 'article-00099'",
      );
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const results = await Promise.all(reads);
    results.forEach((article, i) => {
      expect(article?.slug).toBe(`article-${String(100 + i).padStart(5, '0')}`);
    });
    expect((await getArticle(stack.pool, 'article-00099'))?.title).not.toBe('in a transaction');
  });
});

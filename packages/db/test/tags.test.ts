import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import {
  allTags,
  createArticle,
  deleteArticle,
  getTags,
  SEED_TAGS,
  setTags,
  slugsTaggedAll,
} from '../src/index.ts';

const stack = useTestStack();

describe('article tags', () => {
  it('are seeded: every tag used, every seeded article tagged', async () => {
    const tags = await allTags(stack.pool);
    expect([...tags.keys()].sort()).toEqual([...SEED_TAGS].sort());
    const { rows } = await stack.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM articles WHERE slug NOT IN (SELECT slug FROM article_tags)',
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('setTags replaces them and answers what changed', async () => {
    const slug = `tags-${process.pid}`;
    await createArticle(stack.pool, { slug, title: 't', body: 'b', author: 'a' });
    expect(await setTags(stack.pool, slug, ['x', 'y'])).toEqual({
      added: ['x', 'y'],
      removed: [],
      tags: ['x', 'y'],
    });
    expect(await setTags(stack.pool, slug, ['z', 'y', 'z'])).toEqual({
      added: ['z'],
      removed: ['x'],
      tags: ['y', 'z'],
    });
    await expect(
      setTags(stack.pool, slug, ['w'], {
        beforeCommit: async () => {
          throw new Error('store down');
        },
      }),
    ).rejects.toThrow('store down');
    expect(await getTags(stack.pool, slug), 'a failed beforeCommit changes nothing').toEqual([
      'y',
      'z',
    ]);
    expect(await getTags(stack.pool, slug)).toEqual(['y', 'z']);
    expect(await slugsTaggedAll(stack.pool, ['y', 'z'])).toEqual([slug]);
    expect(await setTags(stack.pool, 'no-such-article', ['x'])).toBeNull();
    await deleteArticle(stack.pool, slug);
    expect(await getTags(stack.pool, slug), 'deleting an article deletes its tags').toEqual([]);
  });
});

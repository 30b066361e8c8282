import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { listArticles, SEED_ARTICLE_COUNT } from '../src/index.ts';

const stack = useTestStack();

describe('articles', () => {
  it('lists the seeded articles', async () => {
    const list = await listArticles(stack.pool);
    expect(list).toHaveLength(SEED_ARTICLE_COUNT);
  });
});

import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { articleHashKey } from '../src/article-hash.ts';
import { bytesForOneFieldChange } from '../src/type-costs.ts';
import { createWiki } from '../src/wiki.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack();
let n = 0;
const newSlug = () => `hash-${process.pid}-${Date.now()}-${++n}`;

describe.each(backendsOf(stack))('the article as a hash, on $name', ({ connect }) => {
  function setup() {
    const { client, store } = connect();
    const wiki = createWiki({ pool: stack.pool, store, client, ttlSeconds: 60 });
    let queries = 0;
    const count = () => queries++;
    return {
      client,
      wiki,
      /** How many Postgres queries `call` made. */
      async queriesDuring(call: () => Promise<unknown>) {
        queries = 0;
        stack.pool.on('acquire', count);
        try {
          await call();
        } finally {
          stack.pool.off('acquire', count);
        }
        return queries;
      },
    };
  }

  it('keeps a read article as a hash with one field per column, with a TTL', async () => {
    const { client, wiki } = setup();
    const slug = newSlug();
    await wiki.createArticle({ slug, title: 'Hash', body: 'Fields', author: 'ada' });
    await wiki.getArticle(slug);
    const key = articleHashKey(slug);
    expect(
      await client.type(key),
      `after a read, ${key} should be a hash (HSET), not a JSON string`,
    ).toBe('hash');
    expect(Object.keys(await client.hgetall(key)).sort()).toEqual([
      'author',
      'body',
      'createdAt',
      'slug',
      'title',
      'updatedAt',
    ]);
    const ttl = await client.ttl(key);
    expect(
      ttl,
      'the hash must expire on its own: EXPIRE it in the same MULTI as the HSET',
    ).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('answers the second read from the hash, with dates as Dates', async () => {
    const { wiki, queriesDuring } = setup();
    const slug = newSlug();
    await wiki.createArticle({ slug, title: 'Hash', body: 'Fields', author: 'ada' });
    expect(await queriesDuring(() => wiki.getArticle(slug))).toBe(1);
    let second: Awaited<ReturnType<typeof wiki.getArticle>> = null;
    expect(
      await queriesDuring(async () => {
        second = await wiki.getArticle(slug);
      }),
      'a second read within the TTL must not query Postgres: read the hash with HGETALL',
    ).toBe(0);
    expect(second).toMatchObject({ slug, title: 'Hash', body: 'Fields', author: 'ada' });
    expect((second as unknown as { updatedAt: unknown }).updatedAt).toBeInstanceOf(Date);
  });

  it('writes an edit into the hash: the next read sees it without Postgres', async () => {
    const { client, wiki, queriesDuring } = setup();
    const slug = newSlug();
    await wiki.createArticle({ slug, title: 'Before', body: 'Body', author: 'ada' });
    await wiki.getArticle(slug);
    const ttlBefore = await client.ttl(articleHashKey(slug));
    await wiki.updateArticle(slug, { title: 'After' });
    let read: Awaited<ReturnType<typeof wiki.getArticle>> = null;
    const queries = await queriesDuring(async () => {
      read = await wiki.getArticle(slug);
    });
    expect(
      read,
      'after updateArticle(title), getArticle must show the new title: HSET the changed field',
    ).toMatchObject({ title: 'After', body: 'Body' });
    expect(
      queries,
      'the edit should update the hash, not delete it: no query on the next read',
    ).toBe(0);
    expect(
      await client.ttl(articleHashKey(slug)),
      'a one-field edit must keep the TTL the hash had (EXPIRE ... NX), not drop it',
    ).toBeGreaterThan(Math.min(ttlBefore, 55) - 5);
  });

  it('treats a hash missing fields as a miss, and an edit on an expired copy expires too', async () => {
    const { client, wiki } = setup();
    const slug = newSlug();
    await wiki.createArticle({ slug, title: 'Partial', body: 'Body', author: 'ada' });
    // No copy in the store: the edit creates a hash with two fields only.
    await wiki.updateArticle(slug, { title: 'Edited' });
    const ttl = await client.ttl(articleHashKey(slug));
    expect(
      ttl,
      'a hash created by a one-field edit must get a TTL too (EXPIRE ... NX)',
    ).toBeGreaterThan(0);
    expect(
      await wiki.getArticle(slug),
      'a hash missing body or author is not the article: load it from Postgres',
    ).toMatchObject({ title: 'Edited', body: 'Body', author: 'ada' });
  });

  it('sends a fraction of the bytes for a one-field change', async () => {
    const { client, wiki } = setup();
    const article = await wiki.getArticle('article-00042');
    if (!article) throw new Error('the seeded article-00042 is missing');
    const { asJson, asHashField } = await bytesForOneFieldChange(client, article);
    expect(asJson).toBeGreaterThan(article.body.length);
    expect(asHashField, 'HSET of one field should send far less than the whole JSON').toBeLessThan(
      asJson / 10,
    );
  });

  it('drops the hash when the article is deleted', async () => {
    const { client, wiki } = setup();
    const slug = newSlug();
    await wiki.createArticle({ slug, title: 'Gone', body: 'Body', author: 'ada' });
    await wiki.getArticle(slug);
    await wiki.deleteArticle(slug);
    expect(await client.exists(articleHashKey(slug))).toBe(0);
    expect(await wiki.getArticle(slug)).toBeNull();
  });
});

import { createArticle, deleteArticle, getTags, slugsTaggedAll } from '@workshop/db';
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { articleTagsKey, createTags, tagKey } from '../src/tags.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack();
let n = 0;
const newSlug = () => `tags-${process.pid}-${Date.now()}-${++n}`;

describe.each(backendsOf(stack))('tags as sets, on $name', ({ connect }) => {
  async function setup() {
    const { client } = connect();
    const tags = createTags({ pool: stack.pool, client });
    await tags.loadFromPostgres();
    return { client, tags };
  }
  async function newArticle() {
    const slug = newSlug();
    await createArticle(stack.pool, { slug, title: 't', body: 'b', author: 'ada' });
    return slug;
  }

  it('loads the seeded tags from Postgres once: SINTER agrees with a query', async () => {
    const { client, tags } = await setup();
    expect(await client.type(tagKey('howto')), 'tag:howto should be a set (SADD)').toBe('set');
    expect(
      await tags.taggedAll('howto', 'ops'),
      'taggedAll("howto", "ops") must list the articles Postgres says carry both (SINTER)',
    ).toEqual(await slugsTaggedAll(stack.pool, ['howto', 'ops']));
    expect(
      await tags.loadFromPostgres(),
      'a second load must find the marker (SET NX) and do nothing',
    ).toBe(false);
  });

  it('keeps the sets in step with Postgres on every change', async () => {
    const { client, tags } = await setup();
    const slug = await newArticle();
    expect(await tags.setTags(slug, ['howto', 'ops'])).toEqual(['howto', 'ops']);
    expect(await tags.taggedAll('howto', 'ops')).toContain(slug);
    await tags.setTags(slug, ['ops', 'design']);
    expect(
      await client.sismember(tagKey('howto'), slug),
      'a tag taken off an article must leave its set (SREM)',
    ).toBe(0);
    expect(await tags.tagsOf(slug)).toEqual(['design', 'ops']);
    expect(await getTags(stack.pool, slug), 'Postgres holds the same tags').toEqual([
      'design',
      'ops',
    ]);
    expect(await tags.taggedAny('design', 'ops')).toContain(slug);
  });

  it('ends in step with Postgres after 20 concurrent edits of one article', async () => {
    const { client, tags } = await setup();
    const slug = await newArticle();
    const choices = [['a1'], ['a2', 'a3'], ['a1', 'a3'], [], ['a2']];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => tags.setTags(slug, choices[i % choices.length] ?? [])),
    );
    const inPostgres = await getTags(stack.pool, slug);
    expect(
      await tags.tagsOf(slug),
      'after concurrent edits the store must hold the tags Postgres holds: change the sets inside the transaction (beforeCommit)',
    ).toEqual(inPostgres);
    for (const tag of ['a1', 'a2', 'a3']) {
      expect(
        await client.sismember(tagKey(tag), slug),
        `tag:${tag} must contain the article exactly when Postgres says it carries ${tag}`,
      ).toBe(inPostgres.includes(tag) ? 1 : 0);
    }
  });

  it('counts on the server with SINTERCARD', async () => {
    const { tags } = await setup();
    const slug = await newArticle();
    await tags.setTags(slug, ['howto', 'ops']);
    expect(await tags.countTaggedAll('howto', 'ops')).toBe(
      (await slugsTaggedAll(stack.pool, ['howto', 'ops'])).length,
    );
  });

  it('forgets a deleted article in every tag set', async () => {
    const { client, tags } = await setup();
    const slug = await newArticle();
    await tags.setTags(slug, ['howto', 'reference']);
    await deleteArticle(stack.pool, slug);
    await tags.forgetArticle(slug);
    expect(await client.sismember(tagKey('howto'), slug)).toBe(0);
    expect(await client.sismember(tagKey('reference'), slug)).toBe(0);
    expect(await client.exists(articleTagsKey(slug))).toBe(0);
  });

  it('answers null for an article that does not exist, and writes nothing', async () => {
    const { client, tags } = await setup();
    expect(await tags.setTags('no-such-article', ['howto'])).toBeNull();
    expect(await client.sismember(tagKey('howto'), 'no-such-article')).toBe(0);
  });
});

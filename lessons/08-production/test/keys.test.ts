// Checkpoint 08, key design: a group of keys is invalidated by bumping its generation (one INCR,
// nothing deleted by pattern), the old generation leaves by its TTL, and SCAN finds every key of
// a pattern a batch at a time.

import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { articleKey, createKeyGroup, scanKeys } from '../src/keys.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack({ postgres: false });

it('names an article by its format version', () => {
  expect(articleKey('howto')).toBe('v2:article:howto');
});

describe.each(backendsOf(stack))('on $name', (backend) => {
  it('invalidates a whole group with one generation bump', async () => {
    const { client } = backend.connect();
    const lists = createKeyGroup(client, `lists-${Date.now()}`);
    await lists.invalidate(); // the first bump creates the generation counter itself
    const pages = ['page:1', 'page:2', 'by-author:ada'];
    const before = await Promise.all(pages.map((page) => lists.key(page)));
    for (const key of before) await client.set(key, 'cached', 'EX', 60);
    const keysBefore = await client.dbsize();

    await lists.invalidate();

    const after = await Promise.all(pages.map((page) => lists.key(page)));
    for (const [i, key] of after.entries()) {
      expect(key, 'after invalidate(), every member must get a new name').not.toBe(before[i]);
      expect(await client.get(key), 'a new generation starts empty: readers miss').toBeNull();
    }
    expect(
      await client.dbsize(),
      'invalidating a group deletes nothing: the old generation leaves by its TTL',
    ).toBe(keysBefore);
    expect(await client.ttl(before[0] as string)).toBeGreaterThan(0);
  });

  it('finds every key of a pattern with SCAN', async () => {
    const { client } = backend.connect();
    const prefix = `scan-${Date.now()}`;
    const pipeline = client.pipeline();
    for (let i = 0; i < 2500; i++) pipeline.set(`${prefix}:${i}`, '1', 'EX', 60);
    for (let i = 0; i < 500; i++) pipeline.set(`other-${prefix}:${i}`, '1', 'EX', 60);
    await pipeline.exec();
    const found = await scanKeys(client, `${prefix}:*`, 100);
    expect(found.length, 'SCAN must walk the whole keyspace until the cursor is 0 again').toBe(
      2500,
    );
    expect(new Set(found).size).toBe(2500);
  });
});

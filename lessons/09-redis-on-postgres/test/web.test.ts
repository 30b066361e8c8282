// The wiki in the browser with its lesson 03-04 keys on the Postgres-backed server: the article
// list's copy is a row of redis_keys, and /status says which server answers what.
import { fileURLToPath } from 'node:url';
import { useTestStack } from '@workshop/test-support';
import { startTestWeb, type TestWeb } from '@workshop/web/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const stack = useTestStack();
const LESSON_DIR = fileURLToPath(new URL('..', import.meta.url));

let site: TestWeb;
beforeAll(async () => {
  site = await startTestWeb(LESSON_DIR, stack.config);
});
afterAll(() => site?.close());

describe('the web front on pg-resp', () => {
  it('caches the article list in a Postgres row: MISS, then HIT', async () => {
    await stack.pool.query(`DELETE FROM redis_keys WHERE key = 'articles:list'::bytea`);
    const first = await site.get('/');
    const second = await site.get('/');
    expect(first.status).toBe(200);
    expect(
      [first.cache, second.cache],
      'the list is read through the RESP server: a miss, then a hit on its copy',
    ).toEqual(['MISS', 'HIT']);
    const { rows } = await stack.pool.query(
      `SELECT expires_at > now() AS live FROM redis_keys WHERE db = 0 AND key = 'articles:list'::bytea`,
    );
    expect(rows[0]?.live, 'the copy is a row of redis_keys, with an expiry (SET ... EX)').toBe(
      true,
    );
  });

  it('shows on /status which server answers', async () => {
    const page = await site.get('/status');
    expect(page.status).toBe(200);
    expect(page.html, '/status names the Postgres-backed server by its INFO').toContain(
      'pg-resp at redis://',
    );
    expect(page.html).toContain('rows (one per key)');
  });
});

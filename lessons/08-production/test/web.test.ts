// Checkpoint 08 over HTTP: the /status page (linked from every footer) reports the hit ratio the
// app counted for the pages just served, the server's INFO figures beside it, and the memory
// settings with evicted_keys.

import { fileURLToPath } from 'node:url';
import { useTestStack } from '@workshop/test-support';
import { startTestWeb, type TestWeb } from '@workshop/web/testing';
import { Redis as Valkey } from 'iovalkey';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const stack = useTestStack();
const LESSON_DIR = fileURLToPath(new URL('..', import.meta.url));

let site: TestWeb;
beforeAll(async () => {
  const client = new Valkey(stack.valkeyUrl, { maxRetriesPerRequest: 1 });
  await client.flushdb();
  client.disconnect();
  site = await startTestWeb(LESSON_DIR, stack.config);
});
afterAll(() => site?.close());

/** The value cells of the /status page, by their row name. */
function rowsOf(html: string): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(/<th scope="row">([^<]*)<\/th><td>([^<]*)<\/td>/g)) {
    rows[name as string] = value as string;
  }
  return rows;
}

describe('the status page', () => {
  it('reports the hit ratio of the pages served, and the server figures', async () => {
    const home = await site.get('/');
    expect(home.html, 'every page links to /status').toContain('href="/status"');
    await site.get('/'); // the list: a miss, then two hits
    await site.get('/');
    await site.get('/articles/article-00009'); // a miss in the store
    const again = await site.get('/articles/article-00009'); // the in-process tier answers
    expect(again.cache).toBe('HIT');

    const status = await site.get('/status');
    expect(status.status).toBe(200);
    const rows = rowsOf(status.html);
    expect(
      rows['the app (its cache reads)'],
      'the app counts one hit or miss per store read: 2 hits, 2 misses for these pages',
    ).toBe('50.0% (2 hits, 2 misses)');
    expect(rows['answered by the in-process tier']).toBe('1 reads');
    expect(rows['the server (INFO stats)']).toMatch(/^\d+\.\d% \(\d+ hits, \d+ misses\)$/);
    expect(rows['maxmemory-policy']).toMatch(/^(noeviction|allkeys-|volatile-)/);
    expect(rows.used_memory).toMatch(/MB$/);
    expect(rows.evicted_keys).toMatch(/^\d+$/);
  });
});

// Checkpoint 03 over HTTP: the wiki in the browser says what the cache did for each page
// (`x-cache`), a write makes the next read of the list fresh, and a dead store only costs speed.

import { fileURLToPath } from 'node:url';
import { createUpstashClient } from '@workshop/config';
import { startTcpProxy, useTestStack, viaProxy } from '@workshop/test-support';
import { startTestWeb, type TestWeb } from '@workshop/web/testing';
import { afterEach, describe, expect, it } from 'vitest';

const stack = useTestStack();
const LESSON_DIR = fileURLToPath(new URL('..', import.meta.url));

let web: TestWeb | undefined;
afterEach(async () => {
  await web?.close();
  web = undefined;
});

async function freshWeb(config = stack.config): Promise<TestWeb> {
  await createUpstashClient(stack.config).flushdb();
  web = await startTestWeb(LESSON_DIR, config);
  return web;
}

describe('the list page over HTTP', () => {
  it('is a MISS, then a HIT', async () => {
    const site = await freshWeb();
    const first = await site.get('/');
    expect(first.status, first.html).toBe(200);
    expect(first.cache, 'the first list page of an empty store comes from Postgres').toBe('MISS');
    const second = await site.get('/');
    expect(
      second.cache,
      'the second list page must come from the store: does listArticles() SET the list after a miss?',
    ).toBe('HIT');
    expect(second.html).toContain(first.html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0] ?? '<tbody>');
    expect(second.timing ?? '', 'Server-Timing names the cache and Postgres').toMatch(
      /cache;.*dur=[\d.]+.*db;.*dur=0\.0/,
    );
  });

  it('shows a new article on the next read, which is a MISS', async () => {
    const site = await freshWeb();
    await site.get('/');
    expect((await site.get('/')).cache).toBe('HIT');
    const slug = `web-${process.pid}-${Date.now()}`;
    const created = await site.post('/articles', {
      slug,
      title: 'Seen on the next read',
      body: 'hello',
      author: 'ada',
    });
    expect(created.status, created.html).toBe(303);
    const after = await site.get('/');
    expect(
      after.cache,
      'after a create, the list page still came from the store: createArticle() must invalidate the cached list',
    ).toBe('MISS');
    expect(after.html, 'the new article is missing from the list page').toContain(slug);
  });
});

describe('a store that goes away', () => {
  it('still serves the list page, from Postgres, marked BYPASS', async () => {
    const target = new URL(stack.upstash.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const site = await freshWeb({
      ...stack.config,
      upstash: { ...stack.config.upstash, url: viaProxy(stack.upstash.url, proxy) },
    });
    expect((await site.get('/')).cache).toBe('MISS');
    await proxy.cut();
    const down = await site.get('/');
    expect(
      down.status,
      `with the store down the page failed (${down.status}): the cache must answer from Postgres when the store does not`,
    ).toBe(200);
    expect(down.cache).toBe('BYPASS');
    expect(down.html).toMatch(/<tbody>\s*<tr>/);
  });
});

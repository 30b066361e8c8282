// Checkpoint 04 over HTTP: the article page counts its views and says when a milestone is
// reached, creating too fast answers 429 with a Retry-After that matches the limiter's window,
// and lesson 03's caching still shows (MISS, HIT, BYPASS when the store is gone).

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

let n = 0;
const newSlug = () => `web-${process.pid}-${Date.now()}-${++n}`;

describe('the article page', () => {
  it('counts each view, and shows the milestone banner once, at 10', async () => {
    const site = await freshWeb();
    const slug = newSlug();
    expect(
      (await site.post('/articles', { slug, title: 'Counted', body: 'x', author: 'viewer' }))
        .status,
    ).toBe(303);
    const banners: number[] = [];
    for (let i = 1; i <= 11; i++) {
      const page = await site.get(`/articles/${slug}`);
      expect(page.status, page.html).toBe(200);
      const views = Number(page.html.match(/class="views">(\d+)/)?.[1]);
      expect(views, `view ${i} of a new article showed ${views} views: count it with INCR`).toBe(i);
      if (page.html.includes('class="banner"')) banners.push(i);
    }
    expect(banners, 'the 10-views banner must show on the 10th view and only then').toEqual([10]);
  });
});

describe('creating articles', () => {
  it('answers 429 past the limit, with Retry-After = what is left of the window', async () => {
    const site = await freshWeb();
    const author = `fast-${process.pid}-${Date.now()}`;
    for (let i = 0; i < 3; i++) {
      const ok = await site.post('/articles', { slug: newSlug(), title: 't', body: 'b', author });
      expect(ok.status, `create ${i + 1} of 3 was refused: ${ok.html}`).toBe(303);
    }
    // Most of the window has passed (as if the three creates were 53 s ago): a Retry-After of
    // the whole window would now be wrong.
    await createUpstashClient(stack.config).expire(`ratelimit:create-article:${author}`, 7);
    const refused = await site.post('/articles', {
      slug: newSlug(),
      title: 't',
      body: 'b',
      author,
    });
    expect(refused.status, 'the 4th create within a minute must be refused').toBe(429);
    const ttl = await createUpstashClient(stack.config).ttl(`ratelimit:create-article:${author}`);
    const retryAfter = Number(refused.retryAfter);
    expect(
      Math.abs(retryAfter - ttl),
      `Retry-After said ${retryAfter} s but the window ends in ${ttl} s: answer the key's TTL`,
    ).toBeLessThanOrEqual(1);
    expect(refused.html).toContain(`Try again in ${retryAfter} s`);
  });
});

describe('the cache, seen over HTTP', () => {
  it('MISS, HIT, then BYPASS when the store is gone, with the page still served', async () => {
    const target = new URL(stack.upstash.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const site = await freshWeb({
      ...stack.config,
      upstash: { ...stack.config.upstash, url: viaProxy(stack.upstash.url, proxy) },
    });
    expect((await site.get('/')).cache).toBe('MISS');
    expect((await site.get('/')).cache).toBe('HIT');
    await proxy.cut();
    const down = await site.get('/');
    expect(down.status, 'with the store down the list page must still be served').toBe(200);
    expect(down.cache).toBe('BYPASS');
  });
});

// Checkpoint 06 over HTTP: the article page shows its tags (links to the tag filter) and its
// unique readers, one per browser; the tag filter lists what SINTER lists; the home page shows
// trending articles and recent activity; a second view of an article is a HIT on its hash.

import { fileURLToPath } from 'node:url';
import { slugsTaggedAll } from '@workshop/db';
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

/** A GET as a browser with (or without) a reader cookie. */
async function visit(path: string, cookie?: string) {
  const response = await fetch(`http://127.0.0.1:${site.web.port}${path}`, {
    headers: cookie ? { cookie } : {},
  });
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    setCookie: response.headers.get('set-cookie'),
    html: await response.text(),
  };
}

describe('the article page', () => {
  it('shows the article’s tags, each a link to the tag filter', async () => {
    const page = await visit('/articles/article-00001');
    expect(page.status).toBe(200);
    const tags = [...page.html.matchAll(/class="tag" href="\/tags\?tag=([\w-]+)"/g)].map(
      (m) => m[1],
    );
    const { rows } = await stack.pool.query<{ tag: string }>(
      "SELECT tag FROM article_tags WHERE slug = 'article-00001' ORDER BY tag",
    );
    expect(tags, 'the page must list the tags Postgres has for the article').toEqual(
      rows.map((row) => row.tag),
    );
  });

  it('counts unique readers: the same browser twice is one reader, another is two', async () => {
    const first = await visit('/articles/article-00002');
    const cookie = first.setCookie?.split(';')[0];
    expect(cookie, 'a new browser gets a reader cookie').toMatch(/^reader=/);
    expect(first.html).toMatch(/class="readers">1</);
    const again = await visit('/articles/article-00002', cookie);
    expect(again.html, 'the same reader again must not count twice (SADD)').toMatch(
      /class="readers">1</,
    );
    const other = await visit('/articles/article-00002');
    expect(other.html).toMatch(/class="readers">2</);
    expect(other.html, 'the HyperLogLog count of 2 readers is exact').toMatch(
      /class="readers-hll">2</,
    );
  });

  it('is a HIT the second time: the article is read from its hash', async () => {
    await visit('/articles/article-00003');
    expect((await visit('/articles/article-00003')).cache).toBe('HIT');
  });
});

describe('the tag filter', () => {
  it('lists the articles carrying every chosen tag', async () => {
    const page = await visit('/tags?tag=howto&tag=ops');
    expect(page.status).toBe(200);
    const expected = await slugsTaggedAll(stack.pool, ['howto', 'ops']);
    expect(Number(page.html.match(/class="tagged-count">(\d+)/)?.[1])).toBe(expected.length);
    expect((await visit('/tags')).status, 'no tag chosen is a 400').toBe(400);
  });
});

describe('the home page', () => {
  it('shows trending articles and the latest activity', async () => {
    const slug = `web-${process.pid}-${Date.now()}`;
    const created = await site.post('/articles', {
      slug,
      title: 'Fresh',
      body: 'x',
      author: 'ada',
    });
    expect(created.status).toBe(303);
    for (let i = 0; i < 30; i++) await visit(`/articles/${slug}`);
    const home = await visit('/');
    const trending = home.html.match(/<ol class="trending">([\s\S]*?)<\/ol>/)?.[1] ?? '';
    expect(
      trending,
      'the most viewed article of the last hours must lead the trending list',
    ).toMatch(new RegExp(`^<li><a href="/articles/${slug}"`));
    const activity = home.html.match(/<ul class="activity">([\s\S]*?)<\/ul>/)?.[1] ?? '';
    expect(activity, 'creating an article must show in recent activity').toContain(
      `ada created <a href="/articles/${slug}"`,
    );
  });
});

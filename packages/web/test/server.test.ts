// The web front's own promises, on a real lesson app (lesson 04's) over a real test stack:
// HTML is escaped everywhere, forms validate and write nothing when refused, unknown pages are
// 404, and only this machine's pages can reach it.

import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { getArticle } from '@workshop/db';
import { useTestStack } from '@workshop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/server.ts';
import { startTestWeb, type TestWeb } from '../src/testing.ts';

const stack = useTestStack();
const LESSON_04 = fileURLToPath(new URL('../../../lessons/04-counters', import.meta.url));

let site: TestWeb;
beforeAll(async () => {
  site = await startTestWeb(LESSON_04, stack.config);
});
afterAll(() => site?.close());

let n = 0;
const newSlug = () => `web-${process.pid}-${Date.now()}-${++n}`;
// Each create uses its own author: the lesson's limiter allows 3 creates per author per minute.
const author = () => `author-${n}-${Math.random().toString(36).slice(2)}`;

/** A raw request, so the Host header can be anything (fetch does not let a test set it). */
function rawGet(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('escaping', () => {
  it('renders a <script> body and title as text', async () => {
    const slug = newSlug();
    const evil = '<script>alert("x")</script>';
    const created = await site.post('/articles', {
      slug,
      title: evil,
      body: evil,
      author: author(),
    });
    expect(created.status, created.html).toBe(303);
    const page = await site.get(`/articles/${slug}`);
    expect(page.html).not.toContain('<script>');
    expect(page.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const list = await site.get('/');
    expect(list.html).not.toContain('<script>');
  });
});

describe('forms', () => {
  it('refuses an empty title, says so on the form, and writes nothing', async () => {
    const slug = newSlug();
    const page = await site.post('/articles', { slug, title: '  ', body: 'b', author: author() });
    expect(page.status).toBe(422);
    expect(page.html).toContain('The title cannot be empty.');
    expect(page.html, 'the form keeps what was typed').toContain(`value="${slug}"`);
    expect(await getArticle(stack.pool, slug)).toBeNull();
  });

  it('refuses a slug that is taken, keeping the original article', async () => {
    const slug = newSlug();
    await site.post('/articles', { slug, title: 'First', body: 'one', author: author() });
    const page = await site.post('/articles', {
      slug,
      title: 'Second',
      body: 'two',
      author: author(),
    });
    expect(page.status).toBe(409);
    expect(page.html).toContain('already exists');
    expect((await getArticle(stack.pool, slug))?.title).toBe('First');
  });

  it('refuses an oversized body and a malformed slug', async () => {
    const big = await site.post('/articles', {
      slug: newSlug(),
      title: 't',
      body: 'x'.repeat(LIMITS.body + 1),
      author: author(),
    });
    expect(big.status).toBe(422);
    expect(big.html).toContain('The body is longer than');
    const bad = await site.post('/articles', {
      slug: 'Not A Slug',
      title: 't',
      body: 'b',
      author: author(),
    });
    expect(bad.status).toBe(422);
    const huge = await site.post('/articles', {
      slug: newSlug(),
      title: 't',
      body: 'x'.repeat(LIMITS.requestBytes),
      author: author(),
    });
    expect(huge.status).toBe(413);
  });

  it('edits and deletes an article through its forms', async () => {
    const slug = newSlug();
    await site.post('/articles', { slug, title: 'Before', body: 'b', author: author() });
    expect((await site.post(`/articles/${slug}`, { title: 'After', body: 'c' })).status).toBe(303);
    expect((await site.get(`/articles/${slug}`)).html).toContain('After');
    expect((await site.post(`/articles/${slug}/delete`, {})).status).toBe(303);
    expect((await site.get(`/articles/${slug}`)).status).toBe(404);
  });
});

describe('pages that do not exist', () => {
  it('answers 404 for an unknown slug and an unknown path', async () => {
    const missing = await site.get('/articles/no-such-article-here');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('There is no article');
    expect((await site.get('/no/such/page')).status).toBe(404);
    expect((await site.get('/articles/%E0%A4%A')).status).toBe(400);
  });
});

describe('only this machine', () => {
  it('listens on 127.0.0.1 and refuses foreign Host headers (DNS rebinding)', async () => {
    expect((site.web.server.address() as { address: string }).address).toBe('127.0.0.1');
    expect(await rawGet(site.web.port, `localhost:${site.web.port}`)).toBe(200);
    expect(await rawGet(site.web.port, 'attacker.example')).toBe(403);
  });

  it('refuses a form posted from another origin, writing nothing', async () => {
    const slug = newSlug();
    const page = await site.post(
      '/articles',
      { slug, title: 't', body: 'b', author: author() },
      { origin: 'http://attacker.example' },
    );
    expect(page.status).toBe(403);
    expect(await getArticle(stack.pool, slug)).toBeNull();
  });
});

// The `/status` page (WebWiki.status, from lesson 08): a lesson that has the hook gets a page of
// its own tables, linked from every footer; a lesson without it gets neither. Lesson 04's real
// app stands in for the lesson, with a status hook that reads Postgres through it.

import { fileURLToPath } from 'node:url';
import { useTestStack } from '@workshop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCreateWebWiki } from '../src/lesson.ts';
import { instrumentPool, instrumentStore } from '../src/request-context.ts';
import { startWebServer, type WebServer } from '../src/server.ts';
import type { WebWiki } from '../src/types.ts';

const stack = useTestStack();
const LESSON_04 = fileURLToPath(new URL('../../../lessons/04-counters', import.meta.url));

let wiki: WebWiki;
let withStatus: WebServer;
let without: WebServer;
let calls = 0;
beforeAll(async () => {
  const create = await loadCreateWebWiki(LESSON_04);
  wiki = await create({ config: stack.config, instrumentPool, instrumentStore, cache: true });
  withStatus = await startWebServer({
    ...wiki,
    async status() {
      calls++;
      const articles = await wiki.listArticles();
      return [
        { title: 'Articles', rows: [['in the list', String(articles.length)]] },
        { title: 'Odd <names>', rows: [['<script>x</script>', 'a & b']] },
      ];
    },
  });
  without = await startWebServer(wiki);
});
afterAll(async () => {
  await withStatus?.close();
  await without?.close();
  await wiki?.close();
});

const get = async (server: WebServer, path: string) => {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: response.status, html: await response.text() };
};

describe('the /status page', () => {
  it('renders each section of the hook as a table, fresh on every request, escaped', async () => {
    const before = calls;
    const page = await get(withStatus, '/status');
    expect(page.status).toBe(200);
    const count = (await wiki.listArticles()).length;
    expect(page.html).toContain('<h3>Articles</h3>');
    expect(page.html).toContain(`<th scope="row">in the list</th><td>${count}</td>`);
    expect(page.html).toContain('<h3>Odd &lt;names&gt;</h3>');
    expect(page.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(page.html).toContain('a &amp; b');
    expect(page.html).not.toContain('<script>');
    await get(withStatus, '/status');
    expect(calls - before, 'each request asks the lesson again').toBe(2);
  });

  it('is linked from the footer of every page when the lesson has the hook', async () => {
    expect((await get(withStatus, '/')).html).toContain('<a href="/status">status</a>');
    expect((await get(withStatus, '/no/such/page')).html).toContain('href="/status"');
  });

  it('does not exist, and is not linked, when the lesson has no status hook', async () => {
    const home = await get(without, '/');
    expect(home.status).toBe(200);
    expect(home.html).not.toContain('href="/status"');
    expect((await get(without, '/status')).status).toBe(404);
  });
});

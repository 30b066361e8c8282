// practice watch's warm test stack (warm-stack.ts and db-reset.ts), through its real
// broker and a real PGlite: whatever a test file did to the database, the next file to check it out
// finds it exactly as the template made it.
import { createPool } from '@workshop/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarmStack, type WarmStack, type WarmStackCheckout } from '../src/warm-stack.ts';

let stack: WarmStack;
beforeAll(async () => {
  stack = await startWarmStack();
}, 120_000);
afterAll(() => stack?.close());

async function checkout(postgres = true): Promise<WarmStackCheckout> {
  const response = await fetch(`${stack.url}/checkout?postgres=${postgres ? 1 : 0}`, {
    method: 'POST',
  });
  expect(response.status).toBe(200);
  return (await response.json()) as WarmStackCheckout;
}

async function release(id: number): Promise<void> {
  expect((await fetch(`${stack.url}/release?id=${id}`, { method: 'POST' })).status).toBe(204);
}

/** Runs `work` with a pool on the checked-out database, as a test file's useTestStack() has. */
async function withClient<T>(
  url: string | undefined,
  work: (c: ReturnType<typeof createPool>) => Promise<T>,
) {
  const pool = createPool({ databaseUrl: url ?? '', databaseSource: 'embedded' });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** Every user table's rows and every user object: what a test could see. */
const STATE = `
  SELECT (SELECT md5(string_agg(a::text, ',' ORDER BY slug)) FROM articles a) AS articles,
    (SELECT md5(string_agg(t::text, ',' ORDER BY slug, tag)) FROM article_tags t) AS tags,
    (SELECT string_agg(id, ',' ORDER BY id) FROM schema_migrations) AS migrations,
    (SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE oid >= 16384) AS relations,
    (SELECT count(*) FROM pg_proc WHERE oid >= 16384) AS routines,
    (SELECT count(*) FROM pg_namespace WHERE oid >= 16384) AS schemas,
    current_setting('statement_timeout') AS timeout`;

describe('the warm stack', () => {
  it('lends the same database again, as the template made it, whatever the last file did', async () => {
    const first = await checkout();
    const pristine = await withClient(
      first.databaseUrl,
      async (c) => (await c.query(STATE)).rows[0],
    );
    expect(pristine.articles).toBeTruthy();
    await withClient(first.databaseUrl, async (c) => {
      const { rows } = await c.query<{ slug: string }>(
        'SELECT slug FROM articles ORDER BY slug LIMIT 3',
      );
      const [a, b, d] = rows.map((row) => row.slug);
      await c.query(`UPDATE articles SET title = 'changed' WHERE slug = $1`, [a]);
      await c.query('DELETE FROM articles WHERE slug = $1', [b]); // its tags go too (cascade)
      await c.query(`UPDATE articles SET slug = 'renamed' WHERE slug = $1`, [d]); // and these move
      await c.query(
        `INSERT INTO articles (slug, title, body, author) VALUES ('new-one', 't', 'b', 'me')`,
      );
      await c.query(`INSERT INTO article_tags (slug, tag) VALUES ('new-one', 'ops')`);
      await c.query('CREATE SCHEMA scratch');
      await c.query('CREATE TABLE scratch.kv (k text PRIMARY KEY, v text)');
      await c.query('CREATE TABLE public.kv_strings (id serial PRIMARY KEY, v text)');
      await c.query(`INSERT INTO kv_strings (v) VALUES ('x')`);
      await c.query('CREATE INDEX articles_by_author ON articles (author)');
      await c.query('CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$');
      await c.query(`SET statement_timeout = '1234s'`);
      expect((await c.query(STATE)).rows[0]).not.toEqual(pristine);
    });
    await release(first.id);

    // Idle databases are lent oldest first: another test may have left one idle before this
    // one's. Hold each that is not ours until ours comes back (a new PGlite would fail this).
    const others: WarmStackCheckout[] = [];
    let second = await checkout();
    while (second.databaseUrl !== first.databaseUrl && others.length < 3) {
      others.push(second);
      second = await checkout();
    }
    expect(second.databaseUrl, 'the same PGlite, not a new one').toBe(first.databaseUrl);
    expect(second.upstash.url, 'new kv-servers for every file').not.toBe(first.upstash.url);
    const after = await withClient(second.databaseUrl, async (c) => (await c.query(STATE)).rows[0]);
    expect(after).toEqual(pristine);
    await Promise.all([second, ...others].map((lent) => release(lent.id)));
  }, 120_000);

  it('replaces a database whose own tables a file altered', async () => {
    const first = await checkout();
    await withClient(first.databaseUrl, (c) =>
      c.query('ALTER TABLE articles ADD COLUMN extra int'),
    );
    await release(first.id);
    const second = await checkout();
    const columns = await withClient(second.databaseUrl, async (c) => {
      const { rows } = await c.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'`,
      );
      return rows.map((row) => row.column_name);
    });
    expect(columns).not.toContain('extra');
    expect(columns).toContain('slug');
    await release(second.id);
  }, 120_000);

  it('lends a database to each of two files at once, and none to a file that wants none', async () => {
    const [a, b, c] = await Promise.all([checkout(), checkout(), checkout(false)]);
    expect(a.databaseUrl).toBeDefined();
    expect(b.databaseUrl).toBeDefined();
    expect(a.databaseUrl).not.toBe(b.databaseUrl);
    expect(c.databaseUrl).toBeUndefined();
    await Promise.all([release(a.id), release(b.id), release(c.id)]);
  }, 120_000);
});

describe("a checkout's clock", () => {
  const passTime = (id: number, ms: number) =>
    fetch(`${stack.url}/pass-time?id=${id}&ms=${ms}`, { method: 'POST' });
  const rest = (lent: WarmStackCheckout, command: unknown[]) =>
    fetch(lent.upstash.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${lent.upstash.token}` },
      body: JSON.stringify(command),
    }).then(async (r) => ((await r.json()) as { result: unknown }).result);

  it('moves on for that checkout only, at once, and never back', async () => {
    const [a, b] = await Promise.all([checkout(false), checkout(false)]);
    await rest(a, ['SET', 'k', 'v', 'EX', '10']);
    await rest(b, ['SET', 'k', 'v', 'EX', '10']);
    expect((await passTime(a.id, 4_000)).status).toBe(204);
    expect(await rest(a, ['TTL', 'k'])).toBe(6);
    expect(await rest(b, ['TTL', 'k']), "another checkout's clock did not move").toBeGreaterThan(8);
    expect((await passTime(a.id, 6_100)).status).toBe(204);
    expect(await rest(a, ['GET', 'k'])).toBeNull();
    // Nonsense is refused with a reason, and moves nothing.
    for (const ms of ['-5', 'soon']) {
      const refused = await passTime(b.id, ms as unknown as number);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toMatch(/only moves on/);
    }
    expect(await rest(b, ['TTL', 'k'])).toBeGreaterThan(8);
    await Promise.all([release(a.id), release(b.id)]);
    // A released checkout has no clock left to move.
    expect((await passTime(a.id, 1)).status).toBe(404);
  }, 60_000);
});

describe('the warm stack refuses whoever is not this vitest', () => {
  it('answers 403 without its secret, or to a browser, and lends or frees nothing', async () => {
    const lent = await checkout(false);
    const { origin } = new URL(stack.url);
    const attempts: [string, RequestInit][] = [
      // A page that scans 127.0.0.1 finds the port, but not the secret in the path.
      [`${origin}/checkout?postgres=0`, { method: 'POST' }],
      [`${origin}/release?id=${lent.id}`, { method: 'POST' }],
      [`${origin}/${'0'.repeat(32)}/release?id=${lent.id}`, { method: 'POST' }],
      // Even with it, a browser's request (it always says where it comes from) is refused.
      [
        `${stack.url}/checkout?postgres=0`,
        { method: 'POST', headers: { origin: 'http://evil.test' } },
      ],
      [
        `${stack.url}/release?id=${lent.id}`,
        { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } },
      ],
    ];
    for (const [url, init] of attempts) {
      const response = await fetch(url, init);
      expect(response.status, `${init.headers ? JSON.stringify(init.headers) : ''} ${url}`).toBe(
        403,
      );
      expect(((await response.json()) as { error: string }).error).toMatch(/only the test workers/);
    }
    // Still lent: its kv-server answers.
    const ping = await fetch(lent.upstash.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${lent.upstash.token}` },
      body: JSON.stringify(['PING']),
    });
    expect(await ping.json()).toEqual({ result: 'PONG' });
    // And none was lent in between: ids count checkouts.
    const next = await checkout(false);
    expect(next.id).toBe(lent.id + 1);
    await Promise.all([release(lent.id), release(next.id)]);
    // Released for real this time: its kv-server closes.
    await expect
      .poll(() =>
        fetch(lent.upstash.url).then(
          () => 'open',
          () => 'closed',
        ),
      )
      .toBe('closed');
  }, 120_000);
});

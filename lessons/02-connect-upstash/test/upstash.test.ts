// Checkpoint 02: the store is now a real HTTP endpoint speaking the Upstash REST protocol (the
// test stack's kv-server, or one forwarding to a real Redis), and it answers exactly as the
// object store of lesson 01 did.

import { createUpstashClient, loadConfig } from '@workshop/config';
import { useTestStack } from '@workshop/test-support';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../src/closed-port.ts';
import { connectStore, createUpstashStore } from '../src/upstash.ts';
import { createWiki } from '../src/wiki.ts';

const stack = useTestStack();
const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';

/** The message a promise rejects with, so the assertion can name what was expected. */
async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return '(no error: it resolved)';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('round-trips through the Upstash REST endpoint', () => {
  it('gives back exactly the strings it was given', async () => {
    const store = createUpstashStore(stack.upstash);
    await store.set('l02:text', 'hello');
    expect(await store.get('l02:text'), 'GET after SET must return the same string').toBe('hello');

    await store.set('l02:one', '1');
    expect(
      await store.get('l02:one'),
      'stored "1", got the number 1 back: the client JSON-parses replies unless you pass automaticDeserialization: false',
    ).toBe('1');

    const json = JSON.stringify({ title: 'Hello' });
    await store.set('l02:json', json);
    expect(
      await store.get('l02:json'),
      'stored JSON text, got an object back: pass automaticDeserialization: false so the wiki can JSON.parse it itself',
    ).toBe(json);

    expect(await store.get('l02:never-set'), 'GET on a missing key must be null').toBeNull();
  });

  it('counts, deletes and expires like Redis', async () => {
    const store = createUpstashStore(stack.upstash);
    await store.del('l02:visits', 'l02:word');
    expect(await store.incr('l02:visits'), 'INCR on a missing key returns 1').toBe(1);
    expect(await store.incr('l02:visits'), 'INCR returns the new value as a number').toBe(2);
    await store.set('l02:word', 'hello');
    expect(
      await rejectionOf(store.incr('l02:word')),
      `INCR on "hello" must reject with Redis's own error text: ${NOT_AN_INTEGER}`,
    ).toContain(NOT_AN_INTEGER);
    expect(
      await store.exists('l02:visits', 'l02:word', 'l02:none'),
      'two of three keys exist',
    ).toBe(2);
    expect(await store.del('l02:visits', 'l02:none'), 'DEL counts only existing keys').toBe(1);

    expect(await store.ttl('l02:word'), 'a key set without EX has TTL -1').toBe(-1);
    expect(await store.expire('l02:word', 100), 'EXPIRE on an existing key answers 1').toBe(1);
    expect(await store.ttl('l02:word'), 'after EXPIRE 100 the TTL is 100 (or 99)').toBeGreaterThan(
      98,
    );

    await store.set('l02:short', 'x', { ex: 1 });
    expect(
      await store.get('l02:short'),
      'a key SET with EX 1 must still be there right after: EX counts seconds (PX would be milliseconds)',
    ).toBe('x');
    await stack.passTime(1_100); // the store's clock moves 1.1 s on (see useTestStack)
    expect(await store.get('l02:short'), 'a key SET with EX 1 must be gone after 1.1 s').toBeNull();
  });

  it('is shared by every client of the same endpoint', async () => {
    const one = createUpstashStore(stack.upstash);
    const other = createUpstashStore(stack.upstash); // as if in another process
    await one.set('l02:shared', 'from one');
    expect(
      await other.get('l02:shared'),
      'a second client did not see the value: does createUpstashStore use the URL and token it is given?',
    ).toBe('from one');
  });
});

describe('the wiki on Upstash', () => {
  it('asks Postgres once, then answers from the store', async () => {
    const store = await connectStore({ upstash: { ...stack.upstash, source: 'local' } });
    const wiki = createWiki({ pool: stack.pool, store });
    const { rows } = await stack.pool.query<{ slug: string }>(
      'SELECT slug FROM articles ORDER BY slug LIMIT 1',
    );
    const slug = rows[0]?.slug ?? 'missing-seed';
    await createUpstashClient(stack.config).flushdb(); // start cold

    let queries = 0;
    const count = () => queries++;
    (stack.pool as pg.Pool).on('acquire', count);
    try {
      const first = await wiki.getArticle(slug);
      const second = await wiki.getArticle(slug);
      expect(queries, 'the second read went to Postgres: is the article stored after a miss?').toBe(
        1,
      );
      expect(second?.updatedAt, 'dates must survive the trip through JSON').toBeInstanceOf(Date);
      expect(second, 'the copy from Upstash must equal what Postgres returned').toEqual(first);
    } finally {
      stack.pool.off('acquire', count);
    }
  });
});

describe('mistakes fail early, saying what to change', () => {
  it('a wrong token', async () => {
    const wrong = {
      upstash: { url: stack.upstash.url, token: 'not-the-token', source: 'env' as const },
    };
    expect(
      await rejectionOf(connectStore(wrong)),
      'connectStore must PING first and turn the 401 into a message naming UPSTASH_REDIS_REST_TOKEN',
    ).toMatch(/UPSTASH_REDIS_REST_TOKEN/);
  });

  it('a redis:// URL where the REST URL belongs', async () => {
    const env = {
      UPSTASH_REDIS_REST_URL: 'redis://default:secret@your-database.upstash.io:6379',
      UPSTASH_REDIS_REST_TOKEN: 'secret',
    };
    expect(
      await rejectionOf((async () => connectStore(loadConfig(env)))()),
      'a redis:// URL must be refused with a message asking for the https:// REST URL',
    ).toMatch(/https:\/\/ REST URL/);
  });

  it('an endpoint where nothing listens, reported in well under a second', async () => {
    const dead = {
      upstash: {
        url: `http://127.0.0.1:${await closedPort()}`,
        token: 't',
        source: 'env' as const,
      },
    };
    const start = performance.now();
    expect(
      await rejectionOf(connectStore(dead)),
      'an unreachable endpoint must fail with a message that says it cannot be reached',
    ).toMatch(/Cannot reach/);
    expect(
      performance.now() - start,
      'connectStore waited for the client to retry: PING once with a timeout instead',
    ).toBeLessThan(1_000);
  });
});

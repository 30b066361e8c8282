// Checkpoint 03, the cache on its own: how often the loader runs, expiry, invalidation, one load
// under a stampede, and carrying on when the store is unreachable. The store is the test stack's
// real Upstash-compatible endpoint; the loader is a plain function that counts its calls.

import { createServer, type Server, type Socket } from 'node:net';
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { type CacheEvent, createCache } from '../src/cache.ts';
import { closedPort } from '../src/closed-port.ts';
import { createUpstashStore } from '../src/upstash.ts';
import { storeThroughProxy } from './proxied-store.ts';

const stack = useTestStack({ postgres: false });
let keyNumber = 0;
/** A key no other test uses, so every test starts cold. */
const freshKey = () => `l03:test:${process.pid}:${++keyNumber}:${Date.now()}`;

/** A loader that counts its calls and can be made slow, like a real query. */
function countingLoader<T>(value: T, delayMs = 0) {
  const loader = async () => {
    loader.calls++;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return value;
  };
  loader.calls = 0;
  return loader;
}

const parse = (json: string) => JSON.parse(json);
/** A timeout no healthy store reaches, even on a busy machine: only the outage tests use less. */
const PATIENT = 10_000;

describe('cache-aside with a TTL', () => {
  it('runs the loader once for two reads within the TTL', async () => {
    const cache = createCache({
      store: createUpstashStore(stack.upstash),
      ttlSeconds: 60,
      timeoutMs: PATIENT,
    });
    const key = freshKey();
    const load = countingLoader({ answer: 42 });
    const first = await cache.read(key, load, parse);
    const second = await cache.read(key, load, parse);
    expect(first, 'the first read must return what the loader returned').toEqual({ answer: 42 });
    expect(second, 'the second read must return the same value, from the store').toEqual({
      answer: 42,
    });
    expect(
      load.calls,
      'the loader ran twice for the same key within the TTL: is the value SET after a miss?',
    ).toBe(1);
  });

  it('stores the copy with the TTL it was given', async () => {
    const store = createUpstashStore(stack.upstash);
    const cache = createCache({ store, ttlSeconds: 60, timeoutMs: PATIENT });
    const key = freshKey();
    await cache.read(key, countingLoader('value'), parse);
    const ttl = await store.ttl(key);
    expect(ttl, 'nothing was stored under the key after a miss: SET the loaded value').not.toBe(-2);
    expect(ttl, 'the copy never expires (TTL -1): SET it with { ex: ttlSeconds }').not.toBe(-1);
    expect(ttl, 'the TTL should be the ttlSeconds the cache was given (60)').toBeGreaterThan(55);
    expect(
      ttl,
      `the TTL is ${ttl} s for ttlSeconds 60: EX takes seconds, not milliseconds (no * 1000)`,
    ).toBeLessThanOrEqual(60);
  });

  it('keeps no copy of a value that does not exist', async () => {
    const store = createUpstashStore(stack.upstash);
    const cache = createCache({ store, ttlSeconds: 60, timeoutMs: PATIENT });
    const key = freshKey();
    const load = countingLoader(null);
    expect(await cache.read(key, load, parse), 'a missing value reads as null').toBeNull();
    expect(
      await store.exists(key),
      'the cache stored null for a missing value: SET only when the loader found something (JSON "null" would read back as a hit)',
    ).toBe(0);
  });

  it('finishes the DEL before invalidate() resolves', async () => {
    const store = createUpstashStore(stack.upstash);
    // The real store, with DEL held until the test lets it go: invalidate() must still be waiting.
    let letDelGo = () => {};
    const delHeld = new Promise<void>((resolve) => {
      letDelGo = resolve;
    });
    const heldDel = {
      ...store,
      del: async (...keys: string[]) => {
        await delHeld;
        return store.del(...keys);
      },
    };
    const cache = createCache({ store: heldDel, ttlSeconds: 60, timeoutMs: PATIENT });
    const key = freshKey();
    await cache.read(key, countingLoader('old'), parse);
    let resolved = false;
    const invalidating = cache.invalidate(key).then(() => {
      resolved = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // long enough for one that does not wait
    expect(
      resolved,
      'invalidate() resolved before its DEL was done: await the store call, or the next read still finds the old copy',
    ).toBe(false);
    letDelGo();
    await invalidating;
    expect(
      await store.exists(key),
      'after invalidate(), the old copy is still in the store: does invalidate() DEL the key?',
    ).toBe(0);
  });

  it('loads again once the copy has expired', async () => {
    const cache = createCache({
      store: createUpstashStore(stack.upstash),
      ttlSeconds: 1,
      timeoutMs: PATIENT,
    });
    const key = freshKey();
    const load = countingLoader('value');
    await cache.read(key, load, parse);
    await stack.passTime(1_100); // the store's clock moves 1.1 s on: the copy's TTL runs out
    await cache.read(key, load, parse);
    expect(load.calls, 'a read after the 1 s TTL must miss and run the loader again').toBe(2);
  });

  it('loads again after invalidate()', async () => {
    const cache = createCache({
      store: createUpstashStore(stack.upstash),
      ttlSeconds: 60,
      timeoutMs: PATIENT,
    });
    const key = freshKey();
    const load = countingLoader('value');
    await cache.read(key, load, parse);
    await cache.invalidate(key);
    await cache.read(key, load, parse);
    expect(
      load.calls,
      'the read after invalidate() was served the old copy: does invalidate DEL the key?',
    ).toBe(2);
  });

  it('never serves or keeps a value loaded before a write that happened during the load', async () => {
    const store = createUpstashStore(stack.upstash);
    const cache = createCache({ store, ttlSeconds: 60, timeoutMs: PATIENT });
    const key = freshKey();
    // A slow load, like a query: it returns 'old' once the test lets it go (or after a second, so
    // that a read which wrongly waits for it gets its answer and the check below can say why).
    let loadStarted = () => {};
    const started = new Promise<void>((resolve) => {
      loadStarted = resolve;
    });
    let letLoadGo = () => {};
    const loadHeld = new Promise<void>((resolve) => {
      letLoadGo = resolve;
      setTimeout(resolve, 1000);
    });
    const slowLoad = async () => {
      loadStarted();
      await loadHeld;
      return 'old';
    };
    const reading = cache.read(key, slowLoad, parse);
    await started;
    await cache.invalidate(key); // a write lands while the slow load is running
    expect(
      await cache.read(key, countingLoader('new'), parse),
      'a read after a write joined a load that started before it: invalidate() must forget loads in flight',
    ).toBe('new');
    letLoadGo();
    await reading;
    expect(
      await cache.read(key, countingLoader('newest'), parse),
      'the load that a write overtook stored its old value: skip the SET when a write happened during the load',
    ).not.toBe('old');
  });
});

describe('single-flight, per key', () => {
  it('gives each key its own load when two keys are read at once', async () => {
    const cache = createCache({
      store: createUpstashStore(stack.upstash),
      ttlSeconds: 60,
      timeoutMs: PATIENT,
    });
    const [list, article] = await Promise.all([
      cache.read(freshKey(), countingLoader('the article list', 100), parse),
      cache.read(freshKey(), countingLoader('one article', 100), parse),
    ]);
    expect(
      [list, article],
      "a read got another key's value: loads in flight must be shared per key (a Map from key to promise), never across keys",
    ).toEqual(['the article list', 'one article']);
  });

  it('forgets a load once it has finished', async () => {
    const store = createUpstashStore(stack.upstash);
    const cache = createCache({ store, ttlSeconds: 60, timeoutMs: PATIENT });
    const key = freshKey();
    const load = countingLoader('value');
    await cache.read(key, load, parse);
    await store.del(key); // the copy is gone (expired, evicted, deleted by another process)
    await cache.read(key, load, parse);
    expect(
      load.calls,
      "a read joined a load that had already finished: delete the key's entry from the in-flight map when its load settles",
    ).toBe(2);
  });
});

describe('a stampede of misses', () => {
  it('runs the loader once for 100 concurrent reads of a cold key', async () => {
    const cache = createCache({
      store: createUpstashStore(stack.upstash),
      ttlSeconds: 60,
      timeoutMs: PATIENT,
    });
    const key = freshKey();
    const load = countingLoader({ rows: 5000 }, 50);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => cache.read(key, load, parse)),
    );
    expect(
      load.calls,
      '100 concurrent misses ran the loader more than once: share the promise of a load already in flight',
    ).toBe(1);
    expect(
      results.every((result) => result.rows === 5000),
      'every one of the 100 callers must get the loaded value',
    ).toBe(true);
  });
});

/** A server that accepts connections and never answers: a store that hangs. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('when the store is unreachable', () => {
  it('stores again once the store is back after a blip', async () => {
    const { proxy, store } = await storeThroughProxy(stack);
    try {
      const events: CacheEvent[] = [];
      const cache = createCache({
        store,
        ttlSeconds: 60,
        timeoutMs: PATIENT,
        onEvent: (event) => events.push(event),
      });
      // First, the cache must store at all (a starting state that never does fails here).
      const warmKey = freshKey();
      const warm = countingLoader('before the blip');
      await cache.read(warmKey, warm, parse);
      await cache.read(warmKey, warm, parse);
      expect(warm.calls, 'the loader ran twice for one key: is the value SET after a miss?').toBe(
        1,
      );
      await proxy.cut();
      expect(
        await cache.read(freshKey(), countingLoader('during the blip'), parse),
        'with the store down, read() must still return the loaded value',
      ).toBe('during the blip');
      await proxy.restore();
      const key = freshKey();
      const load = countingLoader('after the blip');
      await cache.read(key, load, parse);
      await cache.read(key, load, parse);
      expect(
        load.calls,
        'after the store came back the cache never stored again: reset storeDown when a store call succeeds',
      ).toBe(1);
      expect(
        events.map((event) => event.kind).filter((kind) => kind.startsWith('store-')),
        'one store-down when the store went away, one store-up when it came back',
      ).toEqual(['store-down', 'store-up']);
    } finally {
      await proxy.close();
    }
  });

  it('answers from the loader, fast, and reports it once', async () => {
    const store = createUpstashStore({ url: `http://127.0.0.1:${await closedPort()}`, token: 't' });
    const events: CacheEvent[] = [];
    // A generous timeout: a refused connection must fail on its own, long before it.
    const cache = createCache({
      store,
      ttlSeconds: 60,
      timeoutMs: 5_000,
      onEvent: (event) => events.push(event),
    });
    const load = countingLoader('from the database');
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const value = await cache.read('l03:down', load, parse);
      expect(value, 'with the store down, read() must still return the loaded value').toBe(
        'from the database',
      );
      expect(
        performance.now() - start,
        'a read waited while the client retried a refused connection: create the client with retry: false',
      ).toBeLessThan(1_000);
    }
    expect(load.calls, 'every read must fall back to the loader while the store is down').toBe(5);
    const warnings = events.filter((event) => event.kind === 'store-down');
    expect(
      warnings.length,
      'the outage must be reported once (a store-down event), not once per read',
    ).toBe(1);
  });

  it('gives up on a store that does not answer after timeoutMs', async () => {
    const silent = await silentServer();
    try {
      const store = createUpstashStore({ url: silent.url, token: 't' });
      const cache = createCache({ store, ttlSeconds: 60, timeoutMs: 200 });
      const start = performance.now();
      const value = await Promise.race([
        cache.read('l03:silent', countingLoader('from the database'), parse),
        new Promise((resolve) => setTimeout(() => resolve('(still waiting after 3 s)'), 3_000)),
      ]);
      expect(
        value,
        'read() waited for a store that never answers: race each store call against timeoutMs',
      ).toBe('from the database');
      expect(
        performance.now() - start,
        'read() waited for a store that never answers: race the store call against timeoutMs',
      ).toBeLessThan(1_500);
    } finally {
      await silent.close();
    }
  });
});

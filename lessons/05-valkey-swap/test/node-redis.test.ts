// node-redis beside iovalkey: the same counters, limiter and TTLs through the other client, on
// the same server (the test's kv-server over RESP; the real Valkey in test:services).
import { useTestStack } from '@workshop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createViewCounter } from '../src/counters.ts';
import {
  connectNodeRedis,
  createNodeRedisStore,
  type NodeRedisClient,
} from '../src/node-redis-store.ts';
import { createRateLimiter } from '../src/rate-limit.ts';
import { createValkeyStore, createValkeyStoreClient } from '../src/valkey-store.ts';

const stack = useTestStack({ postgres: false });
let nodeRedis: NodeRedisClient;
const iovalkey = () => createValkeyStoreClient(stack.valkeyUrl);
let other: ReturnType<typeof iovalkey>;

beforeAll(async () => {
  nodeRedis = await connectNodeRedis(stack.valkeyUrl);
  other = iovalkey();
});
afterAll(async () => {
  await nodeRedis?.quit();
  other?.disconnect();
});

describe('the same counters through node-redis', () => {
  it('counts 1,000 concurrent views exactly, and iovalkey reads the same count', async () => {
    const store = createNodeRedisStore(nodeRedis);
    const counter = createViewCounter({ store });
    const slug = `node-redis-${Date.now()}`;
    await Promise.all(Array.from({ length: 1000 }, () => counter.recordView(slug)));
    expect(await counter.views(slug), 'node-redis INCR, 1,000 times at once').toBe(1000);
    const seen = createViewCounter({ store: createValkeyStore(other) });
    expect(await seen.views(slug), 'the same key read through iovalkey').toBe(1000);
  });

  it('ranks with ZINCRBY and ZRANGE ... REV WITHSCORES, as a flat list', async () => {
    const store = createNodeRedisStore(nodeRedis);
    await store.del('views:ranking');
    const counter = createViewCounter({ store });
    for (const [slug, n] of [
      ['nr-a', 2],
      ['nr-b', 5],
      ['nr-c', 3],
    ] as const) {
      for (let i = 0; i < n; i++) await counter.recordView(slug);
    }
    expect(await counter.mostViewed(2)).toEqual([
      { slug: 'nr-b', views: 5 },
      { slug: 'nr-c', views: 3 },
    ]);
  });

  it('limits with MULTI, INCR and EXPIRE ... NX, and sets EX in seconds', async () => {
    const store = createNodeRedisStore(nodeRedis);
    const limiter = createRateLimiter({
      store,
      name: `nr-${Date.now()}`,
      limit: 2,
      windowSeconds: 60,
    });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await limiter.hit('ivy')).allowed);
    expect(outcomes).toEqual([true, true, false]);
    await store.set('nr:ttl', 'v', { ex: 60 });
    const ttl = await store.ttl('nr:ttl');
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});

// Checkpoint 08, expiry: copies the wiki writes at the same moment get TTLs spread over the last
// tenth of the TTL, not all the same second, so they do not all expire (and miss) together.

import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { createCache } from '../src/cache.ts';
import { jitteredTtl } from '../src/jitter.ts';
import { articleKey } from '../src/keys.ts';
import { createWiki } from '../src/wiki.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack();

/**
 * Runs `call` on every item, 10 at a time, and reads each key's TTL right after: the TTL as it
 * was set, however slow the machine is (on a busy one, 300 writes can take seconds).
 */
async function ttlsAfter<T>(
  items: T[],
  call: (item: T) => Promise<unknown>,
  ttlOf: (item: T) => Promise<number>,
) {
  const ttls: number[] = [];
  for (let i = 0; i < items.length; i += 10) {
    const batch = items.slice(i, i + 10);
    await Promise.all(batch.map(call));
    ttls.push(...(await Promise.all(batch.map(ttlOf))));
  }
  return ttls;
}

/** How many keys expire in each second, and the busiest second's share. */
function spread(ttls: number[]) {
  const perSecond = new Map<number, number>();
  for (const ttl of ttls) perSecond.set(ttl, (perSecond.get(ttl) ?? 0) + 1);
  return {
    seconds: perSecond.size,
    busiest: Math.max(...perSecond.values()) / ttls.length,
    min: Math.min(...ttls),
    max: Math.max(...ttls),
  };
}

it('jitteredTtl stays within the last tenth of the base, and never under 1 s', () => {
  expect(jitteredTtl(60, 0.1, () => 0)).toBe(60);
  expect(
    jitteredTtl(60, 0.1, () => 0.999),
    'jitteredTtl must take up to spread * base off the TTL, at random',
  ).toBe(54);
  expect(jitteredTtl(1, 0.5, () => 0.999)).toBe(1);
});

describe.each(backendsOf(stack))('on $name', (backend) => {
  it('300 copies cached at once by the cache expire over several seconds', async () => {
    const { client, store } = backend.connect();
    // A long timeout: this checks the TTLs, not how the cache copes with a slow machine.
    const cache = createCache({ store, ttlSeconds: 60, timeoutMs: 10_000 });
    const keys = Array.from({ length: 300 }, (_, i) => `jitter-test:${i}`);
    const ttls = await ttlsAfter(
      keys,
      (key) => cache.read(key, async () => ({ key }), JSON.parse),
      (key) => client.ttl(key),
    );
    const { seconds, busiest, min, max } = spread(ttls);
    expect(max, 'a jittered TTL is never longer than ttlSeconds').toBeLessThanOrEqual(60);
    expect(min, 'the jitter takes at most a tenth off the TTL').toBeGreaterThanOrEqual(53);
    expect(
      seconds,
      'copies written together must not share one TTL: jitter each SET ... EX (jitteredTtl)',
    ).toBeGreaterThanOrEqual(5);
    expect(busiest, 'no single second may hold most of the expiries').toBeLessThan(0.3);
  });

  it('articles the wiki caches together get jittered TTLs too', async () => {
    const { client, store } = backend.connect();
    const wiki = createWiki({
      pool: stack.pool,
      store,
      client,
      ttlSeconds: 60,
      cacheTimeoutMs: 10_000,
    });
    const slugs = Array.from(
      { length: 100 },
      (_, i) => `article-${String(i + 1).padStart(5, '0')}`,
    );
    const ttls = await ttlsAfter(
      slugs,
      (slug) => wiki.getArticle(slug),
      (slug) => client.ttl(articleKey(slug)),
    );
    const { seconds, busiest, max } = spread(ttls);
    expect(max).toBeLessThanOrEqual(60);
    expect(
      seconds,
      'article hashes cached together must not share one TTL: jitter the EXPIRE',
    ).toBeGreaterThanOrEqual(5);
    expect(busiest).toBeLessThan(0.3);
  });
});

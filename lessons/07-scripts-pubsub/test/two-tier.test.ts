import { createUpstashClient } from '@workshop/config';
import { startTcpProxy, useTestStack, viaProxy } from '@workshop/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import {
  INVALIDATION_CHANNEL,
  subscribeOverRest,
  subscribeOverTcp,
  withLocalTier,
} from '../src/two-tier.ts';
import { createValkeyStoreClient } from '../src/valkey-store.ts';
import { createWiki } from '../src/wiki.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack();
const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});
let n = 0;
const newSlug = () => `tier-${process.pid}-${Date.now()}-${++n}`;

/** Polls `read` until it answers `wanted`; answers how long that took, or Infinity. */
async function msUntil(read: () => Promise<unknown>, wanted: unknown, limitMs: number) {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if ((await read()) === wanted) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Number.POSITIVE_INFINITY;
}

describe.each(backendsOf(stack))('two tiers, on $name', ({ connect, url }) => {
  /** One "process": its own store connection, its own local tier, its own subscriber. */
  async function process_(over: 'tcp' | 'rest', { localTtlMs = 30_000, subscriberUrl = '' } = {}) {
    const { client, store } = connect();
    const tiers: string[] = [];
    const upstash = createUpstashClient(stack.config);
    const local = withLocalTier(createWiki({ pool: stack.pool, store, client }), {
      localTtlMs,
      publish: (message) =>
        over === 'tcp'
          ? client.publish(INVALIDATION_CHANNEL, message)
          : upstash.publish(INVALIDATION_CHANNEL, message),
      onRead: (tier) => tiers.push(tier),
    });
    if (over === 'tcp') {
      const subscriber = createValkeyStoreClient(subscriberUrl || url());
      const { close } = await subscribeOverTcp(subscriber, local.onMessage);
      closers.push(close);
    } else {
      const { close } = await subscribeOverRest(upstash, local.onMessage);
      closers.push(close);
    }
    return { ...local, tiers };
  }

  it('answers a repeated read from the process, without the store', async () => {
    const a = await process_('tcp');
    const slug = newSlug();
    await a.wiki.createArticle({ slug, title: 'Hot', body: 'x', author: 'ada' });
    await a.wiki.getArticle(slug);
    await a.wiki.getArticle(slug);
    expect(a.tiers, 'the second read must come from the in-process LRU').toEqual([
      'store',
      'local',
    ]);
  });

  for (const over of ['tcp', 'rest'] as const) {
    it(`shows a write in one process to another within a second (pub/sub over ${over})`, async () => {
      const a = await process_(over);
      const b = await process_(over);
      const slug = newSlug();
      await a.wiki.createArticle({ slug, title: 'Before', body: 'x', author: 'ada' });
      await b.wiki.getArticle(slug);
      await b.wiki.getArticle(slug);
      expect(b.tiers.at(-1), 'b should now hold a local copy').toBe('local');
      await a.wiki.updateArticle(slug, { title: 'After' });
      const ms = await msUntil(async () => (await b.wiki.getArticle(slug))?.title, 'After', 3000);
      expect(
        ms,
        `process b still showed the old title: publish the slug on every write, and drop the local copy in every subscriber (${over})`,
      ).toBeLessThan(1000);
    });
  }

  it('a process that missed the message is stale for at most its local TTL', async () => {
    const target = new URL(url());
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    closers.push(() => proxy.close());
    const a = await process_('tcp');
    const b = await process_('tcp', {
      localTtlMs: 700,
      subscriberUrl: viaProxy(url(), proxy),
    });
    const slug = newSlug();
    await a.wiki.createArticle({ slug, title: 'Before', body: 'x', author: 'ada' });
    await b.wiki.getArticle(slug); // b caches it locally (its TTL starts now)
    const cachedAt = performance.now();
    await proxy.cut(); // b's subscription is down: it will miss the message
    await a.wiki.updateArticle(slug, { title: 'After' });
    expect((await b.wiki.getArticle(slug))?.title, 'b missed the message: stale, for now').toBe(
      'Before',
    );
    await msUntil(async () => (await b.wiki.getArticle(slug))?.title, 'After', 3000);
    const staleFor = performance.now() - cachedAt;
    expect(
      staleFor,
      'with the message lost, the local copy must still expire: give the LRU a short ttl',
    ).toBeLessThan(700 + 500);
  });
});

// A second, smaller cache inside the process, in front of the store: the hottest articles are
// answered from memory, with no network at all. Every process has its own copy, so a write in
// one must reach the others: it publishes the slug on a channel, and each process, subscribed,
// drops its copy. A process that misses a message (its connection was down) keeps a stale copy,
// but only until the copy's own short TTL ends: that TTL is the bound on staleness.

import { randomUUID } from 'node:crypto';
import type { Redis as UpstashRedis } from '@upstash/redis';
import type { Article } from '@workshop/db';
import type { Redis as ValkeyClient } from 'iovalkey';
import { LRUCache } from 'lru-cache';
import type { Wiki } from './wiki.ts';

export const INVALIDATION_CHANNEL = 'wiki:invalidate';

export interface LocalTierOptions {
  /** How many articles each process keeps (least recently used ones go first). */
  max?: number;
  /** How long a local copy lives, in ms: how stale it can get when a message is lost. */
  localTtlMs: number;
  /** Sends an invalidation to every process (PUBLISH), this one included. */
  publish(message: string): Promise<unknown>;
  /** Which tier answered each read: the web front shows it as `x-cache-tier`. */
  onRead?(tier: 'local' | 'store'): void;
}

/** The wiki with an in-process tier in front of its reads of articles, and what feeds it. */
export function withLocalTier(
  wiki: Wiki,
  { max = 500, localTtlMs, publish, onRead }: LocalTierOptions,
) {
  // #region local-tier
  const local = new LRUCache<string, Article>({ max, ttl: localTtlMs });
  // Bumped by every invalidation this process hears: a store read that began before one does
  // not keep what it read (it may be the version the message was about).
  let invalidations = 0;

  async function getArticle(slug: string): Promise<Article | null> {
    const copy = local.get(slug);
    if (copy) {
      onRead?.('local');
      return copy;
    }
    const before = invalidations;
    const article = await wiki.getArticle(slug); // the store tier (and Postgres behind it)
    onRead?.('store');
    if (article && invalidations === before) local.set(slug, article);
    return article;
  }
  // #endregion local-tier

  // #region invalidate
  const processId = randomUUID();

  /** Tells every process (this one too) that `slug` changed. */
  async function changed(slug: string): Promise<void> {
    drop(slug); // at once here; the others when the message arrives
    await publish(JSON.stringify({ slug, from: processId }));
  }

  /** What a subscriber calls with each message on INVALIDATION_CHANNEL. */
  function onMessage(message: unknown): void {
    const { slug } = (typeof message === 'string' ? JSON.parse(message) : message) as {
      slug?: unknown;
    };
    if (typeof slug === 'string') drop(slug);
  }

  function drop(slug: string) {
    invalidations++;
    local.delete(slug);
  }
  // #endregion invalidate

  const twoTier: Wiki = {
    ...wiki,
    getArticle,
    async updateArticle(slug, patch) {
      const article = await wiki.updateArticle(slug, patch);
      await changed(slug);
      return article;
    },
    async deleteArticle(slug) {
      const deleted = await wiki.deleteArticle(slug);
      await changed(slug);
      return deleted;
    },
  };
  return { wiki: twoTier, onMessage, local, clearLocal: () => local.clear() };
}

// #region subscribe-tcp
/**
 * Over TCP: a connection of its own, in subscriber mode (it can do nothing else), that hands
 * every message on the channel to `onMessage`. iovalkey reconnects and subscribes again on its
 * own; what was published while it was away is lost: pub/sub keeps nothing.
 */
export async function subscribeOverTcp(subscriber: ValkeyClient, onMessage: (m: string) => void) {
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === INVALIDATION_CHANNEL) onMessage(message);
  });
  await subscriber.subscribe(INVALIDATION_CHANNEL);
  return { close: () => subscriber.disconnect() };
}
// #endregion subscribe-tcp

// #region subscribe-rest
/**
 * Over Upstash's REST API: `subscribe()` opens a long-lived HTTP response (server-sent events)
 * and the client reads each message from it. Answers once the server has confirmed.
 */
export async function subscribeOverRest(redis: UpstashRedis, onMessage: (m: unknown) => void) {
  const subscriber = redis.subscribe<unknown>([INVALIDATION_CHANNEL]);
  const confirmed = new Promise<void>((resolve, reject) => {
    subscriber.on('subscribe', () => resolve());
    subscriber.on('error', reject);
  });
  subscriber.on('message', ({ message }) => onMessage(message));
  await confirmed;
  return { close: () => subscriber.unsubscribe() };
}
// #endregion subscribe-rest

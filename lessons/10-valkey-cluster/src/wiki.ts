// The team wiki: articles live in Postgres; the store keeps copies of the ones people read.
// Everything the wiki needs comes in as a parameter, so tests can hand it other real instances.
// Lesson 06: an article's copy is a hash (article-hash.ts), so an edit writes only the fields
// it changed; the list stays one JSON string, cached as in lesson 03.

import {
  type Article,
  type ArticleSummary,
  createArticle,
  deleteArticle,
  getArticle,
  listArticles,
  updateArticle,
} from '@workshop/db';
import type { Redis as ValkeyClient } from 'iovalkey';
import type pg from 'pg';
import { createArticleCache } from './article-hash.ts';
import { type CacheEvent, createCache } from './cache.ts';
import type { KeyValueStore } from './store.ts';

export interface WikiOptions {
  pool: pg.Pool;
  store: KeyValueStore;
  /** The same store's client, for the commands the adapter does not have (HSET, HGETALL). */
  client: ValkeyClient;
  /** How long cached copies live, in seconds (default 60). */
  ttlSeconds?: number;
  /** How long a read waits for the store before asking Postgres (default 1000 ms). */
  cacheTimeoutMs?: number;
  /** Hits, misses, and the store going down or coming back. */
  onCacheEvent?: (event: CacheEvent) => void;
}

export interface Wiki {
  listArticles(): Promise<ArticleSummary[]>;
  getArticle(slug: string): Promise<Article | null>;
  createArticle(input: {
    slug: string;
    title: string;
    body: string;
    author: string;
  }): Promise<Article>;
  updateArticle(slug: string, patch: { title?: string; body?: string }): Promise<Article | null>;
  deleteArticle(slug: string): Promise<boolean>;
}

// #region keys
/** The list page's key; an article's is articleHashKey() in article-hash.ts. */
export const ARTICLE_LIST_KEY = 'articles:list';
// #endregion keys

// #region serialise
/** JSON has no dates: turn the ISO strings back into Date objects. */
function withDates<T extends { createdAt: unknown; updatedAt: unknown }>(raw: T) {
  return {
    ...raw,
    createdAt: new Date(String(raw.createdAt)),
    updatedAt: new Date(String(raw.updatedAt)),
  };
}

export function parseArticleList(json: string): ArticleSummary[] {
  return JSON.parse(json).map(withDates);
}
// #endregion serialise

export function createWiki({
  pool,
  store,
  client,
  ttlSeconds = 60,
  cacheTimeoutMs,
  onCacheEvent,
}: WikiOptions): Wiki {
  const cache = createCache({
    store,
    ttlSeconds,
    timeoutMs: cacheTimeoutMs,
    onEvent: onCacheEvent,
  });
  const articles = createArticleCache({
    client,
    ttlSeconds,
    onEvent: (kind, key) => {
      if (kind === 'store-down') onCacheEvent?.({ kind, reason: `no answer for ${key}` });
      else if (kind === 'store-full') onCacheEvent?.({ kind, reason: `OOM writing ${key}` });
      else onCacheEvent?.({ kind, key });
    },
  });

  return {
    // #region reads
    listArticles: () => cache.read(ARTICLE_LIST_KEY, () => listArticles(pool), parseArticleList),

    getArticle: (slug) => articles.read(slug, () => getArticle(pool, slug)),
    // #endregion reads

    // #region writes
    // A write makes stored copies wrong. The list is deleted, as in lesson 03; an edited
    // article's hash gets the changed fields written into it instead, so the next reader finds
    // it ready. Every write changes the list, so all three delete it.
    async createArticle(input) {
      const article = await createArticle(pool, input);
      await cache.invalidate(ARTICLE_LIST_KEY);
      return article;
    },

    async updateArticle(slug, patch) {
      const article = await updateArticle(pool, slug, patch);
      if (article) {
        // #region write-fields
        // Only what changed: the new title (or body) and the new updatedAt.
        const changed: Record<string, string> = { updatedAt: article.updatedAt.toISOString() };
        if (patch.title !== undefined) changed.title = article.title;
        if (patch.body !== undefined) changed.body = article.body;
        await articles.updateFields(slug, changed);
        // #endregion write-fields
      }
      await cache.invalidate(ARTICLE_LIST_KEY);
      return article;
    },

    async deleteArticle(slug) {
      const deleted = await deleteArticle(pool, slug);
      await articles.drop(slug);
      await cache.invalidate(ARTICLE_LIST_KEY);
      return deleted;
    },
    // #endregion writes
  };
}

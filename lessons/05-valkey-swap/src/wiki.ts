// The team wiki: articles live in Postgres; the store keeps copies of the ones people read.
// Everything the wiki needs comes in as a parameter, so tests can hand it other real instances.

import {
  type Article,
  type ArticleSummary,
  createArticle,
  deleteArticle,
  getArticle,
  listArticles,
  updateArticle,
} from '@workshop/db';
import type pg from 'pg';
import { type CacheEvent, createCache } from './cache.ts';
import type { KeyValueStore } from './store.ts';

export interface WikiOptions {
  pool: pg.Pool;
  store: KeyValueStore;
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
/** One naming scheme for keys, in one place: `article:<slug>`, and the list page. */
export const articleKey = (slug: string) => `article:${slug}`;
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

/** A store keeps strings, so an article travels as JSON. */
export function parseArticle(json: string): Article {
  return withDates(JSON.parse(json));
}

export function parseArticleList(json: string): ArticleSummary[] {
  return JSON.parse(json).map(withDates);
}
// #endregion serialise

export function createWiki({
  pool,
  store,
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

  return {
    // #region reads
    listArticles: () => cache.read(ARTICLE_LIST_KEY, () => listArticles(pool), parseArticleList),

    getArticle: (slug) => cache.read(articleKey(slug), () => getArticle(pool, slug), parseArticle),
    // #endregion reads

    // #region writes
    // A write makes stored copies wrong: delete them, and the next read fetches the new version.
    // Every write changes the list, so all three delete it.
    async createArticle(input) {
      const article = await createArticle(pool, input);
      await cache.invalidate(ARTICLE_LIST_KEY);
      return article;
    },

    async updateArticle(slug, patch) {
      const article = await updateArticle(pool, slug, patch);
      await cache.invalidate(articleKey(slug), ARTICLE_LIST_KEY);
      return article;
    },

    async deleteArticle(slug) {
      const deleted = await deleteArticle(pool, slug);
      await cache.invalidate(articleKey(slug), ARTICLE_LIST_KEY);
      return deleted;
    },
    // #endregion writes
  };
}

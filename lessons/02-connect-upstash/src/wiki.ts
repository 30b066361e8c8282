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
import type { KeyValueStore } from './store.ts';

export interface WikiOptions {
  pool: pg.Pool;
  store: KeyValueStore;
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
/** One naming scheme for keys, in one place: `article:<slug>`. */
export const articleKey = (slug: string) => `article:${slug}`;
// #endregion keys

// #region serialise
/** A store keeps strings, so an article travels as JSON. JSON has no dates: revive them. */
export function parseArticle(json: string): Article {
  const raw = JSON.parse(json);
  return { ...raw, createdAt: new Date(raw.createdAt), updatedAt: new Date(raw.updatedAt) };
}
// #endregion serialise

export function createWiki({ pool, store }: WikiOptions): Wiki {
  return {
    listArticles: () => listArticles(pool),

    // #region get-article
    async getArticle(slug) {
      const key = articleKey(slug);
      const cached = await store.get(key);
      if (cached !== null) return parseArticle(cached); // hit: Postgres is not asked

      const article = await getArticle(pool, slug); // miss: ask Postgres...
      if (article !== null) await store.set(key, JSON.stringify(article)); // ...and keep a copy
      return article;
    },
    // #endregion get-article

    createArticle: (input) => createArticle(pool, input),

    // #region writes
    // A write makes the stored copy wrong: delete it, and the next read fetches the new version.
    async updateArticle(slug, patch) {
      const article = await updateArticle(pool, slug, patch);
      await store.del(articleKey(slug));
      return article;
    },

    async deleteArticle(slug) {
      const deleted = await deleteArticle(pool, slug);
      await store.del(articleKey(slug));
      return deleted;
    },
    // #endregion writes
  };
}

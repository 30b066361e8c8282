// biome-ignore-all lint/correctness/noUnusedFunctionParameters: a starting state, the learner fills it in (practice mode leaves this line out)
// EXERCISE (lesson 1): the TODOs below make the wiki use the store.
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

/** One naming scheme for keys, in one place: `article:<slug>`. */
export const articleKey = (slug: string) => `article:${slug}`;

/** A store keeps strings, so an article travels as JSON. JSON has no dates: revive them. */
export function parseArticle(json: string): Article {
  const raw = JSON.parse(json);
  return { ...raw, createdAt: new Date(raw.createdAt), updatedAt: new Date(raw.updatedAt) };
}

export function createWiki({ pool, store }: WikiOptions): Wiki {
  return {
    listArticles: () => listArticles(pool),

    // TODO(lesson 1): look in the store first (key: articleKey(slug)). A hit is parsed back with
    // parseArticle and Postgres is not asked; on a miss, ask Postgres and keep a JSON copy of a
    // found article in the store for the next read.
    async getArticle(slug) {
      return getArticle(pool, slug);
    },

    createArticle: (input) => createArticle(pool, input),

    // TODO(lesson 1): a write makes the stored copy wrong. After changing Postgres, remove the
    // article's key from the store, so the next read fetches the new version.
    async updateArticle(slug, patch) {
      return updateArticle(pool, slug, patch);
    },

    async deleteArticle(slug) {
      return deleteArticle(pool, slug);
    },
  };
}

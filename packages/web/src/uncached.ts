// The baseline for `measure:http`: the same pages with no cache in front of Postgres, every
// read a query. It belongs to the web layer's benchmark, not to any lesson.

import * as db from '@workshop/db';
import type pg from 'pg';
import type { ArticleInput } from './types.ts';

export function uncachedWiki(pool: pg.Pool) {
  return {
    listArticles: () => db.listArticles(pool),
    getArticle: (slug: string) => db.getArticle(pool, slug),
    createArticle: (input: ArticleInput) => db.createArticle(pool, input),
    updateArticle: (slug: string, patch: { title?: string; body?: string }) =>
      db.updateArticle(pool, slug, patch),
    deleteArticle: (slug: string) => db.deleteArticle(pool, slug),
  };
}

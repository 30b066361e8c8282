// The one interface between the web front and a lesson: each lesson's `src/web.ts` exports a
// `createWebWiki` that builds the lesson's own app (its createWiki, counters, limiter) and hands
// it over in this shape, so the lesson's code is what answers every page.

import type { WorkshopConfig } from '@workshop/config';
import type { Article, ArticleSummary } from '@workshop/db';
import type pg from 'pg';

export interface ArticleInput {
  slug: string;
  title: string;
  body: string;
  author: string;
}

export interface LimitDecision {
  allowed: boolean;
  /** Seconds until the caller may try again (the limiter key's TTL). */
  retryAfterSeconds: number;
}

export interface WebWiki {
  /** The lesson number, shown in the footer. */
  readonly lesson: number;
  listArticles(): Promise<ArticleSummary[]>;
  getArticle(slug: string): Promise<Article | null>;
  /** Throws `ArticleExistsError` (from @workshop/db) when the slug is taken. */
  createArticle(input: ArticleInput): Promise<Article>;
  updateArticle(slug: string, patch: { title?: string; body?: string }): Promise<Article | null>;
  deleteArticle(slug: string): Promise<boolean>;
  /** From lesson 04: counts a view; answers the new count and the milestone reached, if any. */
  recordView?(slug: string): Promise<{ views: number; milestone: number | null }>;
  /** From lesson 04: asks the create limiter for this author. */
  limitCreate?(author: string): Promise<LimitDecision>;
  /** From lesson 06: the article's tags. */
  tagsOf?(slug: string): Promise<string[]>;
  /** From lesson 06: the slugs of the articles carrying every one of `tags` (SINTER). */
  taggedAll?(tags: string[]): Promise<string[]>;
  /** From lesson 06: records a reader of the article; answers its unique readers both ways. */
  recordReader?(slug: string, reader: string): Promise<{ exact: number; approximate: number }>;
  /** From lesson 06: the articles viewed most in the last 24 hours, recent views weighing more. */
  trending?(limit: number): Promise<{ slug: string; score: number }[]>;
  /** From lesson 07: takes the article's edit lock for `editor`; false and who holds it if taken. */
  lockEdit?(
    slug: string,
    editor: string,
  ): Promise<{ locked: true } | { locked: false; heldBy: string }>;
  /** From lesson 07: releases the edit lock if `editor` still holds it. */
  unlockEdit?(slug: string, editor: string): Promise<boolean>;
  /** From lesson 06: the latest things that happened, newest first. */
  recentActivity?(
    limit: number,
  ): Promise<{ at: string; who: string; what: string; slug: string }[]>;
  /**
   * From lesson 08: what the app knows about itself (hit ratio, memory, evictions...), one table
   * per section, shown at `/status` (linked from the footer when the lesson has it).
   */
  status?(): Promise<StatusSection[]>;
  /** Closes the pool and the store. */
  close(): Promise<void>;
}

/** One table on the `/status` page: a heading and its name/value rows, in order. */
export interface StatusSection {
  title: string;
  rows: [string, string][];
}

/** What the web front gives the lesson so it can see the cache at work in each request. */
export interface WebHooks {
  /** The services to use (from .env and the local stack; tests pass their own). */
  readonly config: WorkshopConfig;
  /** Wrap the lesson's pool: time spent in Postgres shows as `db` in Server-Timing. */
  instrumentPool(pool: pg.Pool): pg.Pool;
  /** Wrap the lesson's store: GET hits and misses make `x-cache`, time shows as `cache`. */
  instrumentStore<S extends object>(store: S): S;
  /** From lesson 07: the lesson's in-process cache answered a read (`x-cache-tier: local`). */
  reportLocalHit?(): void;
  /** false when a benchmark wants the same pages with no cache in front of Postgres. */
  readonly cache: boolean;
}

export type CreateWebWiki = (hooks: WebHooks) => Promise<WebWiki>;

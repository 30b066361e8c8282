// The article as a hash: one field per column, so an edit to the title sends the title, not the
// whole article again. Lesson 03 kept each article as one JSON string: to change one field, the
// app had to delete it (or rewrite all of it) and the next reader loaded everything again.

import type { Article } from '@workshop/db';
import type { Redis as ValkeyClient } from 'iovalkey';
import { isOutOfMemory } from './cache.ts';
import { jitteredTtl } from './jitter.ts';
import { articleKey } from './keys.ts';

// #region keys
/**
 * Lesson 06 named the hash `article:<slug>:fields` because `article:<slug>` held lesson 05's
 * JSON string: a new format needed a new name. Lesson 08 says so in the name: `v2:article:<slug>`
 * (keys.ts), the second format of an article's copy.
 */
export const articleHashKey = articleKey;
// #endregion keys

// #region to-hash
const FIELDS = ['slug', 'title', 'body', 'author', 'createdAt', 'updatedAt'] as const;

/** A hash holds strings: dates travel as ISO text, like in the JSON of lesson 03. */
export function toHash(article: Article): Record<string, string> {
  return {
    slug: article.slug,
    title: article.title,
    body: article.body,
    author: article.author,
    createdAt: article.createdAt.toISOString(),
    updatedAt: article.updatedAt.toISOString(),
  };
}

/**
 * The article in a hash, or null. A hash missing a field counts as a miss too: a one-field
 * write can land on a key that expired a moment before and create a hash with that field only.
 */
export function fromHash(hash: Record<string, string>): Article | null {
  if (!FIELDS.every((field) => typeof hash[field] === 'string')) return null;
  return {
    slug: hash.slug as string,
    title: hash.title as string,
    body: hash.body as string,
    author: hash.author as string,
    createdAt: new Date(hash.createdAt as string),
    updatedAt: new Date(hash.updatedAt as string),
  };
}
// #endregion to-hash

export interface ArticleCacheOptions {
  client: ValkeyClient;
  ttlSeconds: number;
  onEvent?: (kind: 'hit' | 'miss' | 'store-down' | 'store-full', key: string) => void;
}

export function createArticleCache({
  client,
  ttlSeconds,
  onEvent = () => {},
}: ArticleCacheOptions) {
  // Bumped by every write: a read that began before a write does not store what it loaded.
  let writes = 0;

  /** Lesson 08: a refused write is `store-full` (OOM: the store answers, but is full). */
  const failed = (key: string) => (error: unknown) =>
    onEvent(isOutOfMemory(error) ? 'store-full' : 'store-down', key);

  // #region read
  async function read(slug: string, load: () => Promise<Article | null>): Promise<Article | null> {
    const key = articleHashKey(slug);
    const writesBefore = writes;
    let cached: Article | null = null;
    try {
      cached = fromHash(await client.hgetall(key)); // a missing key answers {}
    } catch {
      onEvent('store-down', key);
      return load(); // a store that is down costs speed, not answers (lesson 03)
    }
    if (cached) {
      onEvent('hit', key);
      return cached;
    }
    onEvent('miss', key);
    const article = await load();
    if (article && writes === writesBefore) {
      // All fields and the TTL in one MULTI: no reader sees a hash without its expiry.
      await client
        .multi()
        .hset(key, toHash(article))
        .expire(key, jitteredTtl(ttlSeconds)) // lesson 08: spread the expiries
        .exec()
        .catch(failed(key));
    }
    return article;
  }
  // #endregion read

  // #region update-fields
  /** Writes the fields that changed into the cached hash: a few bytes, not the whole article. */
  async function updateFields(slug: string, changed: Partial<Record<keyof Article, string>>) {
    writes++;
    const key = articleHashKey(slug);
    try {
      await client
        .multi()
        .hset(key, changed)
        // NX: keep the TTL of a hash that has one; give one to a hash this HSET just created
        // (the key had expired), so a partial hash cannot live forever.
        .expire(key, ttlSeconds, 'NX')
        .exec();
    } catch (error) {
      failed(key)(error);
      // #region oom-fallback
      // Lesson 08: the new fields were refused (OOM), so the hash still holds the old ones. A
      // full store still accepts DEL (it frees memory): delete the copy, and the next reader
      // loads the article from Postgres.
      await drop(slug);
      // #endregion oom-fallback
    }
  }
  // #endregion update-fields

  async function drop(slug: string) {
    writes++;
    const key = articleHashKey(slug);
    await client.del(key).catch(failed(key));
  }

  return { read, updateFields, drop };
}

export type ArticleCache = ReturnType<typeof createArticleCache>;

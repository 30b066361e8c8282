// Tags as sets. Postgres keeps the truth (the article_tags table); the store keeps two kinds of
// set that answer tag questions without a query: `tag:<tag>`, the slugs carrying a tag, and
// `article:<slug>:tags`, the tags of one article. SINTER answers "tagged X and Y", SUNION
// "tagged X or Y", SINTERCARD "how many tagged X and Y", each in one command.

import { allTags, setTags as setTagsInPostgres } from '@workshop/db';
import type { Redis as ValkeyClient } from 'iovalkey';
import type pg from 'pg';

// #region keys
// Lesson 10: SINTER/SUNION across tag sets, and the MULTI that moves an article between them,
// need every set in one hash slot. Only the part between { and } is hashed: `{tags}` puts them
// all in the slot of "tags", on one node (the tag sets are small; see the README).
export const tagKey = (tag: string) => `{tags}:tag:${tag}`;
export const articleTagsKey = (slug: string) => `{tags}:article:${slug}`;
// #endregion keys

export interface TagsOptions {
  pool: pg.Pool;
  client: ValkeyClient;
}

export function createTags({ pool, client }: TagsOptions) {
  // #region set-tags
  /**
   * Replaces an article's tags in Postgres and in the store. The store's sets change inside
   * Postgres's transaction (beforeCommit): while it holds the article's row lock, so two editors
   * change the sets in the same order as the table; if the store fails, the edit rolls back.
   */
  async function setTags(slug: string, tags: readonly string[]): Promise<string[] | null> {
    const changes = await setTagsInPostgres(pool, slug, tags, {
      async beforeCommit({ added, removed, tags: now }) {
        const transaction = client.multi();
        for (const tag of added) transaction.sadd(tagKey(tag), slug);
        for (const tag of removed) transaction.srem(tagKey(tag), slug);
        transaction.del(articleTagsKey(slug));
        if (now.length > 0) transaction.sadd(articleTagsKey(slug), ...now);
        await execOrThrow(transaction);
      },
    });
    return changes?.tags ?? null;
  }
  // #endregion set-tags

  /** Takes a deleted article out of every tag set (Postgres deleted its tags with the row). */
  async function forgetArticle(slug: string): Promise<void> {
    const tags = await client.smembers(articleTagsKey(slug));
    const transaction = client.multi();
    for (const tag of tags) transaction.srem(tagKey(tag), slug);
    transaction.del(articleTagsKey(slug));
    await execOrThrow(transaction);
  }

  // #region queries
  const sorted = (members: string[]) => members.sort();

  /** The tags of one article. */
  const tagsOf = async (slug: string) => sorted(await client.smembers(articleTagsKey(slug)));
  /** Articles carrying every one of `tags`. */
  const taggedAll = async (...tags: string[]) => sorted(await client.sinter(...tags.map(tagKey)));
  /** Articles carrying at least one of `tags`. */
  const taggedAny = async (...tags: string[]) => sorted(await client.sunion(...tags.map(tagKey)));
  /** How many carry all of `tags`, without sending them: SINTERCARD counts on the server. */
  const countTaggedAll = (...tags: string[]) => client.sintercard(tags.length, ...tags.map(tagKey));
  // #endregion queries

  // #region load
  /**
   * Fills the store's sets from Postgres, when the store lacks them (a new or flushed store).
   * SET NX on a marker key lets exactly one process do it; the others find the marker.
   */
  async function loadFromPostgres(): Promise<boolean> {
    if ((await client.set('tags:loaded', '1', 'NX')) === null) return false;
    const byTag = await allTags(pool);
    const byArticle = new Map<string, string[]>();
    const pipeline = client.pipeline();
    for (const [tag, slugs] of byTag) {
      pipeline.del(tagKey(tag)).sadd(tagKey(tag), ...slugs);
      for (const slug of slugs) byArticle.set(slug, [...(byArticle.get(slug) ?? []), tag]);
    }
    for (const [slug, tags] of byArticle) {
      pipeline.del(articleTagsKey(slug)).sadd(articleTagsKey(slug), ...tags);
    }
    await pipeline.exec();
    return true;
  }
  // #endregion load

  return { setTags, forgetArticle, tagsOf, taggedAll, taggedAny, countTaggedAll, loadFromPostgres };
}

export type Tags = ReturnType<typeof createTags>;

/** iovalkey's exec() answers [error, reply] pairs, or null when a WATCHed key changed. */
async function execOrThrow(transaction: ReturnType<ValkeyClient['multi']>) {
  const replies = await transaction.exec();
  if (replies === null) throw new Error('EXEC aborted');
  for (const [error] of replies) if (error) throw error;
}

// Tags as sets. Postgres keeps the truth (the article_tags table); the store keeps two kinds of
// set that answer tag questions without a query: `tag:<tag>`, the slugs carrying a tag, and
// `article:<slug>:tags`, the tags of one article. SINTER answers "tagged X and Y", SUNION
// "tagged X or Y", SINTERCARD "how many tagged X and Y", each in one command.

import { allTags, setTags as setTagsInPostgres } from '@workshop/db';
import type { Redis as ValkeyClient } from 'iovalkey';
import type pg from 'pg';

export const tagKey = (tag: string) => `tag:${tag}`;
export const articleTagsKey = (slug: string) => `article:${slug}:tags`;

export interface TagsOptions {
  pool: pg.Pool;
  client: ValkeyClient;
}

export function createTags({ pool, client }: TagsOptions) {
  /**
   * Replaces an article's tags in Postgres and in the store. Answers the tags it has now, or null
   * when the article does not exist.
   */
  async function setTags(slug: string, tags: readonly string[]): Promise<string[] | null> {
    // TODO: change the store's sets too, inside Postgres's transaction: pass
    // { beforeCommit({ added, removed, tags }) { ... } } as the fourth argument, and in it send
    // one MULTI: SADD tag:<t> slug for each added tag, SREM for each removed one, and replace
    // article:<slug>:tags with the new tags (DEL, then SADD when there are any).
    const changes = await setTagsInPostgres(pool, slug, tags);
    return changes?.tags ?? null;
  }

  /** Takes a deleted article out of every tag set (Postgres deleted its tags with the row). */
  async function forgetArticle(_slug: string): Promise<void> {
    // TODO: read the article's tags (SMEMBERS article:<slug>:tags), then in one MULTI remove the
    // slug from each tag's set and delete article:<slug>:tags.
  }

  // TODO: answer from the store: SMEMBERS, SINTER, SUNION, SINTERCARD. Sort the lists (sets
  // have no order) so they compare with Postgres's.
  /** The tags of one article. */
  const tagsOf = async (_slug: string): Promise<string[]> => [];
  /** Articles carrying every one of `tags`. */
  const taggedAll = async (..._tags: string[]): Promise<string[]> => [];
  /** Articles carrying at least one of `tags`. */
  const taggedAny = async (..._tags: string[]): Promise<string[]> => [];
  /** How many carry all of `tags`, counted on the server. */
  const countTaggedAll = async (..._tags: string[]): Promise<number> => 0;

  /**
   * Fills the store's sets from Postgres, when the store lacks them (a new or flushed store).
   * Answers true when this call loaded them, false when they were there already.
   */
  async function loadFromPostgres(): Promise<boolean> {
    // TODO: SET tags:loaded 1 NX decides who loads (null: someone already did). Then, from
    // allTags(pool) (a Map of tag -> slugs), in one pipeline: fill tag:<tag> with its slugs and
    // article:<slug>:tags with each article's tags.
    void allTags;
    void client;
    return false;
  }

  return { setTags, forgetArticle, tagsOf, taggedAll, taggedAny, countTaggedAll, loadFromPostgres };
}

export type Tags = ReturnType<typeof createTags>;

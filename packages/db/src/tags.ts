import type pg from 'pg';

/** The tags of one article, sorted. */
export async function getTags(pool: pg.Pool, slug: string): Promise<string[]> {
  const { rows } = await pool.query<{ tag: string }>(
    'SELECT tag FROM article_tags WHERE slug = $1 ORDER BY tag',
    [slug],
  );
  return rows.map((row) => row.tag);
}

export interface TagChanges {
  added: string[];
  removed: string[];
  /** The article's tags after the change, sorted. */
  tags: string[];
}

/**
 * Replaces an article's tags, in one transaction, and answers what changed, so a copy of the
 * tags elsewhere can apply the same change. Answers null when the article does not exist.
 * `beforeCommit` runs while the transaction still holds the article's row lock: two writers to
 * one article run it in the same order as they change Postgres. If it throws, nothing changes.
 */
export async function setTags(
  pool: pg.Pool,
  slug: string,
  tags: readonly string[],
  options: { beforeCommit?(changes: TagChanges): Promise<void> } = {},
): Promise<TagChanges | null> {
  const wanted = [...new Set(tags)];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Locks the article's row: two concurrent setTags on one article run one after the other,
    // so each sees the other's result as its "before".
    const found = await client.query('SELECT 1 FROM articles WHERE slug = $1 FOR UPDATE', [slug]);
    if (found.rowCount === 0) {
      await client.query('ROLLBACK');
      return null;
    }
    const removed = await client.query<{ tag: string }>(
      'DELETE FROM article_tags WHERE slug = $1 AND NOT (tag = ANY($2::text[])) RETURNING tag',
      [slug, wanted],
    );
    const added = await client.query<{ tag: string }>(
      `INSERT INTO article_tags (slug, tag) SELECT $1, unnest($2::text[])
       ON CONFLICT DO NOTHING RETURNING tag`,
      [slug, wanted],
    );
    const changes: TagChanges = {
      added: added.rows.map((row) => row.tag).sort(),
      removed: removed.rows.map((row) => row.tag).sort(),
      tags: wanted.sort(),
    };
    await options.beforeCommit?.(changes);
    await client.query('COMMIT');
    return changes;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The slugs of the articles carrying every one of `tags`, sorted: the question SINTER answers. */
export async function slugsTaggedAll(pool: pg.Pool, tags: readonly string[]): Promise<string[]> {
  const { rows } = await pool.query<{ slug: string }>(
    `SELECT slug FROM article_tags WHERE tag = ANY($1::text[])
     GROUP BY slug HAVING count(DISTINCT tag) = $2 ORDER BY slug`,
    [tags, new Set(tags).size],
  );
  return rows.map((row) => row.slug);
}

/** Every tag with the slugs that carry it: what a cache of tag sets is rebuilt from. */
export async function allTags(pool: pg.Pool): Promise<Map<string, string[]>> {
  const { rows } = await pool.query<{ tag: string; slugs: string[] }>(
    'SELECT tag, array_agg(slug ORDER BY slug) AS slugs FROM article_tags GROUP BY tag',
  );
  return new Map(rows.map((row) => [row.tag, row.slugs]));
}

import type pg from 'pg';

export interface Article {
  slug: string;
  title: string;
  body: string;
  author: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One line of the wiki's article list: the article without its body, with its author's stats. */
export interface ArticleSummary extends Omit<Article, 'body'> {
  /** How many articles this author has written. */
  authorArticles: number;
  /** The average length of this author's articles, in characters. */
  authorAverageLength: number;
}

/** How many articles the list page shows. */
export const ARTICLE_LIST_SIZE = 50;

interface ArticleRow {
  slug: string;
  title: string;
  body: string;
  author: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'slug, title, body, author, created_at, updated_at';

function toArticle(row: ArticleRow): Article {
  return {
    slug: row.slug,
    title: row.title,
    body: row.body,
    author: row.author,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The wiki's list page: the most recently updated articles, each with its author's article count
 * and average article length. Small to send, but deliberately slow to compute: the stats read
 * every article's body (thousands of rows, decompressed and measured) on each call. That is the
 * query lesson 03 puts a cache in front of; `packages/db/scripts/measure-list-articles.ts`
 * measures it.
 */
export async function listArticles(pool: pg.Pool): Promise<ArticleSummary[]> {
  const { rows } = await pool.query<
    Omit<ArticleRow, 'body'> & { author_articles: number; author_average_length: number }
  >(
    `WITH by_author AS (
       SELECT author, count(*)::int AS author_articles,
              round(avg(length(body)))::int AS author_average_length
       FROM articles GROUP BY author
     )
     SELECT a.slug, a.title, a.author, a.created_at, a.updated_at,
            b.author_articles, b.author_average_length
     FROM articles a JOIN by_author b USING (author)
     ORDER BY a.updated_at DESC, a.slug
     LIMIT $1`,
    [ARTICLE_LIST_SIZE],
  );
  return rows.map((row) => ({
    slug: row.slug,
    title: row.title,
    author: row.author,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    authorArticles: row.author_articles,
    authorAverageLength: row.author_average_length,
  }));
}

export async function getArticle(pool: pg.Pool, slug: string): Promise<Article | null> {
  const { rows } = await pool.query<ArticleRow>(`SELECT ${COLUMNS} FROM articles WHERE slug = $1`, [
    slug,
  ]);
  return rows[0] ? toArticle(rows[0]) : null;
}

/** An article with this slug already exists. */
export class ArticleExistsError extends Error {
  override name = 'ArticleExistsError';
  constructor(readonly slug: string) {
    super(`An article with the slug "${slug}" already exists: pick another slug or update it.`);
  }
}

export async function createArticle(
  pool: pg.Pool,
  input: { slug: string; title: string; body: string; author: string },
): Promise<Article> {
  try {
    const { rows } = await pool.query<ArticleRow>(
      `INSERT INTO articles (slug, title, body, author) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [input.slug, input.title, input.body, input.author],
    );
    return toArticle(rows[0] as ArticleRow);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new ArticleExistsError(input.slug);
    throw error;
  }
}

/** Changes the title and/or body; returns null when there is no such article. */
export async function updateArticle(
  pool: pg.Pool,
  slug: string,
  patch: { title?: string; body?: string },
): Promise<Article | null> {
  const { rows } = await pool.query<ArticleRow>(
    `UPDATE articles
        SET title = COALESCE($2, title), body = COALESCE($3, body), updated_at = clock_timestamp()
      WHERE slug = $1
      RETURNING ${COLUMNS}`,
    [slug, patch.title ?? null, patch.body ?? null],
  );
  return rows[0] ? toArticle(rows[0]) : null;
}

/** Deletes an article; returns whether there was one. */
export async function deleteArticle(pool: pg.Pool, slug: string): Promise<boolean> {
  const { rowCount } = await pool.query('DELETE FROM articles WHERE slug = $1', [slug]);
  return (rowCount ?? 0) > 0;
}

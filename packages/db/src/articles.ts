import type pg from 'pg';

export interface Article {
  slug: string;
  title: string;
  body: string;
  author: string;
  createdAt: Date;
  updatedAt: Date;
}

export type ArticleSummary = Omit<Article, 'body'>;

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
 * Every article, most recently updated first. Deliberately slow (thousands of rows, sorted on an
 * unindexed column, each one parsed by `pg`): the query lesson 03 puts a cache in front of.
 * `packages/db/scripts/measure-list-articles.ts` measures it.
 */
export async function listArticles(pool: pg.Pool): Promise<ArticleSummary[]> {
  const { rows } = await pool.query<Omit<ArticleRow, 'body'>>(
    'SELECT slug, title, author, created_at, updated_at FROM articles ORDER BY updated_at DESC, slug',
  );
  return rows.map((row) => ({
    slug: row.slug,
    title: row.title,
    author: row.author,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
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

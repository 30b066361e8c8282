import type pg from 'pg';

/**
 * The wiki's schema, one migration per entry, applied in order and recorded in
 * `schema_migrations`. Append new migrations; never edit one that has shipped.
 * (The test template is keyed by a hash of this file, so editing it rebuilds the template.)
 */
export const MIGRATIONS: ReadonlyArray<{ id: string; sql: string }> = [
  {
    id: '001-articles',
    sql: `
      CREATE TABLE articles (
        slug        text PRIMARY KEY,
        title       text NOT NULL,
        body        text NOT NULL,
        author      text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    // Lesson 06: tags. A table of its own (not an array column) so "articles tagged X" is an
    // indexed lookup, and deleting an article deletes its tags with it.
    id: '002-article-tags',
    sql: `
      CREATE TABLE article_tags (
        slug  text NOT NULL REFERENCES articles (slug) ON DELETE CASCADE ON UPDATE CASCADE,
        tag   text NOT NULL,
        PRIMARY KEY (slug, tag)
      );
      CREATE INDEX article_tags_by_tag ON article_tags (tag, slug);
    `,
  },
];

/** The tags the seed gives articles: each seeded article has one to three of them. */
export const SEED_TAGS = ['howto', 'design', 'ops', 'reference', 'onboarding', 'incident'];

/** How many articles the seed writes: enough that listing them all is a slow query. */
export const SEED_ARTICLE_COUNT = 5000;

/**
 * How many the test databases hold (`@workshop/test-support`'s template, on PGlite and on the real
 * Postgres): the same articles, the first tenth of them. The checkpoints count queries rather
 * than time them, so the list need not be slow there, and at 5,000 its cold reads were most of
 * lessons 3 and 5's checkpoint time. The learner's own database keeps all 5,000.
 */
export const TEST_SEED_ARTICLE_COUNT = 500;

// Words for the generated titles and bodies: the seed is deterministic (no randomness), so every
// learner's database holds the same articles, and every test's the same first 500 of them.
const WORDS = [
  'cache',
  'key',
  'value',
  'store',
  'redis',
  'valkey',
  'upstash',
  'postgres',
  'latency',
  'expiry',
  'counter',
  'hash',
  'list',
  'set',
  'stream',
  'replica',
  'memory',
  'eviction',
  'token',
  'endpoint',
  'request',
  'query',
  'index',
  'table',
  'row',
  'page',
  'article',
  'wiki',
  'team',
  'draft',
  'review',
  'release',
  'deploy',
  'server',
  'client',
  'socket',
  'protocol',
  'payload',
  'json',
  'http',
  'pipeline',
  'batch',
  'window',
  'limit',
  'burst',
  'retry',
  'timeout',
  'backoff',
  'queue',
  'worker',
  'the',
  'a',
  'of',
  'and',
  'to',
  'in',
  'for',
  'with',
  'when',
  'why',
];
const AUTHORS = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'frances'];

const sqlArray = (items: readonly string[]) => `ARRAY[${items.map((w) => `'${w}'`).join(',')}]`;

// One INSERT ... SELECT over generate_series: thousands of rows in a single round trip.
// 97 paragraphs are generated first (words picked by arithmetic on positions); article i is
// 5-15 of them (about 150-500 words), its title three words picked from i. MATERIALIZED: the
// paragraphs are built once; inlined (Postgres's choice for a CTE used once), the subquery built
// each again for every article that uses it: the seed took 1.1 s of CPU, now 0.4-0.6 s
// (PGlite; the same rows, byte for byte).
const seedSql = (articles: number) => `
  WITH vocabulary AS (
    SELECT ${sqlArray(WORDS)} AS w, ${WORDS.length} AS n, ${sqlArray(AUTHORS)} AS a
  ), paragraphs AS MATERIALIZED (
    SELECT p, (SELECT string_agg(w[1 + (p * 31 + j * 17 + (j * j) % 7) % n], ' ')
                 FROM generate_series(1, 20 + p % 25) AS j) AS text
    FROM generate_series(0, 96) AS p, vocabulary
  )
  INSERT INTO articles (slug, title, body, author, created_at, updated_at)
  SELECT
    'article-' || lpad(i::text, 5, '0'),
    initcap(w[1 + i % n] || ' ' || w[1 + (i / n) % n] || ' ' || w[1 + (i * 7 + 3) % n]),
    (SELECT string_agg(text, E'\n\n' ORDER BY k)
       FROM generate_series(1, 5 + i % 11) AS k JOIN paragraphs ON p = (i * 7 + k * 13) % 97),
    a[1 + i % array_length(a, 1)],
    timestamptz '2025-01-01 00:00:00+00' + i * interval '37 minutes',
    timestamptz '2025-01-01 00:00:00+00' + i * interval '37 minutes' + ((i * 7919) % 2000) * interval '1 hour'
  FROM generate_series(1, ${articles}) AS i, vocabulary
  ON CONFLICT (slug) DO NOTHING
`;

const SEED_ID = 'seed-001-articles';

// Tags for the seeded articles, picked by arithmetic on the article's number like its words:
// each gets tag (i mod 6), and tag k too when i * (k + 3) is a multiple of k + 4, so some tags
// are common and some rare. A second seed step, so databases seeded before tags existed get
// them too; only articles that still exist get tags (a learner may have deleted some).
const seedTagsSql = (articles: number) => `
  INSERT INTO article_tags (slug, tag)
  SELECT articles.slug, (${sqlArray(SEED_TAGS)})[k + 1]
  FROM generate_series(1, ${articles}) AS i
  CROSS JOIN generate_series(0, ${SEED_TAGS.length - 1}) AS k
  JOIN articles ON articles.slug = 'article-' || lpad(i::text, 5, '0')
  WHERE (i * (k + 3)) % (k + 4) = 0 OR k = i % ${SEED_TAGS.length}
  ON CONFLICT DO NOTHING
`;
const SEED_TAGS_ID = 'seed-002-article-tags';

/** Applies the migrations not applied yet. Safe to run concurrently and repeatedly. */
export async function migrate(pool: pg.Pool): Promise<void> {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const migration of MIGRATIONS) {
    await applyOnce(pool, migration.id, migration.sql);
  }
}

/**
 * Seeds the wiki once per database (recorded in `schema_migrations`), so articles a learner
 * deletes stay deleted across restarts. `articles`: how many (the first that many of the same
 * articles); the test databases pass `TEST_SEED_ARTICLE_COUNT`.
 */
export async function seed(
  pool: pg.Pool,
  { articles = SEED_ARTICLE_COUNT }: { articles?: number } = {},
): Promise<void> {
  if (!Number.isSafeInteger(articles) || articles < 0) {
    throw new Error(`seed(): articles must be a whole number of articles, not ${articles}`);
  }
  await applyOnce(pool, SEED_ID, seedSql(articles));
  await applyOnce(pool, SEED_TAGS_ID, seedTagsSql(articles));
}

async function applyOnce(pool: pg.Pool, id: string, sql: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Two processes migrating the same database wait for each other instead of failing.
    await client.query('SELECT pg_advisory_xact_lock(7294001)');
    const done = await client.query('SELECT 1 FROM schema_migrations WHERE id = $1', [id]);
    if (done.rowCount === 0) {
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [id]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export {
  ARTICLE_LIST_SIZE,
  type Article,
  ArticleExistsError,
  type ArticleSummary,
  createArticle,
  deleteArticle,
  getArticle,
  listArticles,
  updateArticle,
} from './articles.ts';
export {
  createTemplateDump,
  DataDirLockedError,
  DEFAULT_DATA_DIR,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  PostgresPortInUseError,
  startEmbeddedPostgres,
} from './embedded-postgres.ts';
export { createPool } from './pool.ts';
export {
  MIGRATIONS,
  migrate,
  SEED_ARTICLE_COUNT,
  SEED_TAGS,
  seed,
  TEST_SEED_ARTICLE_COUNT,
} from './schema.ts';
export { allTags, getTags, setTags, slugsTaggedAll, type TagChanges } from './tags.ts';

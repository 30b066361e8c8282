// moved to @workshop/config; re-exported until lessons 08-10 land (the lead then removes this)
export {
  ConfigError,
  connectUpstash,
  createUpstashClient,
  createValkeyClient,
  ENV_FILE,
  exitOnFatalError,
  isProcessAlive,
  LOCAL_DATABASE_URL,
  LOCAL_STACK,
  LOCAL_TOKEN_FILE,
  LOCAL_UPSTASH_URL,
  LOCAL_VALKEY_URL,
  type LoadConfigOptions,
  type LockContent,
  loadConfig,
  loadLocalPorts,
  localStackToken,
  pingUpstash,
  REPO_ROOT,
  readPidLock,
  releasePidLock,
  ServiceError,
  takePidLock,
  updatePidLock,
  type WorkshopConfig,
} from '@workshop/config';
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
export { MIGRATIONS, migrate, SEED_ARTICLE_COUNT, SEED_TAGS, seed } from './schema.ts';
export { allTags, getTags, setTags, slugsTaggedAll, type TagChanges } from './tags.ts';

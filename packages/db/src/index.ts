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
  connectUpstash,
  createUpstashClient,
  createValkeyClient,
  pingUpstash,
  ServiceError,
} from './clients.ts';
export {
  ConfigError,
  ENV_FILE,
  LOCAL_DATABASE_URL,
  LOCAL_STACK,
  LOCAL_TOKEN_FILE,
  LOCAL_UPSTASH_URL,
  LOCAL_VALKEY_URL,
  type LoadConfigOptions,
  loadConfig,
  loadLocalPorts,
  localStackToken,
  REPO_ROOT,
  type WorkshopConfig,
} from './config.ts';
export {
  createTemplateDump,
  DataDirLockedError,
  DEFAULT_DATA_DIR,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  PostgresPortInUseError,
  startEmbeddedPostgres,
} from './embedded-postgres.ts';
export {
  type LockContent,
  readPidLock,
  releasePidLock,
  takePidLock,
  updatePidLock,
} from './pid-lock.ts';
export { createPool } from './pool.ts';
export { exitOnFatalError, isProcessAlive } from './process.ts';
export { MIGRATIONS, migrate, SEED_ARTICLE_COUNT, SEED_TAGS, seed } from './schema.ts';
export { allTags, getTags, setTags, slugsTaggedAll, type TagChanges } from './tags.ts';

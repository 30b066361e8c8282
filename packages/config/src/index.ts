// The pid lock and isProcessAlive live in @workshop/proc (which the kv-server can use too); the
// packages that already take their process helpers from here keep doing so.
export {
  isProcessAlive,
  readPidLock,
  releasePidLock,
  takePidLock,
  updatePidLock,
} from '@workshop/proc';
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
export { exitOnFatalError } from './process.ts';

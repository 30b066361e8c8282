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
  type LockContent,
  readPidLock,
  releasePidLock,
  takePidLock,
  updatePidLock,
} from './pid-lock.ts';
export { exitOnFatalError, isProcessAlive } from './process.ts';

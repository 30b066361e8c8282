// The Redis version HELLO's `version` field reports: INFO's `redis_version`
// (commands/info.ts, which says why 7.0.15), so both always agree.
export { REDIS_VERSION as REDIS_COMPAT_VERSION } from './commands/info.ts';

// The Redis version this server says it is (HELLO's `version`, INFO's `redis_version`): clients
// pick features by it (node-redis, bullmq), so it names the release whose commands the engine
// covers and whose replies the differential suites compare against.
export const REDIS_COMPAT_VERSION = '7.0.0';

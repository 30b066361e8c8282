// The same adapter for node-redis, the other big Redis client for Node (the one the course's
// seed names next to ioredis). It speaks the same protocol to the same server; only its call
// shapes differ: camelCase commands (`zIncrBy`), options objects in Redis's own words
// (`{ expiration: { type: 'EX', value: 60 } }`, `{ REV: true }`), and a ZRANGE WITHSCORES that
// answers `{ value, score }` objects instead of a flat list.

import { createClient } from 'redis';
import type { CountingStore } from './store.ts';

export type NodeRedisClient = ReturnType<typeof createClient>;

// #region node-redis
/** A connected node-redis client; a dead server fails at once instead of reconnecting forever. */
export async function connectNodeRedis(url: string): Promise<NodeRedisClient> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {}); // the failed connect() below says what went wrong
  await client.connect();
  return client;
}

export function createNodeRedisStore(client: NodeRedisClient): CountingStore {
  return {
    get: (key) => client.get(key),
    del: (...keys) => client.del(keys),
    exists: (...keys) => client.exists(keys),
    incr: (key) => client.incr(key),
    ttl: (key) => client.ttl(key),
    zincrby: (key, increment, member) => client.zIncrBy(key, increment, member),
    set: (key, value, options = {}) =>
      client.set(
        key,
        String(value),
        options.ex === undefined ? {} : { expiration: { type: 'EX', value: options.ex } },
      ),
    async expire(key, seconds, option) {
      return (await client.expire(key, seconds, option)) === 1 ? 1 : 0;
    },
    // Back to the flat [member, score, ...] list the other clients answer.
    async zrange(key, start, stop) {
      const entries = await client.zRangeWithScores(key, start, stop, { REV: true });
      return entries.flatMap(({ value, score }) => [value, score]);
    },
    multi() {
      const transaction = client.multi();
      const chain: ReturnType<CountingStore['multi']> = {
        incr(key) {
          transaction.incr(key);
          return chain;
        },
        expire(key, seconds, option) {
          transaction.expire(key, seconds, option);
          return chain;
        },
        // node-redis's exec() answers the plain list of replies, like @upstash/redis.
        exec: () => transaction.exec() as Promise<unknown[]>,
      };
      return chain;
    },
  };
}
// #endregion node-redis

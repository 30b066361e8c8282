// The thin adapter this lesson is about. The app calls its store with `@upstash/redis`'s call
// shapes (`set(key, value, { ex: 60 })`); iovalkey takes Redis's own argument lists
// (`set(key, value, 'EX', 60)`) and sends them over TCP. This file translates one into the
// other, and nothing else in the app changes.

import { createValkeyClient, ServiceError, type WorkshopConfig } from '@workshop/config';
import type { Redis as ValkeyClient } from 'iovalkey';
import type { CountingStore } from './store.ts';

// #region adapter
export function createValkeyStore(client: ValkeyClient): CountingStore {
  return {
    // Same commands, same replies: iovalkey answers strings, numbers and null, like the
    // Upstash client does with automaticDeserialization off.
    get: (key) => client.get(key),
    del: (...keys) => client.del(...keys),
    exists: (...keys) => client.exists(...keys),
    incr: (key) => client.incr(key),
    ttl: (key) => client.ttl(key),
    zincrby: (key, increment, member) => client.zincrby(key, increment, member),

    // An options object becomes Redis arguments: { ex: 60 } -> EX 60.
    set(key, value, options = {}) {
      const args: (string | number)[] = [key, value];
      if (options.ex !== undefined) args.push('EX', options.ex);
      return client.call('SET', ...args);
    },
    async expire(key, seconds, option) {
      const reply = option ? client.expire(key, seconds, option) : client.expire(key, seconds);
      return (await reply) === 1 ? 1 : 0;
    },
    zrange(key, start, stop, options) {
      const args: (string | number)[] = [key, start, stop];
      if (options.rev) args.push('REV');
      if (options.withScores) args.push('WITHSCORES');
      return client.call('ZRANGE', ...args) as Promise<string[]>;
    },

    // @upstash/redis's exec() answers a plain array of results; iovalkey's answers
    // [error, result] pairs (or null when a WATCHed key changed). Unwrap them the same way.
    multi() {
      const transaction = client.multi();
      const chain: ReturnType<CountingStore['multi']> = {
        incr(key) {
          transaction.incr(key);
          return chain;
        },
        expire(key, seconds, option) {
          if (option) transaction.expire(key, seconds, option);
          else transaction.expire(key, seconds);
          return chain;
        },
        async exec() {
          const replies = await transaction.exec();
          if (replies === null) throw new Error('EXEC aborted: a WATCHed key changed');
          return replies.map(([error, result]) => {
            if (error) throw error;
            return result;
          });
        },
      };
      return chain;
    },
  };
}
// #endregion adapter

// #region client
/**
 * The TCP client, set up for a cache. While the server is down, iovalkey keeps commands in an
 * offline queue until a reconnection works; with its defaults a read can wait there for
 * seconds. Here a command waits for one reconnection attempt at most, and those come every
 * 100 ms: then it fails, and the cache answers from Postgres.
 */
export function createValkeyStoreClient(valkeyUrl: string): ValkeyClient {
  const client = createValkeyClient(
    { valkeyUrl },
    { maxRetriesPerRequest: 0, retryStrategy: () => 100 },
  );
  // Each failed reconnection emits 'error'; unheard, iovalkey prints every one of them. The
  // cache already says once that the store is down.
  client.on('error', () => {});
  return client;
}
// #endregion client

// #region connect
/**
 * The store over TCP, after one PING that proves the server answers: a wrong VALKEY_URL fails
 * here, at start-up, with a message saying what to change. Close `client` when the app stops.
 */
export async function connectValkeyStore(
  config: Pick<WorkshopConfig, 'valkeyUrl' | 'valkeySource'>,
) {
  const client = createValkeyStoreClient(config.valkeyUrl);
  // The connection's own error (ECONNREFUSED...) says more than the failed PING's.
  let connectionError: Error | undefined;
  client.on('error', (error) => {
    connectionError = error;
  });
  try {
    await client.ping();
  } catch (error) {
    client.disconnect(); // stop its reconnection attempts, or Node never exits
    const reason = (connectionError ?? (error as Error)).message;
    throw new ServiceError(
      config.valkeySource === 'local'
        ? `Cannot reach the local stack's RESP port at ${config.valkeyUrl} (${reason}): start it with \`pnpm stack\`, or set VALKEY_URL in .env.`
        : `Cannot reach VALKEY_URL ${config.valkeyUrl} (${reason}): start that server (valkey-server --port 6390), fix the URL in .env, or remove it to use the local stack.`,
    );
  }
  return { client, store: createValkeyStore(client) };
}
// #endregion connect

// EXERCISE (lesson 5): the thin adapter this lesson is about, one TODO(lesson 5) at a time. The
// app calls its store with `@upstash/redis`'s call shapes (`set(key, value, { ex: 60 })`);
// iovalkey takes Redis's own argument lists (`set(key, value, 'EX', 60)`) and sends them over
// TCP. This file translates one into the other, and nothing else in the app changes. Every
// checkpoint runs twice: over Upstash REST (already passing) and over TCP (yours).

import { createValkeyClient, type WorkshopConfig } from '@workshop/config';
import type { Redis as ValkeyClient } from 'iovalkey';
import type { CountingStore } from './store.ts';

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

    // TODO(lesson 5): an options object becomes Redis arguments: { ex: 60 } -> 'EX', 60.
    // (client.call('SET', ...args) sends any argument list.)
    set(key, value, options = {}) {
      throw new Error(`TODO(lesson 5): set(${key}, ${value}, ${JSON.stringify(options)})`);
    },
    // TODO(lesson 5): EXPIRE, with the optional 'NX'; resolve to exactly 1 or 0.
    async expire(key, seconds, option) {
      throw new Error(`TODO(lesson 5): expire(${key}, ${seconds}, ${option})`);
    },
    // TODO(lesson 5): { rev: true, withScores: true } -> 'REV', 'WITHSCORES' after the range.
    zrange(key, start, stop, options) {
      throw new Error(
        `TODO(lesson 5): zrange(${key}, ${start}, ${stop}, ${JSON.stringify(options)})`,
      );
    },
    // TODO(lesson 5): MULTI/EXEC. Queue incr and expire on client.multi() and return a chain
    // with the same methods; exec() must answer a plain array of results, as @upstash/redis
    // does, while iovalkey's answers [error, result] pairs (or null when a WATCHed key changed).
    multi() {
      throw new Error('TODO(lesson 5): multi() in src/valkey-store.ts');
    },
  };
}

/**
 * The TCP client, set up for a cache.
 */
export function createValkeyStoreClient(valkeyUrl: string): ValkeyClient {
  // TODO(lesson 5): fail fast when the server is down. While it is, iovalkey keeps commands in
  // an offline queue until a reconnection works: with its defaults a read can wait there for
  // seconds. Pass options (second argument) so a command waits for one reconnection attempt at
  // most, with attempts every 100 ms; and listen to 'error', or iovalkey prints every failure.
  return createValkeyClient({ valkeyUrl });
}

/**
 * The store over TCP, after one PING that proves the server answers: a wrong VALKEY_URL fails
 * here, at start-up, with a message saying what to change. Close `client` when the app stops.
 */
export async function connectValkeyStore(
  config: Pick<WorkshopConfig, 'valkeyUrl' | 'valkeySource'>,
) {
  const client = createValkeyStoreClient(config.valkeyUrl);
  // TODO(lesson 5): PING before answering. When it fails, disconnect the client (or its
  // reconnection attempts keep Node running) and throw a ServiceError (from @workshop/config) that
  // names the URL, the connection's own error (ECONNREFUSED...) and what to do.
  return { client, store: createValkeyStore(client) };
}

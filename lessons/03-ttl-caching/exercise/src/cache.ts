// biome-ignore-all lint/correctness/noUnusedFunctionParameters: a starting state, the learner fills it in (practice mode leaves this line out)
// EXERCISE (lesson 3): the cache itself. The types are given; `createCache` is yours, one
// TODO(lesson 3) at a time (`pnpm practice check` says which checkpoints still fail). As given,
// it works but caches nothing: every read asks the database.
//
// Cache-aside with a TTL: look in the store first; on a miss, load from the database and keep a
// copy that expires on its own. Three things make it safe to put in front of a real app:
// concurrent misses share one load (no stampede), a write deletes the copies it makes wrong,
// and a store that is down or slow only makes reads slower, never failing.

import type { KeyValueStore } from './store.ts';

/** What the cache reports, so the app can log hits and misses and warn when the store is down. */
export type CacheEvent =
  | { kind: 'hit' | 'miss' | 'shared'; key: string }
  | { kind: 'store-down'; reason: string }
  | { kind: 'store-up' };

export interface CacheOptions {
  store: KeyValueStore;
  /** How long a copy lives: SET ... EX ttlSeconds. Bounds how stale a copy can get. */
  ttlSeconds: number;
  /** How long to wait for the store before answering from the database anyway. */
  timeoutMs?: number;
  onEvent?: (event: CacheEvent) => void;
}

export interface Cache {
  /** The value under `key`: from the store, or from `load()` (then kept for ttlSeconds). */
  read<T>(key: string, load: () => Promise<T>, parse: (json: string) => T): Promise<T>;
  /** Deletes the copies a write has made wrong; the next read loads fresh data. */
  invalidate(...keys: string[]): Promise<void>;
}

export function createCache({
  store,
  ttlSeconds,
  timeoutMs = 1000,
  onEvent = () => {},
}: CacheOptions): Cache {
  // TODO(lesson 3), step 1, cache-aside with a TTL: look in the store (store.get(key)); a hit is
  // parse(cached) and reports { kind: 'hit', key }. On a miss, report { kind: 'miss', key },
  // load(), and keep a copy that expires on its own: SET key JSON.stringify(value) EX ttlSeconds.
  // A null (an article that does not exist) is not kept.
  //
  // TODO(lesson 3), step 3, no stampede: 100 concurrent reads of a cold key must run load()
  // once. Keep the promise of each read that is running (a Map by key); a read of the same key
  // joins it and reports { kind: 'shared', key }.
  //
  // TODO(lesson 3), step 4, a store that is down or hangs must not fail reads or make them slow:
  // race every store command against a timeoutMs timer; on an error or a timeout, answer as if
  // the key were not there and report { kind: 'store-down', reason } once (then
  // { kind: 'store-up' } when a command works again).
  async function read<T>(key: string, load: () => Promise<T>, parse: (json: string) => T) {
    return load();
  }

  // TODO(lesson 3), step 2, invalidation: delete the keys (one DEL) so the next read loads fresh
  // data. And a read that began before this write must not store what it loaded: count writes,
  // and let a read SET its copy only when no write happened while it loaded. A DEL that fails
  // (the store is down) is not done: remember its keys and send the DEL again before the next
  // read; until it gets through, do not use or store those keys' copies.
  async function invalidate(...keys: string[]): Promise<void> {}

  return { read, invalidate };
}

// Cache-aside with a TTL: look in the store first; on a miss, load from the database and keep a
// copy that expires on its own. Three things make it safe to put in front of a real app:
// concurrent misses share one load (no stampede), a write deletes the copies it makes wrong,
// and a store that is down or slow only makes reads slower, never failing.
// Lesson 08: a store that is full (maxmemory with noeviction) refuses writes with OOM; that is
// reported as `store-full`, not as the store being down, and costs speed, never answers. Each
// copy's TTL is jittered, so copies written together do not all expire together.

import { jitteredTtl } from './jitter.ts';
import type { KeyValueStore } from './store.ts';

/** What the cache reports, so the app can log hits and misses and warn when the store is down. */
export type CacheEvent =
  | { kind: 'hit' | 'miss' | 'shared'; key: string }
  | { kind: 'store-down'; reason: string }
  | { kind: 'store-full'; reason: string }
  | { kind: 'store-up' };

// #region oom
/**
 * The store's answer to a write when used memory is at `maxmemory` and the policy is
 * `noeviction` (or nothing it may evict is left): "OOM command not allowed when used memory >
 * 'maxmemory'." Reads and DEL still work; only commands that may grow memory are refused.
 */
export function isOutOfMemory(error: unknown): boolean {
  // Inside MULTI the server refuses the command as it is queued, and EXEC then fails with
  // EXECABORT; iovalkey keeps the refusals in `previousErrors`.
  const previous = (error as { previousErrors?: unknown[] } | null)?.previousErrors ?? [];
  return [error, ...previous].some((e) => e instanceof Error && e.message.startsWith('OOM'));
}
// #endregion oom

export interface CacheOptions {
  store: KeyValueStore;
  /** How long a copy lives: SET ... EX ttlSeconds. Bounds how stale a copy can get. */
  ttlSeconds: number;
  /** Lesson 08: each copy lives up to this fraction less than ttlSeconds, at random (0.1). */
  ttlJitter?: number;
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
  ttlJitter = 0.1,
  timeoutMs = 1000,
  onEvent = () => {},
}: CacheOptions): Cache {
  // #region degrade
  let storeDown = false;
  // Lesson 08: the store answers, but refuses writes (OOM). Said once, until a write works again.
  let storeFull = false;

  /** Runs one store command; on failure or timeout, reports it (once) and answers `fallback`. */
  async function tryStore<T>(command: () => Promise<T>, fallback: T): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([command(), timeout]);
      if (storeDown) {
        storeDown = false;
        onEvent({ kind: 'store-up' });
      }
      return result;
    } catch (error) {
      if (isOutOfMemory(error)) {
        // Full, not down: reads still work, so keep reading; the write is simply not kept.
        if (!storeFull) {
          storeFull = true;
          onEvent({ kind: 'store-full', reason: (error as Error).message });
        }
        return fallback;
      }
      // Say it once, when the store goes away, not on every request while it is away.
      if (!storeDown) {
        storeDown = true;
        onEvent({
          kind: 'store-down',
          reason: error instanceof Error ? error.message : String(error),
        });
      }
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }
  // #endregion degrade

  // #region single-flight
  // Reads of a key that are already running, so concurrent callers share one instead of each
  // asking the database: 100 simultaneous misses become one query.
  const inFlight = new Map<string, Promise<unknown>>();
  // Bumped by every write, so a read that began before a write does not store what it loaded.
  let writes = 0;

  function read<T>(key: string, load: () => Promise<T>, parse: (json: string) => T): Promise<T> {
    const running = inFlight.get(key);
    if (running) {
      onEvent({ kind: 'shared', key });
      return running as Promise<T>;
    }
    const reading = readThrough(key, load, parse).finally(() => {
      if (inFlight.get(key) === reading) inFlight.delete(key);
    });
    inFlight.set(key, reading);
    return reading;
  }
  // #endregion single-flight

  // #region read-through
  async function readThrough<T>(
    key: string,
    load: () => Promise<T>,
    parse: (json: string) => T,
  ): Promise<T> {
    const writesBefore = writes;
    // A DEL that failed while the store was down is sent again first. Until it gets through,
    // the copy in the store may predate a write: this read neither uses it nor stores over it.
    if (unsent.size > 0) await resendInvalidations();
    const trusted = !unsent.has(key);
    const cached = trusted ? await tryStore(() => store.get(key), null) : null;
    if (cached !== null) {
      onEvent({ kind: 'hit', key });
      return parse(cached);
    }
    onEvent({ kind: 'miss', key });
    const value = await load();
    // Keep a copy that expires on its own; but not when a write came in during this read (our
    // value may predate it), nor when the store just failed us.
    if (value !== null && trusted && writes === writesBefore && !storeDown) {
      // #region jittered-set
      // A jittered TTL: copies written in the same second expire over a span, not all at once.
      const ex = jitteredTtl(ttlSeconds, ttlJitter);
      const stored = await tryStore(() => store.set(key, JSON.stringify(value), { ex }), null);
      // #endregion jittered-set
      if (stored !== null) storeFull = false;
    }
    return value;
  }
  // #endregion read-through

  // #region invalidate
  // Keys whose DEL did not reach the store (it was down): their copies may be stale until it does.
  const unsent = new Set<string>();

  async function invalidate(...keys: string[]): Promise<void> {
    writes++;
    for (const key of keys) inFlight.delete(key); // later reads must not join an older load
    const deleted = await tryStore(() => store.del(...keys), null);
    if (deleted === null) for (const key of keys) unsent.add(key);
  }

  async function resendInvalidations(): Promise<void> {
    const keys = [...unsent];
    const deleted = await tryStore(() => store.del(...keys), null);
    if (deleted !== null) for (const key of keys) unsent.delete(key);
  }
  // #endregion invalidate

  return { read, invalidate };
}

// What one request did with the cache and the database, collected without the lesson's code
// knowing: the pool and the store are wrapped, and AsyncLocalStorage ties each call to the
// request that caused it (many requests are in flight at once over one pool and one store).

import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

export interface RequestTrace {
  /** Store GETs that found a value, and those that did not. */
  hits: number;
  misses: number;
  /** From lesson 07: reads answered by the lesson's in-process cache, without the store. */
  localHits: number;
  /** A store call failed, or was still unanswered when the page was ready: the cache was bypassed. */
  storeFailed: boolean;
  pendingStoreCalls: number;
  cacheMs: number;
  dbMs: number;
}

const storage = new AsyncLocalStorage<RequestTrace>();

export function newTrace(): RequestTrace {
  return {
    hits: 0,
    misses: 0,
    localHits: 0,
    storeFailed: false,
    pendingStoreCalls: 0,
    cacheMs: 0,
    dbMs: 0,
  };
}

export function runTraced<T>(trace: RequestTrace, fn: () => Promise<T>): Promise<T> {
  return storage.run(trace, fn);
}

/** HIT when every cached read hit, MISS when one missed (or nothing came from the cache). */
export function cacheStatus(trace: RequestTrace): 'HIT' | 'MISS' | 'BYPASS' {
  if (trace.storeFailed || trace.pendingStoreCalls > 0) return 'BYPASS';
  return trace.hits + trace.localHits > 0 && trace.misses === 0 ? 'HIT' : 'MISS';
}

/** `x-cache-tier` (lesson 07): `local` when an in-process copy answered, else `store`. */
export function cacheTier(trace: RequestTrace): 'local' | 'store' | undefined {
  if (trace.localHits > 0) return 'local';
  return trace.hits > 0 ? 'store' : undefined;
}

/** Called by a lesson when its in-process cache answered a read (see WebHooks.reportLocalHit). */
export function reportLocalHit(): void {
  const trace = storage.getStore();
  if (trace) trace.localHits++;
}

export function serverTiming(trace: RequestTrace, totalMs: number): string {
  const f = (ms: number) => ms.toFixed(1);
  return `cache;desc="key-value store";dur=${f(trace.cacheMs)}, db;desc="Postgres";dur=${f(trace.dbMs)}, total;dur=${f(totalMs)}`;
}

export function instrumentPool(pool: pg.Pool): pg.Pool {
  return new Proxy(pool, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'query' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const trace = storage.getStore();
        const started = performance.now();
        const result = value.apply(target, args) as Promise<unknown>;
        if (trace === undefined || typeof result?.then !== 'function') return result;
        return result.finally(() => {
          trace.dbMs += performance.now() - started;
        });
      };
    },
  });
}

/**
 * Wraps every method of a store that returns a promise. `get` answers decide HIT/MISS; a call
 * that rejects marks the request BYPASS (the lesson's cache then answered from Postgres).
 */
export function instrumentStore<S extends object>(store: S): S {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const trace = storage.getStore();
        const result = value.apply(target, args);
        if (trace === undefined || typeof result?.then !== 'function') return result;
        const started = performance.now();
        trace.pendingStoreCalls++;
        return (result as Promise<unknown>).then(
          (answer) => {
            trace.pendingStoreCalls--;
            trace.cacheMs += performance.now() - started;
            if (property === 'get') {
              if (answer === null || answer === undefined) trace.misses++;
              else trace.hits++;
            } else if (property === 'hgetall') {
              // From lesson 06, articles are hashes: HGETALL answers {} for a missing key.
              if (answer && typeof answer === 'object' && Object.keys(answer).length > 0) {
                trace.hits++;
              } else trace.misses++;
            }
            return answer;
          },
          (error: unknown) => {
            trace.pendingStoreCalls--;
            trace.storeFailed = true;
            trace.cacheMs += performance.now() - started;
            throw error;
          },
        );
      };
    },
  });
}

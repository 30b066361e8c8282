// A fixed-window rate limiter: at most `limit` hits per caller per window of `windowSeconds`.
// The window is one counter key that INCR counts up and EXPIRE deletes when the window ends.

import type { CountingStore } from './store.ts';

// #region two-steps
// The textbook version: EXPIRE only on the first hit of a window (count 1), so later hits do
// not push its end back. Its weak spot: a crash between INCR and EXPIRE leaves a key that never
// expires, and that caller limited forever.
export async function countHitInTwoSteps(store: CountingStore, key: string, windowSeconds: number) {
  const count = await store.incr(key);
  if (count === 1) await store.expire(key, windowSeconds);
  return count;
}
// #endregion two-steps

// #region one-transaction
// The fix: one MULTI/EXEC transaction, which the server runs with nothing in between, and
// EXPIRE ... NX ("only if the key has no TTL yet") instead of `count === 1`, so that a key
// which lost its TTL anyway gets one back on the next hit.
export async function countHitInOneTransaction(
  store: CountingStore,
  key: string,
  windowSeconds: number,
) {
  const [count] = await store.multi().incr(key).expire(key, windowSeconds, 'NX').exec();
  return Number(count);
}
// #endregion one-transaction

export interface RateLimitOptions {
  store: CountingStore;
  /** A name for what is limited; it keeps the keys of two limiters apart. */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Hits counted in the current window, this one included. */
  count: number;
  remaining: number;
  /** When refused: seconds until the window resets (what an HTTP `Retry-After` would say). */
  retryAfterSeconds: number;
}

// #region limiter
export function createRateLimiter({ store, name, limit, windowSeconds }: RateLimitOptions) {
  async function hit(callerId: string): Promise<RateLimitDecision> {
    const key = `ratelimit:${name}:${callerId}`;
    const count = await countHitInOneTransaction(store, key, windowSeconds);
    if (count <= limit) {
      return { allowed: true, count, remaining: limit - count, retryAfterSeconds: 0 };
    }
    // Refused: TTL says how long until the window's key disappears and counting restarts.
    const ttl = await store.ttl(key);
    return { allowed: false, count, remaining: 0, retryAfterSeconds: Math.max(ttl, 1) };
  }
  return { hit };
}
// #endregion limiter

export type RateLimiter = ReturnType<typeof createRateLimiter>;

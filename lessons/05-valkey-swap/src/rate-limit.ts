// A fixed-window rate limiter: at most `limit` hits per caller per window of `windowSeconds`.
// The window is one counter key that INCR counts up and EXPIRE deletes when the window ends.

import type { CountingStore } from './store.ts';

// #region two-steps
// The textbook version. EXPIRE only on the first hit (count 1): calling it on every hit would
// push the end of the window forward each time, and a caller who keeps knocking would never
// see the window reset. The gap: if the process dies after INCR and before EXPIRE, the key
// never expires, the count only grows, and once it passes the limit that caller is refused
// forever.
export async function countHitInTwoSteps(store: CountingStore, key: string, windowSeconds: number) {
  const count = await store.incr(key);
  if (count === 1) await store.expire(key, windowSeconds);
  return count;
}
// #endregion two-steps

// #region one-transaction
// The fix: send both commands as one MULTI/EXEC transaction, which the server runs with
// nothing in between, and make EXPIRE conditional with NX ("only if the key has no TTL yet")
// instead of `count === 1`. The window starts at the first hit as before, later hits do not
// move its end, and a key that lost its TTL anyway gets one back on the next hit.
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

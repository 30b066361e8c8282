// biome-ignore-all lint/correctness/noUnusedFunctionParameters: a starting state, the learner fills it in (practice mode leaves this line out)
// EXERCISE (lesson 4): two TODO(lesson 4) below.
// A fixed-window rate limiter: at most `limit` hits per caller per window of `windowSeconds`.
// The window is one counter key that INCR counts up and EXPIRE deletes when the window ends.

import type { CountingStore } from './store.ts';

// The textbook version: EXPIRE only on the first hit of a window (count 1), so later hits do
// not push its end back. Its weak spot: a crash between INCR and EXPIRE leaves a key that never
// expires, and that caller limited forever.
export async function countHitInTwoSteps(store: CountingStore, key: string, windowSeconds: number) {
  const count = await store.incr(key);
  if (count === 1) await store.expire(key, windowSeconds);
  return count;
}

// TODO(lesson 4): the fix for countHitInTwoSteps's weak spot. Send INCR and EXPIRE in one
// MULTI/EXEC transaction (store.multi()...exec()), which the server runs with nothing in
// between, and use EXPIRE's NX option ("only if the key has no TTL yet") instead of
// `count === 1`, so a key that lost its TTL gets one back on the next hit. Resolve to the count.
export async function countHitInOneTransaction(
  store: CountingStore,
  key: string,
  windowSeconds: number,
): Promise<number> {
  throw new Error(`TODO(lesson 4): countHitInOneTransaction(${key}, ${windowSeconds})`);
}

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

export function createRateLimiter({ store, name, limit, windowSeconds }: RateLimitOptions) {
  // TODO(lesson 4): count this hit in the caller's window key (`ratelimit:<name>:<callerId>`)
  // with countHitInOneTransaction. Up to `limit` hits are allowed; past it, refuse, and say in
  // retryAfterSeconds how long the window key still lives (its TTL, at least 1).
  async function hit(callerId: string): Promise<RateLimitDecision> {
    throw new Error(
      `TODO(lesson 4): hit(${callerId}) for ${name} (${limit} per ${windowSeconds} s)`,
    );
  }
  return { hit };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

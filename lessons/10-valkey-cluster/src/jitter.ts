// TTL jitter. Copies written together (a deploy, a cold start, a warm-up script, a burst of
// traffic after a flush) with the same TTL all expire in the same second, and then every one of
// them is a miss at once: the database gets the whole working set in one go. A little randomness
// in each TTL spreads those expiries over a span instead.

// #region jitter
/**
 * `base` minus up to `spread` of it, at random: 60 s with 0.1 gives 54-60 s. Never more than the
 * base (the TTL still bounds staleness), never under 1 (EX 0 is an error). Seconds or ms alike.
 */
export function jitteredTtl(base: number, spread = 0.1, random = Math.random): number {
  return Math.max(1, Math.round(base * (1 - spread * random())));
}
// #endregion jitter

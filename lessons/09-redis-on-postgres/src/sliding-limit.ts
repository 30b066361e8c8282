// Lesson 04's fixed window, replaced by the library everyone uses: @upstash/ratelimit. Its
// sliding window weighs the previous window's count by how much of it still overlaps the last
// `window` seconds, so a burst at the end of one window and another at the start of the next
// cannot add up to twice the limit. Underneath, every limit() is one Lua script on the server.

import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';

// #region sliding
export function createSlidingLimiter(
  redis: Redis,
  { name, limit, windowSeconds }: { name: string; limit: number; windowSeconds: number },
) {
  const limiter = new Ratelimit({
    redis,
    limiter: Ratelimit.slidingWindow(limit, `${windowSeconds} s`),
    prefix: `ratelimit:sliding:${name}`,
    // The library can remember refused callers in process memory and refuse them without asking
    // the store. Off: every decision here is the store's, as in lesson 04.
    ephemeralCache: false,
  });
  return {
    async hit(caller: string) {
      const { success, remaining, reset } = await limiter.limit(caller);
      const retryAfterSeconds = success ? 0 : Math.max(1, Math.ceil((reset - Date.now()) / 1000));
      return { allowed: success, remaining, retryAfterSeconds };
    },
  };
}
// #endregion sliding

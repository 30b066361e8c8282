// Timeouts and retries. A call to the store over the network can hang or fail for a moment (a
// failover, a dropped connection, a cold function's first request). Wait a bounded time for
// each attempt, try again a few times, and wait longer between attempts, at random, so a crowd
// of clients that failed together does not retry together.

// #region retry
export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  attempts?: number;
  /** The first wait; it doubles each time, up to maxDelayMs (defaults 50 and 1000 ms). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long one attempt may take before it counts as failed (default 500 ms). */
  timeoutMs?: number;
  /** Told of each failure and the wait before the next attempt. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

export async function withRetry<T>(
  call: (signal: AbortSignal) => Promise<T>,
  {
    attempts = 4,
    baseDelayMs = 50,
    maxDelayMs = 1000,
    timeoutMs = 500,
    onRetry,
  }: RetryOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // AbortSignal.timeout: the attempt's fetch (or whatever honours the signal) is cancelled.
      return await call(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      if (attempt >= attempts) throw error;
      // Exponential backoff with full jitter: anywhere between 0 and the doubled ceiling.
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * ceiling);
      onRetry?.(attempt, error, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
// #endregion retry

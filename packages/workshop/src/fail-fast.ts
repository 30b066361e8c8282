// How the CLI asks a Redis-protocol server one question (a probe, a node's INFO, SHUTDOWN): one
// attempt, no reconnection, no offline queue; it wants an answer, not resilience. No imports, so
// the doctor's probes can use it without loading a client up front.

/** iovalkey options for a connection that fails within `timeoutMs` instead of retrying. */
export const failFastOptions = (timeoutMs: number) => ({
  lazyConnect: true,
  connectTimeout: timeoutMs,
  commandTimeout: timeoutMs,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
  enableOfflineQueue: false,
});

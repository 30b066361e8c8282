// @upstash/realtime (1.1.0) starts a ping interval when a subscription is confirmed: every 60 s,
// a PUBLISH on the channel that nothing awaits. It stops it only on an SSE "unsubscribe" event,
// which never comes: its own unsubscribe() aborts the stream and drops every listener first. So
// the interval outlives the test and its server, and in the worker the next files share
// (isolate: false) each PUBLISH fails a minute later, an unhandled `fetch failed`
// (ECONNREFUSED) in whichever file runs then. subscribeRealtime() notes the intervals realtime
// starts during the subscribe and stops them with the subscription.

import { expect, vi } from 'vitest';

/**
 * Runs `subscribe` (a realtime channel's), and returns its unsubscribe, which also clears the
 * ping interval realtime started meanwhile. Fails if realtime started none (or several): then it
 * no longer does what this works around.
 */
export async function subscribeRealtime(
  subscribe: () => Promise<() => unknown>,
): Promise<() => Promise<void>> {
  const pings: ReturnType<typeof setInterval>[] = [];
  const setIntervalNow = globalThis.setInterval;
  // Only realtime's own calls: the kv-server in this process starts intervals too (SSE keep-alive).
  const spy = vi.spyOn(globalThis, 'setInterval').mockImplementation(((
    ...args: Parameters<typeof setInterval>
  ) => {
    const timer = setIntervalNow(...args);
    if (new Error().stack?.includes('@upstash/realtime')) pings.push(timer);
    return timer;
  }) as typeof setInterval);
  let unsubscribe: () => unknown;
  try {
    unsubscribe = await subscribe();
  } finally {
    spy.mockRestore();
  }
  expect(pings, "@upstash/realtime's ping interval, started on subscribe").toHaveLength(1);
  return async () => {
    for (const timer of pings) clearInterval(timer);
    await unsubscribe();
  };
}

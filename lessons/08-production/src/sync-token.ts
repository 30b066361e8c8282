// Read-your-writes on Upstash. An Upstash database may answer reads from a replica, which can be
// a moment behind the primary. Every REST response carries an `upstash-sync-token` header;
// @upstash/redis keeps the last one and sends it back with its next request, and the server
// makes that request wait until the replica has caught up to the token. Within one client, a
// read after a write sees the write. A new client (the next serverless invocation) starts with
// no token: hand it the last one (`readYourWritesSyncToken`) if it must see what you wrote.

// #region headers
/** The sync tokens a call sent and received, read off the wire (a wrapped fetch). */
export async function syncTokensDuring(call: () => Promise<unknown>) {
  const tokens: { sent: string | null; received: string | null }[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const sent = new Headers(init?.headers).get('upstash-sync-token');
    const response = await realFetch(input, init);
    tokens.push({ sent: sent || null, received: response.headers.get('upstash-sync-token') });
    return response;
  };
  try {
    await call();
  } finally {
    globalThis.fetch = realFetch;
  }
  return tokens;
}
// #endregion headers

// What a library sends, read off the wire: @upstash/redis speaks HTTP with `fetch`, so wrapping
// fetch for one call shows every command it sent, as the JSON arrays of the Upstash REST API.

// #region wire
export async function commandsSentDuring(call: () => Promise<unknown>): Promise<unknown[][]> {
  const sent: unknown[][] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    if (typeof init?.body === 'string') {
      const body = JSON.parse(init.body) as unknown[];
      // One command is ["EVALSHA", ...]; a pipeline is [["GET", ...], ["INCR", ...]].
      if (Array.isArray(body[0])) sent.push(...(body as unknown[][]));
      else sent.push(body);
    }
    return realFetch(input, init);
  };
  try {
    await call();
  } finally {
    globalThis.fetch = realFetch;
  }
  return sent;
}
// #endregion wire

// A look at the wire: `@upstash/redis` talks to its server with plain `fetch` calls, so wrapping
// the global `fetch` shows every request and reply. For the demo only; an app never does this.

// #region wire-tap
export function watchTheWire(print: (line: string) => void): () => void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    print(
      `-> ${init?.method ?? 'GET'} ${url.pathname}  ${init?.body}  (Upstash-Encoding: ${headers.get('upstash-encoding')})`,
    );
    const response = await realFetch(input, init);
    print(`<- ${response.status}  ${await response.clone().text()}`);
    return response;
  };
  return () => {
    globalThis.fetch = realFetch;
  };
}
// #endregion wire-tap

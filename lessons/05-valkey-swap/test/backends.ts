// The two backends every checkpoint of this lesson runs against, with the same tests: the
// Upstash REST endpoint through `@upstash/redis`, and a Valkey (in `pnpm test`, the test's own
// kv-server speaking RESP) over TCP through iovalkey and the lesson's adapter.

import { createUpstashClient } from '@workshop/config';
import { startTcpProxy, type TestStack, viaProxy } from '@workshop/test-support';
import type { Redis as ValkeyClient } from 'iovalkey';
import { afterAll } from 'vitest';
import { createUpstashStore } from '../src/upstash.ts';
import { createValkeyStore, createValkeyStoreClient } from '../src/valkey-store.ts';

/** A TCP proxy in front of `url`'s host and port, and the same URL pointed at the proxy. */
async function proxied(url: string) {
  const target = new URL(url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  return { proxy, url: viaProxy(url, proxy) };
}

export function backendsOf(stack: TestStack) {
  const clients: ValkeyClient[] = [];
  const valkeyClient = (valkeyUrl = stack.valkeyUrl) => {
    const client = createValkeyStoreClient(valkeyUrl);
    clients.push(client);
    return client;
  };
  afterAll(() => {
    // disconnect(), not quit(): some point at ports where nothing answers.
    for (const client of clients) client.disconnect();
  });
  return [
    {
      name: 'Upstash REST (@upstash/redis)',
      connect: () => createUpstashStore(stack.upstash),
      /** A store pointed at a local port (for the tests of a store that is down or hangs). */
      connectTo: (port: number) =>
        createUpstashStore({ url: `http://127.0.0.1:${port}`, token: 'any' }),
      /** The real endpoint through a proxy the test can cut and restore (a blip, an outage). */
      throughProxy: async () => {
        const { proxy, url } = await proxied(stack.upstash.url);
        return { proxy, store: createUpstashStore({ url, token: stack.upstash.token }) };
      },
      // FLUSHDB is not part of the app's store interface: the plain client sends it.
      flush: async () => {
        await createUpstashClient(stack.config).flushdb();
      },
    },
    {
      name: 'Valkey over TCP (iovalkey)',
      connect: () => createValkeyStore(valkeyClient()),
      connectTo: (port: number) => createValkeyStore(valkeyClient(`redis://127.0.0.1:${port}`)),
      throughProxy: async () => {
        const { proxy, url } = await proxied(stack.valkeyUrl);
        return { proxy, store: createValkeyStore(valkeyClient(url)) };
      },
      flush: async () => {
        await valkeyClient().flushdb();
      },
    },
  ];
}

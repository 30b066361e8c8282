// The servers every checkpoint of this lesson runs on, with the same tests: in `pnpm test` the
// test's own kv-server over RESP; in `pnpm test:services` a real Valkey and a real Redis. All
// through iovalkey: the new data types use its methods directly (see the README).

import { servicesRequested, type TestStack } from '@workshop/test-support';
import type { Redis as ValkeyClient } from 'iovalkey';
import { afterAll } from 'vitest';
import { createValkeyStore, createValkeyStoreClient } from '../src/valkey-store.ts';

export function backendsOf(stack: TestStack) {
  const clients: ValkeyClient[] = [];
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });
  const backend = (name: string, url: () => string) => ({
    name,
    /** The server's URL, for a connection of the test's own (a subscriber, a proxy). */
    url,
    /** A client of this server, disconnected after the file. */
    connect() {
      const client = createValkeyStoreClient(url());
      clients.push(client);
      return { client, store: createValkeyStore(client) };
    },
  });
  if (!servicesRequested())
    return [backend("the local kv-server's RESP port", () => stack.valkeyUrl)];
  return [
    backend('Valkey', () => stack.valkeyUrl),
    backend('Redis', () => {
      if (!stack.redisUrl) throw new Error('the services stack has no Redis URL');
      return stack.redisUrl;
    }),
  ];
}

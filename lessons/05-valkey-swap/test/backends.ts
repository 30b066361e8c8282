// The two backends every checkpoint of this lesson runs against, with the same tests: the
// Upstash REST endpoint through `@upstash/redis`, and a Valkey (in `pnpm test`, the test's own
// kv-server speaking RESP) over TCP through iovalkey and the lesson's adapter.

import { createUpstashClient, createValkeyClient } from '@workshop/db';
import type { TestStack } from '@workshop/test-support';
import type { Redis as ValkeyClient } from 'iovalkey';
import { afterAll } from 'vitest';
import { createUpstashStore } from '../src/upstash.ts';
import { createValkeyStore } from '../src/valkey-store.ts';

export function backendsOf(stack: TestStack) {
  const clients: ValkeyClient[] = [];
  const valkeyClient = () => {
    const client = createValkeyClient(stack.config);
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  });
  return [
    {
      name: 'Upstash REST (@upstash/redis)',
      connect: () => createUpstashStore(stack.upstash),
      // FLUSHDB is not part of the app's store interface: the plain client sends it.
      flush: async () => {
        await createUpstashClient(stack.config).flushdb();
      },
    },
    {
      name: 'Valkey over TCP (iovalkey)',
      connect: () => createValkeyStore(valkeyClient()),
      flush: async () => {
        await valkeyClient().flushdb();
      },
    },
  ];
}

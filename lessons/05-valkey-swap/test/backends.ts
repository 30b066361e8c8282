// The two backends every checkpoint of this lesson runs against, with the same tests:
// the Upstash REST endpoint through `@upstash/redis`, and a Valkey (or the local stack's RESP
// port) over TCP through iovalkey and the lesson's adapter.
import { createUpstashClient, createValkeyClient } from '@workshop/db';
import type { TestStack } from '@workshop/test-support';
import type { Redis as ValkeyClient } from 'iovalkey';
import { afterAll } from 'vitest';
import { createValkeyStore } from '../src/valkey-store.ts';

export function backendsOf(stack: TestStack) {
  const clients: ValkeyClient[] = [];
  afterAll(async () => {
    for (const client of clients) await client.quit().catch(() => client.disconnect());
  });
  return [
    { name: 'Upstash REST (@upstash/redis)', connect: () => createUpstashClient(stack.config) },
    {
      name: 'Valkey over TCP (iovalkey)',
      connect: () => {
        const client = createValkeyClient(stack.config);
        clients.push(client);
        return createValkeyStore(client);
      },
    },
  ];
}

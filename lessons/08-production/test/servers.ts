// The servers this lesson's memory checkpoints fill, each a throwaway of the file's own: CONFIG
// SET maxmemory on a shared server would evict other suites' keys. In `pnpm test`, the
// workshop's engine; in `pnpm test:services`, a real valkey-server and a real redis-server,
// started on sockets of their own (src/scratch-server.ts).

import { servicesRequested } from '@workshop/test-support';
import type { Redis as ValkeyClient } from 'iovalkey';
import { afterAll, beforeAll } from 'vitest';
import {
  type ScratchServer,
  startScratchEngine,
  startScratchProgram,
} from '../src/scratch-server.ts';
import { createValkeyStore, createValkeyStoreClient } from '../src/valkey-store.ts';

const KINDS = servicesRequested() ? ['valkey-server', 'redis-server'] : ['engine'];

export function scratchServers() {
  const started = new Map<string, ScratchServer>();
  const clients: ValkeyClient[] = [];
  beforeAll(async () => {
    for (const kind of KINDS) {
      started.set(
        kind,
        kind === 'engine' ? await startScratchEngine() : await startScratchProgram(kind),
      );
    }
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    for (const server of started.values()) await server.close();
  });
  return KINDS.map((kind) => ({
    name: kind === 'engine' ? 'the workshop engine' : kind,
    /** A new client of this server (disconnected after the file), and the store over it. */
    connect() {
      const server = started.get(kind);
      if (!server) throw new Error(`${kind} did not start`);
      const client = createValkeyStoreClient(server.url);
      clients.push(client);
      return { client, store: createValkeyStore(client) };
    },
  }));
}

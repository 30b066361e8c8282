// Servers for the surface tests: a kv-server in engine mode, or one in forwarding mode in front
// of a backend. In `pnpm test` that backend is a second kv-server (engine mode, RESP port), so
// no service is needed; under `pnpm test:services` it is the real Redis, on a database of its
// own (14) that is flushed first.

import { servicesRequested, serviceUrls } from '@workshop/test-support';
import { Redis as Valkey } from 'iovalkey';
import { type KvServer, type KvServerOptions, startKvServer } from '../src/start.ts';

export const TOKEN = 'test-token';
/**
 * Databases of the real Redis these suites use in services mode, one per test file since files
 * run in parallel and each flushes its own (test stacks use 1-8, the benchmark 13, the
 * differential suite 15).
 */
export const FORWARD_DB = {
  client: 14,
  forward: 12,
  // Pub/sub and blocking (resp/pubsub, rest/sse, differential/pubsub): shared with the
  // benchmark, which never runs beside the tests; their keys are prefixed so the files coexist.
  pubsub: 13,
} as const;

export interface Running {
  server: KvServer;
  /** Where forwarding mode sends commands (undefined in engine mode). */
  backendUrl?: string;
  close(): Promise<void>;
}

export async function startEngine(options: KvServerOptions = {}): Promise<Running> {
  const server = await startKvServer({ token: TOKEN, restPort: 0, respPort: 0, ...options });
  return { server, close: () => server.close() };
}

export async function startForwarding(
  db: number = FORWARD_DB.client,
  options: KvServerOptions = {},
): Promise<Running> {
  let backend: KvServer | undefined;
  let backendUrl: string;
  if (servicesRequested()) {
    const url = new URL(serviceUrls().redis);
    url.pathname = `/${db}`;
    backendUrl = url.toString();
    await flushDb(backendUrl);
  } else {
    backend = await startKvServer({ restPort: 0, respPort: 0 });
    backendUrl = backend.respUrl as string;
  }
  const server = await startKvServer({
    token: TOKEN,
    restPort: 0,
    forwardTo: backendUrl,
    ...options,
  });
  return {
    server,
    backendUrl,
    async close() {
      await server.close();
      await backend?.close();
    },
  };
}

/** Empties one database of a real Redis. */
async function flushDb(url: string): Promise<void> {
  const client = new Valkey(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}

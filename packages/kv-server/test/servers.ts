// Servers for the surface tests: a kv-server in engine mode, or one in forwarding mode in front
// of a backend. In `pnpm test` that backend is a second kv-server (engine mode, RESP port), so
// no service is needed; under `pnpm test:services` it is the real Redis, on the database the
// caller names (redis-db.ts), held and flushed first.

import { Redis } from '@upstash/redis';
import { servicesRequested, serviceUrls } from '@workshop/test-support';
import { Redis as Valkey } from 'iovalkey';
import { afterAll, beforeAll, expect } from 'vitest';
import { type KvServer, type KvServerOptions, startKvServer } from '../src/start.ts';
import { lockRedisDb, REDIS_DB, releaseRedisDb } from './redis-db.ts';

export const TOKEN = 'test-token';

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

/**
 * Services mode: forwards to database `db` of the real Redis, which this process holds (another
 * file on the same number waits) until close(), and which is flushed first.
 */
export async function startForwarding(
  db: number = REDIS_DB.client,
  options: KvServerOptions = {},
): Promise<Running> {
  if (!servicesRequested()) return startForwardingToKv(options);
  const url = new URL(serviceUrls().redis);
  url.pathname = `/${db}`;
  await lockRedisDb(db);
  try {
    await flushDb(url.toString());
    return await forwardingTo(url.toString(), options, async () => releaseRedisDb(db));
  } catch (error) {
    releaseRedisDb(db);
    throw error;
  }
}

/** A kv-server forwarding to a second kv-server (engine mode, RESP port), services mode or not. */
export async function startForwardingToKv(options: KvServerOptions = {}): Promise<Running> {
  const backend = await startKvServer({ restPort: 0, respPort: 0 });
  return forwardingTo(backend.respUrl as string, options, () => backend.close());
}

async function forwardingTo(
  backendUrl: string,
  options: KvServerOptions,
  closeBackend?: () => Promise<void>,
): Promise<Running> {
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
      await closeBackend?.();
    },
  };
}

/**
 * For the suites that run once per mode: before the block's tests, starts the server, checks it
 * runs in that mode, and hands `ready` the real @upstash/redis client (default settings) on its
 * REST port; after them, closes the server.
 */
export function useUpstash(
  mode: 'engine' | 'forward',
  start: () => Promise<Running>,
  ready: (redis: Redis, running: Running) => void,
): void {
  let running: Running | undefined;
  beforeAll(async () => {
    running = await start();
    expect(running.server.mode).toBe(mode);
    ready(new Redis({ url: running.server.restUrl, token: TOKEN }), running);
  });
  afterAll(() => running?.close());
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

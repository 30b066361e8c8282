// The client matrix: every client (adapters.ts) runs every scenario (scenarios.ts) against the
// engine, against forwarding mode, and, in services mode, against the real Redis as the
// reference. In `pnpm test` forwarding goes to a second kv-server in engine mode; under
// `pnpm test:services` to the real Redis (and Valkey), on the database redis-db.ts gives it.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { servicesRequested, serviceUrls } from '@workshop/test-support';
import { Redis as Valkey } from 'iovalkey';
import { createClient } from 'redis6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKvServer } from '../../src/start.ts';
import { holdRedisDb, REDIS_DB } from '../redis-db.ts';
import { type Running, startEngine, startForwarding } from '../servers.ts';
import { adapters, type Connection } from './adapters.ts';
import { scenarios } from './scenarios.ts';

const MATRIX_DB = REDIS_DB.matrix;
const run = promisify(execFile);

interface Target {
  name: string;
  start(): Promise<{ url: string; close(): Promise<void> }>;
}

function fromRunning(running: Running) {
  return { url: running.server.respUrl as string, close: () => running.close() };
}

const targets: Target[] = [
  { name: 'engine', start: async () => fromRunning(await startEngine()) },
  {
    name: 'forwarding',
    start: async () => fromRunning(await startForwarding(MATRIX_DB, { respPort: 0 })),
  },
];
// Its Redis and Valkey targets use the database without startForwarding: hold it for the file.
holdRedisDb(MATRIX_DB, servicesRequested());
if (servicesRequested()) {
  // Forwarding to Valkey 8 as well: its RESP3 (doubles printed shortest-first) must pass through.
  targets.push({
    name: 'forwarding to Valkey',
    start: async () => {
      const url = new URL(serviceUrls().valkey);
      url.pathname = `/${MATRIX_DB}`;
      const admin = new Valkey(url.toString());
      await admin.flushdb();
      admin.disconnect();
      const server = await startKvServer({ restPort: 0, respPort: 0, forwardTo: url.toString() });
      return { url: server.respUrl as string, close: () => server.close() };
    },
  });
  targets.push({
    name: 'real Redis',
    start: async () => {
      const url = new URL(serviceUrls().redis);
      url.pathname = `/${MATRIX_DB}`;
      return { url: url.toString(), close: async () => {} };
    },
  });
}

let counter = 0;

describe.each(targets)('node-redis 6 client-side caching: $name', (target) => {
  it('serves a second GET from its cache until another client writes the key', async () => {
    const { url, close } = await target.start();
    const cached = createClient({
      url,
      RESP: 3,
      clientSideCache: { ttl: 0, maxEntries: 0, evictPolicy: 'LRU' },
    });
    const other = createClient({ url });
    try {
      await cached.connect();
      await other.connect();
      const key = `csc:${process.pid}:${target.name}`;
      await other.set(key, 'one');
      expect([await cached.get(key), await cached.get(key)]).toEqual(['one', 'one']);
      const cache = cached.clientSideCache!;
      expect(cache.stats().hitCount).toBe(1);
      await other.set(key, 'two');
      // The invalidation push arrives after the writer's reply; without it the cache (no TTL)
      // would answer 'one' for ever.
      let value = await cached.get(key);
      for (let i = 0; i < 50 && value !== 'two'; i++) {
        await new Promise((r) => setTimeout(r, 10));
        value = await cached.get(key);
      }
      expect(value).toBe('two');
    } finally {
      await cached.close().catch(() => {});
      await other.close().catch(() => {});
      await close();
    }
  });
});

describe.each(targets)('client matrix: $name', (target) => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ url, close } = await target.start());
  });
  afterAll(() => close?.());

  describe.each(adapters)('$name', (adapter) => {
    const prefix = `matrix:${process.pid}:${++counter}:${adapter.name.replace(/\s/g, '')}:`;
    const opened: Connection[] = [];
    let conn: Connection;
    beforeAll(async () => {
      conn = await adapter.connect(url);
      opened.push(conn);
    });
    afterAll(async () => {
      for (const c of opened) await c.close().catch(() => {});
    });

    it.each(scenarios)('$name', (scenario) =>
      scenario.run({
        conn,
        key: (name) => `${prefix}${name}`,
        open: async () => {
          const extra = await adapter.connect(url);
          opened.push(extra);
          return extra;
        },
      }),
    );
  });
});

describe('protocols and hints', () => {
  let running: Running;
  beforeAll(async () => {
    running = await startEngine();
  });
  afterAll(() => running?.close());

  it('node-redis 6 speaks RESP3 with default options, node-redis 4 and 5 RESP2', async () => {
    const url = running.server.respUrl as string;
    for (const [name, resp] of [
      ['node-redis 4', 2],
      ['node-redis 5', 2],
      ['node-redis 6', 3],
    ] as const) {
      const conn = await adapters.find((a) => a.name === name)!.connect(url);
      const info = String(await conn.call('CLIENT', 'INFO'));
      await conn.close();
      expect(info, name).toContain(` resp=${resp} `);
    }
  });

  it("CLIENT INFO has Redis 7's fields in Redis 7's order", async () => {
    const fields = async (url: string) => {
      const conn = await adapters.find((a) => a.name === 'ioredis 5')!.connect(url);
      const line = String(await conn.call('CLIENT', 'INFO'));
      await conn.close();
      return line
        .trim()
        .split(' ')
        .map((pair) => pair.split('=')[0] ?? '');
    };
    const ours = await fields(running.server.respUrl as string);
    expect(ours.slice(0, 3)).toEqual(['id', 'addr', 'laddr']);
    // lib-name and lib-ver came with 7.2 (CLIENT SETINFO); the rest is 7.0's list.
    expect(ours.slice(-2)).toEqual(['lib-name', 'lib-ver']);
    if (servicesRequested()) {
      const theirs = await fields(serviceUrls().redis);
      const without = (list: string[]) => list.filter((f) => !f.startsWith('lib-'));
      expect(without(ours)).toEqual(without(theirs));
    }
  });

  it('redis-cli reads the same COMMAND DOCS shape as from Redis (its interactive hints)', async () => {
    const docs = async (url: string, name: string) =>
      (await run('redis-cli', ['-u', url, '--no-raw', 'COMMAND', 'DOCS', name])).stdout;
    const ours = await docs(running.server.respUrl as string, 'set');
    expect(ours).toContain('"summary"');
    expect(ours).toContain('"arguments"');
    expect(ours).toContain('"NX"');
    if (servicesRequested()) {
      // Not `client`: Redis lists a container's subcommands in an order that changes each time
      // it starts (a dict with a random hash seed); the differential suite compares those as a set.
      for (const name of ['get', 'set', 'zadd', 'hset']) {
        const theirs = await docs(serviceUrls().redis, name);
        expect(await docs(running.server.respUrl as string, name), name).toBe(theirs);
      }
    }
  });
});

import { createValkeyClient, type WorkshopConfig } from '@workshop/config';
import { createPool, type EmbeddedPostgres, startEmbeddedPostgres } from '@workshop/db';
import { type KvServer, startKvServer } from '@workshop/kv-server';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import {
  servicesRequested,
  servicesTemplateName,
  serviceUrls,
  TEST_DB_PREFIX,
  withPath,
} from './services.ts';
import { loadEmbeddedTemplate } from './template.ts';

export interface TestStack {
  readonly backend: 'embedded' | 'services';
  /** A fresh, migrated, seeded database for this test file. */
  readonly pool: pg.Pool;
  readonly databaseUrl: string;
  /** A kv-server REST endpoint for this file: its own engine, or forwarding to the real Redis. */
  readonly upstash: { url: string; token: string };
  /** A RESP endpoint with an empty database: the file's kv-server, or the real Valkey. */
  readonly valkeyUrl: string;
  /**
   * Services only: the real Redis over RESP, the db the REST endpoint forwards to (flushed
   * first), for checkpoints that run on Redis and Valkey both. Undefined on the embedded stack.
   */
  readonly redisUrl: string | undefined;
  /** All of the above as a config for `createPool` and the `@workshop/config` client factories. */
  readonly config: WorkshopConfig;
}

let fileCounter = 0;

/**
 * Gives the calling test file its own database and key-value endpoints, started in `beforeAll`
 * and stopped in `afterAll`. Call it at the top level of the file; read its properties inside
 * tests and hooks.
 *
 * Embedded (default): a copy of the cached template database in memory, served by its own PGlite
 * socket server, and in-process kv-servers (engine): one for REST, one for RESP, so the two
 * endpoints are separate stores in both modes. Services (`WORKSHOP_TEST_SERVICES=1`): a
 * database created from a template on the real Postgres (dropped afterwards), a kv-server
 * forwarding to the real Redis, and the real Valkey, each on a db number of this worker's own,
 * flushed first.
 */
export function useTestStack(): TestStack {
  let state: (TestStack & { close(): Promise<void> }) | undefined;

  beforeAll(async () => {
    state = servicesRequested() ? await startServicesStack() : await startEmbeddedStack();
  });
  afterAll(async () => {
    await state?.close();
    state = undefined;
  });

  const get = <K extends keyof TestStack>(key: K): TestStack[K] => {
    if (!state) {
      throw new Error(
        `useTestStack().${key} is only available inside tests and beforeAll/afterAll hooks (after the stack started).`,
      );
    }
    return state[key];
  };
  return {
    get backend() {
      return get('backend');
    },
    get pool() {
      return get('pool');
    },
    get databaseUrl() {
      return get('databaseUrl');
    },
    get upstash() {
      return get('upstash');
    },
    get valkeyUrl() {
      return get('valkeyUrl');
    },
    get redisUrl() {
      return get('redisUrl');
    },
    get config() {
      return get('config');
    },
  };
}

async function startEmbeddedStack(): Promise<TestStack & { close(): Promise<void> }> {
  const template = await loadEmbeddedTemplate();
  // Two kv-servers, one serving REST and one RESP, so the Upstash and Valkey endpoints are separate
  // stores, as they are in services mode (Redis and Valkey).
  const [postgres, upstashServer, valkeyServer] = await Promise.all([
    startEmbeddedPostgres({ template, port: 0 }),
    startKvServer({ restPort: 0, respPort: false }),
    startKvServer({ restPort: 0, respPort: 0 }),
  ]);
  const valkeyUrl = valkeyServer.respUrl ?? '';
  const upstash = { url: upstashServer.restUrl, token: upstashServer.token };
  const config: WorkshopConfig = {
    databaseUrl: postgres.url,
    databaseSource: 'embedded',
    upstash: { ...upstash, source: 'local' },
    valkeyUrl,
    valkeySource: 'local',
  };
  const pool = createPool(config);
  return {
    backend: 'embedded',
    pool,
    databaseUrl: postgres.url,
    upstash,
    valkeyUrl,
    redisUrl: undefined,
    config,
    close: () => closeAll(pool, [upstashServer, valkeyServer], postgres),
  };
}

async function startServicesStack(): Promise<TestStack & { close(): Promise<void> }> {
  const urls = serviceUrls();
  // Each concurrently running worker has its own pool id, so its own Redis/Valkey db number.
  // (db 14 and 15 belong to kv-server's own suites.)
  const dbNumber = 1 + (Number(process.env.VITEST_POOL_ID ?? 0) % 8);
  const redisUrl = withPath(urls.redis, dbNumber);
  const valkeyUrl = withPath(urls.valkey, dbNumber);
  await Promise.all([flush(redisUrl, 'TEST_REDIS_URL'), flush(valkeyUrl, 'TEST_VALKEY_URL')]);

  const name = `${TEST_DB_PREFIX}${process.pid}_${++fileCounter}`;
  const admin = new pg.Client({ connectionString: urls.database });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${servicesTemplateName()}"`);
  } finally {
    await admin.end();
  }
  const databaseUrl = withPath(urls.database, name);
  const kv = await startKvServer({ restPort: 0, respPort: false, forwardTo: redisUrl });
  const config: WorkshopConfig = {
    databaseUrl,
    databaseSource: 'env',
    upstash: { url: kv.restUrl, token: kv.token, source: 'local' },
    valkeyUrl,
    valkeySource: 'env',
  };
  const pool = createPool(config);
  return {
    backend: 'services',
    pool,
    databaseUrl,
    upstash: { url: kv.restUrl, token: kv.token },
    valkeyUrl,
    redisUrl,
    config,
    close: async () => {
      await closeAll(pool, [kv]);
      const dropper = new pg.Client({ connectionString: urls.database });
      await dropper.connect();
      await dropper
        .query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        .finally(() => dropper.end());
    },
  };
}

async function flush(url: string, variable: string): Promise<void> {
  const client = createValkeyClient(
    { valkeyUrl: url },
    { lazyConnect: true, retryStrategy: () => null },
  );
  try {
    await client.connect();
    await client.flushdb();
  } catch (error) {
    throw new Error(
      `${variable} ${url} does not answer (${(error as Error).message}): start that server, or run \`pnpm test\` for the embedded stack.`,
    );
  } finally {
    client.disconnect();
  }
}

async function closeAll(
  pool: pg.Pool,
  servers: KvServer[],
  postgres?: EmbeddedPostgres,
): Promise<void> {
  await pool.end().catch(() => {});
  await Promise.all([...servers.map((server) => server.close()), postgres?.close()]);
}

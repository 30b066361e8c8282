import { createValkeyClient, type WorkshopConfig } from '@workshop/config';
import { createPool, type EmbeddedPostgres, startEmbeddedPostgres } from '@workshop/db';
import { type KvServer, startKvServer } from '@workshop/kv-server';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { checkedMs, startKvStores } from './kv-stores.ts';
import {
  servicesRequested,
  servicesTemplateName,
  serviceUrls,
  TEST_DB_PREFIX,
  withPath,
} from './services.ts';
import { loadEmbeddedTemplate } from './template.ts';
import { checkoutWarmStack } from './warm-stack-client.ts';

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
  /**
   * Lets `ms` pass on the key-value stores' clocks, so that a TTL or a window runs out. The
   * embedded stack's kv-servers read a clock this file moves on: it takes no time. On the
   * services stack (the real Redis and Valkey) it waits `ms` for real. Only the stores' time
   * passes: the test's own timers and Date.now(), and Postgres's clock, do not move.
   */
  passTime(ms: number): Promise<void>;
}

interface TestStackOptions {
  /**
   * `false` for a file whose tests never touch Postgres (they cache, count or lock in the
   * key-value store alone): no database is opened for it, and reading `pool`, `databaseUrl` or
   * `config.databaseUrl` throws. Opening the embedded one from its template is most of a stack's
   * cost (1-3 s of CPU per file).
   */
  readonly postgres?: boolean;
}

/** A started stack; `pool` and `databaseUrl` are missing when the file asked for no Postgres. */
type StackState = Omit<TestStack, 'pool' | 'databaseUrl'> & {
  readonly pool: pg.Pool | undefined;
  readonly databaseUrl: string | undefined;
  close(): Promise<void>;
};

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
export function useTestStack(options: TestStackOptions = {}): TestStack {
  let state: StackState | undefined;
  const withPostgres = options.postgres ?? true;

  beforeAll(async () => {
    // practice watch's vitest lends warm ones (warm-stack.ts); everywhere else that is undefined.
    state = servicesRequested()
      ? await startServicesStack(withPostgres)
      : ((await checkoutWarmStack(withPostgres)) ?? (await startEmbeddedStack(withPostgres)));
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
    const value = state[key];
    if (value === undefined && (key === 'pool' || key === 'databaseUrl')) {
      throw new Error(NO_POSTGRES);
    }
    return value as TestStack[K];
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
    passTime(ms: number) {
      return get('passTime')(ms);
    },
  };
}

async function startEmbeddedStack(withPostgres: boolean): Promise<StackState> {
  const [postgres, { upstash: upstashServer, valkey: valkeyServer, clock }] = await Promise.all([
    withPostgres
      ? loadEmbeddedTemplate().then((template) => startEmbeddedPostgres({ template, port: 0 }))
      : undefined,
    startKvStores(),
  ]);
  const valkeyUrl = valkeyServer.respUrl ?? '';
  const upstash = { url: upstashServer.restUrl, token: upstashServer.token };
  const config = configFor(postgres?.url, {
    databaseSource: 'embedded',
    upstash: { ...upstash, source: 'local' },
    valkeyUrl,
    valkeySource: 'local',
  });
  const pool = postgres && createPool(config);
  return {
    backend: 'embedded',
    pool,
    databaseUrl: postgres?.url,
    upstash,
    valkeyUrl,
    redisUrl: undefined,
    config,
    passTime: async (ms) => clock.move(ms),
    close: () => closeAll(pool, [upstashServer, valkeyServer], postgres),
  };
}

const NO_POSTGRES =
  'This file asked for no Postgres (useTestStack({ postgres: false })): drop that option to query it.';

/** The stack as a config; without a database, one whose `databaseUrl` throws when read. */
export function configFor(
  databaseUrl: string | undefined,
  rest: Omit<WorkshopConfig, 'databaseUrl'>,
): WorkshopConfig {
  if (databaseUrl !== undefined) return { databaseUrl, ...rest };
  return Object.defineProperty({ ...rest }, 'databaseUrl', {
    enumerable: true,
    get: () => {
      throw new Error(NO_POSTGRES);
    },
  }) as WorkshopConfig;
}

async function startServicesStack(withPostgres: boolean): Promise<StackState> {
  const urls = serviceUrls();
  // Each concurrently running worker has its own pool id, so its own Redis/Valkey db number.
  // (db 14 and 15 belong to kv-server's own suites.)
  const dbNumber = 1 + (Number(process.env.VITEST_POOL_ID ?? 0) % 8);
  const redisUrl = withPath(urls.redis, dbNumber);
  const valkeyUrl = withPath(urls.valkey, dbNumber);
  await Promise.all([flush(redisUrl, 'TEST_REDIS_URL'), flush(valkeyUrl, 'TEST_VALKEY_URL')]);

  const name = `${TEST_DB_PREFIX}${process.pid}_${++fileCounter}`;
  if (withPostgres) {
    const admin = new pg.Client({ connectionString: urls.database });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${servicesTemplateName()}"`);
    } finally {
      await admin.end();
    }
  }
  const databaseUrl = withPostgres ? withPath(urls.database, name) : undefined;
  const kv = await startKvServer({ restPort: 0, respPort: false, forwardTo: redisUrl });
  const config = configFor(databaseUrl, {
    databaseSource: 'env',
    upstash: { url: kv.restUrl, token: kv.token, source: 'local' },
    valkeyUrl,
    valkeySource: 'env',
  });
  const pool = databaseUrl === undefined ? undefined : createPool(config);
  return {
    backend: 'services',
    pool,
    databaseUrl,
    upstash: { url: kv.restUrl, token: kv.token },
    valkeyUrl,
    redisUrl,
    config,
    // Real servers: their time passes only by waiting for it.
    passTime: async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, checkedMs(ms)));
    },
    close: async () => {
      await closeAll(pool, [kv]);
      if (!withPostgres) return;
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
  pool: pg.Pool | undefined,
  servers: KvServer[],
  postgres?: EmbeddedPostgres,
): Promise<void> {
  await pool?.end().catch(() => {});
  await Promise.all([...servers.map((server) => server.close()), postgres?.close()]);
}

// `practice watch`'s test stack, kept warm for the whole session: opening a PGlite from the
// template costs 1.5-3 s of CPU, which every test file paid again on every save. The global setup
// of a vitest that `practice watch` keeps running (WORKSHOP_WARM_STACK=1) starts this broker in
// vitest's own process; each test file's useTestStack() checks a stack out of it over HTTP (the
// address comes through vitest's provide/inject) and gives it back after its last test:
//
// - a PGlite opened once, served on its own port, and put back the way the template left it
//   between two files (db-reset.ts: only what a test wrote is undone, tens of milliseconds); a
//   database that cannot be put back exactly is closed and another one opened;
// - two new kv-servers per file (starting one is a listen(), the engine empty: kv-stores.ts),
//   reading a clock of the file's own that `/pass-time` moves on (useTestStack().passTime).
//
// Files that run at once get a PGlite each (opened when first needed). `pnpm test` and
// `pnpm check` never set WORKSHOP_WARM_STACK: a PGlite per file, as before.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@workshop/db';
import type { KvServer } from '@workshop/kv-server';
import pg from 'pg';
import { capturePristine, type PristineDatabase, resetToPristine } from './db-reset.ts';
import { type MovableClock, startKvStores } from './kv-stores.ts';
import { loadEmbeddedTemplate } from './template.ts';

/** What a checkout answers: the same endpoints useTestStack() gives a file. */
export interface WarmStackCheckout {
  id: number;
  /** Missing when the file asked for no Postgres. */
  databaseUrl?: string;
  upstash: { url: string; token: string };
  valkeyUrl: string;
}

const RESET_TIMEOUT_MS = 15_000;

interface Database {
  postgres: EmbeddedPostgres;
  /** Resets through it: a connection of its own, idle while tests run. */
  client: pg.Client;
  pristine: PristineDatabase;
  /** The reset after the last file; false when the database is to be replaced. */
  ready: Promise<boolean>;
}

async function openDatabase(): Promise<Database> {
  const postgres = await startEmbeddedPostgres({ template: await loadEmbeddedTemplate(), port: 0 });
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  const pristine = await capturePristine(client);
  return { postgres, client, pristine, ready: Promise.resolve(true) };
}

async function closeDatabase(database: Database): Promise<void> {
  await database.client.end().catch(() => {});
  await database.postgres.close();
}

export interface WarmStack {
  /**
   * The broker's address, its secret included: `${url}/checkout`, `${url}/pass-time?id=&ms=`,
   * `${url}/release?id=`.
   */
  url: string;
  close(): Promise<void>;
}

/**
 * Whether a request may use the broker. Any web page the learner has open can send requests to
 * 127.0.0.1, and a checkout hands out a database and a kv-server token: so the path must start
 * with the secret that only vitest's processes know, and a request a browser made (it always
 * sends Origin or Sec-Fetch-Site; Node's fetch sends neither) is refused even with it.
 */
function allowed(request: IncomingMessage, secret: Buffer): boolean {
  if (request.headers.origin !== undefined || request.headers['sec-fetch-site'] !== undefined) {
    return false;
  }
  const given = Buffer.from((request.url ?? '').split('/')[1] ?? '');
  return given.length === secret.length && timingSafeEqual(given, secret);
}

/** Starts the broker on 127.0.0.1 (a free port), with one PGlite opening meanwhile. */
export async function startWarmStack(): Promise<WarmStack> {
  // The first one opens while vitest starts its workers (1.5-3 s of CPU that the first check
  // would otherwise wait for before any worker starts). A template that does not open fails the
  // first checkout, which answers 500 with PGlite's message; the test file shows it.
  const first = openDatabase();
  first.catch(() => {}); // reported by the checkout that awaits it, not as an unhandled rejection
  const idle: Promise<Database>[] = [first];
  const out = new Map<
    number,
    { database: Database | undefined; servers: KvServer[]; clock: MovableClock }
  >();
  let lastId = 0;

  /** An idle database once its reset is done; a new one when none is idle or it failed. */
  async function take(): Promise<Database> {
    const next = idle.shift();
    if (!next) return openDatabase();
    const database = await next;
    if (await database.ready) return database;
    void closeDatabase(database);
    return openDatabase();
  }

  async function checkout(withPostgres: boolean): Promise<WarmStackCheckout> {
    const database = withPostgres ? await take() : undefined;
    const { upstash: upstashServer, valkey: valkeyServer, clock } = await startKvStores();
    const id = ++lastId;
    out.set(id, { database, servers: [upstashServer, valkeyServer], clock });
    return {
      id,
      databaseUrl: database?.postgres.url,
      upstash: { url: upstashServer.restUrl, token: upstashServer.token },
      valkeyUrl: valkeyServer.respUrl ?? '',
    };
  }

  /** Answers at once: the reset runs meanwhile, and the next checkout of that database waits. */
  function release(id: number): void {
    const lent = out.get(id);
    if (!lent) return;
    out.delete(id);
    const { database, servers } = lent;
    if (!database) {
      void Promise.all(servers.map((server) => server.close()));
      return;
    }
    const reset = Promise.all(servers.map((server) => server.close()))
      .then(() => resetToPristine(database.client, database.pristine))
      .catch(() => false);
    // A connection a test left inside a transaction holds PGlite's one session: its queries
    // would wait behind it for good. Give up on that database instead.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), RESET_TIMEOUT_MS);
    });
    database.ready = Promise.race([reset, stuck]).finally(() => clearTimeout(timer));
    idle.push(Promise.resolve(database));
  }

  const secret = Buffer.from(randomBytes(16).toString('hex'));
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const answer = (status: number, body?: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    request.resume();
    if (!allowed(request, secret)) {
      answer(403, { error: 'not for this client: only the test workers of this vitest' });
      return;
    }
    // The path without its secret.
    const url = new URL((request.url ?? '/').slice(1 + secret.length) || '/', 'http://localhost');
    if (request.method === 'POST' && url.pathname === '/checkout') {
      checkout(url.searchParams.get('postgres') !== '0').then(
        (stack) => answer(200, stack),
        (error: unknown) => answer(500, { error: (error as Error).message }),
      );
    } else if (request.method === 'POST' && url.pathname === '/pass-time') {
      const lent = out.get(Number(url.searchParams.get('id')));
      if (!lent) {
        answer(404, { error: 'no such checkout: it was released, or never made' });
        return;
      }
      try {
        lent.clock.move(Number(url.searchParams.get('ms')));
        answer(204);
      } catch (error) {
        answer(400, { error: (error as Error).message });
      }
    } else if (request.method === 'POST' && url.pathname === '/release') {
      release(Number(url.searchParams.get('id')));
      answer(204);
    } else answer(404, { error: 'unknown request' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}/${secret.toString()}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { servers } of out.values()) await Promise.all(servers.map((s) => s.close()));
      const databases = await Promise.allSettled([
        ...idle,
        ...[...out.values()].map(async (lent) => lent.database),
      ]);
      await Promise.all(
        databases.map((result) =>
          result.status === 'fulfilled' && result.value ? closeDatabase(result.value) : undefined,
        ),
      );
    },
  };
}

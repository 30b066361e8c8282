// The local stack: embedded Postgres, the kv-server (Upstash REST) and a Redis-protocol port
// (VALKEY_URL: a private valkey-server when one is installed, else the kv-server's engine),
// started for `pnpm stack` / `pnpm start` or for the length of one `pnpm lesson` run. Real
// services configured in .env replace them.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import type { WorkshopConfig } from '@workshop/config';
import {
  chooseLocalValkey,
  type LocalValkey,
  type LocalValkeyChoice,
  startLocalValkey,
  stopLeftoverValkey,
} from './local-valkey.ts';
import {
  isPortFree,
  PORT_ROLES,
  PortInUseError,
  type ServiceKey,
  type StackPorts,
} from './ports.ts';
import { probeLocalService } from './probes.ts';
import { readLock, type StackLock } from './stack-lock.ts';

/**
 * The local kv-server's memory limit: the stack runs on laptops that do other things, so a
 * runaway write loop in a lesson must not take gigabytes. 256 MB holds every lesson's data many
 * times over; noeviction makes the limit visible (writes answer Redis's OOM error) instead of
 * keys silently vanishing. KV_MAXMEMORY / KV_MAXMEMORY_POLICY change it, and a lesson can
 * `CONFIG SET maxmemory-policy allkeys-lru` to watch eviction.
 */
export const LOCAL_KV_MEMORY = {
  maxmemory: process.env.KV_MAXMEMORY ?? '256mb',
  policy: process.env.KV_MAXMEMORY_POLICY ?? 'noeviction',
};

export interface ServiceRow {
  service: string;
  where: string;
  source: 'embedded' | 'real';
  /** What serves it, where its data lives, or which variable configured it. */
  note: string;
}

export interface LocalServices {
  /** What runs where, for the table `pnpm stack` prints. */
  rows: ServiceRow[];
  /** Where the started services listen (for the lock file). */
  listening: Pick<StackLock, 'postgresPort' | 'restPort' | 'respPort'>;
  /** One line each, worth saying after the table (the engine serves VALKEY_URL, and why). */
  notes: string[];
  /** The variables a lesson needs to reach these services (see serviceEnv). */
  config: WorkshopConfig;
  close(): Promise<void>;
}

export interface StartOptions {
  root: string;
  config: WorkshopConfig;
  ports: StackPorts;
  dataDir: string;
  token: string;
  /** Use any free port when a default one is taken (a lesson run), instead of failing (the stack). */
  anyPortIfBusy?: boolean;
  /** What serves VALKEY_URL (default: chooseLocalValkey, from the PATH and WORKSHOP_VALKEY). */
  valkey?: LocalValkeyChoice;
  onProgress?: (message: string) => void;
}

/**
 * The local ports a configuration needs: Postgres unless DATABASE_URL is set; the kv-server's
 * REST port whenever it runs (for Upstash, or only for its RESP port: VALKEY_URL unset).
 */
export function localPortsNeeded(config: WorkshopConfig): ServiceKey[] {
  const keys: ServiceKey[] = [];
  if (config.databaseSource === 'embedded') keys.push('postgres');
  if (config.upstash.source === 'local' || config.valkeySource === 'local') keys.push('rest');
  if (config.valkeySource === 'local') keys.push('resp');
  return keys;
}

const needs = (config: WorkshopConfig) => ({
  postgres: config.databaseSource === 'embedded',
  rest: config.upstash.source === 'local',
  resp: config.valkeySource === 'local',
});

/** Hides passwords and tokens in a URL shown on screen. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.searchParams.delete('_token');
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** A port free now on host (valkey-server, unlike our servers, cannot be given port 0). */
function freePort(host: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startLocalServices(options: StartOptions): Promise<LocalServices> {
  const { config, ports, dataDir, onProgress } = options;
  const need = needs(config);
  const valkeyChoice = need.resp
    ? (options.valkey ?? chooseLocalValkey(process.env, join(options.root, '.env')))
    : {};
  const valkeyServer = valkeyChoice.server;
  const valkeyDir = join(dataDir, 'valkey');
  // A valkey-server a killed stack left running still holds the port: stop it first.
  if (valkeyServer) await stopLeftoverValkey(valkeyDir, onProgress);
  // The kv-server runs for Upstash REST, and for VALKEY_URL when no valkey-server serves it.
  const runKv = need.rest || (need.resp && !valkeyServer);
  const chosen: Record<ServiceKey, number> = { ...ports };
  for (const key of localPortsNeeded(config)) {
    if (key === 'rest' && !runKv) continue;
    if (await isPortFree(ports.host, ports[key])) continue;
    if (!options.anyPortIfBusy) throw new PortInUseError(key, ports[key]);
    chosen[key] = 0;
  }

  const postgresDir = join(dataDir, 'postgres');
  const snapshotFile = join(dataDir, 'kv', 'snapshot.bin');
  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    await Promise.allSettled(started.reverse().map((service) => service.close()));
  };

  const startPostgres = async () => {
    const db = await import('@workshop/db');
    const postgres = await db.startEmbeddedPostgres({
      dataDir: postgresDir,
      port: chosen.postgres,
      onProgress,
    });
    started.push(postgres); // it has migrated and seeded the wiki's database
    return postgres;
  };

  const startKv = async () => {
    const { startKvServer } = await import('@workshop/kv-server');
    mkdirSync(join(dataDir, 'kv'), { recursive: true });
    const kv = await startKvServer({
      host: ports.host,
      restPort: chosen.rest,
      respPort: need.resp && !valkeyServer ? chosen.resp : false,
      token: options.token,
      snapshotFile,
      // Saved on a clean stop; every 30 s too, so a killed stack loses little.
      snapshotIntervalMs: 30_000,
      maxmemory: LOCAL_KV_MEMORY.maxmemory,
      maxmemoryPolicy: LOCAL_KV_MEMORY.policy,
    });
    started.push(kv);
    return kv;
  };

  const startValkey = async (server: string) => {
    const valkey = await startLocalValkey({
      server,
      dir: valkeyDir,
      host: ports.host,
      port: chosen.resp || (await freePort(ports.host)),
      memory: LOCAL_KV_MEMORY,
    });
    started.push(valkey);
    return valkey;
  };

  try {
    const [postgres, kv, valkey] = await Promise.all([
      need.postgres ? startPostgres() : undefined,
      runKv ? startKv() : undefined,
      valkeyServer ? startValkey(valkeyServer) : undefined,
    ]);
    const shown = (path: string) => {
      const inRepo = relative(options.root, path);
      return inRepo && !inRepo.startsWith('..') ? inRepo : path;
    };
    const real = (service: string, url: string, envVar: string): ServiceRow => ({
      service,
      where: redact(url),
      source: 'real',
      note: `from ${envVar}`,
    });
    const rows: ServiceRow[] = [
      postgres
        ? {
            service: 'Postgres',
            where: postgres.url,
            source: 'embedded',
            note: `data in ${shown(postgresDir)}`,
          }
        : real('Postgres', config.databaseUrl, 'DATABASE_URL'),
      kv && need.rest
        ? {
            service: 'Upstash REST',
            where: kv.restUrl,
            source: 'embedded',
            note: `the workshop's kv-server (engine), saved in ${shown(snapshotFile)}; token ${options.token}`,
          }
        : real('Upstash REST', config.upstash.url, 'UPSTASH_REDIS_REST_URL'),
      valkey
        ? valkeyRow(valkey)
        : kv?.respUrl && need.resp
          ? {
              service: 'Valkey (Redis protocol)',
              where: kv.respUrl,
              source: 'embedded',
              note: `not Valkey: the workshop's kv-server (engine), ${need.rest ? 'the same keys as Upstash REST' : `saved in ${shown(snapshotFile)}`}`,
            }
          : real('Valkey (Redis protocol)', config.valkeyUrl, 'VALKEY_URL'),
    ];
    const respUrl = valkey?.url ?? (need.resp ? kv?.respUrl : undefined);
    return {
      rows,
      listening: {
        postgresPort: postgres?.port,
        restPort: kv?.restPort,
        respPort: valkey?.port ?? (need.resp ? kv?.respPort : undefined),
      },
      notes: need.resp && !valkey && valkeyChoice.note ? [valkeyChoice.note] : [],
      config: {
        ...config,
        databaseUrl: postgres?.url ?? config.databaseUrl,
        upstash: kv && need.rest ? { ...config.upstash, url: kv.restUrl } : config.upstash,
        valkeyUrl: respUrl ?? config.valkeyUrl,
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw await translatePortError(error, chosen);
  }
}

/** The table's row for the stack's own valkey-server: what it is, plainly. */
function valkeyRow(valkey: LocalValkey): ServiceRow {
  return {
    service: 'Valkey (Redis protocol)',
    where: valkey.url,
    source: 'embedded',
    note: `${valkey.name} (valkey-server, started by the stack), nothing saved`,
  };
}

/** A port taken between our check and the listen (a race) still gets the one-line message. */
async function translatePortError(
  error: unknown,
  ports: Record<ServiceKey, number>,
): Promise<unknown> {
  // The errors are typed: the port comes from them, never from parsing a message.
  const [{ PostgresPortInUseError }, { PortInUseError: KvPortInUseError }] = await Promise.all([
    import('@workshop/db'),
    import('@workshop/kv-server'),
  ]);
  const port =
    error instanceof PostgresPortInUseError || error instanceof KvPortInUseError
      ? error.port
      : undefined;
  const key = (['postgres', 'rest', 'resp'] as const).find((k) => ports[k] === port);
  return key && port !== undefined ? new PortInUseError(key, port) : error;
}

/**
 * The local stack started by `pnpm stack` in another terminal, when it is running and answers
 * as ours: its lock file names a live process whose REST port accepts our token, or (a stack
 * with another data folder) our token is accepted on the default REST port.
 */
export async function findRunningStack(
  dataDir: string,
  ports: StackPorts,
  token: string,
): Promise<StackLock | undefined> {
  // 3 s: a stack on a busy 2-core laptop can take over a second to answer, and a wrong "taken by
  // another program" sends the learner after a process that is their own stack.
  const answers = async (host: string, port: number, withToken: string) =>
    (await probeLocalService(PORT_ROLES.rest, host, port, withToken, 3000)).ok;
  const lock = readLock(dataDir);
  if (lock?.kind === 'stack') {
    if (lock.restPort === undefined || lock.token === undefined) return lock;
    return (await answers(lock.host, lock.restPort, lock.token)) ? lock : undefined;
  }
  if (lock || ports.rest === 0 || (await isPortFree(ports.host, ports.rest))) return undefined;
  if (!(await answers(ports.host, ports.rest, token))) return undefined;
  // Its other services: on our ports, when something listens there.
  const listening = async (port: number) =>
    port !== 0 && !(await isPortFree(ports.host, port)) ? port : undefined;
  return {
    pid: 0, // another folder's stack: its pid is in its own lock file
    kind: 'stack',
    host: ports.host,
    postgresPort: await listening(ports.postgres),
    restPort: ports.rest,
    respPort: await listening(ports.resp),
    token,
  };
}

/** The config a lesson sees when it uses a running stack's services. */
export function configForStack(config: WorkshopConfig, lock: StackLock): WorkshopConfig {
  return {
    ...config,
    databaseUrl:
      config.databaseSource === 'embedded' && lock.postgresPort !== undefined
        ? PORT_ROLES.postgres.url(lock.host, lock.postgresPort)
        : config.databaseUrl,
    upstash:
      config.upstash.source === 'local' && lock.restPort !== undefined
        ? { ...config.upstash, url: PORT_ROLES.rest.url(lock.host, lock.restPort) }
        : config.upstash,
    valkeyUrl:
      config.valkeySource === 'local' && lock.respPort !== undefined
        ? PORT_ROLES.resp.url(lock.host, lock.respPort)
        : config.valkeyUrl,
  };
}

/**
 * Environment variables that point a lesson's `loadConfig()` at these services: only those that
 * differ from what it would find by itself, so a lesson on the default ports still sees its
 * services as the embedded/local ones.
 */
export function serviceEnv(actual: WorkshopConfig, own: WorkshopConfig): Record<string, string> {
  const env: Record<string, string> = {};
  // A local service on another port than the lesson expects: move the port (WORKSHOP_*_PORT),
  // so the lesson still sees it as the local one (the embedded pool policy, the local token).
  const movePort = (key: ServiceKey, url: string) => {
    env[PORT_ROLES[key].portVar] = new URL(url).port;
  };
  if (actual.databaseUrl !== own.databaseUrl) {
    if (actual.databaseSource === 'embedded' && own.databaseSource === 'embedded') {
      movePort('postgres', actual.databaseUrl);
    } else env.DATABASE_URL = actual.databaseUrl;
  }
  if (actual.upstash.url !== own.upstash.url || actual.upstash.token !== own.upstash.token) {
    const bothLocal = actual.upstash.source === 'local' && own.upstash.source === 'local';
    if (bothLocal && actual.upstash.token === own.upstash.token)
      movePort('rest', actual.upstash.url);
    else {
      env.UPSTASH_REDIS_REST_URL = actual.upstash.url;
      env.UPSTASH_REDIS_REST_TOKEN = actual.upstash.token;
    }
  }
  if (actual.valkeyUrl !== own.valkeyUrl) {
    if (actual.valkeySource === 'local' && own.valkeySource === 'local') {
      movePort('resp', actual.valkeyUrl);
    } else env.VALKEY_URL = actual.valkeyUrl;
  }
  return env;
}

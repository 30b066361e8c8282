// startKvServer: the REST surface and the RESP surface around one command backend, either the
// in-memory engine (with background expiry and optional snapshots) or a real Redis/Valkey.

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { getHeapSpaceStatistics } from 'node:v8';
import { engineBackend } from './engine/backend.ts';
import { attachServerFacts, configure } from './engine/commands/config.ts';
import type { Engine } from './engine/engine.ts';
import { createEngine, loadSnapshot, saveSnapshot } from './engine/index.ts';
import { fullCollection, IdleCollector } from './engine/memory.ts';
import { ForwardBackend } from './forward/backend.ts';
import { createLimits, fitToOpenFilesLimit, type ServerLimits } from './limits.ts';
import type { CommandBackend } from './protocol/backend.ts';
import { engineHandler } from './resp/engine-handler.ts';
import { forwardHandler } from './resp/forward-handler.ts';
import {
  type ConnectionInfo,
  createRespServer,
  type RespConnectionHandler,
} from './resp/resp-server.ts';
import { createRestServer } from './rest/rest-server.ts';
import { checkSnapshotFolder, lockSnapshot, SnapshotSaveError } from './snapshot-lock.ts';

export interface KvServerOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** 0 = any free port (the default). */
  restPort?: number;
  /** false = no RESP listener; default 0 (any free port) in engine mode, none when forwarding. */
  respPort?: number | false;
  /** REST bearer token; generated (and returned) when absent. */
  token?: string;
  /** RESP AUTH password, optional. */
  password?: string;
  /** 'redis://host:port[/db]' -> forwarding mode instead of the engine. */
  forwardTo?: string;
  /** Engine mode: load this file at start, save it on close and every `snapshotIntervalMs`. */
  snapshotFile?: string;
  /** Default 60 s when `snapshotFile` is set. */
  snapshotIntervalMs?: number;
  /** maxclients, timeouts, query-buffer and buffered-bytes limits (DEFAULT_LIMITS for the rest). */
  limits?: Partial<ServerLimits>;
  /**
   * Engine mode: Redis's `maxmemory`, in bytes or with Redis's units ('256mb', '1gb'); 0 = no
   * limit (the default, as in Redis). CONFIG SET maxmemory changes it at run time.
   */
  maxmemory?: number | string;
  /** Engine mode: Redis's `maxmemory-policy` (default noeviction). */
  maxmemoryPolicy?: string;
  /**
   * Engine mode: the clock that expiry, TTLs and the LRU read, in ms (default: the system's).
   * The test stacks give one they can move on, so that a checkpoint sees a TTL run out without
   * sitting through it (useTestStack().passTime).
   */
  now?: () => number;
  /** REST: Host names accepted besides loopback names and the server's own addresses (`*`: any). */
  allowHosts?: string[];
  /** REST: origins whose web pages may call the server (CORS); none by default. */
  allowOrigins?: string[];
  /** REST pub/sub event streams: a keep-alive comment this often (default 15 s; 0 = none). */
  sseKeepAliveMs?: number;
  log?: (line: string) => void;
  /**
   * Engine mode: after a burst of commands, once idle, run V8's full collection so the process
   * gives back what the burst needed (memory.ts's IdleCollector). For a server that owns its
   * process (the CLI sets it); off by default, as it collects the whole process's heap.
   */
  collectWhenIdle?: boolean;
}

export interface KvServer {
  mode: 'engine' | 'forward';
  token: string;
  /** 'http://127.0.0.1:PORT' */
  restUrl: string;
  /** 'redis://127.0.0.1:PORT' */
  respUrl?: string;
  restPort: number;
  respPort?: number;
  /** The live limits of both ports: changing a field applies at once (CONFIG SET). */
  limits: ServerLimits;
  close(): Promise<void>;
}

/** What learners see when they use a command the engine does not have. */
export const UNKNOWN_COMMAND_HINT =
  '(this is the workshop kv-server; set VALKEY_URL to use a real Valkey/Redis)';

export async function startKvServer(options: KvServerOptions = {}): Promise<KvServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token || randomBytes(24).toString('base64url');
  const log = options.log;
  const respPort = options.respPort ?? (options.forwardTo ? false : 0);
  // Set once both ports are bound: a server that never started must not save its snapshot.
  const started = { value: false };

  const core = options.forwardTo
    ? forwardCore(options.forwardTo)
    : engineCore(options, log, started);
  const limits = createLimits(options.limits);
  const lowered = fitToOpenFilesLimit(limits, respPort === false ? 1 : 2);
  if (lowered) log?.(lowered);
  const restServer = createRestServer({
    token,
    backend: core.backend,
    limits,
    allowHosts: options.allowHosts,
    allowOrigins: options.allowOrigins,
    sseKeepAliveMs: options.sseKeepAliveMs,
    log,
  });
  const respServer =
    respPort === false
      ? undefined
      : createRespServer({
          password: options.password,
          createHandler: core.createHandler,
          limits,
          log,
        });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await Promise.all([
        closeServer(restServer),
        respServer ? closeServer(respServer) : undefined,
      ]);
      await core.close();
    })().catch((error: unknown) => {
      // A failed final save (SnapshotSaveError): the data is still in memory; closing again
      // retries the save instead of answering with the same failure.
      closing = undefined;
      throw error;
    });
    return closing;
  };

  try {
    const restPort = await listen(restServer, host, options.restPort ?? 0, 'REST');
    const boundResp =
      respServer && respPort !== false
        ? await listen(respServer, host, respPort, 'RESP')
        : undefined;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    started.value = true;
    core.onListening?.({ restPort, respPort: boundResp });
    // CONFIG GET/SET timeout, maxclients ... read and change these live limits.
    if (core.engine) attachServerFacts(core.engine, { limits, port: boundResp ?? 0, bind: host });
    return {
      mode: core.mode,
      token,
      restPort,
      restUrl: `http://${urlHost}:${restPort}`,
      respPort: boundResp,
      respUrl: boundResp === undefined ? undefined : `redis://${urlHost}:${boundResp}`,
      limits,
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/** What runs the commands: the backend for REST, a handler per RESP connection. */
interface Core {
  mode: KvServer['mode'];
  backend: CommandBackend;
  createHandler: (info: ConnectionInfo) => RespConnectionHandler;
  /** Both ports are bound (the snapshot lock records them). */
  onListening?(ports: { restPort: number; respPort?: number }): void;
  /** The engine, in engine mode (CONFIG reads the server's limits through it). */
  engine?: Engine;
  close(): Promise<void> | void;
}

function forwardCore(url: string): Core {
  const forward = new ForwardBackend(url);
  return {
    mode: 'forward',
    backend: forward,
    createHandler: (info) => forwardHandler(forward, info),
    close: () => forward.close(),
  };
}

function engineCore(
  options: KvServerOptions,
  log: KvServerOptions['log'],
  started: { value: boolean },
): Core {
  const engine = createEngine({ unknownCommandHint: UNKNOWN_COMMAND_HINT, now: options.now });
  // Before the snapshot loads: a limit too small for it then shows at once (OOM on writes).
  configure(engine, {
    ...(options.maxmemory === undefined ? {} : { maxmemory: String(options.maxmemory) }),
    ...(options.maxmemoryPolicy === undefined
      ? {}
      : { 'maxmemory-policy': options.maxmemoryPolicy }),
  });
  const file = options.snapshotFile;
  let saveOnClose: (() => Promise<void>) | undefined;
  let lock: ReturnType<typeof lockSnapshot> | undefined;
  if (file) {
    // A folder where no save could succeed, or a file another kv-server is using, stops the
    // start (the message names the fix). A damaged file stops it too (SnapshotError says what
    // to do); a missing one is a fresh start.
    checkSnapshotFolder(file);
    const taken = lockSnapshot(file);
    lock = taken;
    let loaded: number | undefined;
    try {
      loaded = loadSnapshot(engine, file);
    } catch (error) {
      taken.release();
      throw error;
    }
    log?.(
      loaded === undefined
        ? `kv-server: no snapshot at ${file} yet, starting empty`
        : `kv-server: loaded ${loaded} keys from ${file}`,
    );
    let saving: Promise<number> = Promise.resolve(0);
    // One save at a time; a failed interval save is reported and retried at the next tick.
    const save = () => {
      saving = saving.catch(() => 0).then(() => saveSnapshot(engine, file));
      return saving;
    };
    const timer = setInterval(() => {
      save().catch((error: unknown) =>
        log?.(`kv-server: could not save the snapshot to ${file}: ${(error as Error).message}`),
      );
    }, options.snapshotIntervalMs ?? 60_000);
    timer.unref();
    saveOnClose = async () => {
      clearInterval(timer);
      // Not started (port in use): nothing was served, the file stays as it was.
      if (!started.value) {
        taken.release();
        return;
      }
      let keys: number;
      try {
        keys = await save();
      } catch (error) {
        // Keep the lock and the data: the caller reports it, and closing again retries.
        throw new SnapshotSaveError(file, engine.db.size, error as Error);
      }
      taken.release();
      log?.(`kv-server: saved ${keys} keys to ${file}`);
    };
  }
  engine.startExpiryCycle();
  const idleTimer = options.collectWhenIdle ? collectWhenIdle(engine) : undefined;
  return {
    mode: 'engine',
    engine,
    backend: engineBackend(engine),
    createHandler: (info) => engineHandler(engine, info),
    onListening: (ports) => lock?.record(ports),
    async close() {
      clearInterval(idleTimer);
      await saveOnClose?.();
      engine.stop();
    },
  };
}

/**
 * The committed heap without the young generation: what the data made grow. A burst of requests
 * that stored nothing grows only the young generation, which V8 sizes for the traffic and which
 * this leaves alone (collecting it after every pause would make the next burst regrow it).
 */
function oldHeapBytes(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (!space.space_name.startsWith('new_')) bytes += space.space_size;
  }
  return bytes;
}

/** Checks once a second whether a burst just ended (IdleCollector); undefined without a gc. */
function collectWhenIdle(engine: Engine): ReturnType<typeof setInterval> | undefined {
  const collect = fullCollection();
  if (!collect) return undefined;
  const collector = new IdleCollector(collect, oldHeapBytes);
  const timer = setInterval(() => collector.tick(engine.memory.commandsProcessed), 1000);
  timer.unref();
  return timer;
}

/** Thrown when a port is taken; the message names the port and the option to change it. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly surface: 'REST' | 'RESP',
  ) {
    const flag = surface === 'REST' ? '--rest-port / KV_REST_PORT' : '--resp-port / KV_RESP_PORT';
    const option = surface === 'REST' ? 'restPort' : 'respPort';
    super(
      `Port ${port} (kv-server ${surface}) is already in use: stop whatever is using it, or choose another port with ${flag} (option ${option}; 0 picks a free one).`,
    );
  }
}

function listen(
  server: Server | NetServer,
  host: string,
  port: number,
  surface: 'REST' | 'RESP',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, surface) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server | NetServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    // Keep-alive HTTP connections would hold close() for 65 s.
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}

// startKvServer: the REST surface and the RESP surface around one command backend, either the
// in-memory engine (with background expiry and optional snapshots) or a real Redis/Valkey.

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { createEngine, loadSnapshot, saveSnapshot } from './engine/index.ts';
import { ForwardBackend } from './forward/backend.ts';
import { forwardHandler } from './forward/resp-handler.ts';
import { engineHandler } from './resp/engine-handler.ts';
import { createRespServer } from './resp/server.ts';
import { type CommandBackend, engineBackend } from './rest/backend.ts';
import { createRestServer } from './rest/server.ts';

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
  log?: (line: string) => void;
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
  close(): Promise<void>;
}

/** What learners see when they use a command the engine does not have. */
export const UNKNOWN_COMMAND_HINT =
  '(this is the workshop kv-server; set VALKEY_URL to use a real Valkey/Redis)';

export async function startKvServer(options: KvServerOptions = {}): Promise<KvServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token || randomBytes(24).toString('base64url');
  const log = options.log;
  const cleanups: (() => Promise<void> | void)[] = [];
  let started = false;

  let backend: CommandBackend;
  let mode: KvServer['mode'];
  let respServer: NetServer | undefined;
  const respPort = options.respPort ?? (options.forwardTo ? false : 0);

  if (options.forwardTo) {
    mode = 'forward';
    const forward = new ForwardBackend(options.forwardTo);
    backend = forward;
    cleanups.push(() => forward.close());
    if (respPort !== false) {
      respServer = createRespServer({
        password: options.password,
        createHandler: () => forwardHandler(forward),
        log,
      });
    }
  } else {
    mode = 'engine';
    const engine = createEngine({ unknownCommandHint: UNKNOWN_COMMAND_HINT });
    const file = options.snapshotFile;
    if (file) {
      // A damaged file stops the start (SnapshotError says what to do); a missing one is a fresh start.
      const loaded = loadSnapshot(engine, file);
      log?.(
        loaded === undefined
          ? `kv-server: no snapshot at ${file} yet, starting empty`
          : `kv-server: loaded ${loaded} keys from ${file}`,
      );
      let saving: Promise<unknown> = Promise.resolve();
      // One save at a time; a failed interval save is reported and retried at the next tick.
      const save = () => {
        saving = saving.catch(() => {}).then(() => saveSnapshot(engine, file));
        return saving;
      };
      const timer = setInterval(() => {
        save().catch((error: unknown) =>
          log?.(`kv-server: could not save the snapshot to ${file}: ${(error as Error).message}`),
        );
      }, options.snapshotIntervalMs ?? 60_000);
      timer.unref();
      cleanups.push(async () => {
        clearInterval(timer);
        // A server that never started (port in use) must not overwrite the file: another
        // kv-server may be running on it.
        if (!started) return;
        const keys = await save();
        log?.(`kv-server: saved ${keys} keys to ${file}`);
      });
    }
    engine.startExpiryCycle();
    cleanups.push(() => engine.stop());
    backend = engineBackend(engine);
    if (respPort !== false) {
      respServer = createRespServer({
        password: options.password,
        createHandler: (info) => engineHandler(engine, info),
        log,
      });
    }
  }

  const restServer = createRestServer({ token, backend, log });
  let closing: Promise<void> | undefined;
  const closeAll = () => {
    closing ??= (async () => {
      await Promise.all([
        closeServer(restServer),
        respServer ? closeServer(respServer) : undefined,
      ]);
      for (const cleanup of cleanups.reverse()) await cleanup();
    })();
    return closing;
  };

  try {
    const restPort = await listen(restServer, host, options.restPort ?? 0, 'REST');
    const boundResp =
      respServer && respPort !== false
        ? await listen(respServer, host, respPort, 'RESP')
        : undefined;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const server: KvServer = {
      mode,
      token,
      restPort,
      restUrl: `http://${urlHost}:${restPort}`,
      respPort: boundResp,
      respUrl: boundResp === undefined ? undefined : `redis://${urlHost}:${boundResp}`,
      close: closeAll,
    };
    started = true;
    return server;
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
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

// The local stack's Valkey: when `valkey-server` is installed, the stack's Redis-protocol port
// (VALKEY_URL, WORKSHOP_RESP_PORT) is a private valkey-server the stack starts and stops, so
// lessons 05 and on talk to real Valkey. Without it, the kv-server's engine serves that port.
//
// Nothing is persisted (it is a cache: no RDB, no AOF); its folder holds only its log. A
// valkey-server left running by a killed stack is found through its pid lock, as the cluster's
// nodes are (cluster.ts), and stopped only when it reports our folder.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import {
  isProcessAlive,
  readPidLock,
  releasePidLock,
  takePidLock,
  updatePidLock,
} from '@workshop/config';
import { findExecutable, withNode } from './cluster.ts';

/** The line printed when the engine serves VALKEY_URL because no valkey-server was found. */
export const ENGINE_NOTE =
  "valkey-server not found: VALKEY_URL is the workshop's own Redis-compatible engine; install Valkey (`pnpm run doctor` says how) to use the real one";

export interface LocalValkeyChoice {
  /** The valkey-server to start, or undefined: the engine serves VALKEY_URL. */
  server?: string;
  /** Why the engine serves it, in one line (printed by `pnpm stack` and `pnpm lesson`). */
  note?: string;
}

/**
 * What serves the stack's VALKEY_URL: valkey-server when it is on the PATH, else the engine.
 * WORKSHOP_VALKEY=engine (environment, then .env) keeps the engine even when one is installed.
 */
export function chooseLocalValkey(
  env: NodeJS.ProcessEnv = process.env,
  envFile?: string,
): LocalValkeyChoice {
  let choice = env.WORKSHOP_VALKEY?.trim();
  if (choice === undefined && envFile && existsSync(envFile)) {
    try {
      choice = parseEnv(readFileSync(envFile, 'utf8')).WORKSHOP_VALKEY?.trim();
    } catch {} // loadConfig reports a broken .env in its own words
  }
  if (choice === 'engine') {
    return {
      note: "WORKSHOP_VALKEY=engine: VALKEY_URL is the workshop's own Redis-compatible engine, not Valkey",
    };
  }
  const server = findExecutable('valkey-server', env);
  return server ? { server } : { note: ENGINE_NOTE };
}

/** `valkey-server --version`'s version ("8.0.1"), or undefined when it does not say. */
export function valkeyServerVersion(server: string): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    execFile(server, ['--version'], { timeout: 2500 }, (error, stdout) =>
      resolvePromise(error ? undefined : /v=(\S+)/.exec(stdout)?.[1]),
    );
  });
}

export interface LocalValkey {
  url: string;
  port: number;
  pid: number;
  /** "Valkey 8.0.1", from its INFO. */
  name: string;
  close(): Promise<void>;
}

interface ValkeyLock {
  host: string;
  port: number;
}

/** One INFO field (`valkey_version`, `process_id`...), or undefined. */
function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * What answers at a Redis-protocol URL, in words, from its INFO: "Valkey 8.0.1", "the
 * workshop's kv-server (engine)", "Redis 7.2.4"; undefined when nothing answers.
 */
export async function describeServer(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  try {
    const info = await withNode(hostname, Number(port), (c) => c.info('server'));
    return serverName(info);
  } catch {
    return undefined;
  }
}

function serverName(info: string): string {
  const valkey = infoField(info, 'valkey_version');
  if (valkey) return `Valkey ${valkey}`;
  if (infoField(info, 'kv_server_engine')) return "the workshop's kv-server (engine)";
  const redis = infoField(info, 'redis_version');
  return redis ? `Redis ${redis}` : 'a server whose INFO names no version';
}

const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

/** The lock's JSON whether or not its owner lives (readPidLock hides a stale one). */
function readRawLock(file: string): (ValkeyLock & { pid?: number }) | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Stops the valkey-server a killed stack left on its port. Ours only when it reports our folder:
 * a port alone may by now belong to something else.
 */
export async function stopLeftoverValkey(
  dir: string,
  onProgress: (message: string) => void = () => {},
): Promise<void> {
  const file = join(dir, 'valkey.lock.json');
  const previous = readRawLock(file);
  if (!previous?.port || !previous.host || readPidLock(file)) return; // none, or its owner lives
  let pid: number | undefined;
  try {
    pid = await withNode(previous.host, previous.port, async (client) => {
      const [, serverDir] = (await client.call('CONFIG', 'GET', 'dir')) as [string, string];
      if (serverDir !== realpathSync(dir)) return undefined;
      return Number(infoField(await client.info('server'), 'process_id'));
    });
  } catch {
    return; // nothing answers there: nothing to stop
  }
  if (!pid || !isProcessAlive(pid)) return;
  onProgress(`stopping the valkey-server (pid ${pid}) an earlier, killed stack left behind`);
  try {
    process.kill(pid, 'SIGKILL'); // nothing to save: it ran without persistence
  } catch {}
  for (let i = 0; i < 50 && isProcessAlive(pid); i++) await sleep(100);
}

interface StartValkeyOptions {
  server: string;
  /** Its folder (the stack's .data/valkey): the log and the lock, no data. */
  dir: string;
  host: string;
  port: number;
  /** The engine's limit too (LOCAL_KV_MEMORY): a runaway loop gets OOM errors, not gigabytes. */
  memory: { maxmemory: string; policy: string };
  readyTimeoutMs?: number;
}

/** Starts valkey-server on host:port and waits until it answers PING. */
export async function startLocalValkey(options: StartValkeyOptions): Promise<LocalValkey> {
  const { server, dir, host, port } = options;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'valkey.lock.json');
  const holder = takePidLock<ValkeyLock>(file, { host, port });
  if (holder) {
    throw new Error(
      `A valkey-server of this data folder is already run by pid ${holder.pid} (port ${holder.port}).`,
    );
  }
  const log = join(dir, 'valkey.log');
  // biome-ignore format: one option per line reads as a config file
  const args = [
    '--port', String(port),
    '--bind', host,
    '--dir', dir,
    '--save', '',
    '--appendonly', 'no',
    '--maxmemory', options.memory.maxmemory,
    '--maxmemory-policy', options.memory.policy,
    '--daemonize', 'no',
    '--logfile', log,
  ];
  let child: ChildProcess | undefined;
  let spawnError: Error | undefined;
  const stop = async () => {
    if (child && !spawnError && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM'); // without persistence it exits at once
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    releasePidLock(file);
  };
  try {
    child = spawn(server, args, { cwd: dir, stdio: 'ignore' });
    child.once('error', (error) => {
      spawnError = error;
    });
    updatePidLock<ValkeyLock>(file, { host, port });
    const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
    for (;;) {
      if (spawnError) throw new Error(`valkey-server could not start: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `valkey-server on port ${port} exited (${child.exitCode ?? child.signalCode}); the end of ${log}:\n${logTail(log)}`,
        );
      }
      const info = await withNode(host, port, (c) => c.info('server')).catch(() => undefined);
      if (info) {
        return {
          url: `redis://${host}:${port}`,
          port,
          pid: child.pid ?? 0,
          name: serverName(info),
          close: stop,
        };
      }
      if (Date.now() > deadline) {
        throw new Error(`valkey-server on port ${port} did not answer within 15 s.`);
      }
      await sleep(50);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

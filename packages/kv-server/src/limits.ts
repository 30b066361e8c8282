// The limits that keep one client (or one web page) from taking the server down: Redis's own
// (maxclients, timeout, proto-max-bulk-len, client-query-buffer-limit) plus the REST ones. One
// mutable object per server, read at the moment each check runs, so changing a field (CONFIG
// SET) applies to connections that are already open.

export interface ServerLimits {
  /** Redis `maxclients`: open connections per port. Over it: `-ERR max number of clients reached` (RESP), 503 JSON (REST). */
  maxClients: number;
  /** Redis `timeout`, in ms: close a RESP connection idle this long. 0 = never (Redis's default). */
  idleTimeoutMs: number;
  /** Close a connection whose request stays incomplete this long (a half-sent RESP command, REST headers or body). 0 = never. */
  requestTimeoutMs: number;
  /** Redis `proto-max-bulk-len`: the largest bulk string a RESP client may announce. */
  protoMaxBulkLen: number;
  /** Redis `client-query-buffer-limit`: bytes of unparsed input (and a half-read command's arguments) per RESP connection. */
  queryBufferLimit: number;
  /** Bytes of incomplete requests held at once across all connections of one port (RESP input, REST bodies). Over it: the connection that would cross it is refused. */
  maxBufferedBytes: number;
}

import { readFileSync } from 'node:fs';

const MB = 1024 * 1024;

/**
 * Redis's values where a laptop can afford them; lower where Redis's assume a dedicated server
 * (client-query-buffer-limit is 1 GB in Redis: twenty such clients would exhaust a laptop).
 */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = {
  maxClients: 10_000,
  idleTimeoutMs: 0,
  requestTimeoutMs: 30_000,
  protoMaxBulkLen: 512 * MB,
  queryBufferLimit: 64 * MB,
  maxBufferedBytes: 128 * MB,
};

export function createLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof ServerLimits, number][]) {
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** The text Redis logs when an HTTP request reaches its port (src/networking.c). */
export const SECURITY_ATTACK_LOG =
  'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.';

/**
 * Descriptors kept free for everything else (files, the forwarding pool, connections being
 * refused): 1,024, or an eighth of a small limit.
 */
const reservedFds = (limit: number) => Math.min(1024, Math.floor(limit / 8));

/**
 * Lowers maxClients when the open-files limit (`ulimit -n`) cannot hold that many connections
 * on every port, as Redis lowers maxclients at start. Otherwise the connections past the limit
 * are not refused with an error but reset by the kernel (the issue saw it at about 20,000).
 * Returns the message to log when it lowered it. Linux only (elsewhere it does nothing).
 */
export function fitToOpenFilesLimit(limits: ServerLimits, ports: number): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const soft = Number(/^Max open files\s+(\d+)/m.exec(text)?.[1]);
  if (!Number.isFinite(soft) || ports < 1) return undefined;
  // Node raises the soft limit to the hard one at start, so this is usually the hard limit.
  const fit = Math.max(1, Math.floor((soft - reservedFds(soft)) / ports));
  if (limits.maxClients <= fit) return undefined;
  const requested = limits.maxClients;
  limits.maxClients = fit;
  return `kv-server: maxclients lowered from ${requested} to ${fit} per port: the open-files limit (ulimit -n) is ${soft}. Raise it to serve more connections.`;
}

/**
 * Redis's `client-output-buffer-limit pubsub 32mb 8mb 60`: a subscriber whose unsent output
 * passes `hardBytes`, or stays above `softBytes` for `softSeconds`, is disconnected, so a
 * subscriber that never reads cannot grow the server without bound. Mutable: CONFIG SET (or a
 * test) may change it at runtime.
 */
export interface OutputLimits {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}

export const DEFAULT_PUBSUB_LIMITS: OutputLimits = {
  hardBytes: 32 * 1024 * 1024,
  softBytes: 8 * 1024 * 1024,
  softSeconds: 60,
};

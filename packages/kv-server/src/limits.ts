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

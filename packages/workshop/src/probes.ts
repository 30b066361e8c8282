// Short, bounded checks that a service answers. The real clients retry for seconds before
// failing; the doctor and the runners need an answer within a second or two.
import type { LocalServiceProbe } from '@workshop/config/local-services';
import { failFastOptions } from './fail-fast.ts';

export type ProbeResult =
  | { ok: true }
  | { ok: false; kind: 'unreachable' | 'timeout' | 'auth' | 'error'; detail: string };

// A service on this machine answers in milliseconds, but PGlite's first query on a busy machine
// (a test run beside the stack, a laptop compiling) took over 1.5 s: 3 s before saying it is slow.
// A stopped service is refused at once, whatever this is.
export const PROBE_TIMEOUT_MS = 3000;

function errorKind(error: unknown): ProbeResult {
  const code = (error as NodeJS.ErrnoException).code;
  const detail = ((error as Error).message || String(error)).replace(/\.$/, '');
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
    return { ok: false, kind: 'unreachable', detail };
  }
  return { ok: false, kind: 'error', detail };
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolvePromise) => {
    timer = setTimeout(() => resolvePromise(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `SELECT 1` through the workshop's own pool factory. */
export async function probePostgres(
  databaseUrl: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeResult> {
  const { createPool } = await import('@workshop/db');
  // One connection is all a probe needs, whatever serves the URL.
  const pool = createPool({ databaseUrl, databaseSource: 'embedded' });
  pool.on('error', () => {}); // an idle client dying later must not crash the probe
  const attempt = pool.query('SELECT 1').then(
    (): ProbeResult => ({ ok: true }),
    (error: { code?: string; message: string }): ProbeResult => {
      // Postgres error codes: 28P01 wrong password, 28000 no such role / not allowed,
      // 3D000 no such database.
      if (error.code === '28P01' || error.code === '28000') {
        return { ok: false, kind: 'auth', detail: error.message };
      }
      if (error.code === '3D000') return { ok: false, kind: 'error', detail: error.message };
      return errorKind(error);
    },
  );
  const result = await withTimeout(attempt, timeoutMs, () => ({
    ok: false as const,
    kind: 'timeout' as const,
    detail: `no answer within ${timeoutMs} ms`,
  }));
  void pool.end().catch(() => {});
  return result;
}

/** `PING` over the Upstash REST protocol with the token; the message says what to fix. */
export async function probeUpstash(
  upstash: { url: string; token: string; source: 'env' | 'local' },
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeResult> {
  const { pingUpstash } = await import('@workshop/config');
  try {
    await pingUpstash(upstash, timeoutMs);
    return { ok: true };
  } catch (error) {
    const detail = (error as Error).message;
    const kind = /token|401/i.test(detail)
      ? 'auth'
      : /no answer within/.test(detail)
        ? 'timeout'
        : 'error';
    return { ok: false, kind, detail };
  }
}

/** `PING` over the Redis protocol (Redis, Valkey, the local kv-server), with AUTH from the URL. */
export async function probeResp(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const { createValkeyClient } = await import('@workshop/config');
  const client = createValkeyClient({ valkeyUrl: url }, failFastOptions(timeoutMs));
  // The first connection error (ECONNREFUSED...) says more than the "Connection is closed."
  // the command then fails with.
  let connectionError: unknown;
  client.on('error', (error) => {
    connectionError ??= error;
  });
  try {
    await client.connect();
    const reply = await client.ping();
    return reply === 'PONG'
      ? { ok: true }
      : { ok: false, kind: 'error', detail: `unexpected answer to PING: ${reply}` };
  } catch (thrown) {
    const error = connectionError ?? thrown;
    const message = (error as Error).message;
    if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(message)) {
      return { ok: false, kind: 'auth', detail: message };
    }
    if (/timed? ?out/i.test(message)) {
      return { ok: false, kind: 'timeout', detail: `no answer within ${timeoutMs} ms` };
    }
    return errorKind(error);
  } finally {
    client.disconnect();
  }
}

/**
 * Asks one of the local stack's services at host:port whether it answers, the way its
 * descriptor says (LOCAL_SERVICES' `probe`); `token` is the local REST token.
 */
export function probeLocalService(
  service: { probe: LocalServiceProbe; url(host: string, port: number): string },
  host: string,
  port: number,
  token: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeResult> {
  const url = service.url(host, port);
  switch (service.probe) {
    case 'postgres':
      return probePostgres(url, timeoutMs);
    case 'upstash':
      return probeUpstash({ url, token, source: 'local' }, timeoutMs);
    case 'resp':
      return probeResp(url, timeoutMs);
  }
}

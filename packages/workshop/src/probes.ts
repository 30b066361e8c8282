// Short, bounded checks that a service answers. The real clients retry for seconds before
// failing; the doctor and the runners need an answer within a second or two.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export type ProbeResult =
  | { ok: true }
  | { ok: false; kind: 'unreachable' | 'timeout' | 'auth' | 'error'; detail: string };

const DEFAULT_TIMEOUT_MS = 1500;

function errorKind(error: unknown): ProbeResult {
  const code = (error as NodeJS.ErrnoException).code;
  const detail = (error as Error).message || String(error);
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
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ProbeResult> {
  const { createPool } = await import('@workshop/db');
  const pool = createPool({ databaseUrl });
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

/** `PING` over the Upstash REST protocol with the bearer token. */
export async function probeUpstash(
  url: string,
  token: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ProbeResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(['PING']),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      return { ok: false, kind: 'auth', detail: text.slice(0, 200) };
    }
    if (!response.ok) {
      return { ok: false, kind: 'error', detail: `HTTP ${response.status}: ${text.slice(0, 200)}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if ((body as { result?: unknown } | undefined)?.result !== 'PONG') {
      return {
        ok: false,
        kind: 'error',
        detail: `unexpected answer to PING: ${text.slice(0, 200)}`,
      };
    }
    return { ok: true };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, kind: 'timeout', detail: `no answer within ${timeoutMs} ms` };
    }
    return errorKind((error as { cause?: unknown }).cause ?? error);
  }
}

/** `PING` over the Redis protocol (Redis, Valkey, the local kv-server), with AUTH if the URL has a password. */
export function probeResp(url: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ProbeResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, kind: 'error', detail: `not a URL: ${url}` });
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(parsed.port || 6379);
  const password = decodeURIComponent(parsed.password);
  const user = decodeURIComponent(parsed.username);
  const commands: string[][] = [];
  if (password) commands.push(user ? ['AUTH', user, password] : ['AUTH', password]);
  commands.push(['PING']);
  const payload = commands
    .map(
      (args) =>
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
    )
    .join('');

  return new Promise((resolvePromise) => {
    let settled = false;
    let received = '';
    const socket: Socket =
      parsed.protocol === 'rediss:'
        ? connectTls({ host, port, servername: host })
        : connectTcp({ host, port });
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, kind: 'timeout', detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once(parsed.protocol === 'rediss:' ? 'secureConnect' : 'connect', () =>
      socket.write(payload),
    );
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const lines = received.split('\r\n');
      for (const line of lines.slice(0, -1)) {
        if (line.startsWith('-')) {
          const isAuth = /^-(NOAUTH|WRONGPASS|ERR invalid password|ERR AUTH)/.test(line);
          finish({ ok: false, kind: isAuth ? 'auth' : 'error', detail: line.slice(1) });
          return;
        }
        if (line === '+PONG') {
          finish({ ok: true });
          return;
        }
      }
    });
    socket.on('error', (error) => finish(errorKind(error)));
    socket.on('close', () =>
      finish({ ok: false, kind: 'error', detail: 'the connection closed before PONG' }),
    );
  });
}

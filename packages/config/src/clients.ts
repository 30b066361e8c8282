import { createRequire } from 'node:module';
import { Redis as UpstashRedis } from '@upstash/redis';
import type { RedisOptions as ValkeyOptions, Redis as ValkeyRedis } from 'iovalkey';
import { loadConfig, type WorkshopConfig } from './config.ts';

// iovalkey is loaded by the first createValkeyClient, not by importing this package: it is most
// of what an import of @workshop/config cost (~100-150 ms of CPU), paid by every CLI command,
// test file and lesson that never opens a Redis-protocol connection. It is CommonJS only, so
// require() and any `import ... from 'iovalkey'` elsewhere share one copy.
const require = createRequire(import.meta.url);

/** A configured service did not answer, or refused our credentials. The message says what to do. */
export class ServiceError extends Error {
  override name = 'ServiceError';
}

/** An `@upstash/redis` client for the configured endpoint. Nothing goes over the network yet. */
export function createUpstashClient(
  config: Pick<WorkshopConfig, 'upstash'> = loadConfig(),
): UpstashRedis {
  return new UpstashRedis({ url: config.upstash.url, token: config.upstash.token });
}

/**
 * An `@upstash/redis` client, after a PING that proves the endpoint answers and accepts the
 * token. Fails fast (no retries) with a message that says what to fix.
 */
export async function connectUpstash(
  config: Pick<WorkshopConfig, 'upstash'> = loadConfig(),
  options: { timeoutMs?: number } = {},
): Promise<UpstashRedis> {
  await pingUpstash(config.upstash, options.timeoutMs ?? 3000);
  return createUpstashClient(config);
}

/** Sends one PING over the Upstash REST protocol with a timeout; throws a ServiceError. */
export async function pingUpstash(
  upstash: WorkshopConfig['upstash'],
  timeoutMs = 3000,
): Promise<void> {
  const local = upstash.source === 'local';
  let response: Response;
  try {
    response = await fetch(upstash.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${upstash.token}`, 'content-type': 'application/json' },
      body: '["PING"]',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = describeFetchError(error, timeoutMs);
    throw new ServiceError(
      local
        ? `Cannot reach the local Upstash-compatible endpoint at ${upstash.url} (${reason}): start the local stack with \`pnpm stack\` in another terminal, or set UPSTASH_REDIS_REST_URL/_TOKEN in .env.`
        : `Cannot reach UPSTASH_REDIS_REST_URL ${upstash.url} (${reason}): check the URL in .env and your network, or remove it to use the local stack (\`pnpm stack\`).`,
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new ServiceError(
      local
        ? `The local endpoint ${upstash.url} refused the token: is another server on that port? Stop it, or start the local stack with \`pnpm stack\`.`
        : 'The token was refused (HTTP 401): copy UPSTASH_REDIS_REST_TOKEN again from the REST API section of your database in the Upstash console (the full token, not the read-only one).',
    );
  }
  const body = await response.text();
  let result: unknown;
  try {
    result = (JSON.parse(body) as { result?: unknown }).result;
  } catch {}
  if (!response.ok || result !== 'PONG') {
    throw new ServiceError(
      `${upstash.url} did not answer PING like an Upstash endpoint (HTTP ${response.status}: ${body.slice(0, 120)}): check ${local ? 'that the local stack runs (`pnpm stack`)' : 'UPSTASH_REDIS_REST_URL in .env'}.`,
    );
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}

/**
 * An `iovalkey` client for the configured Redis-protocol server. Commands fail after one
 * reconnection attempt instead of queueing forever while the server is down; the client keeps
 * reconnecting in the background (up to every 2 s), so it recovers when the server is back.
 */
export function createValkeyClient(
  config: Pick<WorkshopConfig, 'valkeyUrl'> = loadConfig(),
  options: ValkeyOptions = {},
): ValkeyRedis {
  const { Redis } = require('iovalkey') as typeof import('iovalkey');
  return new Redis(config.valkeyUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    // disconnect() ends the socket and waits this long for it to close before destroying it.
    // Called while the client waits to reconnect, it waits on the socket that already closed,
    // and that wait (2 s by default) keeps the process from exiting: a script that ends with
    // disconnect() on a client whose server is down finished 2 s late.
    disconnectTimeout: 200,
    ...options,
  });
}

// `kv-server`: runs the local Upstash-compatible REST server and Redis-protocol server from a
// terminal. Flags win over environment variables, which win over the defaults.

import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { memtoull } from './engine/commands/config.ts';
import { MAXMEMORY_POLICIES } from './engine/memory.ts';
import { DEFAULT_LIMITS, type ServerLimits } from './limits.ts';
import { SnapshotSaveError } from './snapshot-lock.ts';
import { type KvServerOptions, startKvServer } from './start.ts';

// The local stack's ports (LOCAL_STACK in @workshop/config), so a bare `kv-server` is what the
// lessons expect to find.
const DEFAULT_REST_PORT = 8079;
const DEFAULT_RESP_PORT = 6479;

const HELP = `kv-server: a local Upstash-compatible REST server and Redis-protocol (RESP2) server.

Usage: kv-server [options]

Options (environment variable in brackets):
  --host <addr>             interface to bind [KV_HOST] (default 127.0.0.1: this machine only)
  --rest-port <n>           Upstash REST port [KV_REST_PORT] (default ${DEFAULT_REST_PORT}; 0 = any free port)
  --resp-port <n|off>       Redis protocol port [KV_RESP_PORT] (default ${DEFAULT_RESP_PORT}; off = none)
  --token <token>           REST bearer token [KV_TOKEN] (default: a random one, printed)
  --password <password>     password for AUTH on the Redis port [KV_PASSWORD] (default: none)
  --snapshot <file>         load the data from this file and save it there on exit [KV_SNAPSHOT]
  --snapshot-interval <s>   also save every <s> seconds (with --snapshot)
  --forward-to <url>        forward REST to a real Redis/Valkey instead of the in-memory engine,
                            e.g. redis://127.0.0.1:6379/0 [KV_FORWARD_TO]
  --allow-host <name>       REST: also accept requests addressed to this host name (repeat it;
                            * = any). Loopback names and the server's own addresses always work.
  --allow-origin <origin>   REST: let web pages from this origin call it, e.g.
                            http://localhost:5173 (repeat it). Default: no web page may.

Limits (Redis's names; sizes take Redis units: 64mb, 1gb, 512k):
  --maxclients <n>                  connections per port (default ${DEFAULT_LIMITS.maxClients})
  --timeout <s>                     close RESP connections idle this long (default 0 = never)
  --request-timeout <s>             close a connection whose request stays incomplete this long
                                    (default ${DEFAULT_LIMITS.requestTimeoutMs / 1000}; 0 = never)
  --proto-max-bulk-len <size>       largest RESP bulk string (default 512mb)
  --client-query-buffer-limit <size>  unparsed input per RESP connection (default 64mb)
  --max-buffered <size>             unfinished input held across all connections of one port
                                    (RESP input, REST bodies; default 128mb)
  --maxmemory <size>                engine: memory limit for the data, as Redis's maxmemory
                                    [KV_MAXMEMORY] (default 0 = none; the local stack sets one)
  --maxmemory-policy <policy>       what happens at the limit [KV_MAXMEMORY_POLICY]: noeviction
                                    (writes get an OOM error, the default), allkeys-lru,
                                    allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu,
                                    volatile-random, volatile-ttl
  -h, --help                        show this help

Stop it with Ctrl+C (the snapshot, if any, is saved first).`;

/** A mistake in the command line: printed as one line, exit code 2. */
class UsageError extends Error {}

function port(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(
      `${name} must be a port number from 0 to 65535, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** A size in Redis's units: 1k = 1000, 1kb = 1024, and so on for m/mb and g/gb. */
export function parseSize(value: string, name: string): number {
  const match = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(value.trim());
  const units: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 ** 2,
    mb: 1024 ** 2,
    g: 1000 ** 3,
    gb: 1024 ** 3,
  };
  const n = match ? Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]! : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(
      `${name} must be a size such as 64mb, 1gb or 65536 (bytes), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function count(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(
      `${name} must be a whole number of at least ${min}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function seconds(value: string, name: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(
      `${name} must be a number of seconds (0 = never), got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(n * 1000);
}

function readLimits(v: ReturnType<typeof readFlags>): Partial<ServerLimits> {
  const limits: Partial<ServerLimits> = {};
  if (v.maxclients !== undefined) limits.maxClients = count(v.maxclients, '--maxclients', 1);
  if (v.timeout !== undefined) limits.idleTimeoutMs = seconds(v.timeout, '--timeout');
  if (v['request-timeout'] !== undefined) {
    limits.requestTimeoutMs = seconds(v['request-timeout'], '--request-timeout');
  }
  if (v['proto-max-bulk-len'] !== undefined) {
    limits.protoMaxBulkLen = parseSize(v['proto-max-bulk-len'], '--proto-max-bulk-len');
  }
  if (v['client-query-buffer-limit'] !== undefined) {
    limits.queryBufferLimit = parseSize(
      v['client-query-buffer-limit'],
      '--client-query-buffer-limit',
    );
  }
  if (v['max-buffered'] !== undefined) {
    limits.maxBufferedBytes = parseSize(v['max-buffered'], '--max-buffered');
  }
  return limits;
}

/** --maxmemory and --maxmemory-policy, checked as CONFIG SET checks them. */
function readMemory(
  v: ReturnType<typeof readFlags>,
  env: NodeJS.ProcessEnv,
): Pick<KvServerOptions, 'maxmemory' | 'maxmemoryPolicy'> {
  const maxmemory = v.maxmemory ?? env.KV_MAXMEMORY;
  const policy = (v['maxmemory-policy'] ?? env.KV_MAXMEMORY_POLICY)?.toLowerCase();
  if (maxmemory !== undefined && memtoull(maxmemory) === undefined) {
    throw new UsageError(
      `--maxmemory / KV_MAXMEMORY must be a size such as 256mb, 1gb or 0 (no limit), got ${JSON.stringify(maxmemory)}`,
    );
  }
  if (policy !== undefined && !(MAXMEMORY_POLICIES as readonly string[]).includes(policy)) {
    throw new UsageError(
      `--maxmemory-policy / KV_MAXMEMORY_POLICY must be one of ${MAXMEMORY_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`,
    );
  }
  return { maxmemory, maxmemoryPolicy: policy };
}

/** Whether an address to bind only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function readFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see kv-server --help)`);
  }
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv): KvServerOptions | 'help' {
  const v = readFlags(argv);
  if (v.help) return 'help';
  const restPort = v['rest-port'] ?? env.KV_REST_PORT;
  const respPort = v['resp-port'] ?? env.KV_RESP_PORT;
  const forwardTo = v['forward-to'] ?? env.KV_FORWARD_TO;
  const interval = v['snapshot-interval'];
  const snapshotFile = v.snapshot ?? env.KV_SNAPSHOT;
  if (interval !== undefined && !snapshotFile) {
    throw new UsageError('--snapshot-interval needs --snapshot <file> (or KV_SNAPSHOT)');
  }
  const intervalSeconds = interval === undefined ? undefined : Number(interval);
  if (intervalSeconds !== undefined && !(intervalSeconds > 0)) {
    throw new UsageError(
      `--snapshot-interval must be a number of seconds above 0, got ${JSON.stringify(interval)}`,
    );
  }
  return {
    host: v.host ?? env.KV_HOST ?? '127.0.0.1',
    restPort:
      restPort === undefined ? DEFAULT_REST_PORT : port(restPort, '--rest-port / KV_REST_PORT'),
    respPort:
      respPort === 'off' || respPort === 'false'
        ? false
        : respPort === undefined
          ? forwardTo
            ? false
            : DEFAULT_RESP_PORT
          : port(respPort, '--resp-port / KV_RESP_PORT'),
    token: v.token ?? env.KV_TOKEN,
    password: v.password ?? env.KV_PASSWORD,
    forwardTo: forwardTo || undefined,
    snapshotFile: snapshotFile || undefined,
    snapshotIntervalMs: intervalSeconds === undefined ? undefined : intervalSeconds * 1000,
    limits: readLimits(v),
    ...readMemory(v, env),
    allowHosts: v['allow-host']?.flatMap((h) => h.split(',')).filter((h) => h.trim() !== ''),
    allowOrigins: v['allow-origin']
      ?.flatMap((o) => o.split(','))
      .map((o) => o.trim().replace(/\/+$/, ''))
      .filter((o) => o !== ''),
  };
}

const OPTIONS = {
  host: { type: 'string' },
  'rest-port': { type: 'string' },
  'resp-port': { type: 'string' },
  token: { type: 'string' },
  password: { type: 'string' },
  snapshot: { type: 'string' },
  'snapshot-interval': { type: 'string' },
  'forward-to': { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
  'allow-origin': { type: 'string', multiple: true },
  maxclients: { type: 'string' },
  timeout: { type: 'string' },
  'request-timeout': { type: 'string' },
  'proto-max-bulk-len': { type: 'string' },
  'client-query-buffer-limit': { type: 'string' },
  'max-buffered': { type: 'string' },
  maxmemory: { type: 'string' },
  'maxmemory-policy': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<void> {
  let options: KvServerOptions | 'help';
  try {
    options = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`kv-server: ${error.message}`);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(HELP);
    return;
  }

  let server: Awaited<ReturnType<typeof startKvServer>>;
  try {
    server = await startKvServer({
      ...options,
      // Its own process: what a burst of writes grew the heap by goes back once it is over.
      collectWhenIdle: true,
      log: (line) => console.log(line),
    });
  } catch (error) {
    console.error(`kv-server: ${(error as Error).message}`);
    process.exit(1);
  }

  const what =
    server.mode === 'forward'
      ? `forwarding to ${redact(options.forwardTo ?? '')}`
      : options.snapshotFile
        ? `in-memory engine, snapshot ${options.snapshotFile}`
        : 'in-memory engine (data is lost on exit; --snapshot <file> keeps it)';
  console.log(`kv-server: ${what}`);
  console.log(`  Upstash REST  ${server.restUrl}`);
  console.log(`  REST token    ${server.token}`);
  if (server.respUrl) {
    console.log(`  Redis (RESP)  ${server.respUrl}${options.password ? ' (AUTH required)' : ''}`);
  }
  console.log(
    `  e.g. UPSTASH_REDIS_REST_URL=${server.restUrl} UPSTASH_REDIS_REST_TOKEN=${server.token}`,
  );
  if (!isLoopbackHost(options.host ?? '127.0.0.1') && !options.password && server.respUrl) {
    console.log(
      [
        '',
        '  !!! WARNING: the Redis port listens on a non-loopback address WITHOUT a password.',
        `  !!! Anyone who can reach ${options.host} can read, change or delete every key.`,
        '  !!! Set --password <p> (KV_PASSWORD), or bind to 127.0.0.1.',
        '',
      ].join('\n'),
    );
  }
  if (server.mode === 'forward') {
    // Say now if the backend is not there, rather than at the first request.
    const res = await fetch(`${server.restUrl}/ping`, {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    if (!res.ok) console.log(`  warning: ${((await res.json()) as { error: string }).error}`);
  }
  console.log('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(
      `kv-server: ${signal}, stopping${options.snapshotFile ? ' (saving the snapshot)' : ''}...`,
    );
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        if (error instanceof SnapshotSaveError) {
          // Exiting now would lose every key: stay up, say so, and retry at the next signal.
          console.error(`\nkv-server: ${error.message}`);
          console.error(
            `kv-server: still running (no longer serving). Press Ctrl+C again to retry the save; kill -9 ${process.pid} quits WITHOUT saving.\n`,
          );
          stopping = false;
          return;
        }
        console.error(`kv-server: could not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** The URL with its password hidden, for printing. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

await main();

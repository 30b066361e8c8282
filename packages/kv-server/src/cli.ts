// `kv-server`: runs the local Upstash-compatible REST server and Redis-protocol server from a
// terminal. Flags win over environment variables, which win over the defaults.

import { parseArgs } from 'node:util';
import { type KvServerOptions, startKvServer } from './server.ts';

// The local stack's ports (LOCAL_STACK in @workshop/db), so a bare `kv-server` is what the
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
  -h, --help                show this help

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
  const seconds = interval === undefined ? undefined : Number(interval);
  if (seconds !== undefined && !(seconds > 0)) {
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
    snapshotIntervalMs: seconds === undefined ? undefined : seconds * 1000,
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
    server = await startKvServer({ ...options, log: (line) => console.log(line) });
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

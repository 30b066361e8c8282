import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import {
  LOCAL_HOST,
  LOCAL_SERVICES,
  type LocalServiceKey,
  readLocalPorts,
} from './local-services.ts';

/**
 * Where the local stack (`pnpm stack`) listens. `.env.example` documents the same values. Its
 * REST token is not here: it is random, made on first use (see localStackToken).
 */
export const LOCAL_STACK = {
  host: LOCAL_HOST,
  postgresPort: LOCAL_SERVICES.postgres.defaultPort,
  restPort: LOCAL_SERVICES.rest.defaultPort,
  respPort: LOCAL_SERVICES.resp.defaultPort,
} as const;

export const LOCAL_DATABASE_URL = LOCAL_SERVICES.postgres.url(LOCAL_HOST, LOCAL_STACK.postgresPort);
export const LOCAL_UPSTASH_URL = LOCAL_SERVICES.rest.url(LOCAL_HOST, LOCAL_STACK.restPort);
export const LOCAL_VALKEY_URL = LOCAL_SERVICES.resp.url(LOCAL_HOST, LOCAL_STACK.respPort);

export interface WorkshopConfig {
  /** A Postgres URL: `DATABASE_URL`, or the local stack's embedded Postgres. */
  databaseUrl: string;
  databaseSource: 'env' | 'embedded';
  /** An Upstash REST endpoint: `UPSTASH_REDIS_REST_URL`/`_TOKEN`, or the local kv-server. */
  upstash: { url: string; token: string; source: 'env' | 'local' };
  /** A Redis-protocol URL: `VALKEY_URL`, or the local kv-server's RESP port. */
  valkeyUrl: string;
  valkeySource: 'env' | 'local';
}

/** A setting is missing or malformed. The message names the variable and the fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The repository root: this file lives in `<root>/packages/config/src/`. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The learner's `.env`, next to `.env.example` at the repository root. */
export const ENV_FILE = join(REPO_ROOT, '.env');

/**
 * The local stack's REST token, one per checkout (also when WORKSHOP_DATA_DIR moves the data, so
 * every command of this checkout agrees on it). `.data/` is git-ignored.
 */
export const LOCAL_TOKEN_FILE = join(REPO_ROOT, '.data', 'kv-token');

/**
 * The local stack's REST token: read from LOCAL_TOKEN_FILE, or generated into it on first use.
 * A fixed, published token would let any web page that knows it write to the learner's stack.
 * Two processes starting at once agree: the file is created whole or not at all (a linked temp
 * file), and the loser reads the winner's token.
 */
export function localStackToken(file: string = LOCAL_TOKEN_FILE): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = readToken(file);
    if (existing) return existing;
    const token = randomBytes(24).toString('base64url');
    const temp = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(temp, `${token}\n`, { mode: 0o600 });
      linkSync(temp, file);
      return token;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(
          `Could not create the local stack's token file ${file} (${(error as Error).message}): make its folder writable, or set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.`,
        );
      }
    } finally {
      rmSync(temp, { force: true });
    }
  }
  throw new ConfigError(`${file} is empty: delete it, and a new token is made at the next start.`);
}

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(
      `${file} could not be read (${(error as Error).message}): fix or delete it.`,
    );
  }
}

export interface LoadConfigOptions {
  /** The `.env` file to read (default: the repository root's); `false` reads none. */
  envFile?: string | false;
}

/**
 * Reads the configuration: the environment first, then `.env` at the repository root for what
 * the environment does not set. Unset services fall back to the local stack. Throws a
 * ConfigError that names the variable and the fix when a value cannot work.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): WorkshopConfig {
  const envFile = options.envFile ?? ENV_FILE;
  const merged = { ...readEnvFile(envFile), ...definedOnly(env) };
  const value = (name: string): string | undefined => {
    const v = merged[name]?.trim();
    return v ? v : undefined;
  };

  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined) checkDatabaseUrl(databaseUrl);

  const restUrl = value('UPSTASH_REDIS_REST_URL');
  const restToken = value('UPSTASH_REDIS_REST_TOKEN');
  if (restUrl !== undefined) checkUpstashUrl(restUrl);
  if (restUrl !== undefined && restToken === undefined) {
    throw new ConfigError(
      'UPSTASH_REDIS_REST_URL is set but UPSTASH_REDIS_REST_TOKEN is not: copy the token from the ' +
        "REST API section of your database's page in the Upstash console into .env.",
    );
  }
  if (restUrl === undefined && restToken !== undefined) {
    throw new ConfigError(
      'UPSTASH_REDIS_REST_TOKEN is set but UPSTASH_REDIS_REST_URL is not: set both (from the ' +
        'Upstash console) or remove both to use the local stack.',
    );
  }

  const valkeyUrl = value('VALKEY_URL');
  if (valkeyUrl !== undefined) checkValkeyUrl(valkeyUrl);

  // Where the local stack's services are when no real one is configured. The lesson runner
  // moves a port this way (WORKSHOP_*_PORT) when a default one was busy, so a lesson still sees
  // its services as the local ones (and createPool keeps the embedded pool policy).
  const ports = readLocalPorts(merged, (message) => new ConfigError(message));
  const local = (key: LocalServiceKey) => LOCAL_SERVICES[key].url(LOCAL_HOST, ports[key]);

  return {
    databaseUrl: databaseUrl ?? local('postgres'),
    databaseSource: databaseUrl === undefined ? 'embedded' : 'env',
    upstash:
      restUrl !== undefined && restToken !== undefined
        ? { url: restUrl.replace(/\/+$/, ''), token: restToken, source: 'env' }
        : { url: local('rest'), token: localStackToken(), source: 'local' },
    valkeyUrl: valkeyUrl ?? local('resp'),
    valkeySource: valkeyUrl === undefined ? 'local' : 'env',
  };
}

/**
 * The local stack's ports: WORKSHOP_POSTGRES_PORT, WORKSHOP_REST_PORT and WORKSHOP_RESP_PORT
 * (the environment first, then `.env`, as loadConfig reads), else the defaults. Throws a
 * ConfigError naming a variable that is not a port number.
 */
export function loadLocalPorts(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): Record<LocalServiceKey, number> {
  const merged = { ...readEnvFile(options.envFile ?? ENV_FILE), ...definedOnly(env) };
  return readLocalPorts(merged, (message) => new ConfigError(message));
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function readEnvFile(path: string | false): Record<string, string> {
  if (path === false || !existsSync(path)) return {};
  try {
    return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new ConfigError(
      `${path} could not be read (${(error as Error).message}): fix or delete it (see .env.example).`,
    );
  }
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function checkDatabaseUrl(value: string): void {
  const fix =
    'expected postgres://user:password@host:5432/database; fix it in .env or remove it to use the embedded Postgres.';
  // A Unix socket URL (postgres://user@/db?host=/var/run/postgresql) is fine for pg, not for URL.
  if (/^postgres(ql)?:\/\/[^/?#]*\/[^?#]*\?(.*&)?host=\//.test(value)) return;
  const url = parseUrl(value);
  if (!url) throw new ConfigError(`DATABASE_URL is not a valid URL: ${fix}`);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      `DATABASE_URL starts with "${url.protocol}//", not postgres:// or postgresql://: ${fix}`,
    );
  }
  if (!url.hostname) throw new ConfigError(`DATABASE_URL has no host name: ${fix}`);
}

function checkUpstashUrl(value: string): void {
  const url = parseUrl(value);
  if (url && (url.protocol === 'redis:' || url.protocol === 'rediss:')) {
    throw new ConfigError(
      'UPSTASH_REDIS_REST_URL is a redis:// URL: that is a TCP URL; @upstash/redis needs the ' +
        'https:// REST URL from the console (REST API section of your database).',
    );
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigError(
      'UPSTASH_REDIS_REST_URL is not an https:// URL: copy the REST URL (https://...upstash.io) ' +
        'from the Upstash console, or remove it to use the local stack.',
    );
  }
}

function checkValkeyUrl(value: string): void {
  const url = parseUrl(value);
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
    throw new ConfigError(
      'VALKEY_URL is an http(s):// URL: that is a REST URL; iovalkey needs redis://host:6379 ' +
        '(or rediss:// for TLS).',
    );
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw new ConfigError(
      'VALKEY_URL is not a redis:// URL: expected redis://[:password@]host:6379[/db]; fix it in ' +
        '.env or remove it to use the local stack.',
    );
  }
}

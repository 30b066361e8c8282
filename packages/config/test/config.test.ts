import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  ENV_FILE,
  LOCAL_DATABASE_URL,
  LOCAL_STACK,
  LOCAL_UPSTASH_URL,
  LOCAL_VALKEY_URL,
  loadConfig,
  localStackToken,
  REPO_ROOT,
} from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'workshop-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function envFile(contents: string): string {
  const file = join(dir, `${Math.abs(hashCode(contents))}.env`);
  writeFileSync(file, contents);
  return file;
}
function hashCode(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
const load = (env: NodeJS.ProcessEnv, file: string | false = false) =>
  loadConfig(env, { envFile: file });
const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('falls back to the local stack when nothing is configured (and no .env exists)', () => {
    const config = load({}, join(dir, 'missing.env'));
    expect(config).toEqual({
      databaseUrl: LOCAL_DATABASE_URL,
      databaseSource: 'embedded',
      upstash: { url: LOCAL_UPSTASH_URL, token: localStackToken(), source: 'local' },
      valkeyUrl: LOCAL_VALKEY_URL,
      valkeySource: 'local',
    });
    expect(LOCAL_DATABASE_URL).toContain(`:${LOCAL_STACK.postgresPort}/`);
    expect(LOCAL_UPSTASH_URL).toBe(`http://127.0.0.1:${LOCAL_STACK.restPort}`);
    expect(LOCAL_VALKEY_URL).toBe(`redis://127.0.0.1:${LOCAL_STACK.respPort}`);
  });

  it("keeps the embedded pool policy for the runner's embedded Postgres on another port", () => {
    const moved = load({ WORKSHOP_POSTGRES_PORT: '41234', WORKSHOP_RESP_PORT: '41235' });
    expect(moved.databaseUrl).toBe('postgres://postgres@127.0.0.1:41234/postgres');
    expect(moved.databaseSource).toBe('embedded');
    expect(moved.valkeyUrl).toBe('redis://127.0.0.1:41235');
    expect(moved.valkeySource).toBe('local');
    const other = load({
      DATABASE_URL: 'postgres://app@db.internal:5432/wiki',
      WORKSHOP_POSTGRES_PORT: '41234', // a local port changes nothing for a real database
    });
    expect(other.databaseSource).toBe('env');
    expect(other.databaseUrl).toBe('postgres://app@db.internal:5432/wiki');
    expect(() => load({ WORKSHOP_REST_PORT: 'eighty' })).toThrow(ConfigError);
  });

  it('reads .env, and the environment wins over it', () => {
    const file = envFile(
      [
        '# a comment',
        'DATABASE_URL=postgres://app:secret@db.example:5432/wiki',
        'UPSTASH_REDIS_REST_URL="https://eu1-example.upstash.io/"',
        'UPSTASH_REDIS_REST_TOKEN=from-file',
        'VALKEY_URL=redis://valkey.example:6379/2',
      ].join('\n'),
    );
    const fromFile = load({}, file);
    expect(fromFile.databaseUrl).toBe('postgres://app:secret@db.example:5432/wiki');
    expect(fromFile.databaseSource).toBe('env');
    expect(fromFile.upstash).toEqual({
      url: 'https://eu1-example.upstash.io',
      token: 'from-file',
      source: 'env',
    });
    expect(fromFile.valkeyUrl).toBe('redis://valkey.example:6379/2');
    expect(fromFile.valkeySource).toBe('env');

    const overridden = load(
      { UPSTASH_REDIS_REST_TOKEN: 'from-env', VALKEY_URL: 'redis://h:1' },
      file,
    );
    expect(overridden.upstash.token).toBe('from-env');
    expect(overridden.valkeyUrl).toBe('redis://h:1');
  });

  it('treats empty values as unset (a copied .env.example works as is)', () => {
    const file = envFile(
      'DATABASE_URL=\nUPSTASH_REDIS_REST_URL=\nUPSTASH_REDIS_REST_TOKEN=\nVALKEY_URL=\n',
    );
    const config = load({}, file);
    expect(config.databaseSource).toBe('embedded');
    expect(config.upstash.source).toBe('local');
    expect(config.valkeySource).toBe('local');
  });

  it('names DATABASE_URL and the expected form when it is malformed', () => {
    expect(message(() => load({ DATABASE_URL: 'localhost:5432/wiki' }))).toMatch(
      /^DATABASE_URL .*postgres:\/\/user:password@host:5432\/database/,
    );
    expect(message(() => load({ DATABASE_URL: 'mysql://root@localhost/wiki' }))).toMatch(
      /DATABASE_URL starts with "mysql:\/\/"/,
    );
    expect(message(() => load({ DATABASE_URL: 'postgres:///wiki' }))).toMatch(
      /DATABASE_URL has no host name/,
    );
    // A Unix socket is a host too.
    expect(
      load({ DATABASE_URL: 'postgres://app@/wiki?host=/var/run/postgresql' }).databaseSource,
    ).toBe('env');
  });

  it('explains that a redis:// URL is not the REST URL @upstash/redis needs', () => {
    const text = message(() =>
      load({
        UPSTASH_REDIS_REST_URL: 'rediss://default:abc@eu1-example.upstash.io:6379',
        UPSTASH_REDIS_REST_TOKEN: 't',
      }),
    );
    expect(text).toContain('UPSTASH_REDIS_REST_URL');
    expect(text).toContain('that is a TCP URL; @upstash/redis needs the https:// REST URL');
  });

  it('asks for the token when only the URL is set, and the URL when only the token is', () => {
    expect(message(() => load({ UPSTASH_REDIS_REST_URL: 'https://x.upstash.io' }))).toMatch(
      /UPSTASH_REDIS_REST_TOKEN is not/,
    );
    expect(message(() => load({ UPSTASH_REDIS_REST_TOKEN: 'abc' }))).toMatch(
      /UPSTASH_REDIS_REST_URL is not/,
    );
  });

  it('rejects a REST URL in VALKEY_URL', () => {
    expect(message(() => load({ VALKEY_URL: 'https://x.upstash.io' }))).toMatch(
      /VALKEY_URL .*iovalkey needs redis:\/\/host:6379/,
    );
    expect(message(() => load({ VALKEY_URL: 'valkey.local:6379' }))).toMatch(
      /VALKEY_URL is not a redis:\/\/ URL/,
    );
  });
});

describe('the default .env', () => {
  it('is the one at the repository root, next to .env.example', () => {
    expect(ENV_FILE).toBe(join(REPO_ROOT, '.env'));
    expect(existsSync(join(REPO_ROOT, 'pnpm-workspace.yaml'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, '.env.example'))).toBe(true);
  });
});

describe('.env.example', () => {
  const example = join(REPO_ROOT, '.env.example');
  const text = readFileSync(example, 'utf8');

  it('is a valid .env that means "use the local stack" as it is', () => {
    const config = loadConfig({}, { envFile: example });
    expect(config.databaseSource).toBe('embedded');
    expect(config.upstash.source).toBe('local');
    expect(config.valkeySource).toBe('local');
  });

  it('documents the local stack defaults that LOCAL_STACK defines', () => {
    expect(text).toContain(LOCAL_DATABASE_URL);
    expect(text).toContain(`UPSTASH_REDIS_REST_URL=${LOCAL_UPSTASH_URL}`);
    // The local token is random: the example says where it is, never a value.
    expect(text).toContain('.data/kv-token');
    expect(text).not.toContain('workshop-local-token');
    expect(text).toContain(LOCAL_VALKEY_URL);
  });

  it('documents every variable the configuration reads, with a comment above it', () => {
    for (const name of [
      'DATABASE_URL',
      'UPSTASH_REDIS_REST_URL',
      'UPSTASH_REDIS_REST_TOKEN',
      'VALKEY_URL',
    ]) {
      const lines = text.split('\n');
      const at = lines.findIndex((line) => line.startsWith(`${name}=`));
      expect(at, name).toBeGreaterThan(0);
      expect(lines[at - 1], name).toMatch(/^#/);
    }
  });
});

describe('localStackToken', () => {
  it('makes a random token on first use, keeps it, and never the published one', () => {
    const folder = join(dir, 'token');
    const file = join(folder, 'data', 'kv-token');
    const token = localStackToken(file);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(localStackToken(file)).toBe(token);
    expect(localStackToken(join(folder, 'other', 'kv-token'))).not.toBe(token);
  });
});

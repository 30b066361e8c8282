// The local stack's service descriptors and its port variables, read as loadConfig reads .env.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  LOCAL_DATABASE_URL,
  LOCAL_STACK,
  LOCAL_UPSTASH_URL,
  LOCAL_VALKEY_URL,
  loadLocalPorts,
} from '../src/index.ts';
import { LOCAL_SERVICES } from '../src/local-services.ts';

const dir = mkdtempSync(join(tmpdir(), 'local-services-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noFile = { envFile: join(dir, 'missing.env') };

describe('local services', () => {
  it('build the local stack URLs from one descriptor each', () => {
    expect(LOCAL_DATABASE_URL).toBe('postgres://postgres@127.0.0.1:54329/postgres');
    expect(LOCAL_UPSTASH_URL).toBe('http://127.0.0.1:8079');
    expect(LOCAL_VALKEY_URL).toBe('redis://127.0.0.1:6479');
    expect(LOCAL_SERVICES.resp.url(LOCAL_STACK.host, 7000)).toBe('redis://127.0.0.1:7000');
  });

  it('take WORKSHOP_*_PORT from the environment, then .env, else the defaults', () => {
    expect(loadLocalPorts({}, noFile)).toEqual({ postgres: 54329, rest: 8079, resp: 6479 });
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'WORKSHOP_REST_PORT=9000\nWORKSHOP_RESP_PORT=9001\n');
    expect(loadLocalPorts({ WORKSHOP_RESP_PORT: '0' }, { envFile })).toEqual({
      postgres: 54329,
      rest: 9000,
      resp: 0,
    });
  });

  it('refuse a value that is not a port with a ConfigError naming the variable', () => {
    for (const bad of ['http', '-1', '65536', '80.5']) {
      const read = () => loadLocalPorts({ WORKSHOP_POSTGRES_PORT: bad }, noFile);
      expect(read).toThrow(ConfigError);
      expect(read).toThrow(`WORKSHOP_POSTGRES_PORT=${bad} is not a port number`);
    }
  });
});

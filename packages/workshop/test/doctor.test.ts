// `workshop doctor` against real things: a kv-server with a known token, a closed port, a port
// held by another program, a broken .env.
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { type KvServer, startKvServer } from '@workshop/kv-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, freePort, runCli, tempRoot } from './cli.ts';

let kv: KvServer;
let blocker: Server;
let heldPort: number;

beforeAll(async () => {
  kv = await startKvServer({ restPort: 0, respPort: 0, token: 'the-right-token' });
  blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  heldPort = (blocker.address() as { port: number }).port;
});

afterAll(async () => {
  await kv?.close();
  blocker?.close();
});

const line = (output: string, pattern: RegExp) => output.split('\n').find((l) => pattern.test(l));

describe('workshop doctor', () => {
  it('names a wrong token and a stopped service, fast, and exits 1', async () => {
    const closedPort = await freePort();
    const started = performance.now();
    const run = await runCli(
      ['doctor'],
      cleanEnv({
        WORKSHOP_ROOT: tempRoot(),
        WORKSHOP_REST_PORT: String(await freePort()), // whatever runs on the default ports
        DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/postgres`,
        UPSTASH_REDIS_REST_URL: kv.restUrl,
        UPSTASH_REDIS_REST_TOKEN: 'a-wrong-token',
        VALKEY_URL: kv.respUrl as string,
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(run.code).toBe(1);
    expect(line(run.stdout, /Postgres/)).toMatch(
      new RegExp(
        `^✗ Postgres at postgres://postgres@127.0.0.1:${closedPort}/postgres \\(DATABASE_URL\\): .*ECONNREFUSED.*start that Postgres`,
      ),
    );
    expect(line(run.stdout, /Upstash/)).toMatch(
      /^✗ Upstash at .*: wrong token\. .*UPSTASH_REDIS_REST_TOKEN/,
    );
    expect(line(run.stdout, /Valkey/)).toMatch(/^✓ Valkey at redis:\/\/127.0.0.1:\d+ answers PING/);
    expect(line(run.stdout, /\.env/)).toMatch(/^✓ no \.env: the embedded defaults are used/);
    expect(run.stdout).toContain('2 problems to fix');
    // Not a timed assertion of performance, a bound on "hangs when a service is down".
    expect(seconds).toBeLessThan(10);
  });

  it('is all green when the token is right', async () => {
    const databasePort = await freePort();
    const run = await runCli(
      ['doctor'],
      cleanEnv({
        WORKSHOP_ROOT: tempRoot(),
        WORKSHOP_POSTGRES_PORT: String(databasePort),
        WORKSHOP_REST_PORT: String(await freePort()),
        UPSTASH_REDIS_REST_URL: kv.restUrl,
        UPSTASH_REDIS_REST_TOKEN: 'the-right-token',
        VALKEY_URL: kv.respUrl as string,
      }),
    );
    expect(run.stdout).toMatch(
      /^✓ Upstash at http:\/\/127.0.0.1:\d+ answers PING with your token$/m,
    );
    expect(run.stdout).toMatch(
      new RegExp(`^✓ port ${databasePort} \\(embedded Postgres\\) is free$`, 'm'),
    );
    expect(run.stdout).toContain('All good.');
    expect(run.code).toBe(0);
  });

  it('names a port taken by another program', async () => {
    const [rest, resp] = [await freePort(), await freePort()];
    const run = await runCli(
      ['doctor'],
      cleanEnv({
        WORKSHOP_ROOT: tempRoot(),
        WORKSHOP_POSTGRES_PORT: String(heldPort),
        WORKSHOP_REST_PORT: String(rest),
        WORKSHOP_RESP_PORT: String(resp),
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^✗ port ${heldPort} \\(embedded Postgres\\) is taken by another program: .*set DATABASE_URL`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(
      new RegExp(`^✓ port ${rest} \\(local Upstash REST\\) is free$`, 'm'),
    );
    expect(run.stdout).toMatch(
      new RegExp(`^✓ port ${resp} \\(local Redis protocol\\) is free$`, 'm'),
    );
    expect(run.stdout).toContain('1 problem to fix');
  });

  it('names a wrong Valkey password', async () => {
    const guarded = await startKvServer({ restPort: 0, respPort: 0, password: 'the-password' });
    try {
      const resp = new URL(guarded.respUrl as string);
      const run = await runCli(
        ['doctor'],
        cleanEnv({
          WORKSHOP_ROOT: tempRoot(),
          WORKSHOP_POSTGRES_PORT: String(await freePort()),
          VALKEY_URL: `redis://:not-the-password@${resp.host}`,
          WORKSHOP_REST_PORT: String(await freePort()),
        }),
      );
      expect(run.code).toBe(1);
      expect(line(run.stdout, /Valkey/)).toMatch(
        /^✗ Valkey at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*wrong or missing password/,
      );
      expect(run.stdout).not.toContain('not-the-password');
    } finally {
      await guarded.close();
    }
  });

  it('reports an invalid .env with the variable and the fix', async () => {
    const root = tempRoot({ '.env': 'DATABASE_URL=mysql://root@localhost/wiki\n' });
    const run = await runCli(['doctor'], cleanEnv({ WORKSHOP_ROOT: root }));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ \.env: DATABASE_URL starts with "mysql:\/\/"/m);
  });

  it('sees a valid .env', async () => {
    const root = tempRoot({ '.env': `VALKEY_URL=${kv.respUrl}\n` });
    const run = await runCli(
      ['doctor'],
      cleanEnv({
        WORKSHOP_ROOT: root,
        WORKSHOP_POSTGRES_PORT: String(await freePort()),
        WORKSHOP_REST_PORT: String(await freePort()),
      }),
    );
    expect(run.stdout).toMatch(/^✓ \.env is present and valid$/m);
    expect(run.stdout).toMatch(
      /^✓ Valkey at redis:\/\/127.0.0.1:\d+ answers PING \(VALKEY_URL\)$/m,
    );
  });
});

import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  connectUpstash,
  createValkeyClient,
  loadConfig,
  ServiceError,
} from '../src/index.ts';

const stack = useTestStack({ postgres: false });

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}
/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
async function failure(promise: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as Error, ms: performance.now() - started };
  }
  throw new Error('expected a failure');
}

describe('connectUpstash', () => {
  it('returns a working @upstash/redis client after a successful PING', async () => {
    const redis = await connectUpstash(stack.config);
    await redis.set('greeting', { hello: 'world' });
    expect(await redis.get('greeting')).toEqual({ hello: 'world' });
  });

  it('turns a refused token into a message that says where to copy it from', async () => {
    const { error } = await failure(
      connectUpstash({ upstash: { ...stack.upstash, token: 'wrong-token', source: 'env' } }),
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.message).toMatch(/^The token was refused .*copy UPSTASH_REDIS_REST_TOKEN again/);
  });

  it('fails fast on an unreachable endpoint, pointing at `pnpm stack`', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { error, ms } = await failure(
      connectUpstash({ upstash: { url, token: 't', source: 'local' } }),
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.message).toContain(`Cannot reach the local Upstash-compatible endpoint at ${url}`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('pnpm stack');
    expect(ms).toBeLessThan(2000);

    const configured = await failure(
      connectUpstash({ upstash: { url, token: 't', source: 'env' } }),
    );
    expect(configured.error.message).toMatch(
      /^Cannot reach UPSTASH_REDIS_REST_URL .*check the URL in \.env/,
    );
  });

  it('gives up on an endpoint that accepts connections but never answers', async () => {
    const silent = createServer(() => {});
    const port = await listen(silent);
    try {
      const { error, ms } = await failure(
        connectUpstash(
          { upstash: { url: `http://127.0.0.1:${port}`, token: 't', source: 'env' } },
          { timeoutMs: 300 },
        ),
      );
      expect(error.message).toContain('no answer within 300 ms');
      expect(ms).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });

  it('rejects a redis:// URL before any request, with the fix', () => {
    expect(() =>
      loadConfig(
        { UPSTASH_REDIS_REST_URL: 'redis://127.0.0.1:6379', UPSTASH_REDIS_REST_TOKEN: 't' },
        { envFile: false },
      ),
    ).toThrow(ConfigError);
  });
});

describe('createValkeyClient', () => {
  it('talks RESP to the configured server', async () => {
    const valkey = createValkeyClient(stack.config);
    try {
      expect(await valkey.ping()).toBe('PONG');
      expect(await valkey.incr('visits')).toBe(1);
      expect(await valkey.incrby('visits', 4)).toBe(5);
    } finally {
      valkey.disconnect();
    }
  });

  it('fails a command quickly when the server is down instead of queueing it forever', async () => {
    const valkey = createValkeyClient({ valkeyUrl: `redis://127.0.0.1:${await closedPort()}` });
    valkey.on('error', () => {}); // connection errors are expected here
    try {
      const { error, ms } = await failure(valkey.ping());
      expect(error.message).toMatch(/ECONNREFUSED|max retries|Connection is closed/i);
      expect(ms).toBeLessThan(5000);
    } finally {
      valkey.disconnect();
    }
  });
});

describe('createValkeyClient, disconnected while the server is down', () => {
  it('lets the process exit at once', async () => {
    // A fresh process, as a lesson's script: it waits for the first refused connection, calls
    // disconnect() while the client waits to reconnect, and the time until the process exits
    // is measured from there. iovalkey's default kept it alive 2 s on the closed socket.
    const index = pathToFileURL(join(import.meta.dirname, '../src/index.ts')).href;
    const script = `
      const config = await import(${JSON.stringify(index)});
      const client = config.createValkeyClient({ valkeyUrl: 'redis://127.0.0.1:${await closedPort()}' });
      client.on('error', () => {});
      await new Promise((resolve) => client.once('reconnecting', resolve));
      const at = performance.now();
      process.on('exit', () => console.log(Math.round(performance.now() - at)));
      client.disconnect();`;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: import.meta.dirname, encoding: 'utf8' },
    );
    expect(
      Number(out.trim()),
      'ms from disconnect() to exit: something (a disconnect timeout?) keeps the process alive',
    ).toBeLessThan(1000);
  });
});

describe('importing @workshop/config', () => {
  it('loads iovalkey only when a Valkey client is made, not at import', () => {
    // A fresh Node process, as the CLI and a lesson start: the CommonJS cache says what loaded.
    const index = pathToFileURL(join(import.meta.dirname, '../src/index.ts')).href;
    const script = `
      import { createRequire } from 'node:module';
      const config = await import(${JSON.stringify(index)});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => /[\\\\/]iovalkey[\\\\/]/.test(f));
      const atImport = loaded();
      config.createValkeyClient({ valkeyUrl: 'redis://127.0.0.1:1' }, { lazyConnect: true }).disconnect();
      console.log(JSON.stringify({ atImport, afterClient: loaded() }));`;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: import.meta.dirname,
        encoding: 'utf8',
      },
    );
    expect(
      JSON.parse(out),
      'importing @workshop/config must not load iovalkey; the first createValkeyClient does',
    ).toEqual({
      atImport: false,
      afterClient: true,
    });
  });
});

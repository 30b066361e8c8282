// Forwarding mode specifics: Upstash-only script flags stripped, connection-state commands
// refused over REST, the RESP port forwarding on a connection per client, and a backend that
// is down answered fast with a JSON error.

import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from '@upstash/redis';
import { Redis as Valkey } from 'iovalkey';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripUpstashFlags } from '../../src/forward/scripts.ts';
import { startKvServer } from '../../src/start.ts';
import { REDIS_DB } from '../redis-db.ts';
import { type Running, startForwarding, TOKEN } from '../servers.ts';

const LOCKING_SCRIPT = `#!lua flags=allow-key-locking
local current = redis.call('INCRBY', KEYS[1], ARGV[1])
return current`;

describe('forwarding to a backend', () => {
  let running: Running;
  let redis: Redis;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${running.server.restUrl}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever JSON the server sent
    return { status: res.status, json: (await res.json()) as any };
  };

  beforeAll(async () => {
    running = await startForwarding(REDIS_DB.forward, { respPort: 0 });
    redis = new Redis({ url: running.server.restUrl, token: TOKEN });
  });
  afterAll(() => running?.close());

  // The backend is the real Redis under `pnpm test:services` (which refuses the flag), the
  // engine otherwise (which has Lua too): the round trip works against both.
  it('strips the allow-key-locking shebang flag so EVAL, SCRIPT LOAD and EVALSHA work', async () => {
    expect(await redis.eval(LOCKING_SCRIPT, ['fw:script'], [5])).toBe(5);
    // The client computes the SHA of the text it sent; the server must answer to that SHA.
    const sha = await redis.scriptLoad(LOCKING_SCRIPT);
    expect(sha).toBe(createHash('sha1').update(LOCKING_SCRIPT).digest('hex'));
    expect(await redis.evalsha(sha, ['fw:script'], [2])).toBe(7);
    expect(await redis.scriptExists(sha)).toEqual([1]);
  });

  it('keeps other shebang flags and scripts without a shebang untouched', () => {
    expect(stripUpstashFlags(Buffer.from('return 1'))).toBeUndefined();
    expect(stripUpstashFlags(Buffer.from('#!lua flags=no-writes\nreturn 1'))).toBeUndefined();
    expect(
      stripUpstashFlags(
        Buffer.from('#!lua flags=no-writes,allow-key-locking\nreturn 1'),
      )?.toString(),
    ).toBe('#!lua flags=no-writes\nreturn 1');
    expect(
      stripUpstashFlags(Buffer.from('#!lua flags=allow-key-locking\nreturn 1'))?.toString(),
    ).toBe('#!lua\nreturn 1');
  });

  it('refuses connection-state commands sent as single commands, saying why', async () => {
    for (const command of [
      ['multi'],
      ['exec'],
      ['watch', 'k'],
      ['select', '1'],
      ['subscribe', 'ch'],
      ['monitor'],
      ['hello', '3'],
      ['client', 'setname', 'x'],
      ['replicaof', 'no', 'one'],
      ['reset'],
    ]) {
      const res = await post('/', command);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/changes connection state/);
    }
    // The pooled connections were not disturbed: still on the right database, not in MULTI.
    expect((await post('/', ['set', 'fw:after', 'ok'])).json).toEqual({ result: 'OK' });
    expect((await post('/', ['get', 'fw:after'])).json).toEqual({ result: 'ok' });
  });

  it('runs /multi-exec on a connection of its own and reports which command aborted it', async () => {
    expect(
      (
        await post('/multi-exec', [
          ['set', 'fw:m', '1'],
          ['incr', 'fw:m'],
        ])
      ).json,
    ).toEqual([{ result: 'OK' }, { result: 2 }]);
    const aborted = await post('/multi-exec', [['set', 'fw:m', '5'], ['nosuchcommand']]);
    expect(aborted.status).toBe(400);
    expect(aborted.json.error).toMatch(/^EXECABORT.*Command 2: ERR unknown command/);
    expect((await post('/', ['get', 'fw:m'])).json).toEqual({ result: '2' });
  });

  it('forwards the RESP port on a connection per client (MULTI and WATCH work)', async () => {
    const client = new Valkey(running.server.respUrl as string);
    const other = new Valkey(running.server.respUrl as string);
    try {
      expect(await client.set('fw:r', '1')).toBe('OK');
      expect(await client.multi().incr('fw:r').get('fw:r').exec()).toEqual([
        [null, 2],
        [null, '2'],
      ]);
      await client.watch('fw:r');
      await other.set('fw:r', '9');
      expect(await client.multi().set('fw:r', '3').exec()).toBeNull();
      expect(await client.get('fw:r')).toBe('9');
      // Pub/sub works too (the connection switches to relay mode): test/resp/pubsub.test.ts.
    } finally {
      client.disconnect();
      other.disconnect();
    }
  });
});

describe('a backend with a password', () => {
  it('authenticates with the password in the URL, and says so when it is wrong', async () => {
    const backend = await startKvServer({ restPort: 0, respPort: 0, password: 'pw' });
    const { port } = new URL(backend.respUrl as string);
    const good = await startKvServer({
      token: TOKEN,
      restPort: 0,
      forwardTo: `redis://:pw@127.0.0.1:${port}/0`,
    });
    const bad = await startKvServer({
      token: TOKEN,
      restPort: 0,
      forwardTo: `redis://:nope@127.0.0.1:${port}/0`,
    });
    try {
      expect(await new Redis({ url: good.restUrl, token: TOKEN }).set('k', 'v')).toBe('OK');
      const res = await fetch(`${bad.restUrl}/get/k`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(502);
      const body = (await res.json()) as { error: string };
      expect(body.error).toMatch(/refused kv-server's AUTH \(WRONGPASS.*fix the password/);
      expect(body.error).not.toContain('nope');
    } finally {
      await Promise.all([good.close(), bad.close()]);
      await backend.close();
    }
  });
});

describe('a backend that is down', () => {
  it('answers REST fast with a JSON error naming the backend and what to do', async () => {
    // A port nobody listens on: take a free one and release it.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const server = await startKvServer({
      token: TOKEN,
      restPort: 0,
      forwardTo: `redis://127.0.0.1:${port}/3`,
    });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const started = performance.now();
        const res = await fetch(`${server.restUrl}/pipeline`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify([['get', 'k']]),
        });
        const elapsed = performance.now() - started;
        expect(res.status).toBe(502);
        const body = (await res.json()) as { error: string };
        expect(body.error).toContain(`redis://127.0.0.1:${port}/3`);
        expect(body.error).toMatch(/cannot reach.*KV_FORWARD_TO/);
        // @upstash/redis would retry a network error for seconds; this answers at once.
        expect(elapsed).toBeLessThan(1500);
      }
      const redis = new Redis({ url: server.restUrl, token: TOKEN });
      await expect(redis.get('k')).rejects.toThrow(/cannot reach/);
    } finally {
      await server.close();
    }
  });
});

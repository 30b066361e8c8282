// Checkpoint 05, start-up: the store over TCP answers a PING before the app uses it, and a
// Valkey that is not there fails at once with a message that says what to change. Then, while
// it is down, each command fails after one connection attempt instead of waiting through the
// client's retries.

import { createServer, type Socket } from 'node:net';
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../src/closed-port.ts';
import {
  connectValkeyStore,
  createValkeyStore,
  createValkeyStoreClient,
} from '../src/valkey-store.ts';

const stack = useTestStack({ postgres: false });

describe('connecting to Valkey', () => {
  it('gives a working store when the server answers', async () => {
    const { client, store } = await connectValkeyStore({
      valkeyUrl: stack.valkeyUrl,
      valkeySource: 'env',
    });
    try {
      await store.set('l05:connect', 'hello', { ex: 60 });
      expect(await store.get('l05:connect'), 'a value SET over TCP should GET back').toBe('hello');
    } finally {
      await client.quit();
    }
  });

  it('fails fast, naming VALKEY_URL and the refused connection, when nothing listens', async () => {
    const valkeyUrl = `redis://127.0.0.1:${await closedPort()}`;
    const start = performance.now();
    const failure = await connectValkeyStore({ valkeyUrl, valkeySource: 'env' }).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure, 'connecting to a port where nothing listens must fail').toBeInstanceOf(Error);
    expect(
      failure?.message,
      'the error should name VALKEY_URL and the URL, say why (ECONNREFUSED) and what to do',
    ).toMatch(new RegExp(`VALKEY_URL ${valkeyUrl} \\(connect ECONNREFUSED[^)]*\\): start`));
    expect(
      performance.now() - start,
      'a refused connection should fail within two seconds: is the client retrying for longer?',
    ).toBeLessThan(2_000);
  });

  it('fails each command after one connection attempt while the server is down', async () => {
    // A server that hangs up on every connection, and counts them: to the client it is down,
    // like a refused connection, but here every attempt the client makes is seen. A count,
    // not a time: retries with a backoff differ from none by one attempt, not by many seconds.
    let attempts = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      attempts++;
      socket.destroy();
    }).listen(0, '127.0.0.1');
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const client = createValkeyStoreClient(`redis://127.0.0.1:${port}`);
    try {
      const store = createValkeyStore(client);
      for (let i = 1; i <= 3; i++) {
        const before = attempts;
        const failed = await store.get('l05:down').then(
          () => false,
          () => true,
        );
        expect(failed, 'a GET while the server is down must fail, not answer').toBe(true);
        expect(
          attempts - before,
          `GET number ${i} made ${attempts - before} connection attempts before failing: the client retries while the server is down (iovalkey's default retries are on); create it with maxRetriesPerRequest: 0, so a command fails at the first failed attempt and the cache answers from Postgres`,
        ).toBeLessThanOrEqual(1);
      }
    } finally {
      client.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// Checkpoint 05, start-up: the store over TCP answers a PING before the app uses it, and a
// Valkey that is not there fails at once with a message that says what to change.

import { createServer } from 'node:net';
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { connectValkeyStore } from '../src/valkey-store.ts';

const stack = useTestStack();

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

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
});

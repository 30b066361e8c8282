// The lesson's server for one test file: started over the test stack's Postgres (PGlite in
// `pnpm test`, the real one in `pnpm test:services`), with clients and a raw socket to talk to it.

import { connect } from 'node:net';
import type { TestStack } from '@workshop/test-support';
import { Redis as ValkeyClient } from 'iovalkey';
import { afterAll, beforeAll } from 'vitest';
import { type RespServer, type RespServerOptions, startRespServer } from '../src/resp-server.ts';

export function useRespServer(stack: TestStack, options: Partial<RespServerOptions> = {}) {
  let server: RespServer | undefined;
  const clients: ValkeyClient[] = [];
  beforeAll(async () => {
    server = await startRespServer({ pool: stack.pool, unlogged: true, ...options });
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.close();
  });
  const running = () => {
    if (!server) throw new Error('the server starts in beforeAll');
    return server;
  };
  return {
    get server() {
      return running();
    },
    /** An iovalkey client of the server, as the wiki's store uses it. */
    client(db = 0) {
      const client = new ValkeyClient({
        port: running().port,
        host: '127.0.0.1',
        db,
        maxRetriesPerRequest: 0,
      });
      clients.push(client);
      return client;
    },
    /** Sends `bytes` on a new connection; answers what came back once it is `expected` long. */
    raw: (bytes: string | Buffer, expected: number) => exchange(running().port, bytes, expected),
  };
}

/** Writes `bytes` in one go and collects replies until `length` bytes came (or 15 s passed). */
export function exchange(port: number, bytes: string | Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let received = 0;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, 15_000);
    socket.on('error', reject);
    socket.on('close', done);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= length) done();
    });
    socket.write(bytes);
  });
}

/** A command as clients send it: an array of bulk strings. */
export function command(...args: (string | Buffer)[]): Buffer {
  const parts = args.map((arg) => (typeof arg === 'string' ? Buffer.from(arg) : arg));
  return Buffer.concat([
    Buffer.from(`*${parts.length}\r\n`),
    ...parts.flatMap((part) => [Buffer.from(`$${part.length}\r\n`), part, Buffer.from('\r\n')]),
  ]);
}

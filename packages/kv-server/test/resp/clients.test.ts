// The RESP2 surface with the real clients the course uses (iovalkey, ioredis), redis-cli when it
// is installed, and raw sockets for what clients never send (protocol errors, HELLO 3, QUIT).

import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { Redis as Valkey } from 'iovalkey';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/protocol/resp-codec.ts';
import { type Running, startEngine } from '../servers.ts';

// redis-cli comes with Debian's redis-tools; the test runs where it is installed.
const redisCli = await promisify(execFile)('redis-cli', ['--version']).then(
  () => true,
  () => false,
);

/** Sends raw bytes on a new connection; resolves with everything received until the server closes or `ms` pass. */
function raw(
  url: string,
  bytes: Buffer | string,
  ms = 300,
): Promise<{ text: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, ms);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe.each([
  ['iovalkey', Valkey],
  ['ioredis', IORedis],
] as const)('%s against the RESP port', (_name, Client) => {
  let running: Running;
  let client: InstanceType<typeof Client>;

  beforeAll(async () => {
    running = await startEngine();
    client = new Client(running.server.respUrl as string);
  });
  afterAll(async () => {
    client?.disconnect();
    await running?.close();
  });

  it('runs commands and reports errors with the Redis text', async () => {
    expect(await client.ping()).toBe('PONG');
    expect(await client.set('a', 'test')).toBe('OK');
    expect(await client.get('a')).toBe('test');
    expect(await client.get('missing')).toBeNull();
    expect(await client.incrby('n', 5)).toBe(5);
    await expect(client.incr('a')).rejects.toThrow('ERR value is not an integer or out of range');
    expect(await client.hset('h', { f: 'v', g: 'w' })).toBe(2);
    expect(await client.hgetall('h')).toEqual({ f: 'v', g: 'w' });
    expect(await client.client('SETNAME', 'tester')).toBe('OK');
    expect(await client.client('GETNAME')).toBe('tester');
  });

  it('pipelines: every reply, in order', async () => {
    const pipeline = client.pipeline();
    for (let i = 0; i < 500; i++) pipeline.set(`p:${i}`, String(i)).get(`p:${i}`);
    pipeline.set('p:text', 'test').incr('p:text'); // an error at the end
    const results = (await pipeline.exec()) ?? [];
    expect(results).toHaveLength(1002);
    for (let i = 0; i < 500; i++) {
      expect(results[2 * i]).toEqual([null, 'OK']);
      expect(results[2 * i + 1]).toEqual([null, String(i)]);
    }
    expect(String(results[1001]?.[0])).toMatch(/not an integer/);
  });

  it('MULTI/EXEC runs queued commands atomically', async () => {
    const results = await client.multi().set('m', '1').incr('m').get('m').exec();
    expect(results).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
  });

  it('stores and returns binary values byte for byte', async () => {
    const bytes = Buffer.from([0, 255, 13, 10, 36, 42, 128, 0]);
    await client.set(Buffer.from([1, 2, 0xff]), bytes);
    expect(await client.getBuffer(Buffer.from([1, 2, 0xff]))).toEqual(bytes);
    expect(await client.strlen(Buffer.from([1, 2, 0xff]))).toBe(8);
  });

  it('a WATCHed key changed by another connection aborts EXEC with a null reply', async () => {
    const other = new Client(running.server.respUrl as string);
    try {
      await client.set('w', '1');
      await client.watch('w');
      await other.set('w', '2');
      const results = await client.multi().set('w', '3').exec();
      expect(results).toBeNull();
      expect(await client.get('w')).toBe('2');
      // Without interference the same transaction goes through.
      await client.watch('w');
      expect(await client.multi().set('w', '3').exec()).toEqual([[null, 'OK']]);
    } finally {
      other.disconnect();
    }
  });
});

describe('AUTH with a password', () => {
  let running: Running;
  beforeAll(async () => {
    running = await startEngine({ password: 's3cret' });
  });
  afterAll(() => running?.close());

  it('answers NOAUTH before AUTH, WRONGPASS for a wrong password, then works', async () => {
    const url = running.server.respUrl as string;
    const reply = await raw(
      url,
      Buffer.concat([
        encodeCommand(['GET', 'k']),
        encodeCommand(['AUTH', 'nope']),
        encodeCommand(['AUTH', 's3cret']),
        encodeCommand(['SET', 'k', 'v']),
        encodeCommand(['GET', 'k']),
      ]),
    );
    expect(reply.text).toBe(
      '-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+OK\r\n$1\r\nv\r\n',
    );
  });

  it('lets iovalkey and ioredis in with the password in the URL', async () => {
    const { port } = new URL(running.server.respUrl as string);
    for (const Client of [Valkey, IORedis]) {
      const client = new Client(`redis://:s3cret@127.0.0.1:${port}`);
      try {
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
      }
      const wrong = new Client(`redis://:wrong@127.0.0.1:${port}`, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const errors: string[] = [];
      wrong.on('error', (error: Error) => errors.push(error.message));
      await wrong.connect().catch((error: Error) => errors.push(error.message));
      wrong.disconnect();
      expect(errors.join('\n')).toMatch(/WRONGPASS/);
    }
  });

  it('authenticates and names the connection through HELLO 2 AUTH ... SETNAME', async () => {
    const reply = await raw(
      running.server.respUrl as string,
      Buffer.concat([
        encodeCommand(['HELLO', '2']),
        encodeCommand(['HELLO', '2', 'AUTH', 'default', 's3cret', 'SETNAME', 'lesson']),
        encodeCommand(['CLIENT', 'GETNAME']),
      ]),
    );
    expect(reply.text).toMatch(
      /^-NOAUTH HELLO must be called with the client already authenticated/,
    );
    expect(reply.text).toContain('$5\r\nproto\r\n:2\r\n');
    expect(reply.text.endsWith('$6\r\nlesson\r\n')).toBe(true);
  });

  it('refuses large commands before AUTH, as Redis does', async () => {
    const reply = await raw(running.server.respUrl as string, '*100\r\n');
    expect(reply.text).toBe('-ERR Protocol error: invalid multibulk length\r\n');
    expect(reply.closed).toBe(true);
  });
});

describe('protocol details', () => {
  let running: Running;
  let url: string;
  beforeAll(async () => {
    running = await startEngine();
    url = running.server.respUrl as string;
  });
  afterAll(() => running?.close());

  it('HELLO 2 answers the server map as an array, HELLO 3 as a map; others get NOPROTO', async () => {
    const two = await raw(url, encodeCommand(['HELLO', '2']));
    expect(two.text).toMatch(/^\*14\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
    expect(two.text).toContain('$5\r\nproto\r\n:2\r\n');
    const three = await raw(
      url,
      Buffer.concat([encodeCommand(['HELLO', '3']), encodeCommand(['GET', 'nope'])]),
    );
    expect(three.text).toMatch(/^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
    expect(three.text).toContain('$5\r\nproto\r\n:3\r\n');
    expect(three.text).toMatch(/\$7\r\nmodules\r\n\*0\r\n_\r\n$/);
    const four = await raw(url, encodeCommand(['HELLO', '4']));
    expect(four.text).toBe('-NOPROTO unsupported protocol version\r\n');
    const word = await raw(url, encodeCommand(['HELLO', 'x']));
    expect(word.text).toBe('-ERR Protocol version is not an integer or out of range\r\n');
  });

  it('accepts inline commands, as telnet sends them', async () => {
    const reply = await raw(url, 'SET inline "hello world"\r\nGET inline\r\n');
    expect(reply.text).toBe('+OK\r\n$11\r\nhello world\r\n');
  });

  it('QUIT answers OK and closes the connection', async () => {
    const reply = await raw(url, Buffer.concat([encodeCommand(['QUIT']), encodeCommand(['PING'])]));
    expect(reply).toEqual({ text: '+OK\r\n', closed: true });
  });

  it('closes the connection on a protocol error, without allocating the declared size', async () => {
    const huge = await raw(url, '*1\r\n$999999999999\r\n');
    expect(huge).toEqual({ text: '-ERR Protocol error: invalid bulk length\r\n', closed: true });
    const bad = await raw(url, '*1\r\n:5\r\n');
    expect(bad.text).toMatch(/^-ERR Protocol error: expected '\$'/);
    expect(bad.closed).toBe(true);
    // The server is still there.
    expect((await raw(url, encodeCommand(['PING']))).text).toBe('+PONG\r\n');
  });

  it('answers wrong arity and unknown commands with the Redis text and a hint', async () => {
    const reply = await raw(
      url,
      Buffer.concat([encodeCommand(['GET']), encodeCommand(['FROB', 'x'])]),
    );
    const [arity, unknown] = reply.text.split('\r\n');
    expect(arity).toBe("-ERR wrong number of arguments for 'get' command");
    expect(unknown).toMatch(
      /^-ERR unknown command 'FROB', with args beginning with: 'x' .*VALKEY_URL/,
    );
  });

  it('stops running the commands of a client that does not read its replies', async () => {
    const setup = new Valkey(url);
    await setup.set('huge', Buffer.alloc(1024 * 1024, 2));
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause(); // never read: the replies pile up on the server
    const gets = Array.from({ length: 100 }, () => encodeCommand(['GET', 'huge']));
    socket.write(Buffer.concat([...gets, encodeCommand(['INCR', 'after-gets'])]));
    await new Promise((r) => setTimeout(r, 500));
    // 100 MB of replies were asked for; the server stopped long before reaching the INCR.
    expect(await setup.get('after-gets')).toBeNull();
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    // Reading the replies lets it go on: all 100 of them arrive, then the INCR runs.
    const expected = 100 * (1024 * 1024 + '$1048576\r\n\r\n'.length) + ':1\r\n'.length;
    for (let i = 0; i < 250 && received < expected; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(received).toBe(expected);
    expect(await setup.get('after-gets')).toBe('1');
    socket.destroy();
    setup.disconnect();
  });

  it('stops reading from a client that does not read its replies, and catches up after', async () => {
    const client = new Valkey(url);
    try {
      await client.set('big', Buffer.alloc(1024 * 1024, 1));
      const pipeline = client.pipeline();
      for (let i = 0; i < 64; i++) pipeline.getBuffer('big');
      const results = (await pipeline.exec()) ?? [];
      expect(results).toHaveLength(64);
      expect(
        results.every(
          ([error, value]) => error === null && (value as Buffer).length === 1024 * 1024,
        ),
      ).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it.skipIf(!redisCli)('works with redis-cli', async () => {
    const { port } = new URL(url);
    const run = (...args: string[]) =>
      promisify(execFile)('redis-cli', ['-p', port, ...args]).then((r) => r.stdout.trim());
    expect(await run('SET', 'cli', 'hello')).toBe('OK');
    expect(await run('GET', 'cli')).toBe('hello');
    expect(await run('RPUSH', 'cli:l', 'a', 'b')).toBe('2');
    expect(await run('LRANGE', 'cli:l', '0', '-1')).toBe('a\nb');
  });
});

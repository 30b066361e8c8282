// Pub/sub, MONITOR and blocking commands on the RESP port, with iovalkey and raw sockets:
// engine mode, and forwarding mode (in front of a second kv-server in `pnpm test`, the real
// Redis under `pnpm test:services`).

import { connect, type Socket } from 'node:net';
import { Redis as Valkey } from 'iovalkey';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import { pubsubOf } from '../../src/engine/pubsub.ts';
import { encodeCommand } from '../../src/protocol/resp-codec.ts';
import { engineHandler } from '../../src/resp/engine-handler.ts';
import { createRespServer } from '../../src/resp/resp-server.ts';
import { startKvServer } from '../../src/start.ts';
import { REDIS_DB } from '../redis-db.ts';
import { type Running, startEngine, startForwarding } from '../servers.ts';

/** A raw connection that collects everything it receives. */
function rawClient(url: string): Promise<{ socket: Socket; text: () => string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, text: () => text }));
  });
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each([
  ['engine', () => startEngine()],
  ['forwarding', () => startForwarding(REDIS_DB.pubsub, { respPort: 0 })],
] as const)('pub/sub and blocking over RESP (%s)', (_mode, start) => {
  let running: Running;
  const clients: Valkey[] = [];
  const client = () => {
    const c = new Valkey(running.server.respUrl as string);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    running = await start();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await running?.close();
  });

  it('delivers messages to channel and pattern subscribers', async () => {
    const sub = client();
    const pub = client();
    const got: string[] = [];
    sub.on('message', (channel, message) => got.push(`message ${channel} ${message}`));
    sub.on('pmessage', (pattern, channel, message) =>
      got.push(`pmessage ${pattern} ${channel} ${message}`),
    );
    expect(await sub.subscribe('rt:news', 'rt:other')).toBe(2);
    expect(await sub.psubscribe('rt:n*')).toBe(3);
    expect(await pub.publish('rt:news', 'hello')).toBe(2);
    await until(() => got.length === 2);
    expect(got.sort()).toEqual(['message rt:news hello', 'pmessage rt:n* rt:news hello']);
    expect(await pub.pubsub('NUMSUB', 'rt:news')).toEqual(['rt:news', 1]);
    // The subscribed connection refuses other commands (RESP2).
    await expect(sub.call('GET', 'k')).rejects.toThrow(
      'Connection in subscriber mode, only subscriber commands may be used',
    );
    await sub.unsubscribe('rt:news', 'rt:other');
    await sub.punsubscribe('rt:n*');
    expect(await sub.get('rt:none')).toBeNull();
  });

  it('answers the RESP2 subscribed-context rule with Redis words, byte for byte', async () => {
    const { socket, text } = await rawClient(running.server.respUrl as string);
    socket.write(
      Buffer.concat([
        encodeCommand(['SUBSCRIBE', 'a', 'b']),
        encodeCommand(['GET', 'k']),
        encodeCommand(['PING']),
        // Named: without arguments the order is that of Redis's hash table.
        encodeCommand(['UNSUBSCRIBE', 'a', 'b']),
        encodeCommand(['PING']),
      ]),
    );
    const expected =
      '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n' +
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n" +
      '*2\r\n$4\r\npong\r\n$0\r\n\r\n' +
      '*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n' +
      '+PONG\r\n';
    await until(() => text().length >= expected.length);
    expect(text()).toBe(expected);
    socket.destroy();
  });

  it('wakes a BLPOP with a push from another client, oldest waiter first', async () => {
    const [a, b, pusher] = [client(), client(), client()];
    await pusher.del('ps:bq');
    const first = a.blpop('ps:bq', 5);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = b.blpop('ps:bq', 5);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pusher.rpush('ps:bq', 'one', 'two');
    expect(await first).toEqual(['ps:bq', 'one']);
    expect(await second).toEqual(['ps:bq', 'two']);
    expect(await a.blpop('ps:bq', 0.05)).toBeNull();
  });

  it('unblocks a BLPOP with CLIENT UNBLOCK (TIMEOUT and ERROR)', async () => {
    const [a, b] = [client(), client()];
    const id = (await a.client('ID')) as number;
    const first = a.blpop('ps:unblock', 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await b.client('UNBLOCK', id, 'TIMEOUT')).toBe(1);
    expect(await first).toBeNull();
    const second = a.blpop('ps:unblock', 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await b.client('UNBLOCK', id, 'ERROR')).toBe(1);
    await expect(second).rejects.toThrow('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(await b.client('UNBLOCK', id)).toBe(0);
  });

  it('shows commands to MONITOR', async () => {
    const { socket, text } = await rawClient(running.server.respUrl as string);
    socket.write(encodeCommand(['MONITOR']));
    await until(() => text().startsWith('+OK\r\n'));
    const other = client();
    await other.set('mon:key', 'v');
    await until(() => text().includes('"mon:key"'));
    expect(text()).toMatch(/\+\d+\.\d{6} \[\d+ [^\]]+\] "set" "mon:key" "v"\r\n/);
    socket.destroy();
  });
});

describe('a subscriber that never reads', () => {
  it('is disconnected when its output passes the pub/sub limit, and the server stays small', async () => {
    const engine = createEngine();
    const limits = pubsubOf(engine).limits;
    limits.hardBytes = 256 * 1024;
    const server = createRespServer({ createHandler: (info) => engineHandler(engine, info) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const url = `redis://127.0.0.1:${port}`;
    const publisher = new Valkey(url);
    const { socket } = await rawClient(url);
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    socket.write(encodeCommand(['SUBSCRIBE', 'firehose']));
    await until(() => pubsubOf(engine).subscriberCount(false, 'firehose') === 1);
    // Stop reading: everything published now piles up in the server's output buffer.
    socket.pause();
    const payload = 'x'.repeat(16 * 1024);
    let receivers = 1;
    let sent = 0;
    while (receivers > 0 && sent < 10_000) {
      receivers = (await publisher.publish('firehose', payload)) as number;
      sent++;
    }
    expect(receivers).toBe(0);
    // Disconnected after a bounded amount, far less than what was thrown at it.
    expect(sent * payload.length).toBeLessThan(limits.hardBytes * 40);
    // Reading again drains what the kernel held, then meets the end of the connection.
    socket.resume();
    await until(() => closed);
    publisher.disconnect();
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('the idle timeout', () => {
  it('spares subscribers and monitors, as Redis does, and closes the merely idle', async () => {
    const running = await startEngine({ limits: { idleTimeoutMs: 150 } });
    try {
      const url = running.server.respUrl as string;
      const [idle, subscriber, monitor] = await Promise.all([
        rawClient(url),
        rawClient(url),
        rawClient(url),
      ]);
      const closed = new Set<string>();
      for (const [name, c] of [
        ['idle', idle],
        ['subscriber', subscriber],
        ['monitor', monitor],
      ] as const) {
        c.socket.on('close', () => closed.add(name));
      }
      subscriber.socket.write(encodeCommand(['SUBSCRIBE', 'idle:c']));
      monitor.socket.write(encodeCommand(['MONITOR']));
      await until(() => closed.has('idle'), 3000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect([...closed]).toEqual(['idle']);
      subscriber.socket.destroy();
      monitor.socket.destroy();
    } finally {
      await running.close();
    }
  });
});

describe('forwarding relay mode', () => {
  it('closes a subscribed client connection when its backend connection goes away', async () => {
    const backend = await startEngine();
    const front = await startKvServer({
      token: 'x',
      restPort: 0,
      respPort: 0,
      forwardTo: backend.server.respUrl as string,
    });
    try {
      const { socket, text } = await rawClient(front.respUrl as string);
      let closed = false;
      socket.on('close', () => {
        closed = true;
      });
      socket.write(encodeCommand(['SUBSCRIBE', 'relay:c']));
      await until(() => text().includes('subscribe'));
      await backend.close();
      await until(() => closed);
    } finally {
      await front.close();
    }
  });
});

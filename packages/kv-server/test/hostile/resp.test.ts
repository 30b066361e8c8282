// Attacks on the RESP port (issue 9), each against a kv-server process of its own: the server
// stays up, a legitimate client keeps getting answers within a bound, acknowledged data
// survives, and the attacker gets Redis's error. The limits are scaled down by flags so each
// attack is small and fast; the RSS after each is printed for the report.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type Raw,
  rawConnect,
  reportRss,
  respCommand,
  type ServerProcess,
  sleep,
  startServer,
} from './process.ts';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer([
    '--request-timeout',
    '1.5',
    '--client-query-buffer-limit',
    '4mb',
    '--max-buffered',
    '24mb',
  ]);
  expect(await respCommand(server.respPort, 'SET acked value')).toBe('+OK\r\n');
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

/** The legitimate client: answers within a second, and the acknowledged key is intact. */
async function legitimateClientServed(): Promise<void> {
  expect(await respCommand(server.respPort, 'PING', 1000)).toBe('+PONG\r\n');
  expect(await respCommand(server.respPort, 'GET acked', 1000)).toBe('$5\r\nvalue\r\n');
}

describe('RESP attacks', () => {
  it('many connections that announce a 1M-element array and wait cost nothing, then time out', async () => {
    const attackers: Raw[] = [];
    for (let i = 0; i < 300; i++) {
      const raw = await rawConnect(server.respPort);
      raw.socket.write('*1048576\r\n');
      attackers.push(raw);
    }
    await legitimateClientServed();
    const rss = reportRss(server, '300 connections sending *1048576 and waiting');
    expect(rss).toBeLessThan(400);
    // An unfinished request is closed after --request-timeout (1.5 s).
    await eventually(() => attackers.every((a) => a.isClosed()), 5000, 'attackers closed');
    await legitimateClientServed();
  });

  it('an unfinished bulk string over the query-buffer limit closes that connection with an error', async () => {
    const raw = await rawConnect(server.respPort);
    raw.socket.write('*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$60000000\r\n');
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 6 && !raw.isClosed(); i++) {
      raw.socket.write(chunk);
      await sleep(20);
    }
    await eventually(() => raw.isClosed(), 3000, 'closed over the query-buffer limit');
    expect(raw.received()).toBe('-ERR Protocol error: query buffer too large\r\n');
    await legitimateClientServed();
    expect(await respCommand(server.respPort, 'EXISTS big')).toBe(':0\r\n');
    reportRss(server, 'one 60 MB bulk string against a 4 MB query-buffer limit');
  });

  it('unfinished bulk strings under the per-connection limit are bounded in total, then time out', async () => {
    // 10 connections x 3 MB = 30 MB against --max-buffered 24mb: the last ones are refused.
    const attackers: Raw[] = [];
    for (let i = 0; i < 10; i++) {
      const raw = await rawConnect(server.respPort);
      raw.socket.write(`*3\r\n$3\r\nSET\r\n$4\r\nbig${i}\r\n$60000000\r\n`);
      raw.socket.write(Buffer.alloc(3 * 1024 * 1024, 'y'));
      attackers.push(raw);
    }
    await eventually(
      () => attackers.some((a) => a.received().includes('too much unfinished input')),
      3000,
      'a connection refused over the shared budget',
    );
    await legitimateClientServed();
    reportRss(server, '10 connections holding 3 MB of an unfinished 60 MB bulk string');
    await eventually(() => attackers.every((a) => a.isClosed()), 5000, 'all closed by timeout');
    await legitimateClientServed();
  });

  it('answers the declared-size limits with Redis error texts', async () => {
    expect(await respCommand(server.respPort, '*3000000000')).toBe(
      '-ERR Protocol error: invalid multibulk length\r\n',
    );
    // proto-max-bulk-len is 512 MB, as in Redis.
    expect(await respCommand(server.respPort, '*1\r\n$536870913')).toBe(
      '-ERR Protocol error: invalid bulk length\r\n',
    );
    expect(await respCommand(server.respPort, `*1\r\n$${'9'.repeat(40)}`)).toBe(
      '-ERR Protocol error: too big bulk count string\r\n',
    );
    // CONFIG SET proto-max-bulk-len applies to a connection already open, as in Redis.
    const open = await rawConnect(server.respPort);
    open.socket.write('CONFIG SET proto-max-bulk-len 1048576\r\n');
    await eventually(() => open.received() === '+OK\r\n', 2000, 'CONFIG SET answered');
    open.socket.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n');
    await eventually(() => open.isClosed(), 2000, 'closed over the new limit');
    expect(open.received()).toBe('+OK\r\n-ERR Protocol error: invalid bulk length\r\n');
    expect(await respCommand(server.respPort, 'CONFIG SET proto-max-bulk-len 512mb')).toBe(
      '+OK\r\n',
    );
    await legitimateClientServed();
  });

  it('closes an HTTP request sent to the RESP port before running its body, and logs it once', async () => {
    for (let i = 0; i < 3; i++) {
      const raw = await rawConnect(server.respPort);
      raw.socket.write(
        'POST / HTTP/1.1\r\nHost: attacker.example\r\nContent-Length: 13\r\n\r\nSET pwned yes\r\n',
      );
      await eventually(() => raw.isClosed(), 2000, 'HTTP request closed');
      expect(raw.received()).toBe('');
    }
    // A GET request line is a GET command with too many arguments; its Host: header closes it.
    const get = await rawConnect(server.respPort);
    get.socket.write('GET / HTTP/1.1\r\nHost: attacker.example\r\n\r\nSET pwned yes\r\n');
    await eventually(() => get.isClosed(), 2000, 'GET request closed');
    expect(get.received()).not.toContain('+OK');
    expect(await respCommand(server.respPort, 'EXISTS pwned')).toBe(':0\r\n');
    const logged = server.output().match(/Possible SECURITY ATTACK detected/g) ?? [];
    expect(logged).toHaveLength(1);
    await legitimateClientServed();
  });
});

describe('connection limits', () => {
  let capped: ServerProcess;
  beforeAll(async () => {
    capped = await startServer(['--maxclients', '20', '--timeout', '1']);
  });
  afterAll(async () => {
    await capped.stop();
  });

  it('refuses connections over maxclients with Redis error (RESP) and 503 JSON (REST)', async () => {
    const held: Raw[] = [];
    for (let i = 0; i < 20; i++) held.push(await rawConnect(capped.respPort));
    const over = await rawConnect(capped.respPort);
    await eventually(() => over.isClosed(), 2000, 'over-cap connection closed');
    expect(over.received()).toBe('-ERR max number of clients reached\r\n');
    for (const raw of held) raw.socket.destroy();
    await sleep(50);
    expect(await respCommand(capped.respPort, 'PING')).toBe('+PONG\r\n');

    const restHeld: Raw[] = [];
    for (let i = 0; i < 20; i++) restHeld.push(await rawConnect(capped.restPort));
    const res = await fetch(`${capped.restUrl}/ping`, {
      headers: { Authorization: 'Bearer hostile-test-token' },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^ERR max number of clients reached/,
    );
    for (const raw of restHeld) raw.socket.destroy();
    reportRss(capped, '20 idle connections per port against --maxclients 20');
  });

  it('closes RESP connections idle past --timeout, not active ones', async () => {
    const idle = await rawConnect(capped.respPort);
    const active = await rawConnect(capped.respPort);
    const started = Date.now();
    while (Date.now() - started < 1600) {
      active.socket.write('PING\r\n');
      await sleep(200);
    }
    expect(idle.isClosed()).toBe(true);
    expect(active.isClosed()).toBe(false);
    active.socket.destroy();
  });

  it('spares a connection blocked in BLPOP from the idle timeout, as Redis does', async () => {
    const blocked = await rawConnect(capped.respPort);
    blocked.socket.write('BLPOP hostile:queue 0\r\n');
    await sleep(1600);
    expect(blocked.isClosed()).toBe(false);
    expect(await respCommand(capped.respPort, 'RPUSH hostile:queue job')).toBe(':1\r\n');
    await eventually(() => blocked.received().includes('job'), 2000, 'BLPOP answered');
    expect(blocked.received()).toBe('*2\r\n$13\r\nhostile:queue\r\n$3\r\njob\r\n');
    blocked.socket.destroy();
  });

  it('spares a subscribed connection from the idle timeout, as Redis does', async () => {
    const subscriber = await rawConnect(capped.respPort);
    subscriber.socket.write('SUBSCRIBE hostile:news\r\n');
    await sleep(1600);
    expect(subscriber.isClosed()).toBe(false);
    expect(await respCommand(capped.respPort, 'PUBLISH hostile:news hello')).toBe(':1\r\n');
    await eventually(() => subscriber.received().includes('hello'), 2000, 'message received');
    subscriber.socket.destroy();
  });
});

// Attacks on the REST port (issue 9): web pages (Origin, DNS rebinding through Host, tokens in
// links), framing tricks, dot segments, and unfinished bodies. Each against a kv-server process:
// it stays up, the legitimate client is answered, acknowledged data survives, and the attacker
// gets a JSON error.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH,
  eventually,
  type Raw,
  rawConnect,
  rawHttp,
  reportRss,
  rest,
  type ServerProcess,
  startServer,
  TOKEN,
} from './process.ts';

let server: ServerProcess;
const ALLOWED = 'http://allowed.example:3000';

beforeAll(async () => {
  server = await startServer([
    '--allow-origin',
    ALLOWED,
    '--allow-host',
    'kv.test',
    '--max-buffered',
    '16mb',
    '--request-timeout',
    '1.5',
  ]);
  expect(await rest(server, ['set', 'acked', 'value'])).toEqual({ result: 'OK' });
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

async function intact(): Promise<void> {
  expect(await rest(server, ['get', 'acked'])).toEqual({ result: 'value' });
}

/** The status line and the parsed JSON body of a raw HTTP response. */
function parse(response: string): { status: number; json: { error?: string; result?: unknown } } {
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(response)?.[1]);
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  return { status, json: JSON.parse(body) };
}

describe('web pages', () => {
  it('refuses the issue attack: POST /flushall?_token= with a foreign Origin and Host', async () => {
    const res = await fetch(`${server.restUrl}/flushall?_token=${TOKEN}`, {
      method: 'POST',
      headers: { Origin: 'http://attacker.example', Host: 'attacker.example' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await res.json()) as { error: string }).error).toMatch(/^ERR /);
    await intact();
  });

  it('refuses a Host that is not this machine (DNS rebinding), even with the token', async () => {
    for (const host of [
      'attacker.example',
      'attacker.example:8079',
      '10.0.0.1',
      'localhost.evil',
    ]) {
      const res = parse(
        await rawHttp(
          server.restPort,
          `POST /flushall HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        ),
      );
      expect(res.status, host).toBe(403);
      expect(res.json.error).toMatch(/^ERR Host .* is not this server/);
    }
    // Loopback names and addresses, and what --allow-host lists, are served.
    for (const host of [
      'localhost',
      'LOCALHOST:1',
      'app.localhost',
      '127.0.0.1',
      '[::1]:9',
      'kv.test',
    ]) {
      const res = parse(
        await rawHttp(
          server.restPort,
          `GET /get/acked HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
        ),
      );
      expect(res, host).toEqual({ status: 200, json: { result: 'value' } });
    }
    await intact();
  });

  it('refuses requests from origins not allowed, preflights included; allows --allow-origin', async () => {
    for (const method of ['POST', 'GET']) {
      const res = await fetch(`${server.restUrl}/set/acked/changed`, {
        method,
        headers: { ...AUTH, Origin: 'http://attacker.example' },
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/--allow-origin/);
    }
    const preflight = await fetch(`${server.restUrl}/`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'null',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    await intact();

    const allowed = await fetch(`${server.restUrl}/`, {
      method: 'OPTIONS',
      headers: {
        Origin: ALLOWED,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    const get = await fetch(`${server.restUrl}/get/acked`, {
      headers: { ...AUTH, Origin: ALLOWED },
    });
    expect(get.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(await get.json()).toEqual({ result: 'value' });
  });

  it('refuses the token in the query string, and HEAD runs nothing', async () => {
    const query = await fetch(`${server.restUrl}/set/acked/changed?_token=${TOKEN}`);
    expect(query.status).toBe(401);
    const head = await fetch(`${server.restUrl}/set/acked/changed`, {
      method: 'HEAD',
      headers: AUTH,
    });
    expect(head.status).toBe(405);
    await intact();
  });
});

describe('malformed requests', () => {
  const request = (lines: string[]) =>
    rawHttp(server.restPort, `${lines.join('\r\n')}\r\n\r\n`).then(parse);

  it('keeps dot segments as data and answers odd targets with JSON', async () => {
    const dots = await request([
      'GET /set/acked/v/../k2val HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${TOKEN}`,
      'Connection: close',
    ]);
    expect(dots).toEqual({ status: 400, json: { error: 'ERR syntax error' } });
    const odd = await request([
      'GET //[/x HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${TOKEN}`,
      'Connection: close',
    ]);
    expect(odd.status).toBe(400);
    expect(odd.json.error).toMatch(/invalid request target/);
    const star = await request([
      'GET * HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${TOKEN}`,
      'Connection: close',
    ]);
    expect(star.status).toBe(400);
    expect(star.json.error).toMatch(/invalid request target/);
    await intact();
  });

  it('answers framing errors (double Content-Length, Content-Length with chunked) with JSON', async () => {
    const twice = await request([
      'POST / HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${TOKEN}`,
      'Content-Length: 2',
      'Content-Length: 30',
      '',
      '["flushall"]',
    ]);
    expect(twice.status).toBe(400);
    expect(twice.json.error).toMatch(/^ERR malformed HTTP request/);
    const both = await request([
      'POST / HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${TOKEN}`,
      'Content-Length: 12',
      'Transfer-Encoding: chunked',
      '',
      'c',
      '["flushall"]',
      '0',
      '',
    ]);
    expect(both.status).toBe(400);
    expect(both.json.error).toMatch(/^ERR malformed HTTP request/);
    const huge = await request([
      'GET /get/acked HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${TOKEN}`,
      `X-Padding: ${'p'.repeat(20 * 1024)}`,
    ]);
    expect(huge.status).toBe(431);
    expect(huge.json.error).toMatch(/^ERR malformed HTTP request \(HPE_HEADER_OVERFLOW/);
    await intact();
  });
});

describe('unfinished bodies', () => {
  it('bounds the bytes buffered across requests with 503 JSON, then times the rest out', async () => {
    // 8 requests each sending 3 MB of a declared 9 MB body, against --max-buffered 16mb.
    const attackers: Raw[] = [];
    for (let i = 0; i < 8; i++) {
      const raw = await rawConnect(server.restPort);
      raw.socket.write(
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${9 * 1024 * 1024}\r\n\r\n`,
      );
      raw.socket.write(Buffer.alloc(3 * 1024 * 1024, 'z'));
      attackers.push(raw);
    }
    await eventually(
      () => attackers.some((a) => a.received().startsWith('HTTP/1.1 503')),
      3000,
      'a request refused over the shared budget',
    );
    const refused = attackers.find((a) => a.received().startsWith('HTTP/1.1 503'))!;
    expect(refused.received()).toMatch(/"error":"ERR kv-server is already holding 16 MB/);
    await intact();
    reportRss(server, '8 unfinished 9 MB REST bodies against --max-buffered 16mb');
    // The others are closed by the request timeout (1.5 s).
    await eventually(() => attackers.every((a) => a.isClosed()), 5000, 'bodies timed out');
    await intact();
  });
});

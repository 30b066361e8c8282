// The Upstash REST protocol on the wire (shared/UPSTASH-PROTOCOL.md), with raw fetch: auth,
// methods, paths, the path form, base64 encoding, the sync token, and bad input. After each bad
// request the server must still answer and the data must be unchanged.

import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Running, startEngine, TOKEN } from '../servers.ts';

let running: Running;
let base: string;
const auth = { Authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  running = await startEngine();
  base = running.server.restUrl;
});
afterAll(() => running?.close());

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever JSON the server sent
type Json = any;

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = auth,
): Promise<{ status: number; headers: Headers; json: Json }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

/** A GET with the path sent byte for byte (no dot-segment or bracket normalisation). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: auth }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The key every bad-input test checks is untouched afterwards. */
async function expectIntact() {
  expect((await post('/', ['get', 'sentinel'])).json).toEqual({ result: 'kept' });
}

beforeEach(async () => {
  await post('/', ['set', 'sentinel', 'kept']);
});

describe('responses', () => {
  it('answers a single command with {"result": ...}, nil as null, errors as 400', async () => {
    expect(await post('/', ['set', 'a', 'test'])).toMatchObject({
      status: 200,
      json: { result: 'OK' },
    });
    expect((await post('/', ['get', 'a'])).json).toEqual({ result: 'test' });
    expect((await post('/', ['get', 'nothing'])).json).toEqual({ result: null });
    expect((await post('/', ['incr', 'n'])).json).toEqual({ result: 1 });
    const wrong = await post('/', ['incr', 'a']);
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual({ error: 'ERR value is not an integer or out of range' });
  });

  it('turns numbers and booleans into their text', async () => {
    await post('/', ['set', 'num', 60]);
    await post('/', ['set', 'bool', true]);
    expect((await post('/', ['mget', 'num', 'bool'])).json).toEqual({ result: ['60', 'true'] });
    expect((await post('/', ['set', 'ttl', 'v', 'ex', 100])).json).toEqual({ result: 'OK' });
    expect((await post('/', ['ttl', 'ttl'])).json.result).toBeGreaterThan(98);
  });

  it('answers /pipeline with one result or error per command, in order', async () => {
    const res = await post('/pipeline', [
      ['set', 'p', 'v'],
      ['incr', 'p'],
      ['get', 'p'],
      ['lrange', 'nolist', 0, -1],
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 'v' },
      { result: [] },
    ]);
  });

  it('runs /multi-exec atomically and refuses a bad transaction as a whole', async () => {
    const ok = await post('/multi-exec', [
      ['set', 'm', '1'],
      ['incr', 'm'],
      ['incr', 'notanumber-but-missing'],
    ]);
    expect(ok.json).toEqual([{ result: 'OK' }, { result: 2 }, { result: 1 }]);
    const runtimeError = await post('/multi-exec', [
      ['set', 'm2', 'x'],
      ['incr', 'm2'],
    ]);
    expect(runtimeError.json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
    ]);
    const refused = await post('/multi-exec', [['set', 'm3', 'x'], ['nosuchcommand']]);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatch(
      /^EXECABORT .* Command 2: ERR unknown command 'nosuchcommand'/,
    );
    expect((await post('/', ['exists', 'm3'])).json).toEqual({ result: 0 });
  });

  it('never answers a JSON object as a result: maps are flat arrays', async () => {
    await post('/', ['hset', 'h', 'f1', 'v1', 'f2', 'v2']);
    expect((await post('/', ['hgetall', 'h'])).json).toEqual({ result: ['f1', 'v1', 'f2', 'v2'] });
  });

  it('sends an upstash-sync-token that changes on every request', async () => {
    const first = (await post('/', ['ping'])).headers.get('upstash-sync-token');
    const second = (await post('/', ['ping'])).headers.get('upstash-sync-token');
    expect(first).toBeTruthy();
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
  });

  it('keeps idle connections open longer than the client does', async () => {
    const res = await fetch(`${base}/ping`, { headers: auth });
    await res.text();
    // Node's http server announces its keep-alive timeout in seconds.
    expect(res.headers.get('keep-alive')).toMatch(/timeout=(6[5-9]|[7-9]\d|\d{3,})/);
  });
});

describe('Upstash-Encoding: base64', () => {
  const enc = { ...auth, 'Upstash-Encoding': 'base64' };

  it('encodes every string at every level except a top-level OK; numbers and null stay', async () => {
    expect((await post('/', ['set', 'e', 'test'], enc)).json).toEqual({ result: 'OK' });
    expect((await post('/', ['get', 'e'], enc)).json).toEqual({ result: b64('test') });
    expect((await post('/', ['get', 'nothing'], enc)).json).toEqual({ result: null });
    expect((await post('/', ['incr', 'en'], enc)).json).toEqual({ result: 1 });
    expect((await post('/', ['type', 'e'], enc)).json).toEqual({ result: b64('string') });
    await post('/', ['rpush', 'el', 'a', 'OK'], enc);
    expect((await post('/', ['lrange', 'el', 0, -1], enc)).json).toEqual({
      result: [b64('a'), b64('OK')],
    });
    const scan = await post('/', ['scan', 0, 'match', 'el', 'count', 1000], enc);
    expect(scan.json).toEqual({ result: [b64('0'), [b64('el')]] });
  });

  it('never encodes error texts', async () => {
    const res = await post(
      '/pipeline',
      [
        ['set', 'e-text', 'test'],
        ['incr', 'e-text'],
        ['get', 'e-text'],
      ],
      enc,
    );
    expect(res.json).toEqual([
      { result: 'OK' }, // a status reply, not a bulk string: never encoded either
      { error: 'ERR value is not an integer or out of range' },
      { result: b64('test') },
    ]);
  });

  it('round-trips arbitrary bytes exactly through the path form and base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 13, 10, 0x22, 0x5c]);
    const put = await fetch(`${base}/set/binary`, { method: 'POST', headers: auth, body: bytes });
    expect(await put.json()).toEqual({ result: 'OK' });
    const got = await post('/', ['get', 'binary'], enc);
    expect(Buffer.from(got.json.result, 'base64')).toEqual(bytes);
    expect((await post('/', ['strlen', 'binary'])).json).toEqual({ result: bytes.length });
    // Percent-encoded bytes in a path segment are bytes too, not UTF-8 text.
    await fetch(`${base}/set/pct/%FF%00a`, { headers: auth });
    const pct = await post('/', ['get', 'pct'], enc);
    expect(Buffer.from(pct.json.result, 'base64')).toEqual(Buffer.from([0xff, 0, 0x61]));
  });
});

describe('the path form', () => {
  it('takes GET /cmd/arg..., query pairs as more arguments, and the POST body as the last one', async () => {
    const set = await fetch(`${base}/set/pathkey/pathvalue?EX=100`, { headers: auth });
    expect(await set.json()).toEqual({ result: 'OK' });
    expect((await post('/', ['ttl', 'pathkey'])).json.result).toBeGreaterThan(98);
    const get = await fetch(`${base}/get/pathkey`, { headers: auth });
    expect(await get.json()).toEqual({ result: 'pathvalue' });
    const body = await fetch(`${base}/set/bodykey`, {
      method: 'POST',
      headers: auth,
      body: 'a raw body / with slashes',
    });
    expect(await body.json()).toEqual({ result: 'OK' });
    expect((await post('/', ['get', 'bodykey'])).json).toEqual({
      result: 'a raw body / with slashes',
    });
    const encoded = await fetch(`${base}/set/${encodeURIComponent('a key/with slash')}/v`, {
      headers: auth,
    });
    expect(await encoded.json()).toEqual({ result: 'OK' });
    expect((await post('/', ['exists', 'a key/with slash'])).json).toEqual({ result: 1 });
  });

  it('accepts PUT like POST; HEAD runs nothing (405)', async () => {
    const put = await fetch(`${base}/set/putkey`, { method: 'PUT', headers: auth, body: 'put!' });
    expect(await put.json()).toEqual({ result: 'OK' });
    const head = await fetch(`${base}/set/putkey/changed`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(405);
    expect(head.headers.get('allow')).toBe('GET, POST, PUT');
    expect(await head.text()).toBe('');
    expect((await post('/', ['get', 'putkey'])).json).toEqual({ result: 'put!' });
  });

  it('keeps dot segments as data: /set/k1/v/../k2val is SET k1 v .. k2val, never SET k1 k2val', async () => {
    // fetch would collapse the dots itself: send the path exactly as written.
    const res = await rawGet('/set/dots/v/../k2val');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toBe('ERR syntax error');
    expect((await post('/', ['get', 'dots'])).json).toEqual({ result: null });
    expect((await rawGet('/set/dots/%2e%2e')).status).toBe(200);
    expect((await post('/', ['get', 'dots'])).json).toEqual({ result: '..' });
    expect((await rawGet('/set/dots2/./x')).status).toBe(400);
    expect((await post('/', ['get', 'dots2'])).json).toEqual({ result: null });
    // A target that no URL parser accepts is a 400 with a JSON body, not a 500.
    const invalid = await rawGet('//[/x');
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error).toMatch(/invalid request target/);
    await expectIntact();
  });
});

describe('auth, methods and paths', () => {
  it('answers 401 with the WRONGPASS JSON error for a missing or wrong token', async () => {
    for (const headers of [
      {},
      { Authorization: 'Bearer wrong' },
      { Authorization: TOKEN },
    ] as Record<string, string>[]) {
      const res = await post('/', ['set', 'sentinel', 'changed'], headers);
      expect(res.status).toBe(401);
      expect(res.json.error).toMatch(/^WRONGPASS invalid or missing auth token/);
    }
    const query = await fetch(`${base}/get/sentinel?_token=wrong`);
    expect(query.status).toBe(401);
    // Even the right token is refused in the URL: a web page can put one in a link.
    for (const path of [`/get/sentinel?_token=${TOKEN}`, `/set/sentinel/changed?_token=${TOKEN}`]) {
      const right = await fetch(`${base}${path}`);
      expect(right.status).toBe(401);
      expect(((await right.json()) as Json).error).toMatch(/^WRONGPASS a token in the URL/);
    }
    await expectIntact();
  });

  it('answers 405 for other methods, with a JSON error', async () => {
    for (const method of ['DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${base}/`, { method, headers: auth });
      expect(res.status).toBe(405);
      expect(((await res.json()) as Json).error).toMatch(/method/);
    }
    await expectIntact();
  });

  it('answers 404 with a JSON error for a path that is no endpoint and no command', async () => {
    const res = await fetch(`${base}/favicon.ico`, { headers: auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error).toMatch(/no endpoint or command/);
    await expectIntact();
  });

  it('refuses connection-state commands and says what to use instead', async () => {
    const res = await post('/', ['multi']);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/\/multi-exec/);
    const pipe = await post('/pipeline', [
      ['watch', 'sentinel'],
      ['get', 'sentinel'],
    ]);
    expect(pipe.status).toBe(400);
    await expectIntact();
  });
});

describe('bad input', () => {
  it('answers 400 for malformed JSON, saying so', async () => {
    const res = await post('/', '["set", "sentinel", ');
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/malformed JSON/);
    await expectIntact();
  });

  it('answers 400 for a body that is not an array, or an empty one', async () => {
    for (const body of [{ cmd: 'get' }, '"get"', [], 42]) {
      const res = await post('/', body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/must be a JSON array/);
    }
    const pipe = await post('/pipeline', ['get', 'sentinel']);
    expect(pipe.status).toBe(400);
    expect(pipe.json.error).toMatch(/command 1 must be a JSON array/);
    await expectIntact();
  });

  it('answers 400 for nested objects and arrays as arguments', async () => {
    const res = await post('/', ['set', 'sentinel', { nested: true }]);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/argument 3 .* is an object/);
    const arr = await post('/pipeline', [['set', 'sentinel', ['x']]]);
    expect(arr.status).toBe(400);
    expect(arr.json.error).toMatch(/argument 3 of command 1 is an array/);
    await expectIntact();
  });

  it('answers 413 for a body over the limit, and keeps serving', async () => {
    const huge = JSON.stringify(['set', 'sentinel', 'x'.repeat(11 * 1024 * 1024)]);
    const res = await post('/', huge);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/limit/);
    await expectIntact();
  });

  it('answers 413 for a chunked body over the limit without reading it all', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(base);
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: auth },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      // 30 MB: the server buffers none of what is over 10 MB.
      let sent = 0;
      const pump = () => {
        while (sent < 30 && req.write(chunk)) sent++;
        if (sent < 30) req.once('drain', pump);
        else req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    await expectIntact();
  });

  it('answers 400 for a pipeline over the command limit', async () => {
    const res = await post(
      '/pipeline',
      Array.from({ length: 10_001 }, () => ['set', 'sentinel', 'changed']),
    );
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/10001 commands .* over the limit of 10000/);
    await expectIntact();
  });

  it('answers wrong arity and unknown commands with the Redis error text', async () => {
    const arity = await post('/', ['get']);
    expect(arity.status).toBe(400);
    expect(arity.json.error).toBe("ERR wrong number of arguments for 'get' command");
    const unknown = await post('/', ['frobnicate', 'sentinel']);
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/^ERR unknown command 'frobnicate'.*VALKEY_URL/);
    // Arguments quoted in an error come back as the text that was sent.
    const quoted = await post('/', ['frobnicate', 'héllo ✓']);
    expect(quoted.json.error).toContain("'héllo ✓'");
    await expectIntact();
  });
});

describe('large responses', () => {
  it('streams a pipeline whose replies add up to far more than one response buffer', async () => {
    const value = 'v'.repeat(1024 * 1024);
    await post('/', ['set', 'big', value]);
    const res = await post(
      '/pipeline',
      Array.from({ length: 40 }, () => ['get', 'big']),
      { ...auth, 'Upstash-Encoding': 'base64' },
    );
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(40);
    expect(res.json[39]).toEqual({ result: Buffer.from(value).toString('base64') });
    await expectIntact();
  });
});

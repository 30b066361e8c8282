// Upstash's pub/sub routes over Server-Sent Events, with the real clients: @upstash/redis
// subscribe/psubscribe and @upstash/realtime receive what another client publishes, in engine
// mode and in forwarding mode (in front of a second kv-server in `pnpm test`, the real Redis
// under `pnpm test:services`). Also the raw wire format, MONITOR, and blocking commands over REST.

import { Realtime } from '@upstash/realtime';
import { Redis } from '@upstash/redis';
import { Redis as Valkey } from 'iovalkey';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKvServer } from '../../src/start.ts';
import { subscribeRealtime } from '../realtime.ts';
import { REDIS_DB } from '../redis-db.ts';
import { type Running, startEngine, startForwarding, TOKEN } from '../servers.ts';

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Opens an SSE route with fetch and collects its text until aborted. */
async function openRaw(url: string, path: string) {
  const controller = new AbortController();
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      Accept: 'text/event-stream',
      'Cache-Control': 'no-cache',
    },
    body: '[]',
    signal: controller.signal,
  });
  let text = '';
  const reading = (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    text: () => text,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe.each([
  ['engine', () => startEngine({ sseKeepAliveMs: 50 })],
  ['forwarding', () => startForwarding(REDIS_DB.pubsub, { respPort: 0 })],
] as const)('pub/sub over SSE (%s)', (mode, start) => {
  let running: Running;
  let redis: Redis;
  const url = () => running.server.restUrl;

  beforeAll(async () => {
    running = await start();
    redis = new Redis({ url: url(), token: TOKEN });
  });
  afterAll(async () => {
    await running?.close();
  });

  it('@upstash/redis subscribe receives what another client publishes', async () => {
    const sub = redis.subscribe<{ hello: string }>(['sse:chat']);
    const got: unknown[] = [];
    const counts: number[] = [];
    sub.on('subscribe', (count) => counts.push(count as unknown as number));
    sub.on('message', ({ channel, message }) => got.push([channel, message]));
    await until(() => counts.length === 1);
    expect(counts).toEqual([1]);
    const publisher = new Redis({ url: url(), token: TOKEN });
    expect(await publisher.publish('sse:chat', { hello: 'world' })).toBe(1);
    // A RESP client publishes to the same channels (engine mode: same engine; forwarding:
    // the backend's).
    const resp = new Valkey((running.backendUrl ?? running.server.respUrl) as string);
    await resp.publish('sse:chat', JSON.stringify({ hello: 'from resp' }));
    resp.disconnect();
    await until(() => got.length === 2);
    expect(got).toEqual([
      ['sse:chat', { hello: 'world' }],
      ['sse:chat', { hello: 'from resp' }],
    ]);
    await sub.unsubscribe();
    // Aborting the request drops the subscription on the server.
    await until(() => false, 100).catch(() => {});
    expect(await publisher.publish('sse:chat', 'nobody')).toBe(0);
  });

  it('@upstash/redis psubscribe receives pattern messages', async () => {
    const sub = redis.psubscribe(['sse:room:*']);
    const got: unknown[] = [];
    let subscribed = false;
    sub.on('psubscribe', () => {
      subscribed = true;
    });
    sub.on('pmessage', ({ pattern, channel, message }) => got.push([pattern, channel, message]));
    await until(() => subscribed);
    await redis.publish('sse:room:1', { n: 1 });
    await redis.publish('sse:other', { n: 2 });
    await until(() => got.length === 1);
    expect(got).toEqual([['sse:room:*', 'sse:room:1', { n: 1 }]]);
    await sub.unsubscribe();
  });

  it('@upstash/realtime subscribe resolves on the confirmation and gets published events', async () => {
    const realtime = new Realtime({ redis });
    // No schema: the typed API would want one; the wire behaviour is what is under test.
    const channel = realtime.channel('sse:rt') as unknown as {
      subscribe(options: {
        events: string[];
        onData: (event: unknown) => void;
      }): Promise<() => void>;
    };
    const events: unknown[] = [];
    const unsubscribe = await subscribeRealtime(() =>
      channel.subscribe({
        events: ['chat.message'],
        onData: (event: unknown) => events.push(event),
      }),
    );
    // Another client emits: realtime's XADD to the channel's stream, then PUBLISH.
    const emitter = new Realtime({
      redis: new Redis({ url: url(), token: TOKEN }),
    }).channel('sse:rt') as unknown as { emit(event: string, data: unknown): Promise<void> };
    await emitter.emit('chat.message', { text: 'hi' });
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({ event: 'chat.message', data: { text: 'hi' } });
    await unsubscribe();
  });

  it('speaks the wire format: headers, data lines, keep-alive comments, line breaks as spaces', async () => {
    const stream = await openRaw(url(), '/subscribe/sse:raw%2Fx');
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream');
    await until(() => stream.text().includes('\n\n'));
    // (A keep-alive comment may follow already: engine mode sends one every 50 ms here.)
    expect(stream.text().startsWith('data: subscribe,sse:raw/x,1\n\n')).toBe(true);
    await redis.publish('sse:raw/x', 'line1\nline2');
    await until(() => stream.text().includes('message,'));
    expect(stream.text()).toContain('data: message,sse:raw/x,line1 line2\n\n');
    if (mode === 'engine') {
      await until(() => stream.text().includes(': keepalive\n\n'));
    }
    await stream.close();
  });

  it('streams MONITOR', async () => {
    const stream = await openRaw(url(), '/monitor');
    await until(() => stream.text().includes('data: "OK"\n\n'));
    await redis.set('sse:mon', 'v');
    await until(() => stream.text().includes('"sse:mon"'));
    expect(stream.text()).toMatch(/data: \d+\.\d{6} \[\d+ [^\]]+\] "set" "sse:mon" "v"\n\n/);
    await stream.close();
  });

  it('refuses SUBSCRIBE as a JSON command, naming the SSE route', async () => {
    const res = await fetch(`${url()}/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(['subscribe', 'ch']),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('POST /subscribe/<channel>');
  });

  it('needs the token on the SSE routes too', async () => {
    const res = await fetch(`${url()}/subscribe/x`, { method: 'POST', body: '[]' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(/^WRONGPASS/);
  });

  it('runs a blocking command over REST, woken by a push from another client', async () => {
    const command = async (argv: (string | number)[]) => {
      const res = await fetch(`${url()}/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(argv),
      });
      return res.json();
    };
    await command(['del', 'sse:bq']);
    const waiting = command(['blpop', 'sse:bq', 5]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await redis.rpush('sse:bq', 'job');
    expect(await waiting).toEqual({ result: ['sse:bq', 'job'] });
    expect(await command(['blpop', 'sse:bq', 0.05])).toEqual({ result: null });
  });
});

describe('an SSE subscriber that never reads', () => {
  it('is cut off at the pub/sub output limit (CONFIG SET client-output-buffer-limit)', async () => {
    const running = await startEngine();
    try {
      const url = running.server.restUrl;
      const command = async (argv: string[]) =>
        (
          await fetch(`${url}/`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify(argv),
          })
        ).json();
      expect(
        await command(['config', 'set', 'client-output-buffer-limit', 'pubsub 256kb 0 0']),
      ).toEqual({ result: 'OK' });
      const controller = new AbortController();
      // The body is never read: events pile up in the server's response buffer.
      const res = await fetch(`${url}/subscribe/slow`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'text/event-stream' },
        body: '[]',
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const payload = 'x'.repeat(64 * 1024);
      // Batches of 32 PUBLISH per request, until the subscriber is gone (0 receivers).
      let receivers = 1;
      let sent = 0;
      while (receivers > 0 && sent < 2000) {
        const res = await fetch(`${url}/pipeline`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify(Array.from({ length: 32 }, () => ['publish', 'slow', payload])),
        });
        const replies = (await res.json()) as { result: number }[];
        receivers = replies.at(-1)!.result;
        sent += replies.length;
      }
      expect(receivers).toBe(0);
      expect(sent * payload.length).toBeLessThan(64 * 1024 * 1024);
      controller.abort();
    } finally {
      await running.close();
    }
  });
});

describe('an SSE stream the backend refuses (forwarding)', () => {
  it('gets an error event and ends', async () => {
    const backend = await startKvServer({ restPort: 0, respPort: 0, password: 'backend-pw' });
    // The forwarding URL lacks the password: the backend answers SUBSCRIBE with NOAUTH.
    const front = await startKvServer({
      token: TOKEN,
      restPort: 0,
      forwardTo: backend.respUrl as string,
    });
    try {
      const res = await fetch(`${front.restUrl}/subscribe/refused`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'text/event-stream' },
        body: '[]',
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('data: error,NOAUTH Authentication required.\n\n');
    } finally {
      await front.close();
      await backend.close();
    }
  });
});

describe('a blocking command in a REST pipeline (forwarding)', () => {
  it('waits on a connection of its own: the pool keeps serving others', async () => {
    const running = await startForwarding(REDIS_DB.pubsub);
    try {
      const url = running.server.restUrl;
      const post = async (path: string, body: unknown) =>
        (
          await fetch(`${url}${path}`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify(body),
          })
        ).json();
      await post('/', ['del', 'sse:pq']);
      // More waiting pipelines than the pool has connections (4).
      const waiting = Array.from({ length: 6 }, () => post('/pipeline', [['blpop', 'sse:pq', 5]]));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      expect(await post('/pipeline', [['ping']])).toEqual([{ result: 'PONG' }]);
      expect(Date.now() - started).toBeLessThan(1000);
      await post('/', ['rpush', 'sse:pq', 'a', 'b', 'c', 'd', 'e', 'f']);
      const results = (await Promise.all(waiting)) as { result: string[] }[][];
      expect(results.map((r) => r[0]!.result[1]).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    } finally {
      await running.close();
    }
  });
});

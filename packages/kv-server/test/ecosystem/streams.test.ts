// The ecosystem's stream-based libraries over REST: @upstash/queue (XADD, XREADGROUP,
// XAUTOCLAIM, XACK, XGROUP) and @upstash/realtime's emit and history (XADD with MAXLEN, EXPIRE,
// PUBLISH, XRANGE), against the engine, and the same against a forwarding kv-server (in
// services mode: real Redis, database 10).

import { Queue } from '@upstash/queue';
import { Realtime } from '@upstash/realtime';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startEngine, startForwarding, TOKEN } from '../servers.ts';

/** Redis database of the services-mode run (see FORWARD_DB in servers.ts for the others). */
const STREAMS_DB = 10;

const STREAM_ID = /^\d+-\d+$/;

describe.each([
  ['engine', startEngine],
  ['forward', () => startForwarding(STREAMS_DB)],
] as const)('Upstash stream libraries over REST (%s mode)', (mode, start) => {
  let running: Running;
  let redis: Redis;
  const run = `${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    running = await start();
    expect(running.server.mode).toBe(mode);
    redis = new Redis({ url: running.server.restUrl, token: TOKEN });
  });
  afterAll(() => running?.close());

  // @upstash/queue bundles its own @upstash/redis: the same REST client, another type.
  const queue = (name: string, options: { autoVerify?: boolean; visibilityTimeout?: number }) =>
    new Queue({
      redis: redis as never,
      queueName: `${name}-${run}`,
      concurrencyLimit: 5,
      ...options,
    });

  it('queue: send, receive (verified automatically), and nothing left after', async () => {
    const q = queue('auto', {});
    const id = await q.sendMessage({ text: 'hello', n: 1 });
    expect(id).toMatch(STREAM_ID);
    expect(await q.receiveMessage()).toEqual({ streamId: id, body: { text: 'hello', n: 1 } });
    const key = `UpstashMQ:auto-${run}`;
    expect(await redis.xpending(key, 'Messages', '-', '+', 10)).toEqual([]);
    expect(await redis.xlen(key)).toBe(1);
    expect(await queue('auto', {}).receiveMessage()).toBeNull();
  });

  it('queue: messages in order, verified by hand, once', async () => {
    const q = queue('manual', { autoVerify: false });
    const first = await q.sendMessage({ n: 1 });
    const second = await q.sendMessage({ n: 2 });
    const got = await q.receiveMessage<{ n: number }>();
    expect(got).toEqual({ streamId: first, body: { n: 1 } });
    const key = `UpstashMQ:manual-${run}`;
    const pending = (await redis.xpending(key, 'Messages', '-', '+', 10)) as unknown[][];
    expect(pending.map((row) => row[0])).toEqual([first]);
    expect(await q.verifyMessage(first as string)).toBe('VERIFIED');
    expect(await q.verifyMessage(first as string)).toBe('NOT VERIFIED');
    expect(await queue('manual', { autoVerify: false }).receiveMessage()).toEqual({
      streamId: second,
      body: { n: 2 },
    });
  });

  it('queue: an unverified message goes to another consumer after the visibility timeout', async () => {
    const options = { autoVerify: false, visibilityTimeout: 300 };
    const a = queue('claims', options);
    const b = queue('claims', options);
    const id = await a.sendMessage({ job: 'resize' });
    expect(await a.receiveMessage()).toEqual({ streamId: id, body: { job: 'resize' } });
    // Still within a's visibility timeout: b gets nothing.
    expect(await b.receiveMessage()).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await b.receiveMessage()).toEqual({ streamId: id, body: { job: 'resize' } });
    expect(await b.verifyMessage(id as string)).toBe('VERIFIED');
    expect(await redis.xpending(`UpstashMQ:claims-${run}`, 'Messages', '-', '+', 10)).toEqual([]);
  });

  it('realtime: emit keeps a bounded history, read back with its ids', async () => {
    const realtime = new Realtime({
      redis: redis as never,
      history: { maxLength: 3, expireAfterSecs: 600 },
    });
    const channel = realtime.channel(`room-${run}`);
    for (let i = 1; i <= 5; i++)
      await channel.emit('chat.message' as never, { text: `m${i}` } as never);
    const history = await channel.history();
    expect(history.map((m) => m.data)).toEqual([{ text: 'm3' }, { text: 'm4' }, { text: 'm5' }]);
    for (const message of history) {
      expect(message.id).toMatch(STREAM_ID);
      expect(message.event).toBe('chat.message');
      expect(message.channel).toBe(`room-${run}`);
    }
    expect(await redis.ttl(`room-${run}`)).toBeGreaterThan(500);
    // `start` is typed as a number (a time in ms) but goes to XRANGE as is: an ID works too.
    const later = await channel.history({ start: history[1]!.id as never, limit: 1 });
    expect(later.map((m) => m.data)).toEqual([{ text: 'm4' }]);
  });
});

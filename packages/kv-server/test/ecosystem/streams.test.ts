// The ecosystem's stream-based libraries over REST: @upstash/queue (XADD, XREADGROUP,
// XAUTOCLAIM, XACK, XGROUP) and @upstash/realtime's emit and history (XADD with MAXLEN, EXPIRE,
// PUBLISH, XRANGE), against the engine, and the same against a forwarding kv-server (in
// services mode: real Redis, database 10).

import { Queue } from '@upstash/queue';
import { Realtime } from '@upstash/realtime';
import type { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { subscribeRealtime } from '../realtime.ts';
import { REDIS_DB } from '../redis-db.ts';
import { startEngine, startForwarding, useUpstash } from '../servers.ts';

/** Redis database of the services-mode run (redis-db.ts). */
const STREAMS_DB = REDIS_DB.streams;

const STREAM_ID = /^\d+-\d+$/;

describe.each([
  ['engine', startEngine],
  ['forward', () => startForwarding(STREAMS_DB)],
] as const)('Upstash stream libraries over REST (%s mode)', (mode, start) => {
  const run = `${process.pid}-${Date.now()}`;
  let redis: Redis;
  useUpstash(mode, start, (client) => {
    redis = client;
  });

  // @upstash/queue bundles its own @upstash/redis: the same REST client, another type.
  const queue = (name: string, options: { autoVerify?: boolean; visibilityTimeout?: number }) =>
    new Queue({
      redis: redis as never,
      queueName: `${name}-${run}`,
      concurrencyLimit: 5,
      ...options,
    });

  it('the @upstash/redis stream API: the same answers from the engine and from Redis', async () => {
    const key = `api-${run}`;
    expect(await redis.xadd(key, '1-1', { f: 'a', n: 1 })).toBe('1-1');
    expect(await redis.xadd(key, '2-*', { f: 'b' })).toBe('2-0');
    const trim = { type: 'MAXLEN', threshold: 3, comparison: '=' } as const;
    for (let i = 3; i <= 5; i++) await redis.xadd(key, `${i}-0`, { f: String(i) }, { trim });
    expect(await redis.xlen(key)).toBe(3);
    expect(await redis.xrange(key, '-', '+', 2)).toEqual({ '3-0': { f: 3 }, '4-0': { f: 4 } });
    expect(Object.keys(await redis.xrevrange(key, '+', '-'))).toEqual(['5-0', '4-0', '3-0']);
    await redis.xgroup(key, { type: 'CREATE', group: 'g', id: '0' });
    expect(await redis.xgroup(key, { type: 'CREATECONSUMER', group: 'g', consumer: 'c2' })).toBe(1);
    expect(await redis.xreadgroup('g', 'c1', key, '>', { count: 2 })).toEqual([
      [
        key,
        [
          ['3-0', ['f', 3]],
          ['4-0', ['f', 4]],
        ],
      ], // values come back JSON-parsed
    ]);
    expect(await redis.xpending(key, 'g', '-', '+', 10, { consumer: 'c1' })).toHaveLength(2);
    expect(await redis.xclaim(key, 'g', 'c2', 0, '3-0', { justId: true })).toEqual(['3-0']);
    expect(await redis.xautoclaim(key, 'g', 'c2', 0, '0-0', { count: 5, justId: true })).toEqual([
      '0-0',
      ['3-0', '4-0'],
      [],
    ]);
    expect(await redis.xack(key, 'g', ['3-0', '4-0', '5-0'])).toBe(2);
    const groups = (await redis.xinfo(key, { type: 'GROUPS' })) as unknown[][];
    expect(groups[0]).toEqual([
      'name',
      'g',
      'consumers',
      2,
      'pending',
      0,
      'last-delivered-id',
      '4-0',
      'entries-read',
      4,
      'lag',
      1,
    ]);
    expect(await redis.xread(key, '4-0')).toEqual([[key, [['5-0', ['f', 5]]]]]);
    expect(await redis.xdel(key, ['5-0', '9-9'])).toBe(1);
    expect(await redis.xtrim(key, { strategy: 'MAXLEN', threshold: 0 })).toBe(2);
    expect(await redis.type(key)).toBe('stream');
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

  it('queue: a blocking receive gets a message sent while it waits', async () => {
    const receiver = queue('block', {});
    const sender = queue('block', {});
    await sender.sendMessage({ warm: 'up' }); // creates the group
    expect((await receiver.receiveMessage())?.body).toEqual({ warm: 'up' });
    const started = Date.now();
    const waiting = queue('block', {}).receiveMessage<{ n: number }>(5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const id = await sender.sendMessage({ n: 1 });
    expect(await waiting).toEqual({ streamId: id, body: { n: 1 } });
    // Woken by the message, not by the 5 s timeout.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('realtime: subscribe replays the history from the stream, then gets live emits', async () => {
    const realtime = new Realtime({ redis: redis as never, history: true });
    const name = `live-${run}`;
    const channel = realtime.channel(name);
    await channel.emit('note' as never, { n: 1 } as never);
    await channel.emit('note' as never, { n: 2 } as never);
    const events: { data: unknown; cursor: string }[] = [];
    const subscriber = channel as unknown as {
      subscribe(options: {
        events: string[];
        history: boolean;
        onData: (event: { data: unknown; cursor: string }) => void;
      }): Promise<() => void>;
    };
    const unsubscribe = await subscribeRealtime(() =>
      subscriber.subscribe({
        events: ['note'],
        history: true,
        onData: (event) => events.push(event),
      }),
    );
    // The history comes from XRANGE on the channel's stream, before any live message.
    expect(events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    await channel.emit('note' as never, { n: 3 } as never);
    const deadline = Date.now() + 5000;
    while (events.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // Each event's cursor is its stream entry ID, in order.
    expect(events.map((e) => e.cursor)).toEqual(Object.keys(await redis.xrange(name, '-', '+')));
    await unsubscribe();
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

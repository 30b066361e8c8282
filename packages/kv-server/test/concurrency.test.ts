// Many clients at once: every INCR counts exactly once, over REST and over RESP.

import { Redis } from '@upstash/redis';
import { Redis as Valkey } from 'iovalkey';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Running, startEngine, TOKEN } from './servers.ts';

let running: Running;
beforeAll(async () => {
  running = await startEngine();
});
afterAll(() => running?.close());

it('1,000 concurrent INCRs over REST (@upstash/redis) give exactly 1,000', async () => {
  // Several clients, so requests arrive on several connections as well as auto-pipelined.
  const clients = Array.from(
    { length: 10 },
    () => new Redis({ url: running.server.restUrl, token: TOKEN }),
  );
  const replies = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => clients[i % clients.length]!.incr('rest:counter')),
  );
  expect(await clients[0]!.get('rest:counter')).toBe(1000);
  // Every reply is a distinct value: no two INCRs saw the same count.
  expect(new Set(replies).size).toBe(1000);
});

it('1,000 concurrent INCRs over RESP (50 connections) give exactly 1,000', async () => {
  const clients = Array.from({ length: 50 }, () => new Valkey(running.server.respUrl as string));
  try {
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => clients[i % clients.length]!.incr('resp:counter')),
    );
    expect(await clients[0]!.get('resp:counter')).toBe('1000');
    expect(new Set(replies).size).toBe(1000);
  } finally {
    for (const client of clients) client.disconnect();
  }
});

// What every client in the matrix must do against every target, one list: add a scenario here
// and every client runs it in engine mode, forwarding mode and against the real Redis.
// `key(name)` gives a key unique to this client and target; `open()` opens another connection
// of the same client (for a publisher, or the client that wakes a BLPOP).

import { expect } from 'vitest';
import type { Connection } from './adapters.ts';

export interface ScenarioContext {
  conn: Connection;
  key(name: string): string;
  open(): Promise<Connection>;
}

export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<void>;
}

export const scenarios: Scenario[] = [
  {
    name: 'SET/GET/INCR/EXPIRE',
    async run({ conn, key }) {
      await conn.set(key('s'), 'hello');
      expect(await conn.get(key('s'))).toBe('hello');
      expect(await conn.get(key('missing'))).toBeNull();
      expect(await conn.incr(key('n'))).toBe(1);
      expect(await conn.incr(key('n'))).toBe(2);
      await conn.expire(key('s'), 100);
      const ttl = await conn.ttl(key('s'));
      expect(ttl).toBeGreaterThan(90);
      expect(ttl).toBeLessThanOrEqual(100);
    },
  },
  {
    name: 'MULTI/EXEC',
    async run({ conn, key }) {
      const replies = (await conn.multiIncr(key('m'))).map(String);
      expect(replies).toEqual(['1', '2', '2']);
    },
  },
  {
    name: 'SCAN iteration',
    async run({ conn, key }) {
      const names = Array.from({ length: 12 }, (_, i) => key(`scan:${i}`));
      // One MSET: redis-cli runs a process per command.
      await conn.call('MSET', ...names.flatMap((name) => [name, 'x']));
      const found = await conn.scanAll(key('scan:*'));
      expect([...new Set(found)].sort()).toEqual([...names].sort());
    },
  },
  {
    name: 'pub/sub round trip with a pattern',
    async run({ conn, key, open }) {
      const subscriber = await open();
      const got: [string, string][] = [];
      await subscriber.psubscribe(key('news:*'), (channel, message) =>
        got.push([channel, message]),
      );
      expect(await conn.publish(key('news:tech'), 'hello')).toBe(1);
      expect(await conn.publish(key('other'), 'nobody')).toBe(0);
      await until(() => got.length === 1);
      expect(got).toEqual([[key('news:tech'), 'hello']]);
    },
  },
  {
    name: 'BLPOP woken by a push from another client',
    async run({ conn, key, open }) {
      const pusher = await open();
      const waiting = conn.blpop(key('queue'), 5);
      // Give the BLPOP time to block before the push (redis-cli starts a process for it).
      await new Promise((resolve) => setTimeout(resolve, 200));
      await pusher.rpush(key('queue'), 'job');
      expect(await waiting).toEqual([key('queue'), 'job']);
      expect(await conn.blpop(key('queue'), 0.05)).toBeNull();
    },
  },
];

/** Waits until `check` passes (a message arriving on another connection). */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// bullmq over RESP: a Queue and a Worker processing jobs, with retries (fixed backoff), delays
// and priorities, on the engine; in services mode the same against the real Redis (db 11).
// bullmq is a Lua-heavy client (every state change is a script using cmsgpack), so this
// exercises scripting, streams (its events) and blocking commands together.

import { servicesRequested, serviceUrls } from '@workshop/test-support';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdRedisDb, REDIS_DB } from '../redis-db.ts';
import { type Running, startEngine } from '../servers.ts';

const ECOSYSTEM_DB = REDIS_DB.ecosystem;

const targets: [string, () => Promise<{ url: URL; close: () => Promise<void> }>][] = [
  [
    'engine',
    async () => {
      const running: Running = await startEngine();
      return { url: new URL(running.server.respUrl!), close: () => running.close() };
    },
  ],
];
holdRedisDb(ECOSYSTEM_DB, servicesRequested());
if (servicesRequested()) {
  targets.push([
    'real Redis',
    async () => ({ url: new URL(serviceUrls().redis), close: async () => {} }),
  ]);
}

describe.each(targets)('bullmq over RESP (%s)', (_name, start) => {
  let target: { url: URL; close: () => Promise<void> };
  let connection: { host: string; port: number; db: number; maxRetriesPerRequest: null };
  const queueName = `q-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    target = await start();
    connection = {
      host: target.url.hostname,
      port: Number(target.url.port || 6379),
      db: ECOSYSTEM_DB,
      maxRetriesPerRequest: null,
    };
  });
  afterAll(() => target?.close());

  it('processes jobs, retries a failing one, holds a delayed one back', async () => {
    const queue = new Queue(queueName, { connection });
    const processed: { name: string; at: number }[] = [];
    const errors: string[] = [];
    let flakyAttempts = 0;
    const worker = new Worker(
      queueName,
      async (job) => {
        if (job.name === 'flaky' && ++flakyAttempts < 3)
          throw new Error(`attempt ${flakyAttempts}`);
        processed.push({ name: job.name, at: Date.now() });
        return (job.data as { n: number }).n * 2;
      },
      { connection },
    );
    worker.on('error', (error) => errors.push(error.message));
    try {
      const added = Date.now();
      const first = await queue.add('plain', { n: 1 });
      await queue.add('flaky', { n: 2 }, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
      await queue.add('later', { n: 3 }, { delay: 400 });
      const deadline = Date.now() + 10_000;
      while (processed.length < 3 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect(processed.map((p) => p.name).sort()).toEqual(['flaky', 'later', 'plain']);
      expect(flakyAttempts).toBe(3);
      expect(processed.find((p) => p.name === 'later')!.at - added).toBeGreaterThanOrEqual(390);
      const plain = await queue.getJob(first.id!);
      expect(plain?.returnvalue).toBe(2);
      expect(await plain?.getState()).toBe('completed');
      const counts = await queue.getJobCounts(
        'completed',
        'failed',
        'waiting',
        'delayed',
        'active',
      );
      expect(counts).toEqual({ completed: 3, failed: 0, waiting: 0, delayed: 0, active: 0 });
      expect(errors).toEqual([]);
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 20_000);
});

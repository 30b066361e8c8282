// maxmemory over the RESP port, as a learner would try it: redis-cli sets the limit and the
// policy, a client's write loop stays under it and evicted_keys counts. Also the OOM error a
// client sees under noeviction, and CONFIG SET reaching the server's live network limits.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startEngine } from '../servers.ts';

// redis-cli comes with Debian's redis-tools; without it the same commands go through ioredis.
const hasRedisCli = await promisify(execFile)('redis-cli', ['--version']).then(
  () => true,
  () => false,
);

let running: Running;
let client: IORedis;

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  if (!match) throw new Error(`INFO has no ${name}`);
  return Number(match[1]);
}

/** CONFIG SET through redis-cli when it is installed (the scenario), else ioredis. */
async function configSet(...args: string[]): Promise<string> {
  if (hasRedisCli) {
    const port = String(running.server.respPort);
    const { stdout } = await promisify(execFile)('redis-cli', [
      '-p',
      port,
      'CONFIG',
      'SET',
      ...args,
    ]);
    return stdout.trim();
  }
  return String(await client.call('CONFIG', 'SET', ...args));
}

beforeAll(async () => {
  running = await startEngine();
  client = new IORedis({ port: running.server.respPort, lazyConnect: true });
  await client.connect();
});

afterAll(async () => {
  client.disconnect();
  await running.close();
});

describe('maxmemory over RESP', () => {
  it('CONFIG SET maxmemory 50mb + allkeys-lru keeps a write loop under the limit', async () => {
    await client.flushall();
    expect(await configSet('maxmemory', '50mb', 'maxmemory-policy', 'allkeys-lru')).toBe('OK');
    const limit = 50 * 1024 * 1024;
    const value = 'v'.repeat(10_000);
    // 120 MB of writes in batches of 500 pipelined SETs.
    for (let batch = 0; batch < 24; batch++) {
      const pipeline = client.pipeline();
      for (let i = 0; i < 500; i++) pipeline.set(`key:${batch}:${i}`, value);
      const results = await pipeline.exec();
      for (const [error] of results ?? []) expect(error).toBeNull();
      const used = field(await client.info('memory'), 'used_memory');
      // Eviction runs before each command: at most the last write's value over the limit.
      expect(used).toBeLessThanOrEqual(limit + 11_000);
    }
    const stats = await client.info('stats');
    const evicted = field(stats, 'evicted_keys');
    const keys = await client.dbsize();
    expect(evicted).toBeGreaterThan(6000);
    expect(evicted + keys).toBe(12_000);
    expect(keys * 10_000).toBeLessThan(limit);
    const memory = await client.info('memory');
    expect(memory).toMatch(/^maxmemory:52428800\r?$/m);
    expect(memory).toMatch(/^maxmemory_human:50\.00M\r?$/m);
    expect(memory).toMatch(/^maxmemory_policy:allkeys-lru\r?$/m);
    expect(await configSet('maxmemory', '0', 'maxmemory-policy', 'noeviction')).toBe('OK');
  });

  it('noeviction: the client gets the OOM error; reads and deletes still work', async () => {
    await client.flushall();
    for (let i = 0; i < 50; i++) await client.set(`k${i}`, 'x'.repeat(10_000));
    const used = field(await client.info('memory'), 'used_memory');
    expect(await configSet('maxmemory', String(used - 1), 'maxmemory-policy', 'noeviction')).toBe(
      'OK',
    );
    await expect(client.set('more', 'x')).rejects.toThrow(
      "OOM command not allowed when used memory > 'maxmemory'.",
    );
    expect(await client.strlen('k1')).toBe(10_000);
    expect(await client.del('k1', 'k2')).toBe(2);
    expect(await client.set('more', 'x')).toBe('OK');
    expect(await configSet('maxmemory', '0')).toBe('OK');
  });

  it('CONFIG SET timeout and maxclients change the running server', async () => {
    // Redis's 10000, or less where the open-files limit is lower (as Redis does).
    const [, before] = (await client.config('GET', 'maxclients')) as string[];
    expect(Number(before)).toBe(running.server.limits.maxClients);
    expect(await configSet('maxclients', '500', 'timeout', '300')).toBe('OK');
    expect(running.server.limits.maxClients).toBe(500);
    expect(running.server.limits.idleTimeoutMs).toBe(300_000);
    expect(await client.config('GET', 'timeout')).toEqual(['timeout', '300']);
    expect(await client.config('GET', 'port')).toEqual(['port', String(running.server.respPort)]);
    expect(await configSet('maxclients', String(before), 'timeout', '0')).toBe('OK');
    const clients = await client.info('clients');
    expect(field(clients, 'connected_clients')).toBeGreaterThanOrEqual(1);
  });
});

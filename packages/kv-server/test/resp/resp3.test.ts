// RESP3 on the RESP port, engine and forwarding mode, without services: the bytes expected here
// are what Redis 7.0 sends (the differential suite, test/differential/resp3.test.ts, compares
// against a live Redis in services mode).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_DB } from '../redis-db.ts';
import { type Running, startEngine, startForwarding } from '../servers.ts';
import { RawClient, resp3Text } from './raw-client.ts';

describe.each([
  ['engine', () => startEngine()],
  // Services mode: the backend is the real Redis (redis-db.ts).
  ['forwarding', () => startForwarding(REDIS_DB.ecosystem, { respPort: 0 })],
] as const)('RESP3 in %s mode', (_mode, start) => {
  let running: Running;
  let client: RawClient;

  beforeAll(async () => {
    running = await start();
    client = await RawClient.connect(running.server.respUrl as string);
  });
  afterAll(async () => {
    client?.close();
    await running?.close();
  });

  it('HELLO 3 switches the connection, and every reply type follows', async () => {
    expect(resp3Text(await client.call('GET', 'missing'))).toBe('_⏎');
    const before = await client.callRaw('GET', 'missing');
    expect(before.bytes).toBe('$-1⏎');
    const hello = await client.callRaw('HELLO', '3');
    expect(hello.bytes).toMatch(
      /^%7⏎\$6⏎server⏎\$5⏎redis⏎\$7⏎version⏎\$\d+⏎[\d.]+⏎\$5⏎proto⏎:3⏎\$2⏎id⏎:\d+⏎\$4⏎mode⏎\$10⏎standalone⏎\$4⏎role⏎\$6⏎master⏎\$7⏎modules⏎\*0⏎$/,
    );
    await client.call('FLUSHDB');
    const steps: [string[], string][] = [
      [['GET', 'missing'], '_⏎'],
      [['HSET', 'h', 'f', 'v', 'g', 'w'], ':2⏎'],
      [['HGETALL', 'h'], '%2⏎$1⏎f⏎$1⏎v⏎$1⏎g⏎$1⏎w⏎'],
      [['SADD', 's', '2', '1'], ':2⏎'],
      [['SMEMBERS', 's'], '~2⏎$1⏎1⏎$1⏎2⏎'],
      [['ZADD', 'z', '1', 'a', '2.5', 'b', '1.1', 'c'], ':3⏎'],
      [['ZSCORE', 'z', 'b'], ',2.5⏎'],
      [['ZSCORE', 'z', 'c'], ',1.1000000000000001⏎'],
      [['ZMSCORE', 'z', 'a', 'x'], '*2⏎,1⏎_⏎'],
      [['ZRANGE', 'z', '0', '1', 'WITHSCORES'], '*2⏎*2⏎$1⏎a⏎,1⏎*2⏎$1⏎c⏎,1.1000000000000001⏎'],
      [['ZPOPMAX', 'z'], '*2⏎$1⏎b⏎,2.5⏎'],
      [['ZPOPMAX', 'z', '1'], '*1⏎*2⏎$1⏎c⏎,1.1000000000000001⏎'],
      [['ZADD', 'z', 'XX', 'INCR', '1', 'nope'], '_⏎'],
    ];
    for (const [cmd, bytes] of steps) {
      expect((await client.callRaw(...cmd)).bytes, cmd.join(' ')).toBe(bytes);
    }
    await client.call('MULTI');
    await client.call('HGETALL', 'h');
    await client.call('ZSCORE', 'z', 'a');
    expect((await client.callRaw('EXEC')).bytes).toBe('*2⏎%2⏎$1⏎f⏎$1⏎v⏎$1⏎g⏎$1⏎w⏎,1⏎');
  });

  it('HELLO 2 goes back to RESP2', async () => {
    // On its own (the order of tests may be shuffled): RESP3 first, with a hash to read back.
    await client.callRaw('HELLO', '3');
    await client.call('HSET', 'h', 'f', 'v', 'g', 'w');
    const hello = await client.callRaw('HELLO', '2');
    expect(hello.bytes).toMatch(/^\*14⏎\$6⏎server⏎/);
    expect((await client.callRaw('HGETALL', 'h')).bytes).toBe('*4⏎$1⏎f⏎$1⏎v⏎$1⏎g⏎$1⏎w⏎');
    expect((await client.callRaw('GET', 'missing')).bytes).toBe('$-1⏎');
  });
});

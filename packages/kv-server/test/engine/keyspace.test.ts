import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import { engineFixture } from './helpers.ts';

describe('keyspace commands', () => {
  it('DEL/UNLINK/EXISTS count duplicates and missing keys like Redis', () => {
    const { run } = engineFixture();
    run('MSET', 'a', '1', 'b', '2');
    expect(run('EXISTS', 'a', 'a', 'x')).toBe(':2');
    expect(run('DEL', 'a', 'a', 'x')).toBe(':1');
    expect(run('UNLINK', 'b')).toBe(':1');
    expect(run('DBSIZE')).toBe(':0');
    expect(run('DEL')).toBe("-ERR wrong number of arguments for 'del' command");
  });

  it('TYPE answers a simple string', () => {
    const { run } = engineFixture();
    run('SET', 's', 'v');
    expect(run('TYPE', 's')).toBe('+string');
    expect(run('TYPE', 'nope')).toBe('+none');
  });

  it('KEYS filters with globs and skips expired keys', () => {
    const { run, clock } = engineFixture();
    run('MSET', 'user:1', 'a', 'user:2', 'b', 'other', 'c');
    run('PEXPIRE', 'user:2', '10');
    expect(run('KEYS', 'user:*')).toEqual(['$"user:1"', '$"user:2"']);
    clock.now += 10;
    expect(run('KEYS', 'user:*')).toEqual(['$"user:1"']);
    expect(run('KEYS', '*')).toEqual(['$"user:1"', '$"other"']);
  });

  it('SCAN walks everything with MATCH, COUNT and TYPE, and ends with cursor 0', () => {
    const { run, raw } = engineFixture();
    for (let i = 0; i < 25; i++) run('SET', `k${i}`, 'v');
    run('RPUSH', 'list', 'x');
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const [next, keys] = raw('SCAN', cursor, 'COUNT', '10', 'TYPE', 'string') as [
        Buffer,
        Buffer[],
      ];
      cursor = next.toString();
      seen.push(...keys.map(String));
      calls++;
    } while (cursor !== '0');
    expect(calls).toBe(3);
    expect(seen.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `k${i}`).sort());
    expect(run('SCAN', '0', 'MATCH', 'k1?', 'COUNT', '100')).toEqual([
      '$"0"',
      Array.from({ length: 10 }, (_, i) => `$"k1${i}"`),
    ]);
    expect(run('SCAN', 'abc')).toBe('-ERR invalid cursor');
    expect(run('SCAN', '0', 'COUNT', '0')).toBe('-ERR syntax error');
  });

  it('SCAN cursors are bounded: an evicted or invented cursor restarts the walk', () => {
    const { run, raw, engine } = engineFixture();
    for (let i = 0; i < 5; i++) run('SET', `k${i}`, 'v');
    for (let i = 0; i < 1100; i++) raw('SCAN', '0', 'COUNT', '1');
    expect(engine.cursors.size).toBeLessThanOrEqual(1000);
    const [, keys] = raw('SCAN', '987654321', 'COUNT', '100') as [Buffer, Buffer[]];
    expect(keys.length).toBe(5);
  });

  it('RENAME moves the TTL; RENAMENX refuses an existing target', () => {
    const { run } = engineFixture();
    expect(run('RENAME', 'a', 'b')).toBe('-ERR no such key');
    run('SET', 'a', '1', 'PX', '5000');
    expect(run('RENAME', 'a', 'b')).toBe('+OK');
    expect(run('PTTL', 'b')).toBe(':5000');
    run('SET', 'c', '3');
    expect(run('RENAMENX', 'b', 'c')).toBe(':0');
    expect(run('RENAMENX', 'b', 'b')).toBe(':0');
    expect(run('RENAMENX', 'b', 'd')).toBe(':1');
  });

  it('EXPIRE family: NX/XX/GT/LT, past times delete, overflow errors', () => {
    const { run, clock } = engineFixture();
    run('SET', 'k', 'v');
    expect(run('EXPIRE', 'k', '10', 'XX')).toBe(':0');
    expect(run('EXPIRE', 'k', '10', 'GT')).toBe(':0');
    expect(run('EXPIRE', 'k', '10', 'NX')).toBe(':1');
    expect(run('EXPIRE', 'k', '5', 'GT')).toBe(':0');
    expect(run('EXPIRE', 'k', '20', 'GT')).toBe(':1');
    expect(run('EXPIRE', 'k', '30', 'LT')).toBe(':0');
    expect(run('PEXPIRE', 'k', '1500', 'LT')).toBe(':1');
    expect(run('PTTL', 'k')).toBe(':1500');
    expect(run('PEXPIRETIME', 'k')).toBe(`:${clock.now + 1500}`);
    expect(run('EXPIRE', 'k', '1', 'NX', 'GT')).toBe(
      '-ERR NX and XX, GT or LT options at the same time are not compatible',
    );
    expect(run('EXPIRE', 'k', '1', 'bogus')).toBe('-ERR Unsupported option bogus');
    expect(run('EXPIRE', 'k', '9223372036854775807')).toBe(
      "-ERR invalid expire time in 'expire' command",
    );
    expect(run('PERSIST', 'k')).toBe(':1');
    expect(run('TTL', 'k')).toBe(':-1');
    expect(run('PEXPIREAT', 'k', String(clock.now))).toBe(':1');
    expect(run('TTL', 'k')).toBe(':-2');
  });

  it('RANDOMKEY returns live keys only', () => {
    const { run, clock } = engineFixture();
    expect(run('RANDOMKEY')).toBe('$nil');
    run('SET', 'gone', 'v', 'PX', '1');
    run('SET', 'stays', 'v');
    clock.now += 5;
    for (let i = 0; i < 20; i++) expect(run('RANDOMKEY')).toBe('$"stays"');
  });
});

describe('expiry and memory', () => {
  it('the background cycle deletes expired keys nobody reads, fairly, and returns memory', () => {
    const { run, engine, clock } = engineFixture();
    for (let i = 0; i < 5000; i++) run('SET', `t${i}`, 'v', 'PX', '100');
    for (let i = 0; i < 5000; i++) run('SET', `p${i}`, 'v', 'PX', '1000000');
    clock.now += 200;
    expect(engine.db.size).toBe(10_000);
    // Each cycle is bounded; repeated cycles get through all of them.
    let cycles = 0;
    while (engine.db.size > 5000 && cycles < 100) {
      engine.expiryCycle();
      cycles++;
    }
    expect(engine.db.size).toBe(5000);
    expect(engine.db.expiresCount).toBe(5000);
  });

  it('sweeps are fair: expired keys behind many live ones are reached', () => {
    const { run, engine, clock } = engineFixture();
    for (let i = 0; i < 1000; i++) run('SET', `live${i}`, 'v', 'EX', '1000');
    run('SET', 'late', 'v', 'PX', '10');
    clock.now += 20;
    let deleted = 0;
    for (let i = 0; i < 10; i++) deleted += engine.db.sweepExpired(200);
    expect(deleted).toBe(1);
    expect(engine.db.size).toBe(1000);
  });

  it('startExpiryCycle runs on a timer (real clock) and stop() ends it', async () => {
    const engine = createEngine({ expiryIntervalMs: 10 });
    const session = engine.createSession();
    engine.execute(
      session,
      ['SET', 'x', 'v', 'PX', '5'].map((a) => Buffer.from(a)),
    );
    engine.startExpiryCycle();
    await new Promise((r) => setTimeout(r, 80));
    engine.stop();
    expect(engine.db.size).toBe(0);
  });
});

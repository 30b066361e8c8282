import { describe, expect, it } from 'vitest';
import { ClientInfo } from '../../src/engine/clients.ts';
import type { Reply } from '../../src/protocol/reply.ts';
import { engineHandler } from '../../src/resp/engine-handler.ts';
import { show } from '../differential/harness.ts';
import { engineFixture } from './helpers.ts';

const fields = (n: number) => Array.from({ length: n }, (_, i) => [`f${i}`, 'v']).flat();

describe('OBJECT', () => {
  it('a hash is a listpack up to 128 entries, then a hashtable for good', () => {
    const { run } = engineFixture();
    run('HSET', 'h', ...fields(128));
    expect(run('OBJECT', 'ENCODING', 'h')).toBe('$"listpack"');
    run('HSET', 'h', 'one-more', 'v');
    expect(run('OBJECT', 'ENCODING', 'h')).toBe('$"hashtable"');
    run('HDEL', 'h', 'one-more', 'f0', 'f1');
    expect(run('OBJECT', 'ENCODING', 'h')).toBe('$"hashtable"');
  });

  it('strings, lists, sets, missing keys', () => {
    const { run } = engineFixture();
    run('SET', 'i', '42');
    run('SET', 's', 'short');
    run('SET', 'r', 'x'.repeat(45));
    run('RPUSH', 'l', 'a');
    run('SADD', 'si', '1', '2');
    run('SADD', 'ss', 'a');
    expect(run('OBJECT', 'ENCODING', 'i')).toBe('$"int"');
    expect(run('OBJECT', 'REFCOUNT', 'i')).toBe(':2147483647');
    expect(run('OBJECT', 'ENCODING', 's')).toBe('$"embstr"');
    expect(run('OBJECT', 'REFCOUNT', 's')).toBe(':1');
    expect(run('OBJECT', 'ENCODING', 'r')).toBe('$"raw"');
    expect(run('OBJECT', 'ENCODING', 'l')).toBe('$"quicklist"');
    expect(run('OBJECT', 'ENCODING', 'si')).toBe('$"intset"');
    expect(run('OBJECT', 'ENCODING', 'ss')).toBe('$"hashtable"');
    expect(run('OBJECT', 'ENCODING', 'nope')).toBe('$nil');
  });

  it('IDLETIME counts seconds since the last access and OBJECT itself is no access', () => {
    const { run, clock } = engineFixture();
    run('SET', 's', 'v');
    clock.now += 5_000;
    run('OBJECT', 'ENCODING', 's');
    clock.now += 5_000;
    // The LRU clock moves with the engine's clock before each command.
    const idle = run('OBJECT', 'IDLETIME', 's') as string;
    expect(Number(idle.slice(1))).toBeGreaterThanOrEqual(9);
    run('GET', 's');
    expect(run('OBJECT', 'IDLETIME', 's')).toBe(':0');
    expect(String(run('OBJECT', 'FREQ', 's'))).toMatch(
      /^-ERR An LFU maxmemory policy is not selected/,
    );
  });

  it('FREQ under an LFU policy (and IDLETIME refuses then)', () => {
    const { run } = engineFixture();
    expect(run('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu')).toBe('+OK');
    run('SET', 's', 'v');
    for (let i = 0; i < 20; i++) run('GET', 's');
    const freq = Number(String(run('OBJECT', 'FREQ', 's')).slice(1));
    // LFU_INIT_VAL is 5; twenty reads raise the logarithmic counter a little, never by 20.
    expect(freq).toBeGreaterThanOrEqual(5);
    expect(freq).toBeLessThan(25);
    expect(String(run('OBJECT', 'IDLETIME', 's'))).toMatch(
      /^-ERR An LFU maxmemory policy is selected, idle time not tracked/,
    );
  });

  it("each key keeps its own access data, across the keyspace's storage chunks", () => {
    // Values and access data are stored in chunks of different sizes (8,192 and 65,536 slots):
    // keys on both sides of each boundary, and a freed slot taken again, must not share.
    const { run, clock } = engineFixture();
    const keys = 140_000;
    for (let i = 0; i < keys; i++) run('SET', `k${i}`, `v${i}`);
    clock.now += 10_000;
    const touched = [0, 8_191, 8_192, 65_535, 65_536, 131_072, keys - 1];
    for (const i of touched) expect(run('GET', `k${i}`)).toBe(`$"v${i}"`);
    for (const i of [1, 8_190, 8_193, 65_534, 65_537, 131_071]) {
      expect(run('OBJECT', 'IDLETIME', `k${i}`), `k${i}`).toBe(':10');
    }
    for (const i of touched) expect(run('OBJECT', 'IDLETIME', `k${i}`), `k${i}`).toBe(':0');
    // A deleted key's slot goes to the next new key, with a fresh access time and its own value.
    run('DEL', 'k65536');
    clock.now += 5_000;
    run('SET', 'new', 'fresh');
    expect(run('OBJECT', 'IDLETIME', 'new')).toBe(':0');
    expect(run('GET', 'new')).toBe('$"fresh"');
    expect(run('OBJECT', 'IDLETIME', 'k65535')).toBe(':5');
  });
});

describe('CLIENT NO-TOUCH', () => {
  it("a no-touch connection's reads leave the idle time alone; TOUCH still touches", () => {
    const { engine, clock } = engineFixture();
    const connection = engineHandler(engine, new ClientInfo(1, '127.0.0.1:1', '127.0.0.1:2'));
    const run = (...argv: string[]) =>
      show(connection.execute(argv.map((a) => Buffer.from(a))) as Reply);
    run('SET', 'k', 'v');
    run('CLIENT', 'NO-TOUCH', 'on');
    clock.now += 100_000;
    run('GET', 'k');
    expect(Number(String(run('OBJECT', 'IDLETIME', 'k')).slice(1))).toBeGreaterThanOrEqual(99);
    run('TOUCH', 'k');
    expect(run('OBJECT', 'IDLETIME', 'k')).toBe(':0');
    run('CLIENT', 'NO-TOUCH', 'off');
    clock.now += 100_000;
    run('GET', 'k');
    expect(run('OBJECT', 'IDLETIME', 'k')).toBe(':0');
    connection.close();
  });
});

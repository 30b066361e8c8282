import { describe, expect, it } from 'vitest';
import { HashValue } from '../../src/engine/commands/hashes.ts';
import { collectionRestorers } from '../../src/engine/restorers.ts';
import { engineFixture } from './helpers.ts';

describe('hash commands', () => {
  it('HSET counts new fields only; replies keep insertion order', () => {
    const { run } = engineFixture();
    expect(run('HSET', 'h', 'b', '1', 'a', '2')).toBe(':2');
    expect(run('HSET', 'h', 'b', '3', 'c', '4')).toBe(':1');
    expect(run('HGETALL', 'h')).toEqual(['$"b"', '$"3"', '$"a"', '$"2"', '$"c"', '$"4"']);
    expect(run('HKEYS', 'h')).toEqual(['$"b"', '$"a"', '$"c"']);
    expect(run('HVALS', 'h')).toEqual(['$"3"', '$"2"', '$"4"']);
    expect(run('HMSET', 'h', 'd', '5')).toBe('+OK');
    expect(run('HSET', 'h', 'odd')).toBe("-ERR wrong number of arguments for 'hset' command");
    expect(run('HMSET', 'h', 'a', '1', 'b')).toBe(
      "-ERR wrong number of arguments for 'hmset' command",
    );
    expect(run('HLEN', 'h')).toBe(':4');
  });

  it('reads of missing fields and keys', () => {
    const { run } = engineFixture();
    run('HSET', 'h', 'f', 'v');
    expect(run('HGET', 'h', 'nope')).toBe('$nil');
    expect(run('HGET', 'nope', 'f')).toBe('$nil');
    expect(run('HMGET', 'h', 'f', 'nope')).toEqual(['$"v"', '$nil']);
    expect(run('HMGET', 'nope', 'a', 'b')).toEqual(['$nil', '$nil']);
    expect(run('HGETALL', 'nope')).toEqual([]);
    expect(run('HEXISTS', 'h', 'f')).toBe(':1');
    expect(run('HEXISTS', 'h', 'g')).toBe(':0');
    expect(run('HSTRLEN', 'h', 'f')).toBe(':1');
    expect(run('HSTRLEN', 'h', 'g')).toBe(':0');
    expect(run('HLEN', 'nope')).toBe(':0');
  });

  it('HSETNX and HDEL; deleting the last field deletes the key', () => {
    const { run } = engineFixture();
    expect(run('HSETNX', 'h', 'f', '1')).toBe(':1');
    expect(run('HSETNX', 'h', 'f', '2')).toBe(':0');
    expect(run('HGET', 'h', 'f')).toBe('$"1"');
    expect(run('HDEL', 'h', 'f', 'f', 'nope')).toBe(':1');
    expect(run('EXISTS', 'h')).toBe(':0');
    expect(run('HDEL', 'h', 'f')).toBe(':0');
  });

  it('HINCRBY: int64 arithmetic, overflow and non-integer values', () => {
    const { run, raw } = engineFixture();
    expect(run('HINCRBY', 'h', 'n', '5')).toBe(':5');
    expect(run('HINCRBY', 'h', 'n', '-7')).toBe(':-2');
    run('HSET', 'h', 'big', '9223372036854775806');
    expect(raw('HINCRBY', 'h', 'big', '1')).toBe(9223372036854775807n);
    expect(run('HINCRBY', 'h', 'big', '1')).toBe('-ERR increment or decrement would overflow');
    expect(run('HGET', 'h', 'big')).toBe('$"9223372036854775807"');
    run('HSET', 'h', 's', 'abc');
    expect(run('HINCRBY', 'h', 's', '1')).toBe('-ERR hash value is not an integer');
    expect(run('HINCRBY', 'h', 'n', '1.5')).toBe('-ERR value is not an integer or out of range');
  });

  it('HINCRBYFLOAT computes in long double and prints like Redis', () => {
    const { run } = engineFixture();
    expect(run('HINCRBYFLOAT', 'h', 'f', '1.1')).toBe('$"1.1"');
    // A double would give 1.3000000000000003; Redis's long double gives 1.3.
    expect(run('HINCRBYFLOAT', 'h', 'f', '0.2')).toBe('$"1.3"');
    // ...whose 17 printed decimals show the rounding of 1.3 in 64 bits (as Redis 7.0 prints).
    expect(run('HINCRBYFLOAT', 'h', 'f', '5.0e3')).toBe('$"5001.29999999999999982"');
    expect(run('HINCRBYFLOAT', 'h', 'f', 'inf')).toBe('-ERR value is NaN or Infinity');
    expect(run('HINCRBYFLOAT', 'h', 'f', 'abc')).toBe('-ERR value is not a valid float');
    run('HSET', 'h', 's', 'abc');
    expect(run('HINCRBYFLOAT', 'h', 's', '1')).toBe('-ERR hash value is not a float');
    run('HSET', 'h', 'max', '1.18973149535723176502e+4932');
    expect(run('HINCRBYFLOAT', 'h', 'max', '1.18973149535723176502e+4932')).toBe(
      '-ERR increment would produce NaN or Infinity',
    );
  });

  it('HSCAN returns a small hash whole; a big one page by page, every field once', () => {
    const { run } = engineFixture();
    run('HSET', 'small', 'a', '1', 'b', '2', 'ab', '3');
    expect(run('HSCAN', 'small', '0', 'COUNT', '1')).toEqual([
      '$"0"',
      ['$"a"', '$"1"', '$"b"', '$"2"', '$"ab"', '$"3"'],
    ]);
    expect(run('HSCAN', 'small', '0', 'MATCH', 'a*')).toEqual([
      '$"0"',
      ['$"a"', '$"1"', '$"ab"', '$"3"'],
    ]);
    expect(run('HSCAN', 'small', '0', 'COUNT', '0')).toBe('-ERR syntax error');
    expect(run('HSCAN', 'small', 'x')).toBe('-ERR invalid cursor');
    expect(run('HSCAN', 'nope', '0')).toEqual(['$"0"', []]);

    for (let i = 0; i < 300; i++) run('HSET', 'big', `f${i}`, `v${i}`);
    const seen = new Map<string, string>();
    let cursor = '0';
    let pages = 0;
    do {
      const [next, items] = run('HSCAN', 'big', cursor, 'COUNT', '50') as [string, string[]];
      cursor = JSON.parse(next.slice(1));
      for (let i = 0; i < items.length; i += 2) {
        seen.set(JSON.parse(items[i]!.slice(1)), JSON.parse(items[i + 1]!.slice(1)));
      }
      // Fields added mid-scan do not break the walk.
      if (pages === 1) run('HSET', 'big', 'late', 'x');
      pages++;
    } while (cursor !== '0');
    expect(pages).toBeGreaterThan(5);
    for (let i = 0; i < 300; i++) expect(seen.get(`f${i}`)).toBe(`v${i}`);
  });

  it('HRANDFIELD: distinct fields for a positive count, repeats for a negative one', () => {
    const { run } = engineFixture();
    run('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    const distinct = run('HRANDFIELD', 'h', '2') as string[];
    expect(new Set(distinct).size).toBe(2);
    expect((run('HRANDFIELD', 'h', '10') as string[]).sort()).toEqual(['$"a"', '$"b"', '$"c"']);
    const repeated = run('HRANDFIELD', 'h', '-10') as string[];
    expect(repeated).toHaveLength(10);
    for (const field of repeated) expect(['$"a"', '$"b"', '$"c"']).toContain(field);
    const withValues = run('HRANDFIELD', 'h', '-2', 'WITHVALUES') as string[];
    expect(withValues).toHaveLength(4);
    expect(run('HRANDFIELD', 'h', '1', 'WITHVALUE')).toBe('-ERR syntax error');
    expect(['$"a"', '$"b"', '$"c"']).toContain(run('HRANDFIELD', 'h'));
    expect(run('HRANDFIELD', 'nope')).toBe('$nil');
  });

  it('binary-safe fields and values', () => {
    const { raw } = engineFixture();
    const field = Buffer.from([0, 0xff, 0x80]);
    const value = Buffer.from([0xc3, 0x28, 0]);
    expect(raw('HSET', 'h', field, value)).toBe(1);
    expect((raw('HGET', 'h', field) as Buffer).equals(value)).toBe(true);
    expect(raw('HSTRLEN', 'h', field)).toBe(3);
  });

  it('every hash command refuses a key of another type', () => {
    const { run } = engineFixture();
    run('SET', 'str', 'v');
    for (const cmd of [
      ['HSET', 'str', 'f', 'v'],
      ['HGET', 'str', 'f'],
      ['HMGET', 'str', 'f'],
      ['HGETALL', 'str'],
      ['HDEL', 'str', 'f'],
      ['HLEN', 'str'],
      ['HINCRBY', 'str', 'f', '1'],
      ['HINCRBYFLOAT', 'str', 'f', '1'],
      ['HSCAN', 'str', '0'],
      ['HRANDFIELD', 'str'],
    ]) {
      expect(run(...cmd), cmd.join(' ')).toMatch(/^-WRONGTYPE /);
    }
  });

  it('keeps its compact (listpack) flag through a snapshot', () => {
    const hash = new HashValue([['f', 'x'.repeat(65)]]);
    expect(hash.compact).toBe(false);
    const restored = collectionRestorers.get('hash')?.(hash.toSnapshot()) as HashValue;
    expect(restored.compact).toBe(false);
    expect([...restored.fields]).toEqual([['f', 'x'.repeat(65)]]);
  });
});

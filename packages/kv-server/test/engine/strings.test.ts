import { describe, expect, it } from 'vitest';
import { engineFixture } from './helpers.ts';

describe('string commands', () => {
  it('SET/GET round-trip binary values and keep reply types', () => {
    const { run, raw } = engineFixture();
    const bytes = Buffer.from([0, 255, 128, 13, 10]);
    expect(run('SET', bytes, bytes)).toBe('+OK');
    expect((raw('GET', bytes) as Buffer).equals(bytes)).toBe(true);
    expect(run('GET', 'missing')).toBe('$nil');
    expect(run('SET', 'n', 5)).toBe('+OK');
    expect(run('GET', 'n')).toBe('$"5"');
    expect(run('STRLEN', bytes)).toBe(':5');
  });

  it('SET options: NX, XX, GET, and expiry with an injected clock', () => {
    const { run, clock } = engineFixture();
    expect(run('SET', 'k', 'a', 'NX')).toBe('+OK');
    expect(run('SET', 'k', 'b', 'NX')).toBe('$nil');
    expect(run('SET', 'k', 'b', 'XX', 'GET')).toBe('$"a"');
    expect(run('SET', 'k', 'c', 'NX', 'XX')).toBe('-ERR syntax error');
    expect(run('SET', 'k', 'c', 'EX', '0')).toBe("-ERR invalid expire time in 'set' command");
    expect(run('SET', 'k', 'c', 'PX', '1500')).toBe('+OK');
    expect(run('PTTL', 'k')).toBe(':1500');
    expect(run('TTL', 'k')).toBe(':2'); // rounded, as Redis
    expect(run('SET', 'k', 'd', 'KEEPTTL')).toBe('+OK');
    expect(run('PTTL', 'k')).toBe(':1500');
    clock.now += 1499;
    expect(run('GET', 'k')).toBe('$"d"');
    clock.now += 1;
    expect(run('GET', 'k')).toBe('$nil');
    expect(run('SET', 'k', 'e', 'EXAT', String(Math.floor(clock.now / 1000) + 10))).toBe('+OK');
    expect(run('EXPIRETIME', 'k')).toBe(`:${Math.floor(clock.now / 1000) + 10}`);
    expect(run('SET', 'k', 'f', 'PXAT', String(clock.now - 1))).toBe('+OK');
    expect(run('EXISTS', 'k')).toBe(':0');
    expect(run('SET', 'k', 'f', 'GET', 'PERSIST')).toBe('-ERR syntax error');
  });

  it('GETEX sets, replaces and removes a TTL; GETDEL/GETSET', () => {
    const { run, clock } = engineFixture();
    run('SET', 'k', 'v');
    expect(run('GETEX', 'k', 'PX', '100')).toBe('$"v"');
    expect(run('PTTL', 'k')).toBe(':100');
    expect(run('GETEX', 'k', 'PERSIST')).toBe('$"v"');
    expect(run('TTL', 'k')).toBe(':-1');
    expect(run('GETEX', 'k', 'PXAT', String(clock.now))).toBe('$"v"');
    expect(run('GET', 'k')).toBe('$nil');
    run('SET', 'k', 'v', 'EX', '100');
    expect(run('GETSET', 'k', 'w')).toBe('$"v"');
    expect(run('TTL', 'k')).toBe(':-1');
    expect(run('GETDEL', 'k')).toBe('$"w"');
    expect(run('GETDEL', 'k')).toBe('$nil');
  });

  it('counters: INCR family, int64 limits, overflow and TTL kept', () => {
    const { run } = engineFixture();
    expect(run('INCR', 'c')).toBe(':1');
    expect(run('INCRBY', 'c', '-11')).toBe(':-10');
    expect(run('DECRBY', 'c', '-9223372036854775808')).toBe('-ERR decrement would overflow');
    run('SET', 'max', '9223372036854775806');
    expect(run('INCR', 'max')).toBe(':9223372036854775807');
    expect(run('INCR', 'max')).toBe('-ERR increment or decrement would overflow');
    run('SET', 'bad', '1 ');
    expect(run('INCR', 'bad')).toBe('-ERR value is not an integer or out of range');
    run('SET', 't', '1', 'EX', '50');
    run('INCR', 't');
    expect(run('TTL', 't')).toBe(':50');
    run('RPUSH', 'l', 'x');
    expect(run('INCR', 'l')).toBe(
      '-WRONGTYPE Operation against a key holding the wrong kind of value',
    );
  });

  it('INCRBYFLOAT prints like Redis (long double, %.17Lf trimmed)', () => {
    const { run } = engineFixture();
    expect(run('INCRBYFLOAT', 'f', '0.1')).toBe('$"0.1"');
    expect(run('INCRBYFLOAT', 'f', '0.2')).toBe('$"0.3"');
    run('SET', 'g', '10000000000');
    expect(run('INCRBYFLOAT', 'g', '0.1')).toBe('$"10000000000.09999999962747097"');
    expect(run('INCRBYFLOAT', 'g', 'inf')).toBe('-ERR increment would produce NaN or Infinity');
    expect(run('INCRBYFLOAT', 'g', 'nan')).toBe('-ERR value is not a valid float');
    expect(run('INCRBYFLOAT', 'h', '1e-5000')).toBe('-ERR value is not a valid float');
    expect(run('INCRBYFLOAT', 'h', '-0')).toBe('$"0"');
  });

  it('APPEND, GETRANGE, SETRANGE with padding and the 512 MB limit', () => {
    const { run } = engineFixture();
    expect(run('APPEND', 'a', 'abc')).toBe(':3');
    expect(run('GETRANGE', 'a', '-2', '-1')).toBe('$"bc"');
    expect(run('GETRANGE', 'a', '-1', '-2')).toBe('$""');
    expect(run('SETRANGE', 'p', '3', 'x')).toBe(':4');
    expect(run('GET', 'p')).toBe(`$${JSON.stringify('\0\0\0x')}`);
    expect(run('SETRANGE', 'p', '536870912', 'x')).toBe(
      '-ERR string exceeds maximum allowed size (proto-max-bulk-len)',
    );
    expect(run('SETRANGE', 'p', '-1', 'x')).toBe('-ERR offset is out of range');
  });

  it('MSET needs pairs; MSETNX is all or nothing', () => {
    const { run } = engineFixture();
    expect(run('MSET', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'mset' command");
    expect(run('MSETNX', 'a', '1', 'b', '2')).toBe(':1');
    expect(run('MSETNX', 'b', '3', 'c', '4')).toBe(':0');
    expect(run('MGET', 'a', 'b', 'c')).toEqual(['$"1"', '$"2"', '$nil']);
  });
});

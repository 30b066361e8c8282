// OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ and their thresholds, engine vs real Redis 7.0.

import { it } from 'vitest';
import { describeDifferential, useDifferential } from './harness.ts';

const diff = useDifferential();

const many = (n: number, f: (i: number) => string[]) =>
  Array.from({ length: n }, (_, i) => f(i)).flat();

describeDifferential('differential: OBJECT', () => {
  it('string encodings: int, embstr, raw; refcount of shared integers', () =>
    diff.expectSame([
      ['SET', 'i', '123'],
      ['OBJECT', 'ENCODING', 'i'],
      ['OBJECT', 'REFCOUNT', 'i'],
      ['SET', 'neg', '-5'],
      ['OBJECT', 'ENCODING', 'neg'],
      ['OBJECT', 'REFCOUNT', 'neg'],
      ['SET', 'big', '99999'],
      ['OBJECT', 'REFCOUNT', 'big'],
      ['SET', 'lead', '01'],
      ['OBJECT', 'ENCODING', 'lead'],
      ['SET', 'huge', '12345678901234567890'],
      ['OBJECT', 'ENCODING', 'huge'],
      ['SET', 'e', 'x'.repeat(44)],
      ['OBJECT', 'ENCODING', 'e'],
      ['SET', 'r', 'x'.repeat(45)],
      ['OBJECT', 'ENCODING', 'r'],
      ['INCR', 'cnt'],
      ['OBJECT', 'ENCODING', 'cnt'],
      // In place: APPEND to an existing string and SETRANGE make it raw, until it is set again.
      ['APPEND', 'new', '12'],
      ['OBJECT', 'ENCODING', 'new'],
      ['APPEND', 'new', '3'],
      ['OBJECT', 'ENCODING', 'new'],
      ['SET', 'new', '5'],
      ['OBJECT', 'ENCODING', 'new'],
      ['SETRANGE', 'sr', '0', 'ab'],
      ['OBJECT', 'ENCODING', 'sr'],
      ['SETRANGE', 'sr', '0', ''],
      ['OBJECT', 'ENCODING', 'sr'],
      ['DEL', 'sr'],
      ['SET', 'sr', 'x'],
      ['OBJECT', 'ENCODING', 'sr'],
      ['SETBIT', 'bits', '7', '1'],
      ['OBJECT', 'ENCODING', 'bits'],
      ['SET', 'bits2', 'a'],
      ['SETBIT', 'bits2', '1', '1'],
      ['OBJECT', 'ENCODING', 'bits2'],
      ['BITOP', 'OR', 'dest', 'bits', 'bits2'],
      ['OBJECT', 'ENCODING', 'dest'],
      ['SET', 'bf', 'a'],
      ['BITFIELD', 'bf', 'GET', 'u4', '0'],
      ['OBJECT', 'ENCODING', 'bf'],
      ['BITFIELD', 'bf', 'SET', 'u4', '0', '6'],
      ['OBJECT', 'ENCODING', 'bf'],
      ['OBJECT', 'ENCODING', 'missing'],
      ['OBJECT', 'REFCOUNT', 'missing'],
      // Not the shared integer: its access time is whenever any key last used it.
      ['OBJECT', 'IDLETIME', 'e'],
      ['OBJECT', 'FREQ', 'e'],
      ['OBJECT', 'NOPE', 'i'],
      ['OBJECT', 'ENCODING'],
      ['OBJECT', 'ENCODING', 'a', 'b'],
      ['OBJECT', 'HELP'],
    ]));

  // The engine keeps a hash as a listpack up to 128 fields, the value redis.conf ships; a
  // redis-server started without a config file uses its compiled-in 512. Compare under 128.
  it('collections: listpack, intset, quicklist, and the one-way conversions', async () => {
    const setting = 'hash-max-listpack-entries';
    const before = await diff.redis.call('CONFIG', 'GET', setting);
    const value = Array.isArray(before) ? String(before[1]) : '128';
    if (value !== '128') await diff.redis.call('CONFIG', 'SET', setting, '128');
    try {
      await diff.expectSame([
        ['RPUSH', 'l', 'a'],
        ['OBJECT', 'ENCODING', 'l'],
        ['HSET', 'h', 'f', 'v'],
        ['OBJECT', 'ENCODING', 'h'],
        ['HSET', 'h', 'long', 'v'.repeat(65)],
        ['OBJECT', 'ENCODING', 'h'],
        ['HDEL', 'h', 'long'],
        ['OBJECT', 'ENCODING', 'h'],
        ['HSET', 'h2', ...many(128, (i) => [`f${i}`, 'v'])],
        ['OBJECT', 'ENCODING', 'h2'],
        ['HSET', 'h2', 'one-more', 'v'],
        ['OBJECT', 'ENCODING', 'h2'],
        ['SADD', 'si', ...many(512, (i) => [String(i)])],
        ['OBJECT', 'ENCODING', 'si'],
        ['SADD', 'si', '512'],
        ['OBJECT', 'ENCODING', 'si'],
        ['SADD', 'ss', 'a'],
        ['OBJECT', 'ENCODING', 'ss'],
        ['SADD', 'mixed', '1', '2'],
        ['SADD', 'mixed', 'x'],
        ['SREM', 'mixed', 'x'],
        ['OBJECT', 'ENCODING', 'mixed'],
        ['ZADD', 'z', '1', 'a'],
        ['OBJECT', 'ENCODING', 'z'],
        ['ZADD', 'z', '2', 'm'.repeat(65)],
        ['OBJECT', 'ENCODING', 'z'],
        ['ZADD', 'z2', ...many(128, (i) => [String(i), `m${i}`])],
        ['OBJECT', 'ENCODING', 'z2'],
        ['ZADD', 'z2', '0', 'one-more'],
        ['OBJECT', 'ENCODING', 'z2'],
        ['ZREM', 'z2', 'one-more'],
        ['OBJECT', 'ENCODING', 'z2'],
      ]);
    } finally {
      if (value !== '128') await diff.redis.call('CONFIG', 'SET', setting, value);
    }
  });
});

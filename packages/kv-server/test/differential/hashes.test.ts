// Hash commands, engine vs real Redis: every command, option and error, exact replies.

import { it } from 'vitest';
import { HASH_KEYS, randomHashCommand } from './generators-hashes.ts';
import { randomSequence, scanUnordered } from './generators-shared.ts';
import { describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

/** What each key holds at the end, so a divergence that no reply showed still fails. */
function finalState(key: string): Step[] {
  return [{ cmd: ['TYPE', key] }, { cmd: ['HGETALL', key] }];
}

describeDifferential('differential: hashes', () => {
  it('HSET HMSET HGET HMGET HGETALL HKEYS HVALS HLEN HSETNX HEXISTS HSTRLEN HDEL', () =>
    diff.expectSame([
      ['hset', 'h', 'f1', 'v1', 'f2', 'v2'],
      ['hset', 'h', 'f1', 'x', 'f3', 'v3'],
      ['hset', 'h', 'f1'],
      ['hset', 'h', 'f1', 'v', 'f2'],
      ['hmset', 'h', 'f1'],
      ['hmset', 'h', 'a', '1', 'b', '2'],
      ['hgetall', 'h'],
      ['hkeys', 'h'],
      ['hvals', 'h'],
      ['hlen', 'h'],
      ['hlen', 'noh'],
      ['hget', 'h', 'f1'],
      ['hget', 'h', 'nope'],
      ['hget', 'noh', 'f1'],
      ['hmget', 'h', 'f1', 'nope', 'a'],
      ['hmget', 'noh', 'f1', 'nope'],
      ['hsetnx', 'h', 'f1', 'zz'],
      ['hsetnx', 'h', 'new', 'zz'],
      ['hsetnx', 'noh2', 'new', 'zz'],
      ['hexists', 'h', 'f1'],
      ['hexists', 'h', 'nope'],
      ['hexists', 'noh', 'nope'],
      ['hstrlen', 'h', 'f1'],
      ['hstrlen', 'h', 'nope'],
      ['hdel', 'h', 'f1', 'nope', 'f2'],
      ['hdel', 'h', 'nope'],
      ['hdel', 'noh', 'nope'],
      ['hgetall', 'h'],
      ['hdel', 'noh2', 'new'],
      ['exists', 'noh2'],
    ]));

  it('HINCRBY and HINCRBYFLOAT: int64 limits, long double sums, bad values', () =>
    diff.expectSame([
      ['hset', 'h', 'f1', 'v1', 'f2', 'v2'],
      ['hset', 'h', 'f1', 'x', 'f3', 'v3'],
      ['hincrby', 'h', 'n', '5'],
      ['hincrby', 'h', 'n', '-10'],
      ['hincrby', 'h', 'n', 'x'],
      ['hincrby', 'h', 'f3', '1'],
      ['hincrby', 'h', 'n', '9223372036854775807'],
      ['hset', 'h', 'm', '9223372036854775800'],
      ['hincrby', 'h', 'm', '7'],
      ['hincrby', 'h', 'm', '8'],
      ['hincrby', 'h', 'm', '-9223372036854775808'],
      ['hincrby', 'h', 'm2', '-9223372036854775808'],
      ['hincrby', 'h', 'm2', '-1'],
      ['hincrby', 'h', 'sp', ' 1'],
      ['hset', 'h', 'sp', ' 1'],
      ['hincrby', 'h', 'sp', '1'],
      ['hincrby', 'noh3', 'x', '3'],
      ['hincrbyfloat', 'h', 'fl', '1.1'],
      ['hincrbyfloat', 'h', 'fl', '0.2'],
      ['hincrbyfloat', 'h2', 'fl', '1e300'],
      ['hincrbyfloat', 'h', 'fl2', 'inf'],
      ['hincrbyfloat', 'h', 'fl2', '-inf'],
      ['hincrbyfloat', 'h', 'fl2', 'nan'],
      ['hincrbyfloat', 'h', 'fl2', 'abc'],
      ['hincrbyfloat', 'h', 'f3', '1'],
      ['hincrbyfloat', 'h', 'n', '1.5'],
      ['hincrbyfloat', 'h', 'fl3', '5.0e3'],
      ['hincrbyfloat', 'h2', 'fl3', '1e4000'],
      ['hincrbyfloat', 'h', 'fl4', '0x10'],
      ['hincrbyfloat', 'h', 'fl4', ' 1'],
      ['hset', 'h2', 'big', '1e4000'],
      ['hincrbyfloat', 'h2', 'big', '1'],
      ['hset', 'h', 'big2', '1.18973149535723176502e+4932'],
      ['hincrbyfloat', 'h', 'big2', '1.18973149535723176502e+4932'],
      ['hgetall', 'h'],
    ]));

  it('HSCAN of a small hash: whole, in insertion order, with MATCH and option errors', () =>
    diff.expectSame([
      ['hset', 'h', 'f1', 'v1', 'f2', 'v2'],
      ['hset', 'h', 'f1', 'x', 'f3', 'v3'],
      ['hscan', 'h', '0'],
      ['hscan', 'h', '0', 'match', 'f*'],
      ['hscan', 'h', '0', 'count', '1'],
      ['hscan', 'h', '0', 'count', '0'],
      ['hscan', 'h', '0', 'count', 'x'],
      ['hscan', 'h', '0', 'match'],
      ['hscan', 'h', '0', 'type', 'string'],
      ['hscan', 'h', 'x'],
      ['hscan', 'h', '-1'],
      ['hscan', 'noh', '0', 'count', '0'],
      ['hscan', 'noh', 'x'],
    ]));

  it('WRONGTYPE and HRANDFIELD argument errors', () =>
    diff.expectSame([
      ['hset', 'h', 'f1', 'v1', 'f2', 'v2'],
      ['set', 's', 'v'],
      ['hset', 's', 'a', 'b'],
      ['hget', 's', 'a'],
      ['hmget', 's', 'a'],
      ['hgetall', 's'],
      ['hdel', 's', 'a'],
      ['hincrby', 's', 'a', '1'],
      ['hincrbyfloat', 's', 'a', '1'],
      ['hincrbyfloat', 's', 'a', 'x'],
      ['hincrby', 's', 'a', 'x'],
      ['hscan', 's', '0'],
      ['hscan', 's', 'x'],
      ['hrandfield', 's'],
      ['hrandfield', 's', 'x'],
      ['hrandfield', 'noh'],
      ['hrandfield', 'noh', '3'],
      ['hrandfield', 'noh', '0'],
      ['hrandfield', 'noh', '3', 'withvalues'],
      ['hrandfield', 'noh', '3', 'withvalue'],
      ['hrandfield', 'noh', '3', 'withvalues', 'x'],
      ['hrandfield', 'noh', '-9223372036854775808'],
      ['hrandfield', 'noh', '-9223372036854775807'],
      ['hrandfield', 'noh', '9223372036854775807', 'withvalues'],
      ['hrandfield', 'h', '0'],
    ]));

  it('HRANDFIELD on a one-field hash: repeats with a negative count', () =>
    diff.expectSame([
      ['hset', 'one', 'f', 'v'],
      ['hrandfield', 'one'],
      ['hrandfield', 'one', '-3'],
      ['hrandfield', 'one', '-2', 'withvalues'],
      ['hrandfield', 'one', '5', 'withvalues'],
    ]));

  it('binary-safe keys, fields and values; arity errors', () =>
    diff.expectSame([
      [
        'hset',
        Buffer.from('k\u00ff\u0000', 'latin1'),
        Buffer.from('f\u0000\u00e9', 'latin1'),
        Buffer.from('v\u0000\u00ff', 'latin1'),
      ],
      ['hgetall', Buffer.from('k\u00ff\u0000', 'latin1')],
      ['hgetall'],
      ['hlen', 'a', 'b'],
    ]));

  it('hashes past the listpack limits: any order, same content; HSCAN walks them whole', () => {
    const fields = Array.from({ length: 200 }, (_, i) => [`f${i}`, `v${i}`]).flat();
    return diff.expectSame([
      ['HSET', 'small', ...fields.slice(0, 200)],
      ['HSCAN', 'small', '0', 'COUNT', '1000'],
      ['HSET', 'big', ...fields],
      { cmd: ['HGETALL', 'big'], compare: 'pairs-unordered' },
      { cmd: ['HKEYS', 'big'], compare: 'unordered' },
      { cmd: ['HSCAN', 'big', '0', 'COUNT', '1000'], compare: scanUnordered(true) },
      { cmd: ['HSCAN', 'big', '0', 'COUNT', '1000', 'MATCH', 'f1*'], compare: scanUnordered(true) },
      ['HLEN', 'big'],
      ['HSET', 'long', 'f', 'x'.repeat(65)],
      { cmd: ['HSCAN', 'long', '0'], compare: scanUnordered(true) },
      ['HSET', 'long', 'g', 'y'],
      { cmd: ['HGETALL', 'long'], compare: 'pairs-unordered' },
    ]);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`random hash commands, seed ${seed}`, () =>
      diff.expectSame(randomSequence(seed, 400, randomHashCommand, HASH_KEYS.flatMap(finalState))));
  }
});

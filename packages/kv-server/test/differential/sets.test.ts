// Set commands, engine vs real Redis: every command, option and error, exact replies.

import { expect, it } from 'vitest';
import { randomSetCommand, SET_KEYS } from './generators-sets.ts';
import { randomSequence, scanUnordered } from './generators-shared.ts';
import { type Arg, describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

/** What each key holds at the end, so a divergence that no reply showed still fails. */
function finalState(key: string): Step[] {
  return [{ cmd: ['TYPE', key] }, { cmd: ['SMEMBERS', key], compare: 'unordered' }];
}

/** Three small sets of words (a duplicate and a repeat SADD among them) and one intset. */
const SETS: Arg[][] = [
  ['sadd', 's1', 'a', 'b', 'c', 'a'],
  ['sadd', 's1', 'a'],
  ['sadd', 's2', 'b', 'c', 'd'],
  ['sadd', 's3', 'c', 'e'],
  ['sadd', 'i1', '3', '1', '2', '-5', '10'],
];

describeDifferential('differential: sets', () => {
  it('SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD; intsets reply in numeric order', () =>
    diff.expectSame([
      ...SETS,
      { cmd: ['smembers', 's1'], compare: 'unordered' },
      ['smembers', 'i1'],
      ['smembers', 'nos'],
      ['sismember', 's1', 'a'],
      ['sismember', 's1', 'z'],
      ['sismember', 'nos', 'z'],
      ['smismember', 's1', 'a', 'z', 'b'],
      ['smismember', 'nos', 'a', 'z'],
      ['scard', 's1'],
      ['scard', 'nos'],
      ['srem', 's1', 'a', 'z'],
      ['srem', 's1', 'z'],
      ['srem', 'nos', 'z'],
      ['sadd', 'i2', '1', '2', '9223372036854775807', '-9223372036854775808'],
      ['smembers', 'i2'],
      ['sadd', 'i2', '9223372036854775808'],
      { cmd: ['smembers', 'i2'], compare: 'unordered' },
    ]));

  it('SINTER SUNION SDIFF and their STORE forms: missing keys, WRONGTYPE, TTL of the destination', () =>
    diff.expectSame([
      ...SETS,
      { cmd: ['sinter', 's1', 's2'], compare: 'unordered' },
      { cmd: ['sinter', 's1', 's2', 's3'], compare: 'unordered' },
      { cmd: ['sinter', 's1', 'nos'], compare: 'unordered' },
      { cmd: ['sinter', 'nos', 's1'], compare: 'unordered' },
      { cmd: ['sunion', 's1', 's2', 'nos', 's3'], compare: 'unordered' },
      { cmd: ['sdiff', 's2', 's1'], compare: 'unordered' },
      { cmd: ['sdiff', 's2', 'nos', 's3'], compare: 'unordered' },
      { cmd: ['sdiff', 'nos', 's1'], compare: 'unordered' },
      ['set', 'str', 'v'],
      ['sinter', 'nos', 'str'],
      ['sinter', 's1', 'str'],
      ['sunion', 'nos', 'str'],
      ['sdiff', 'nos', 'str'],
      ['sinterstore', 'd1', 's1', 's2'],
      { cmd: ['smembers', 'd1'], compare: 'unordered' },
      ['sinterstore', 'd1', 's1', 'nos'],
      ['exists', 'd1'],
      ['sinterstore', 'str2', 's1', 's2'],
      ['set', 'str2', 'x'],
      ['sinterstore', 'str2', 's1', 'nos'],
      ['exists', 'str2'],
      ['sunionstore', 'd2', 's1', 's2', 's3'],
      ['scard', 'd2'],
      ['sunionstore', 'd2', 'nos'],
      ['exists', 'd2'],
      ['sdiffstore', 'd3', 's2', 's1'],
      { cmd: ['smembers', 'd3'], compare: 'unordered' },
      ['sdiffstore', 'd3', 's2', 's2'],
      ['exists', 'd3'],
      ['sinterstore', 'd4', 's1', 'str'],
      ['set', 'withttl', 'x', 'ex', '100'],
      ['sunionstore', 'withttl', 's1'],
      ['ttl', 'withttl'],
    ]));

  it('SINTERCARD with LIMIT and its argument errors', () =>
    diff.expectSame([
      ...SETS,
      ['set', 'str', 'v'],
      ['sintercard', '2', 's1', 's2'],
      ['sintercard', '2', 's1', 's2', 'limit', '1'],
      ['sintercard', '2', 's1', 's2', 'limit', '0'],
      ['sintercard', '2', 's1', 's2', 'limit', '-1'],
      ['sintercard', '2', 's1', 's2', 'limit', 'x'],
      ['sintercard', '2', 's1', 's2', 'limit'],
      ['sintercard', '2', 's1', 's2', 'foo', '1'],
      ['sintercard', '0', 's1'],
      ['sintercard', '-1', 's1'],
      ['sintercard', 'x', 's1'],
      ['sintercard', '3', 's1', 's2'],
      ['sintercard', '1', 'nos'],
      ['sintercard', '2', 'nos', 'str'],
      ['sintercard', '1', 's1', 's2'],
    ]));

  it('SMOVE: missing source, same key, WRONGTYPE, emptied source', () =>
    diff.expectSame([
      ...SETS,
      ['set', 'str', 'v'],
      ['smove', 's1', 's2', 'b'],
      ['smove', 's1', 's2', 'zz'],
      ['smove', 'nos', 's2', 'zz'],
      ['smove', 'nos', 'str', 'zz'],
      ['smove', 's1', 'str', 'b'],
      ['smove', 'str', 's1', 'b'],
      ['smove', 's2', 's2', 'b'],
      ['smove', 's2', 's2', 'zz'],
      ['smove', 's2', 'new', 'b'],
      { cmd: ['smembers', 's2'], compare: 'unordered' },
      ['smembers', 'new'],
      ['sadd', 'solo', 'x'],
      ['smove', 'solo', 'new', 'x'],
      ['exists', 'solo'],
    ]));

  it('SPOP and SRANDMEMBER: counts, errors, and the deterministic cases', () =>
    diff.expectSame([
      ['set', 'str', 'v'],
      ['spop', 'nos'],
      ['spop', 'nos', '3'],
      ['spop', 'nos', '0'],
      ['spop', 'nos', '-1'],
      ['spop', 'nos', 'x'],
      ['spop', 'nos', '1', '2'],
      ['spop', 'str'],
      ['spop', 'str', '0'],
      ['spop', 'str', '-1'],
      ['srandmember', 'nos'],
      ['srandmember', 'nos', '3'],
      ['srandmember', 'nos', '-3'],
      ['srandmember', 'nos', 'x'],
      ['srandmember', 'nos', '1', '2'],
      ['srandmember', 'nos', '-9223372036854775808'],
      ['srandmember', 'str'],
      ['srandmember', 'str', '1'],
      ['sadd', 'one', 'only'],
      ['srandmember', 'one'],
      ['srandmember', 'one', '-3'],
      ['srandmember', 'one', '5'],
      ['srandmember', 'one', '0'],
      ['spop', 'one', '5'],
      ['exists', 'one'],
      ['sadd', 'one', 'only'],
      ['spop', 'one'],
      ['exists', 'one'],
    ]));

  it('SSCAN of an intset, and WRONGTYPE on every command', () =>
    diff.expectSame([
      ...SETS,
      ['set', 'str', 'v'],
      ['sscan', 'i1', '0'],
      ['sscan', 'i1', '0', 'match', '1*'],
      ['sscan', 'i1', '0', 'count', '1'],
      ['sscan', 'nos', '0'],
      ['sscan', 'str', '0'],
      ['sscan', 'i1', '0', 'count', '0'],
      ['sadd', 'str', 'x'],
      ['srem', 'str', 'x'],
      ['smembers', 'str'],
      ['sismember', 'str', 'x'],
      ['smismember', 'str', 'x'],
      ['scard', 'str'],
    ]));

  it('SPOP with a count: as many members as asked, gone from the set', async () => {
    const members = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const { engine, redis } = await diff.runOnBoth([
      ['SADD', 's', ...members],
      ['SPOP', 's', '5'],
      ['SCARD', 's'],
      ['SPOP', 's'],
      ['SPOP', 's', '100'],
      ['EXISTS', 's'],
    ]);
    for (const replies of [engine, redis]) {
      const popped = [
        ...(replies[1] as Buffer[]),
        replies[3] as Buffer,
        ...(replies[4] as Buffer[]),
      ];
      expect(popped.map(String).sort()).toEqual([...members].sort());
      expect(replies.slice(2, 3).concat(replies.slice(5))).toEqual([15, 0]);
    }
  });

  it('a set past the intset and listpack limits: same members, SSCAN walks it whole', () => {
    const ints = Array.from({ length: 600 }, (_, i) => String(i * 7 - 1000));
    return diff.expectSame([
      ['SADD', 'ints', ...ints],
      { cmd: ['SMEMBERS', 'ints'], compare: 'unordered' },
      { cmd: ['SSCAN', 'ints', '0', 'COUNT', '10000'], compare: scanUnordered(false) },
      ['SADD', 'small', ...ints.slice(0, 500)],
      ['SMEMBERS', 'small'],
      ['SADD', 'small', 'word'],
      { cmd: ['SMEMBERS', 'small'], compare: 'unordered' },
      { cmd: ['SINTER', 'ints', 'small'], compare: 'unordered' },
      ['SINTERCARD', '2', 'ints', 'small', 'LIMIT', '100'],
      ['SDIFFSTORE', 'd', 'ints', 'small'],
      ['SCARD', 'd'],
    ]);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`random set commands, seed ${seed}`, () =>
      diff.expectSame(randomSequence(seed, 400, randomSetCommand, SET_KEYS.flatMap(finalState))));
  }
});

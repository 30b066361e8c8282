// List commands, engine vs real Redis: every command, option and error, exact replies.

import { it } from 'vitest';
import { LIST_KEYS, randomListCommand } from './generators-lists.ts';
import { randomSequence } from './generators-shared.ts';
import { describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

/** What each key holds at the end, so a divergence that no reply showed still fails. */
function finalState(key: string): Step[] {
  return [{ cmd: ['TYPE', key] }, { cmd: ['LRANGE', key, '0', '-1'] }];
}

describeDifferential('differential: lists', () => {
  it('LPUSH RPUSH LRANGE LLEN LINDEX LSET LPOP RPOP: indexes, counts, missing keys', () =>
    diff.expectSame([
      ['rpush', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['lpush', 'l', 'z', 'y'],
      ['lrange', 'l', '0', '-1'],
      ['lrange', 'l', '-100', '100'],
      ['lrange', 'l', '3', '1'],
      ['lrange', 'l', 'x', '1'],
      ['lrange', 'nol', '0', '-1'],
      ['lrange', 'l', '0', '9223372036854775807'],
      ['lrange', 'l', '-9223372036854775808', '2'],
      ['lrange', 'l', '0', '9223372036854775808'],
      ['llen', 'l'],
      ['llen', 'nol'],
      ['lindex', 'l', '0'],
      ['lindex', 'l', '-1'],
      ['lindex', 'l', '-8'],
      ['lindex', 'l', '7'],
      ['lindex', 'l', 'x'],
      ['lindex', 'nol', 'x'],
      ['lset', 'l', '0', 'Z'],
      ['lset', 'l', '-1', 'E'],
      ['lset', 'l', '7', 'Q'],
      ['lset', 'nol', '0', 'Q'],
      ['lset', 'l', 'x', 'Q'],
      ['lset', 'nol', 'x', 'Q'],
      ['lpop', 'l'],
      ['rpop', 'l'],
      ['lpop', 'l', '0'],
      ['lpop', 'l', '-1'],
      ['lpop', 'l', '2'],
      ['lpop', 'l', '1', '2'],
      ['lpop', 'nol'],
      ['lpop', 'nol', '2'],
      ['lpop', 'nol', '0'],
      ['lpop', 'nol', 'x'],
      ['rpop', 'l', '100'],
      ['exists', 'l'],
    ]));

  it('LREM LTRIM LINSERT', () =>
    diff.expectSame([
      ['rpush', 'l', 'a', 'b', 'a', 'c', 'a', 'b'],
      ['lrem', 'l', '1', 'a'],
      ['lrange', 'l', '0', '-1'],
      ['lrem', 'l', '-1', 'b'],
      ['lrange', 'l', '0', '-1'],
      ['lrem', 'l', '0', 'a'],
      ['lrem', 'l', '0', 'zz'],
      ['lrem', 'nol', '0', 'a'],
      ['lrem', 'l', 'x', 'a'],
      ['lrange', 'l', '0', '-1'],
      ['rpush', 'm', '1', '2', '3', '4', '5', '6'],
      ['ltrim', 'm', '1', '-2'],
      ['lrange', 'm', '0', '-1'],
      ['ltrim', 'm', '5', '10'],
      ['exists', 'm'],
      ['ltrim', 'nol', '0', '1'],
      ['ltrim', 'm', 'a', '1'],
      ['rpush', 'm', '1', '2', '3'],
      ['linsert', 'm', 'before', '2', 'x'],
      ['linsert', 'm', 'AFTER', '3', 'y'],
      ['linsert', 'm', 'after', 'nope', 'y'],
      ['linsert', 'm', 'middle', '3', 'y'],
      ['linsert', 'nol', 'before', '3', 'y'],
      ['lrange', 'm', '0', '-1'],
    ]));

  it('LPOS with RANK COUNT MAXLEN and their errors', () =>
    diff.expectSame([
      ['rpush', 'p', 'a', 'b', 'c', '1', '2', '3', 'c', 'c'],
      ['lpos', 'p', 'c'],
      ['lpos', 'p', 'c', 'rank', '2'],
      ['lpos', 'p', 'c', 'rank', '-1'],
      ['lpos', 'p', 'c', 'rank', '-1', 'count', '0'],
      ['lpos', 'p', 'c', 'count', '0'],
      ['lpos', 'p', 'c', 'count', '2'],
      ['lpos', 'p', 'c', 'count', '0', 'maxlen', '3'],
      ['lpos', 'p', 'c', 'rank', '0'],
      ['lpos', 'p', 'c', 'rank', '-9223372036854775808'],
      ['lpos', 'p', 'c', 'rank', 'x'],
      ['lpos', 'p', 'c', 'count', '-1'],
      ['lpos', 'p', 'c', 'count', 'x'],
      ['lpos', 'p', 'c', 'maxlen', '-1'],
      ['lpos', 'p', 'c', 'rank'],
      ['lpos', 'p', 'c', 'foo', '1'],
      ['lpos', 'p', 'zz'],
      ['lpos', 'p', 'zz', 'count', '1'],
      ['lpos', 'nol', 'zz'],
      ['lpos', 'nol', 'zz', 'count', '1'],
      ['lpos', 'p', 'c', 'rank', '4'],
      ['lpos', 'p', 'c', 'rank', '-3', 'maxlen', '2'],
      ['lpos', 'p', 'c', 'rank', '-9223372036854775808', 'count', '1'],
      ['lpos', 'p', 'c', 'rank', '9223372036854775807'],
    ]));

  it('LMOVE RPOPLPUSH LPUSHX RPUSHX and WRONGTYPE on every command', () =>
    diff.expectSame([
      ['rpush', 'p', 'a', 'b', 'c', '1', '2', '3', 'c', 'c'],
      ['lmove', 'p', 'q', 'left', 'right'],
      ['lmove', 'p', 'q', 'right', 'left'],
      ['lmove', 'p', 'p', 'left', 'right'],
      ['lmove', 'p', 'q', 'up', 'left'],
      ['lmove', 'nol', 'q', 'left', 'left'],
      ['lrange', 'p', '0', '-1'],
      ['lrange', 'q', '0', '-1'],
      ['rpush', 'one', 'x'],
      ['lmove', 'one', 'one', 'left', 'left'],
      ['lmove', 'one', 'two', 'left', 'left'],
      ['exists', 'one'],
      ['rpoplpush', 'two', 'three'],
      ['rpoplpush', 'nol', 'three'],
      ['set', 's', 'v'],
      ['lpush', 's', 'a'],
      ['lrange', 's', '0', '1'],
      ['lmove', 'three', 's', 'left', 'left'],
      ['lmove', 's', 'three', 'left', 'left'],
      ['lrange', 'three', '0', '-1'],
      ['lpushx', 'nol', 'a'],
      ['rpushx', 'nol', 'a'],
      ['lpushx', 'three', 'a', 'b'],
      ['rpushx', 'three', 'c'],
      ['lrange', 'three', '0', '-1'],
      ['lpushx', 's', 'a'],
      ['lpop', 's'],
      ['lpop', 's', '0'],
      ['lpop', 's', 'x'],
      ['llen', 's'],
      ['lindex', 's', '0'],
      ['lpos', 's', 'a'],
      ['lrem', 's', '0', 'a'],
      ['ltrim', 's', '0', '1'],
      ['linsert', 's', 'before', 'a', 'b'],
      ['lset', 's', '0', 'a'],
      ['lpush', 'l'],
      ['lpop'],
    ]));

  it('LMPOP: the first non-empty list, COUNT, and argument errors', () =>
    diff.expectSame([
      ['rpush', 'l1', 'a', 'b', 'c'],
      ['rpush', 'l2', 'x'],
      ['set', 'str', 'v'],
      ['lmpop', '2', 'nope', 'l1', 'left'],
      ['lmpop', '2', 'nope', 'l1', 'right', 'count', '5'],
      ['lmpop', '2', 'l1', 'l2', 'left', 'count', '1'],
      ['lmpop', '1', 'nope', 'left'],
      ['lmpop', '0', 'l1', 'left'],
      ['lmpop', '-1', 'l1', 'left'],
      ['lmpop', 'x', 'l1', 'left'],
      ['lmpop', '3', 'l1', 'l2', 'left'],
      ['lmpop', '2', 'l1', 'l2'],
      ['lmpop', '2', 'l1', 'l2', 'up'],
      ['lmpop', '1', 'l2', 'left', 'count', '0'],
      ['lmpop', '1', 'l2', 'left', 'count', '-1'],
      ['lmpop', '1', 'l2', 'left', 'count', 'x'],
      ['lmpop', '1', 'l2', 'left', 'count'],
      ['lmpop', '1', 'l2', 'left', 'count', '1', 'count', '1'],
      ['lmpop', '1', 'l2', 'left', 'foo'],
      ['lmpop', '2', 'nope', 'str', 'left'],
      ['lmpop', '2', 'l2', 'str', 'left'],
      ['lmpop', '1', 'l2', 'left'],
      ['exists', 'l2'],
      ['lmpop', '1', 'l1'],
    ]));

  it('a long list: thousands of pushes and pops at both ends, then ranges and a trim', () => {
    const steps: Step[] = [
      { cmd: ['RPUSH', 'big', ...Array.from({ length: 3000 }, (_, i) => String(i))] },
    ];
    for (let i = 0; i < 2000; i++) {
      steps.push({
        cmd:
          i % 3 === 0
            ? ['RPUSH', 'big', `x${i}`]
            : i % 3 === 1
              ? ['LPOP', 'big']
              : ['LPUSH', 'big', `y${i}`],
      });
    }
    steps.push(
      { cmd: ['LRANGE', 'big', '0', '-1'] },
      { cmd: ['LRANGE', 'big', '100', '120'] },
      { cmd: ['LINDEX', 'big', '-1500'] },
      { cmd: ['LTRIM', 'big', '10', '-10'] },
      { cmd: ['RPOP', 'big', '500'] },
      { cmd: ['LRANGE', 'big', '0', '-1'] },
    );
    return diff.expectSame(steps);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`random list commands, seed ${seed}`, () =>
      diff.expectSame(randomSequence(seed, 400, randomListCommand, LIST_KEYS.flatMap(finalState))));
  }
});

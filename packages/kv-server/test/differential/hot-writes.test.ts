// The edges of the cheaper LPUSH, ZADD and MSET (issue 12), engine against the real Redis: a
// ZADD that leaves a score as it is (with every option), scores in every text form the quick
// reading takes or leaves to the full one, lists long enough to leave the single ring for
// blocks and back, at both ends, and MSET with repeated keys, TTLs and WATCH.

import { it } from 'vitest';
import { closeInteger, describeDifferential, type StepLike, useDifferential } from './harness.ts';

const diff = useDifferential();
const closeTtl = closeInteger(1);

/** `count` elements `prefix0`, `prefix1`... (or one repeated value when `same`). */
function values(prefix: string, count: number, same = false): string[] {
  return Array.from({ length: count }, (_, i) => (same ? prefix : `${prefix}${i % 7}`));
}

describeDifferential('differential: cheaper hot writes', () => {
  it('ZADD with the same score, under NX XX GT LT CH INCR', () =>
    diff.expectSame([
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZADD', 'z', '1', 'a'],
      ['ZADD', 'z', 'CH', '1', 'a'],
      ['ZADD', 'z', 'CH', '1', 'a', '3', 'b'],
      ['ZADD', 'z', 'NX', '1', 'a'],
      ['ZADD', 'z', 'XX', 'CH', '1', 'a'],
      ['ZADD', 'z', 'GT', 'CH', '1', 'a'],
      ['ZADD', 'z', 'LT', 'CH', '1', 'a'],
      ['ZADD', 'z', 'INCR', '0', 'a'],
      ['ZADD', 'z', 'XX', 'INCR', '0', 'a'],
      ['ZADD', 'z', 'GT', 'INCR', '0', 'a'],
      ['ZADD', 'z', 'NX', 'INCR', '0', 'a'],
      ['ZADD', 'z', 'ch', 'xx', 'gt', '1.0', 'a'],
      ['ZADD', 'z', '-0', 'zero'],
      ['ZADD', 'z', 'CH', '0', 'zero'],
      ['ZADD', 'z', 'CH', '+0.0', 'zero'],
      ['ZADD', 'z', 'CH', '1e0', 'a', '1', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZSCORE', 'z', 'zero'],
      ['OBJECT', 'ENCODING', 'z'],
    ]));

  it('ZADD reads every form of score as Redis does', () => {
    const scores = [
      '0',
      '-0',
      '+0',
      '7',
      '+7',
      '-7',
      '007',
      '-007',
      '1.5',
      '1.',
      '.5',
      '-.5',
      '+.5',
      '5.25',
      '0.1',
      '12345678901234567890',
      '-1234567890.123456789',
      '123456789012345678901',
      '1e3',
      '1E-3',
      '-1.5e+2',
      'inf',
      '-inf',
      '+Infinity',
      'INF',
      '0x10',
      '0x1p3',
      '-0x1.8p1',
      '1e400',
      '-1e400',
      '1e-400',
      '',
      '.',
      '+',
      '-',
      '+-1',
      '1.5.',
      '1..',
      ' 1',
      '1 ',
      '1a',
      'a1',
      'nan',
      '1_000',
      '٣',
      '1\u00002',
      '--1',
      '0x',
      'e5',
      '1e',
      '5.e1',
      '.e1',
    ];
    const steps: StepLike[] = [];
    for (const [i, score] of scores.entries()) {
      steps.push(['ZADD', 'forms', score, `m${i}`], ['ZSCORE', 'forms', `m${i}`]);
      steps.push(['ZADD', 'forms', 'CH', score, `m${i}`], ['ZINCRBY', 'forms', score, 'inc']);
    }
    steps.push(['ZRANGE', 'forms', '0', '-1', 'WITHSCORES']);
    return diff.expectSame(steps);
  });

  it('a ZADD option word and a score that starts with a letter', () =>
    diff.expectSame([
      ['ZADD', 'o', 'inf', 'a'],
      ['ZADD', 'o', 'Nx', 'infinity', 'b'],
      ['ZADD', 'o', 'nx\u0000junk', '1', 'c'],
      ['ZADD', 'o', 'xy', '1', 'c'],
      ['ZADD', 'o', 'incr', 'incr', '1', 'c'],
      ['ZADD', 'o', '\u0000', '1', 'c'],
      ['ZADD', 'o', 'ch'],
      ['ZADD', 'o', 'CH', 'NX', 'XX', '1', 'c'],
      ['ZADD', 'o', '1', 'a', 'x', 'b'],
      ['ZRANGE', 'o', '0', '-1', 'WITHSCORES'],
    ]));

  it('LPUSH onto a long list of one value, read and changed at both ends', () => {
    const steps: StepLike[] = [];
    for (let i = 0; i < 5; i++) steps.push(['LPUSH', 'big', ...values('xxx', 500, true)]);
    steps.push(['RPUSH', 'big', 'tail', ...values('xxx', 300, true)]);
    for (const i of [0, 1, 499, 1023, 1024, 1025, 2500, 2799, 2800, 2801, -1, -2, -301, -302]) {
      steps.push(['LINDEX', 'big', String(i)]);
    }
    steps.push(
      ['LLEN', 'big'],
      ['LPOS', 'big', 'tail'],
      ['LPOS', 'big', 'xxx', 'RANK', '-1'],
      ['LPOS', 'big', 'xxx', 'RANK', '-300', 'COUNT', '3'],
      ['LPOS', 'big', 'xxx', 'RANK', '2500'],
      ['LSET', 'big', '0', 'head'],
      ['LSET', 'big', '-1', 'last'],
      ['LSET', 'big', '1024', 'mid'],
      ['LRANGE', 'big', '0', '3'],
      ['LRANGE', 'big', '-3', '-1'],
      ['LRANGE', 'big', '1020', '1030'],
      ['LRANGE', 'big', '2495', '2505'],
      ['LPOP', 'big', '3'],
      ['RPOP', 'big', '3'],
      ['LINDEX', 'big', '0'],
      ['LINDEX', 'big', '-1'],
      ['LREM', 'big', '2', 'xxx'],
      ['LINSERT', 'big', 'BEFORE', 'mid', 'before-mid'],
      ['LPOS', 'big', 'before-mid'],
      ['LTRIM', 'big', '100', '-100'],
      ['LLEN', 'big'],
      ['LRANGE', 'big', '0', '2'],
      ['LPOS', 'big', 'tail'],
      ['LTRIM', 'big', '0', '199'],
      ['LRANGE', 'big', '195', '-1'],
      ['MEMORY', 'USAGE', 'big', 'SAMPLES', '0'],
    );
    // MEMORY USAGE is an estimate here: only its reply type is Redis's.
    return diff.expectSame(
      steps.map((s) => (Array.isArray(s) && s[0] === 'MEMORY' ? { cmd: s, compare: 'shape' } : s)),
    );
  });

  it('a long list used as a queue from either side, emptied, and pushed again', () => {
    const steps: StepLike[] = [];
    for (let round = 0; round < 6; round++) {
      steps.push(['RPUSH', 'q', ...values(`r${round}-`, 700)]);
      steps.push(['LPOP', 'q', '400'], ['LINDEX', 'q', '0'], ['LINDEX', 'q', '-1']);
    }
    for (let round = 0; round < 6; round++) {
      steps.push(['LPUSH', 'q', ...values(`l${round}-`, 700)]);
      steps.push(['RPOP', 'q', '500'], ['LINDEX', 'q', '0'], ['LINDEX', 'q', '-1']);
    }
    steps.push(['LLEN', 'q'], ['LRANGE', 'q', '0', '-1']);
    steps.push(
      ['RPOP', 'q', '100000'],
      ['EXISTS', 'q'],
      ['LPUSH', 'q', 'again'],
      ['LRANGE', 'q', '0', '-1'],
    );
    return diff.expectSame(steps);
  });

  it('MSET with repeated keys, keys that had a TTL, and other types', () =>
    diff.expectSame([
      ['SET', 't1', 'old', 'EX', '100'],
      ['HSET', 'h', 'f', 'v'],
      ['EXPIRE', 'h', '100'],
      ['MSET', 't1', 'a', 't1', 'b', 'h', 'c', 't1', 'd', 'h', 'e'],
      ['TTL', 't1'],
      ['TTL', 'h'],
      ['GET', 't1'],
      ['GET', 'h'],
      ['TYPE', 'h'],
      ['SET', 't2', 'x', 'PX', '100000'],
      ['MSET', 't2', 'y', 't2', 'y'],
      { cmd: ['TTL', 't2'], compare: closeTtl },
      ['MSET', 'k', '1', 'k', '2', 'k', '3'],
      ['GET', 'k'],
      ['STRLEN', 'k'],
      ['OBJECT', 'ENCODING', 'k'],
      ['MSET', 'k', 'a-longer-value-that-is-not-an-integer', 'j', '', 'k', ''],
      ['GET', 'k'],
      ['EXISTS', 'j'],
      ['DBSIZE'],
    ]));

  it('WATCH sees an MSET that sets its key several times, from another connection', () =>
    diff.expectSame([
      ['WATCH', 'w'],
      { cmd: ['MSET', 'w', '1', 'w', '2', 'other', '3'], conn: 1 },
      ['MULTI'],
      ['GET', 'w'],
      ['EXEC'],
      ['WATCH', 'other'],
      { cmd: ['MSET', 'w', '1', 'other', '2', 'other', '3'], conn: 1 },
      ['MULTI'],
      ['GET', 'other'],
      ['EXEC'],
      ['WATCH', 'untouched'],
      { cmd: ['MSET', 'w', '1', 'w', '2'], conn: 1 },
      ['MULTI'],
      ['GET', 'w'],
      ['EXEC'],
    ]));
});

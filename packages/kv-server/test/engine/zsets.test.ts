import { describe, expect, it } from 'vitest';
import { ZSetValue } from '../../src/engine/commands/zsets.ts';
import { collectionRestorers } from '../../src/engine/restorers.ts';
import { seededRng } from '../differential/generators-shared.ts';
import { engineFixture } from './helpers.ts';

describe('the sorted set structure', () => {
  it('keeps entries ordered by score then bytes, through moves and deletes', () => {
    const zset = new ZSetValue();
    const model = new Map<string, number>();
    const next = seededRng(11);
    for (let i = 0; i < 5000; i++) {
      const member = `m${Math.floor(next() * 300)}`;
      if (next() < 0.7) {
        const score = Math.floor(next() * 50);
        zset.set(member, score);
        model.set(member, score);
      } else {
        expect(zset.delete(member)).toBe(model.delete(member));
      }
    }
    const expected = [...model]
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
      .map(([member, score]) => ({ member, score }));
    expect(zset.range(0, zset.size).map(({ member, score }) => ({ member, score }))).toEqual(
      expected,
    );
    expected.forEach((entry, rank) => {
      expect(zset.rank(entry.member)).toBe(rank);
    });
    for (let from = 0; from < expected.length; from += 7) {
      const window = zset.range(from, Math.min(from + 5, zset.size));
      expect(window.map((e) => e.member)).toEqual(
        expected.slice(from, from + 5).map((e) => e.member),
      );
    }
    expect(zset.partition((e) => e.score < 25)).toBe(expected.filter((e) => e.score < 25).length);
  });

  it('round-trips a snapshot, infinities and the compact flag included', () => {
    const zset = new ZSetValue();
    zset.set('a', -Infinity);
    zset.set('b', 1.5);
    zset.set('x'.repeat(65), Infinity);
    zset.set('negative zero', -0);
    const restored = collectionRestorers.get('zset')?.(
      JSON.parse(JSON.stringify(zset.toSnapshot())),
    ) as ZSetValue;
    expect(restored.toSnapshot()).toEqual(zset.toSnapshot());
    expect(restored.compact).toBe(false);
    // A skip-list set keeps the sign of zero, through JSON too.
    expect(Object.is(restored.scores.get('negative zero'), -0)).toBe(true);
  });
});

describe('sorted set commands', () => {
  it('ZADD flags: NX XX GT LT CH INCR', () => {
    const { run } = engineFixture();
    expect(run('ZADD', 'z', '1', 'a', '2', 'b')).toBe(':2');
    expect(run('ZADD', 'z', 'NX', '5', 'a', '3', 'c')).toBe(':1');
    expect(run('ZADD', 'z', 'XX', 'CH', '5', 'a', '9', 'new')).toBe(':1');
    expect(run('ZADD', 'z', 'GT', 'CH', '4', 'a', '3', 'b')).toBe(':1');
    expect(run('ZADD', 'z', 'LT', 'CH', '4', 'a', '1', 'c')).toBe(':2');
    expect(run('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toEqual([
      '$"c"',
      '$"1"',
      '$"b"',
      '$"3"',
      '$"a"',
      '$"4"',
    ]);
    expect(run('ZADD', 'z', 'INCR', '2.5', 'a')).toBe('$"6.5"');
    expect(run('ZADD', 'z', 'GT', 'INCR', '-1', 'a')).toBe('$nil');
    expect(run('ZADD', 'nope', 'XX', 'INCR', '1', 'a')).toBe('$nil');
    expect(run('EXISTS', 'nope')).toBe(':0');
  });

  it('ZADD refuses incompatible flags and bad scores before changing anything', () => {
    const { run } = engineFixture();
    expect(run('ZADD', 'z', 'NX', 'XX', '1', 'a')).toBe(
      '-ERR XX and NX options at the same time are not compatible',
    );
    expect(run('ZADD', 'z', 'GT', 'LT', '1', 'a')).toBe(
      '-ERR GT, LT, and/or NX options at the same time are not compatible',
    );
    expect(run('ZADD', 'z', 'INCR', '1', 'a', '2', 'b')).toBe(
      '-ERR INCR option supports a single increment-element pair',
    );
    expect(run('ZADD', 'z', '1', 'a', 'x', 'b')).toBe('-ERR value is not a valid float');
    expect(run('ZADD', 'z', 'nan', 'a')).toBe('-ERR value is not a valid float');
    expect(run('ZADD', 'z', '1', 'a', '2')).toBe('-ERR syntax error');
    expect(run('EXISTS', 'z')).toBe(':0');
    run('ZADD', 'z', 'inf', 'a');
    expect(run('ZINCRBY', 'z', '-inf', 'a')).toBe('-ERR resulting score is not a number (NaN)');
  });

  it('prints scores as Redis 7.0 does (%.17g), and -0 as Redis stores it', () => {
    const { run } = engineFixture();
    run('ZADD', 'z', '1.1', 'a', '1e20', 'b', '-inf', 'c', '0x10', 'd', '1e-5', 'e');
    expect(run('ZSCORE', 'z', 'a')).toBe('$"1.1000000000000001"');
    expect(run('ZSCORE', 'z', 'b')).toBe('$"1e+20"');
    expect(run('ZSCORE', 'z', 'c')).toBe('$"-inf"');
    expect(run('ZSCORE', 'z', 'd')).toBe('$"16"');
    expect(run('ZSCORE', 'z', 'e')).toBe('$"1.0000000000000001e-05"');
    // ZINCRBY replies with the computed -0; a small (listpack) set stores it as 0...
    expect(run('ZINCRBY', 'z', '-0', 'neg')).toBe('$"-0"');
    expect(run('ZSCORE', 'z', 'neg')).toBe('$"0"');
    // ...while a big (skip list) one keeps the sign.
    for (let i = 0; i < 200; i++) run('ZADD', 'big', String(i), `m${i}`);
    run('ZADD', 'big', '-0', 'neg');
    expect(run('ZSCORE', 'big', 'neg')).toBe('$"-0"');
  });

  it('ranks and rank ranges, forward and reversed', () => {
    const { run } = engineFixture();
    run('ZADD', 'z', '1', 'a', '1', 'b', '2', 'c', '3', 'd');
    expect(run('ZRANK', 'z', 'b')).toBe(':1');
    expect(run('ZREVRANK', 'z', 'b')).toBe(':2');
    expect(run('ZRANK', 'z', 'nope')).toBe('$nil');
    expect(run('ZRANGE', 'z', '1', '2')).toEqual(['$"b"', '$"c"']);
    expect(run('ZRANGE', 'z', '0', '1', 'REV')).toEqual(['$"d"', '$"c"']);
    expect(run('ZREVRANGE', 'z', '-2', '-1')).toEqual(['$"b"', '$"a"']);
    expect(run('ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1')).toBe(
      '-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    );
    expect(run('ZREMRANGEBYRANK', 'z', '0', '1')).toBe(':2');
    expect(run('ZRANGE', 'z', '0', '-1')).toEqual(['$"c"', '$"d"']);
  });

  it('score ranges: exclusive bounds, infinities, REV, LIMIT', () => {
    const { run } = engineFixture();
    run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    expect(run('ZRANGE', 'z', '(1', '3', 'BYSCORE')).toEqual(['$"b"', '$"c"']);
    expect(run('ZRANGEBYSCORE', 'z', '-inf', '(3')).toEqual(['$"a"', '$"b"']);
    expect(run('ZRANGE', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '1', '2')).toEqual([
      '$"d"',
      '$"c"',
    ]);
    expect(run('ZREVRANGEBYSCORE', 'z', '4', '2', 'WITHSCORES', 'LIMIT', '0', '1')).toEqual([
      '$"d"',
      '$"4"',
    ]);
    expect(run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '2')).toEqual([]);
    expect(run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '3', '-1')).toEqual([
      '$"d"',
      '$"e"',
    ]);
    expect(run('ZCOUNT', 'z', '(1', '(1')).toBe(':0');
    expect(run('ZCOUNT', 'z', '2', '+inf')).toBe(':4');
    expect(run('ZCOUNT', 'z', 'x', '1')).toBe('-ERR min or max is not a float');
    expect(run('ZREMRANGEBYSCORE', 'z', '(4', 'inf')).toBe(':1');
    expect(run('ZCARD', 'z')).toBe(':4');
  });

  it('lex ranges over equal scores', () => {
    const { run } = engineFixture();
    run('ZADD', 'z', '0', 'a', '0', 'ab', '0', 'b', '0', 'c');
    expect(run('ZRANGE', 'z', '[a', '(b', 'BYLEX')).toEqual(['$"a"', '$"ab"']);
    expect(run('ZRANGEBYLEX', 'z', '(a', '+')).toEqual(['$"ab"', '$"b"', '$"c"']);
    expect(run('ZREVRANGEBYLEX', 'z', '+', '-', 'LIMIT', '1', '2')).toEqual(['$"b"', '$"ab"']);
    expect(run('ZLEXCOUNT', 'z', '-', '+')).toBe(':4');
    expect(run('ZLEXCOUNT', 'z', 'a', '+')).toBe('-ERR min or max not valid string range item');
    expect(run('ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES')).toBe(
      '-ERR syntax error, WITHSCORES not supported in combination with BYLEX',
    );
    expect(run('ZREMRANGEBYLEX', 'z', '[ab', '[b')).toBe(':2');
    expect(run('ZRANGE', 'z', '0', '-1')).toEqual(['$"a"', '$"c"']);
  });

  it('ZPOPMIN/ZPOPMAX, ZMSCORE, ZREM; an emptied set is deleted', () => {
    const { run } = engineFixture();
    run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(run('ZMSCORE', 'z', 'a', 'nope')).toEqual(['$"1"', '$nil']);
    expect(run('ZPOPMAX', 'z')).toEqual(['$"c"', '$"3"']);
    expect(run('ZPOPMIN', 'z', '5')).toEqual(['$"a"', '$"1"', '$"b"', '$"2"']);
    expect(run('EXISTS', 'z')).toBe(':0');
    expect(run('ZPOPMIN', 'z')).toEqual([]);
    expect(run('ZPOPMIN', 'z', '-1')).toBe('-ERR value is out of range, must be positive');
    run('ZADD', 'z', '1', 'a');
    expect(run('ZREM', 'z', 'a', 'nope')).toBe(':1');
    expect(run('TYPE', 'z')).toBe('+none');
  });

  it('ZRANGESTORE stores a range, deletes the destination on an empty one', () => {
    const { run } = engineFixture();
    run('ZADD', 'src', '1', 'a', '2', 'b', '3', 'c');
    run('SET', 'dst', 'v');
    expect(run('ZRANGESTORE', 'dst', 'src', '(1', '+inf', 'BYSCORE')).toBe(':2');
    expect(run('ZRANGE', 'dst', '0', '-1', 'WITHSCORES')).toEqual(['$"b"', '$"2"', '$"c"', '$"3"']);
    expect(run('ZRANGESTORE', 'dst', 'src', '5', '9')).toBe(':0');
    expect(run('EXISTS', 'dst')).toBe(':0');
  });

  it('ZSCAN: a small set whole in order, a big one page by page', () => {
    const { run } = engineFixture();
    run('ZADD', 'z', '2', 'b', '1', 'a');
    expect(run('ZSCAN', 'z', '0', 'COUNT', '1')).toEqual([
      '$"0"',
      ['$"a"', '$"1"', '$"b"', '$"2"'],
    ]);
    for (let i = 0; i < 300; i++) run('ZADD', 'big', String(i), `m${i}`);
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, items] = run('ZSCAN', 'big', cursor, 'COUNT', '40') as [string, string[]];
      cursor = JSON.parse(next.slice(1));
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      // Score changes mid-scan reorder the sorted array, not the walk.
      run('ZINCRBY', 'big', '1000', 'm0');
    } while (cursor !== '0');
    expect(seen.size).toBe(300);
    expect(seen.get('$"m299"')).toBe('$"299"');
  });

  it('ZUNIONSTORE / ZINTERSTORE with WEIGHTS and AGGREGATE; plain sets count as score 1', () => {
    const { run } = engineFixture();
    run('ZADD', 'day1', '3', 'home', '1', 'about');
    run('ZADD', 'day2', '5', 'home', '2', 'blog');
    run('SADD', 'featured', 'home', 'blog');
    expect(run('ZUNIONSTORE', 'week', '2', 'day1', 'day2')).toBe(':3');
    expect(run('ZRANGE', 'week', '0', '-1', 'WITHSCORES')).toEqual([
      '$"about"',
      '$"1"',
      '$"blog"',
      '$"2"',
      '$"home"',
      '$"8"',
    ]);
    expect(run('ZINTER', '2', 'day1', 'day2', 'AGGREGATE', 'MAX', 'WITHSCORES')).toEqual([
      '$"home"',
      '$"5"',
    ]);
    expect(run('ZUNION', '2', 'day2', 'featured', 'WEIGHTS', '1', '10', 'WITHSCORES')).toEqual([
      '$"blog"',
      '$"12"',
      '$"home"',
      '$"15"',
    ]);
    expect(run('ZDIFF', '2', 'day1', 'day2')).toEqual(['$"about"']);
    expect(run('ZINTERCARD', '2', 'day1', 'featured', 'LIMIT', '1')).toBe(':1');
    expect(run('ZINTERSTORE', 'week', '2', 'day1', 'nope')).toBe(':0');
    expect(run('EXISTS', 'week')).toBe(':0');
    expect(run('ZUNION', '0', 'day1')).toBe(
      "-ERR at least 1 input key is needed for 'zunion' command",
    );
    expect(run('ZUNION', '2', 'day1', 'day2', 'WEIGHTS', '1', 'x')).toBe(
      '-ERR weight value is not a float',
    );
    run('SET', 'str', 'v');
    expect(run('ZUNION', '2', 'day1', 'str')).toMatch(/^-WRONGTYPE/);
  });

  it('ZRANDMEMBER: distinct picks, repeats for a negative count, a refusal when absurd', () => {
    const { run } = engineFixture();
    run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(new Set(run('ZRANDMEMBER', 'z', '3') as string[]).size).toBe(3);
    expect(run('ZRANDMEMBER', 'z', '-7')).toHaveLength(7);
    const withScores = run('ZRANDMEMBER', 'z', '2', 'WITHSCORES') as string[];
    expect(withScores).toHaveLength(4);
    expect(['$"1"', '$"2"', '$"3"']).toContain(withScores[1]);
    expect(run('ZRANDMEMBER', 'z', '-100000000')).toMatch(/^-ERR count 100000000 is too large/);
    expect(run('ZRANDMEMBER', 'z', '1', 'WITHSCORE')).toBe('-ERR syntax error');
  });

  it('ZMPOP replies with the key and [member, score] pairs', () => {
    const { run } = engineFixture();
    run('ZADD', 'z', '1', 'a', '2', 'b');
    expect(run('ZMPOP', '2', 'nope', 'z', 'MAX', 'COUNT', '5')).toEqual([
      '$"z"',
      [
        ['$"b"', '$"2"'],
        ['$"a"', '$"1"'],
      ],
    ]);
    expect(run('EXISTS', 'z')).toBe(':0');
    expect(run('ZMPOP', '1', 'z', 'MIN')).toBe('*nil');
  });

  it('binary-safe members order bytewise', () => {
    const { raw } = engineFixture();
    const high = Buffer.from([0xff]);
    const low = Buffer.from([0x00, 0x01]);
    raw('ZADD', 'z', '1', high, '1', low, '1', 'a');
    const members = raw('ZRANGE', 'z', '0', '-1') as Buffer[];
    expect(members.map((m) => m.toString('hex'))).toEqual(['0001', '61', 'ff']);
  });

  it('every sorted set command refuses a key of another type', () => {
    const { run } = engineFixture();
    run('SET', 'str', 'v');
    for (const cmd of [
      ['ZADD', 'str', '1', 'a'],
      ['ZINCRBY', 'str', '1', 'a'],
      ['ZSCORE', 'str', 'a'],
      ['ZRANK', 'str', 'a'],
      ['ZRANGE', 'str', '0', '-1'],
      ['ZCOUNT', 'str', '0', '1'],
      ['ZREM', 'str', 'a'],
      ['ZPOPMIN', 'str', '0'],
      ['ZSCAN', 'str', '0'],
      ['ZRANGESTORE', 'dst', 'str', '0', '-1'],
    ]) {
      expect(run(...cmd), cmd.join(' ')).toMatch(/^-WRONGTYPE /);
    }
  });
});

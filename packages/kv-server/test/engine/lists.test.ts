import { describe, expect, it } from 'vitest';
import { ListValue } from '../../src/engine/commands/lists.ts';
import { collectionRestorers } from '../../src/engine/restorers.ts';
import { seededRng } from '../differential/generators-shared.ts';
import { engineFixture } from './helpers.ts';

describe('the list deque', () => {
  it('matches a plain array through growth, wrap-around and shrinking', () => {
    const list = new ListValue();
    const model: string[] = [];
    // A fixed pseudo-random walk: pushes win early (growth), pops win late (shrink).
    const next = seededRng(7);
    for (let i = 0; i < 6_000; i++) {
      const pushBias = i < 3_000 ? 0.7 : 0.3;
      const r = next();
      const value = `v${i}`;
      if (r < pushBias / 2) {
        list.pushFront(value);
        model.unshift(value);
      } else if (r < pushBias) {
        list.pushBack(value);
        model.push(value);
      } else if (r < (1 + pushBias) / 2) {
        expect(list.popFront()).toBe(model.shift());
      } else {
        expect(list.popBack()).toBe(model.pop());
      }
      expect(list.size).toBe(model.length);
    }
    expect(list.slice(0, list.size)).toEqual(model);
    if (model.length > 0) {
      expect(list.get(0)).toBe(model[0]);
      expect(list.get(model.length - 1)).toBe(model.at(-1));
    }
  });

  it('round-trips through its snapshot form', () => {
    const list = new ListValue(['a', '\u0000\u00ff', '']);
    const restored = collectionRestorers.get('list')?.(list.toSnapshot()) as ListValue;
    expect(restored.toSnapshot()).toEqual(['a', '\u0000\u00ff', '']);
  });
});

describe('list commands', () => {
  it('push and pop at both ends; popping the last element deletes the key', () => {
    const { run } = engineFixture();
    expect(run('RPUSH', 'l', 'b', 'c')).toBe(':2');
    expect(run('LPUSH', 'l', 'a', 'z')).toBe(':4');
    expect(run('LRANGE', 'l', '0', '-1')).toEqual(['$"z"', '$"a"', '$"b"', '$"c"']);
    expect(run('LPOP', 'l')).toBe('$"z"');
    expect(run('RPOP', 'l', '2')).toEqual(['$"c"', '$"b"']);
    expect(run('LPOP', 'l', '0')).toEqual([]);
    expect(run('RPOP', 'l')).toBe('$"a"');
    expect(run('TYPE', 'l')).toBe('+none');
    expect(run('LPOP', 'l')).toBe('$nil');
    // With a count, a missing key is the null array, not the null bulk string.
    expect(run('LPOP', 'l', '1')).toBe('*nil');
    expect(run('LPOP', 'l', '-1')).toBe('-ERR value is out of range, must be positive');
    expect(run('LPOP', 'l', '1', '2')).toBe("-ERR wrong number of arguments for 'lpop' command");
    expect(run('LPUSHX', 'l', 'a')).toBe(':0');
    expect(run('EXISTS', 'l')).toBe(':0');
  });

  it('indexes count from either end and clamp like Redis', () => {
    const { run } = engineFixture();
    run('RPUSH', 'l', 'a', 'b', 'c', 'd');
    expect(run('LRANGE', 'l', '-2', '100')).toEqual(['$"c"', '$"d"']);
    expect(run('LRANGE', 'l', '-100', '0')).toEqual(['$"a"']);
    expect(run('LRANGE', 'l', '3', '1')).toEqual([]);
    expect(run('LRANGE', 'l', '0', '9223372036854775807')).toHaveLength(4);
    expect(run('LRANGE', 'l', '0', '9223372036854775808')).toBe(
      '-ERR value is not an integer or out of range',
    );
    expect(run('LINDEX', 'l', '-1')).toBe('$"d"');
    expect(run('LINDEX', 'l', '4')).toBe('$nil');
    expect(run('LSET', 'l', '-4', 'A')).toBe('+OK');
    expect(run('LSET', 'l', '4', 'x')).toBe('-ERR index out of range');
    expect(run('LSET', 'nope', '0', 'x')).toBe('-ERR no such key');
    expect(run('LTRIM', 'l', '1', '-2')).toBe('+OK');
    expect(run('LRANGE', 'l', '0', '-1')).toEqual(['$"b"', '$"c"']);
    expect(run('LTRIM', 'l', '5', '10')).toBe('+OK');
    expect(run('EXISTS', 'l')).toBe(':0');
  });

  it('LREM from the head, the tail or everywhere; LINSERT before and after', () => {
    const { run } = engineFixture();
    run('RPUSH', 'l', 'a', 'b', 'a', 'c', 'a');
    expect(run('LREM', 'l', '-1', 'a')).toBe(':1');
    expect(run('LRANGE', 'l', '0', '-1')).toEqual(['$"a"', '$"b"', '$"a"', '$"c"']);
    expect(run('LREM', 'l', '1', 'a')).toBe(':1');
    expect(run('LREM', 'l', '0', 'a')).toBe(':1');
    expect(run('LINSERT', 'l', 'BEFORE', 'c', 'x')).toBe(':3');
    expect(run('LINSERT', 'l', 'after', 'c', 'y')).toBe(':4');
    expect(run('LINSERT', 'l', 'after', 'nope', 'y')).toBe(':-1');
    expect(run('LINSERT', 'l', 'inside', 'c', 'y')).toBe('-ERR syntax error');
    expect(run('LRANGE', 'l', '0', '-1')).toEqual(['$"b"', '$"x"', '$"c"', '$"y"']);
  });

  it('LPOS with RANK, COUNT and MAXLEN', () => {
    const { run } = engineFixture();
    run('RPUSH', 'l', 'a', 'x', 'b', 'x', 'c', 'x');
    expect(run('LPOS', 'l', 'x')).toBe(':1');
    expect(run('LPOS', 'l', 'x', 'RANK', '-1')).toBe(':5');
    expect(run('LPOS', 'l', 'x', 'RANK', '2', 'COUNT', '0')).toEqual([':3', ':5']);
    expect(run('LPOS', 'l', 'x', 'COUNT', '0', 'MAXLEN', '4')).toEqual([':1', ':3']);
    expect(run('LPOS', 'l', 'nope')).toBe('$nil');
    expect(run('LPOS', 'l', 'nope', 'COUNT', '1')).toEqual([]);
    expect(run('LPOS', 'l', 'x', 'RANK', '0')).toMatch(/^-ERR RANK can't be zero/);
    expect(run('LPOS', 'l', 'x', 'COUNT', '-1')).toBe("-ERR COUNT can't be negative");
    expect(run('LPOS', 'l', 'x', 'MAXLEN', 'x')).toBe("-ERR MAXLEN can't be negative");
  });

  it('LMOVE and RPOPLPUSH, including rotating a list onto itself', () => {
    const { run } = engineFixture();
    run('RPUSH', 'src', 'a', 'b', 'c');
    expect(run('LMOVE', 'src', 'src', 'LEFT', 'RIGHT')).toBe('$"a"');
    expect(run('LRANGE', 'src', '0', '-1')).toEqual(['$"b"', '$"c"', '$"a"']);
    expect(run('RPOPLPUSH', 'src', 'dst')).toBe('$"a"');
    expect(run('LMOVE', 'src', 'dst', 'left', 'right')).toBe('$"b"');
    expect(run('LMOVE', 'src', 'dst', 'up', 'right')).toBe('-ERR syntax error');
    expect(run('LMOVE', 'src', 'dst', 'RIGHT', 'LEFT')).toBe('$"c"');
    expect(run('EXISTS', 'src')).toBe(':0');
    expect(run('LRANGE', 'dst', '0', '-1')).toEqual(['$"c"', '$"a"', '$"b"']);
    expect(run('LMOVE', 'src', 'dst', 'LEFT', 'LEFT')).toBe('$nil');
    // A wrong-typed destination is refused before anything is popped.
    run('SET', 'str', 'v');
    expect(run('LMOVE', 'dst', 'str', 'LEFT', 'LEFT')).toMatch(/^-WRONGTYPE/);
    expect(run('LLEN', 'dst')).toBe(':3');
  });

  it('LMPOP pops from the first non-empty list and names it', () => {
    const { run } = engineFixture();
    run('RPUSH', 'b', '1', '2', '3');
    expect(run('LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '2')).toEqual(['$"b"', ['$"3"', '$"2"']]);
    expect(run('LMPOP', '1', 'a', 'LEFT')).toBe('*nil');
    expect(run('LMPOP', '0', 'b', 'LEFT')).toBe('-ERR numkeys should be greater than 0');
    expect(run('LMPOP', '1', 'b', 'LEFT', 'COUNT', '0')).toBe(
      '-ERR count should be greater than 0',
    );
  });

  it('binary elements come back byte for byte', () => {
    const { raw } = engineFixture();
    const bytes = Buffer.from([0, 0xff, 0xc3, 0x28, 13, 10]);
    raw('RPUSH', 'l', bytes);
    expect((raw('LINDEX', 'l', '0') as Buffer).equals(bytes)).toBe(true);
    expect(raw('LPOS', 'l', bytes)).toBe(0);
  });

  it('every list command refuses a key of another type', () => {
    const { run } = engineFixture();
    run('SET', 'str', 'v');
    for (const cmd of [
      ['LPUSH', 'str', 'a'],
      ['RPUSHX', 'str', 'a'],
      ['LPOP', 'str'],
      ['LLEN', 'str'],
      ['LRANGE', 'str', '0', '1'],
      ['LINDEX', 'str', '0'],
      ['LSET', 'str', '0', 'a'],
      ['LREM', 'str', '0', 'a'],
      ['LTRIM', 'str', '0', '1'],
      ['LINSERT', 'str', 'BEFORE', 'a', 'b'],
      ['LPOS', 'str', 'a'],
      ['RPOPLPUSH', 'str', 'other'],
    ]) {
      expect(run(...cmd), cmd.join(' ')).toBe(
        '-WRONGTYPE Operation against a key holding the wrong kind of value',
      );
    }
  });

  it('WATCH sees in-place changes', () => {
    const { connect, run } = engineFixture();
    run('RPUSH', 'l', 'a');
    const watcher = connect();
    watcher.raw('WATCH', 'l');
    run('RPUSH', 'l', 'b');
    expect(watcher.session.watchDirty).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { SetValue } from '../../src/engine/commands/sets.ts';
import { collectionRestorers } from '../../src/engine/restorers.ts';
import type { SetReply } from '../../src/protocol/reply.ts';
import { seededRng } from '../differential/generators-shared.ts';
import { engineFixture } from './helpers.ts';

const sorted = (reply: unknown) => (reply as string[]).slice().sort();

describe('the set structure', () => {
  it('stays consistent through adds and swap-removes, and picks only members', () => {
    const set = new SetValue();
    const model = new Set<string>();
    const next = seededRng(5);
    for (let i = 0; i < 5_000; i++) {
      const member = `m${Math.floor(next() * 500)}`;
      if (next() < 0.55) expect(set.add(member)).toBe(!model.has(member) && !!model.add(member));
      else expect(set.delete(member)).toBe(model.delete(member));
      expect(set.size).toBe(model.size);
      if (set.size > 0) expect(model.has(set.randomMember())).toBe(true);
    }
    expect([...set.values()].sort()).toEqual([...model].sort());
    for (const member of model) expect(set.has(member)).toBe(true);
  });
});

describe('set commands', () => {
  it('SADD counts new members; SREM of the last member deletes the key', () => {
    const { run } = engineFixture();
    expect(run('SADD', 's', 'a', 'b', 'a')).toBe(':2');
    expect(run('SADD', 's', 'a')).toBe(':0');
    expect(run('SCARD', 's')).toBe(':2');
    expect(run('SISMEMBER', 's', 'a')).toBe(':1');
    expect(run('SMISMEMBER', 's', 'a', 'z', 'b')).toEqual([':1', ':0', ':1']);
    expect(run('SMISMEMBER', 'nope', 'a')).toEqual([':0']);
    expect(run('SREM', 's', 'a', 'b', 'c')).toBe(':2');
    expect(run('EXISTS', 's')).toBe(':0');
  });

  it('a set of integers replies in numeric order, as a Redis intset does', () => {
    const { run } = engineFixture();
    run('SADD', 'i', '10', '-5', '2', '9223372036854775807', '-9223372036854775808');
    expect(run('SMEMBERS', 'i')).toEqual([
      '$"-9223372036854775808"',
      '$"-5"',
      '$"2"',
      '$"10"',
      '$"9223372036854775807"',
    ]);
    // One non-integer and it is a hash table for good: same members, no promised order.
    run('SADD', 'i', 'x');
    run('SREM', 'i', 'x');
    expect(sorted(run('SMEMBERS', 'i'))).toHaveLength(5);
  });

  it('SINTER SUNION SDIFF: a missing key is an empty set; WRONGTYPE wins anywhere', () => {
    const { run } = engineFixture();
    run('SADD', 'a', 'x', 'y', 'z');
    run('SADD', 'b', 'y', 'z', 'w');
    run('SET', 'str', 'v');
    expect(sorted(run('SINTER', 'a', 'b'))).toEqual(['$"y"', '$"z"']);
    expect(sorted(run('SUNION', 'a', 'b', 'nope'))).toEqual(['$"w"', '$"x"', '$"y"', '$"z"']);
    expect(sorted(run('SDIFF', 'a', 'b'))).toEqual(['$"x"']);
    expect(run('SINTER', 'a', 'nope')).toEqual([]);
    expect(run('SINTER', 'nope', 'str')).toMatch(/^-WRONGTYPE/);
    expect(run('SDIFF', 'nope', 'str')).toMatch(/^-WRONGTYPE/);
  });

  it('the STORE forms overwrite any type, drop the TTL, and delete on an empty result', () => {
    const { run } = engineFixture();
    run('SADD', 'a', 'x', 'y');
    run('SADD', 'b', 'y');
    run('SET', 'dst', 'v', 'EX', '100');
    expect(run('SINTERSTORE', 'dst', 'a', 'b')).toBe(':1');
    expect(run('TYPE', 'dst')).toBe('+set');
    expect(run('TTL', 'dst')).toBe(':-1');
    expect(run('SUNIONSTORE', 'dst', 'a', 'b')).toBe(':2');
    expect(run('SDIFFSTORE', 'dst', 'b', 'a')).toBe(':0');
    expect(run('EXISTS', 'dst')).toBe(':0');
  });

  it('SINTERCARD with LIMIT, and its argument errors', () => {
    const { run } = engineFixture();
    run('SADD', 'a', '1', '2', '3', '4');
    run('SADD', 'b', '2', '3', '4', '5');
    expect(run('SINTERCARD', '2', 'a', 'b')).toBe(':3');
    expect(run('SINTERCARD', '2', 'a', 'b', 'LIMIT', '2')).toBe(':2');
    expect(run('SINTERCARD', '2', 'a', 'b', 'LIMIT', '0')).toBe(':3');
    expect(run('SINTERCARD', '0', 'a')).toBe('-ERR numkeys should be greater than 0');
    expect(run('SINTERCARD', '3', 'a', 'b')).toBe(
      "-ERR Number of keys can't be greater than number of args",
    );
    expect(run('SINTERCARD', '2', 'a', 'b', 'LIMIT', '-1')).toBe("-ERR LIMIT can't be negative");
    expect(run('SINTERCARD', '1', 'a', 'b')).toBe('-ERR syntax error');
  });

  it('SMOVE between sets, onto itself, and out of the last member', () => {
    const { run } = engineFixture();
    run('SADD', 'a', 'x');
    expect(run('SMOVE', 'a', 'a', 'x')).toBe(':1');
    expect(run('SMOVE', 'a', 'a', 'nope')).toBe(':0');
    expect(run('SMOVE', 'a', 'b', 'x')).toBe(':1');
    expect(run('EXISTS', 'a')).toBe(':0');
    expect(run('SMEMBERS', 'b')).toEqual(['$"x"']);
    run('SET', 'str', 'v');
    // A missing source answers 0 before the destination's type is looked at.
    expect(run('SMOVE', 'nope', 'str', 'x')).toBe(':0');
    expect(run('SMOVE', 'b', 'str', 'x')).toMatch(/^-WRONGTYPE/);
  });

  it('SPOP removes what it returns; SRANDMEMBER repeats only for a negative count', () => {
    const { run } = engineFixture();
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
    run('SADD', 's', ...members);
    const popped = run('SPOP', 's', '4') as string[];
    expect(new Set(popped).size).toBe(4);
    expect(run('SCARD', 's')).toBe(':6');
    for (const m of popped) expect(run('SISMEMBER', 's', JSON.parse(m.slice(1)))).toBe(':0');
    expect(new Set(run('SRANDMEMBER', 's', '5') as string[]).size).toBe(5);
    expect(run('SRANDMEMBER', 's', '100')).toHaveLength(6);
    expect(run('SRANDMEMBER', 's', '-100')).toHaveLength(100);
    expect(run('SCARD', 's')).toBe(':6');
    expect(run('SPOP', 's', '100')).toHaveLength(6);
    expect(run('EXISTS', 's')).toBe(':0');
    expect(run('SPOP', 's')).toBe('$nil');
    expect(run('SPOP', 's', '-1')).toBe('-ERR value is out of range, must be positive');
    expect(run('SPOP', 's', '1', '2')).toBe('-ERR syntax error');
  });

  it('SSCAN: an intset whole and in order, a big set page by page with MATCH', () => {
    const { run } = engineFixture();
    run('SADD', 'i', '3', '1', '2');
    expect(run('SSCAN', 'i', '0', 'COUNT', '1')).toEqual(['$"0"', ['$"1"', '$"2"', '$"3"']]);
    for (let i = 0; i < 200; i++) run('SADD', 'big', `m${i}`);
    const seen = new Set<string>();
    let cursor = '"0"';
    do {
      const [next, items] = run('SSCAN', 'big', JSON.parse(cursor), 'MATCH', 'm1*') as [
        string,
        string[],
      ];
      cursor = next.slice(1);
      for (const item of items) seen.add(item);
    } while (cursor !== '"0"');
    // m1, m10-m19, m100-m199
    expect(seen.size).toBe(111);
  });

  it('binary-safe members', () => {
    const { raw } = engineFixture();
    const member = Buffer.from([0, 0xff, 0xc3, 0x28]);
    expect(raw('SADD', 's', member)).toBe(1);
    expect(raw('SISMEMBER', 's', member)).toBe(1);
    expect(((raw('SMEMBERS', 's') as SetReply).items[0] as Buffer).equals(member)).toBe(true);
  });

  it('restores from a snapshot with its members and intset flag', () => {
    const set = new SetValue(['1', '2', 'x']);
    const restored = collectionRestorers.get('set')?.(set.toSnapshot()) as SetValue;
    expect([...restored.values()]).toEqual(['1', '2', 'x']);
    expect(restored.intset).toBe(false);
  });
});

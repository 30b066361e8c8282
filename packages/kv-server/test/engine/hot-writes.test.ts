// The cheaper LPUSH and MSET (issue 12), in the engine: a list against a plain array through
// long random runs that cross from the ring to blocks and back, and MSET's repeated keys with
// what only kv-server's own clock and INFO show (expiry counts, LFU counters, used memory).

import { describe, expect, it } from 'vitest';
import { engineFixture } from './helpers.ts';

/** A field of an INFO reply's text. */
function infoField(text: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

/** A small deterministic generator (the runs must replay the same on failure). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

describe('a list against a plain array', () => {
  it.each([
    // [seed, steps, bias]: a bias above 0.5 grows the list, below it drains it.
    [1, 4000, 0.62],
    [2, 4000, 0.5],
    [3, 3000, 0.7],
  ])('random pushes, pops and edits at both ends (seed %i)', (seed, steps, bias) => {
    const f = engineFixture();
    const next = random(seed);
    const model: string[] = [];
    for (let step = 0; step < steps; step++) {
      const r = next();
      const left = next() < 0.5;
      // Often the same value (stored as its neighbour's string), sometimes a new one.
      const value = next() < 0.7 ? 'xxx' : `v${step}`;
      if (r < bias) {
        const count = 1 + Math.floor(next() * (next() < 0.1 ? 600 : 4));
        const pushed = Array.from({ length: count }, (_, i) => (i % 3 === 0 ? value : 'xxx'));
        expect(f.raw(left ? 'LPUSH' : 'RPUSH', 'l', ...pushed)).toBe(model.length + count);
        if (left) for (const v of pushed) model.unshift(v);
        else model.push(...pushed);
      } else if (r < bias + (1 - bias) * 0.8) {
        const count = 1 + Math.floor(next() * (next() < 0.1 ? 700 : 3));
        const popped = f.run(left ? 'LPOP' : 'RPOP', 'l', String(count));
        const expected = left ? model.splice(0, count) : model.splice(-count).reverse();
        expect(popped).toEqual(expected.length === 0 ? '*nil' : expected.map((v) => `$"${v}"`));
      } else if (model.length > 0) {
        const index = Math.floor(next() * model.length);
        f.run('LSET', 'l', String(index), value);
        model[index] = value;
      }
      if (step % 50 === 0 || model.length < 3) {
        expect(f.raw('LLEN', 'l')).toBe(model.length);
        const probe = model.length === 0 ? 0 : Math.floor(next() * model.length);
        for (const i of [0, -1, probe, probe - model.length]) {
          const want = model.at(i);
          expect(f.run('LINDEX', 'l', String(i))).toBe(want === undefined ? '$nil' : `$"${want}"`);
        }
      }
    }
    expect(f.run('LRANGE', 'l', '0', '-1')).toEqual(
      model.length === 0 ? [] : model.map((v) => `$"${v}"`),
    );
  });

  it('a queue far longer in total than it is at any time (its row of blocks stays short)', () => {
    const f = engineFixture();
    let head = 0;
    let tail = 0;
    for (let round = 0; round < 60; round++) {
      const batch = Array.from({ length: 1500 }, () => String(tail++));
      f.raw('RPUSH', 'q', ...batch);
      const popped = f.raw('LPOP', 'q', '1500') as Buffer[];
      expect(popped[0]?.toString()).toBe(String(head));
      expect(popped.at(-1)?.toString()).toBe(String(head + 1499));
      head += 1500;
      // Kept long: 2000 elements stay between rounds after the first.
      if (round === 0) f.raw('RPUSH', 'q', ...Array.from({ length: 2000 }, () => String(tail++)));
    }
    expect(f.raw('LLEN', 'q')).toBe(2000);
    expect(f.run('LINDEX', 'q', '0')).toBe(`$"${head}"`);
    expect(f.run('LINDEX', 'q', '-1')).toBe(`$"${tail - 1}"`);
    // 2000 elements: two or three blocks of 1024 slots, and the row that holds them.
    const bytes = Number(f.raw('MEMORY', 'USAGE', 'q'));
    expect(bytes).toBeLessThan(2000 * 40 + 4 * 1024 * 8 + 10_000);
  });
});

describe('MSET with repeated keys', () => {
  it('counts an expired key once and drops every TTL, as SET does', () => {
    const f = engineFixture();
    f.run('SET', 'a', '1', 'PX', '100');
    f.run('SET', 'b', '1', 'PX', '100');
    f.run('SET', 'c', '1', 'EX', '100');
    f.clock.now += 200;
    expect(f.run('MSET', 'a', '2', 'a', '3', 'b', '4', 'c', '5', 'c', '6')).toBe('+OK');
    // Redis's setKey looks each key up for writing first: the two expired ones are counted.
    expect(infoField(String(f.raw('INFO', 'stats')), 'expired_keys')).toBe('2');
    expect(f.run('TTL', 'a')).toBe(':-1');
    expect(f.run('TTL', 'c')).toBe(':-1');
    expect(f.run('MGET', 'a', 'b', 'c')).toEqual(['$"3"', '$"4"', '$"6"']);
  });

  it('under an LFU policy, looks the key up once per pair (OBJECT FREQ)', () => {
    const f = engineFixture();
    f.run('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    // A new key starts at LFU_INIT_VAL (5); a lookup from 5 always increments (p = 1).
    f.run('MSET', 'k', 'a', 'k', 'b');
    expect(f.run('OBJECT', 'FREQ', 'k')).toBe(':6');
    f.run('SET', 'j', 'a');
    f.run('SET', 'j', 'b');
    expect(f.run('OBJECT', 'FREQ', 'j')).toBe(':6');
  });

  it('charges used memory for the value left, as one SET would', () => {
    const once = engineFixture();
    once.run('SET', 'k', 'final');
    const repeated = engineFixture();
    repeated.run('MSET', 'k', 'a-much-longer-first-value-of-the-key', 'k', 'x', 'k', 'final');
    const used = (f: typeof once) => infoField(String(f.raw('INFO', 'memory')), 'used_memory');
    expect(used(repeated)).toBe(used(once));
    expect(repeated.raw('MEMORY', 'USAGE', 'k')).toBe(once.raw('MEMORY', 'USAGE', 'k'));
  });
});

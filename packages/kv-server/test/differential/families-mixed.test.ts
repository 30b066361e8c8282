// Seeded random sequences that mix issue 11's families on shared keys, engine vs real Redis 7.0:
// bitmaps, HyperLogLog, geo, SORT, COPY, DUMP/RESTORE round trips, with strings, lists and
// sets written over the same names, so WRONGTYPE paths, type changes (a bitmap turned into an
// HLL error, SETRANGE on a bitmap, a geo set sorted) and the bitmap write cache are exercised
// together. Each run uses four fixed seeds and one fresh one, named in the test: replay one with
// DIFF_SEED=<seed>, or try many with DIFF_SEEDS=<count> (a soak run).

import { it } from 'vitest';
import { int, pick, type Rng, seededRng } from './generators-shared.ts';
import { type Arg, describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

const KEYS = ['a', 'b', 'c', 'g', 'l'];

function randomStep(rng: Rng): Step {
  const key = pick(rng, KEYS);
  const other = pick(rng, KEYS);
  const off = () => String(pick(rng, [int(rng, 0, 64), int(rng, 0, 2000), 7, 8, 9]));
  const lon = () => (rng() * 360 - 180).toFixed(int(rng, 0, 6));
  const lat = () => (rng() * 170 - 85).toFixed(int(rng, 0, 6));
  switch (int(rng, 0, 19)) {
    case 0:
    case 1:
      return { cmd: ['SETBIT', key, off(), pick(rng, ['0', '1'])] };
    case 2:
      return {
        cmd: [
          'BITCOUNT',
          key,
          String(int(rng, -5, 5)),
          String(int(rng, -5, 50)),
          pick(rng, ['BIT', 'BYTE']),
        ],
      };
    case 3:
      return { cmd: ['BITPOS', key, pick(rng, ['0', '1'])] };
    case 4:
      return { cmd: ['BITOP', pick(rng, ['AND', 'OR', 'XOR']), key, other, pick(rng, KEYS)] };
    case 5:
      return {
        cmd: ['BITFIELD', key, 'INCRBY', `u${int(rng, 1, 20)}`, off(), String(int(rng, -100, 100))],
      };
    case 6:
    case 7:
      return {
        cmd: [
          'PFADD',
          key,
          ...Array.from({ length: int(rng, 1, 30) }, () => `e${int(rng, 0, 500)}`),
        ],
      };
    case 8:
      return { cmd: ['PFCOUNT', key, ...(rng() < 0.3 ? [other] : [])] };
    case 9:
      return { cmd: ['PFMERGE', key, other] };
    case 10:
    case 11:
      return { cmd: ['GEOADD', key, lon(), lat(), `m${int(rng, 0, 20)}`] };
    case 12:
      return {
        cmd: [
          'GEOSEARCH',
          key,
          'FROMLONLAT',
          lon(),
          lat(),
          'BYRADIUS',
          String(int(rng, 100, 20000)),
          'km',
          'ASC',
          'WITHDIST',
        ],
      };
    case 13:
      return { cmd: ['GEOPOS', key, `m${int(rng, 0, 20)}`] };
    case 14: {
      const opts: Arg[] = rng() < 0.5 ? ['ALPHA'] : [];
      if (rng() < 0.4) opts.push('LIMIT', String(int(rng, 0, 5)), String(int(rng, 1, 5)));
      return { cmd: ['SORT', key, ...opts] };
    }
    case 15:
      return { cmd: ['COPY', key, other, ...(rng() < 0.5 ? ['REPLACE'] : [])] };
    case 16:
      return { cmd: ['SETRANGE', key, off(), pick(rng, ['x', 'HYLL', '\u0001\u0002'])] };
    case 17:
      return { cmd: [pick(rng, ['RPUSH', 'SADD']), key, String(int(rng, 0, 9)), 'w'] };
    case 18:
      return { cmd: ['DEL', key] };
    default:
      return { cmd: ['APPEND', key, 'z'] };
  }
}

const replay = process.env.DIFF_SEED;
const fresh = Number(process.env.DIFF_SEEDS ?? 1);
const base = Date.now() % 100_000;
const seeds = replay
  ? [Number(replay)]
  : [1, 2, 3, 4, ...Array.from({ length: fresh }, (_, i) => base + i)];

describeDifferential('differential: issue 11 families mixed', () => {
  for (const seed of seeds) {
    it(`random mixed sequence (seed ${seed})`, () => {
      const rng = seededRng(seed);
      const steps: Step[] = [];
      for (let i = 0; i < 250; i++) steps.push(randomStep(rng));
      for (const key of KEYS) {
        steps.push(
          { cmd: ['TYPE', key] },
          { cmd: ['GET', key] },
          { cmd: ['STRLEN', key] },
          { cmd: ['ZRANGE', key, '0', '-1', 'WITHSCORES'] },
        );
      }
      return diff.expectSame(steps);
    });
  }
});

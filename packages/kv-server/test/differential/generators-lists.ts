// Random list commands for the differential suites: pushes, pops, ranges and moves over a few
// keys, with indexes around (and beyond) the ends.

import { BINARY, int, pick, type Rng, some, step, weighKeys } from './generators-shared.ts';
import type { Step } from './harness.ts';

/** Keys the generator touches. `str` should hold a string (WRONGTYPE paths). */
export const LIST_KEYS = ['l1', 'l2', 'str', 'missing'] as const;
const WEIGHTED_KEYS = weighKeys(LIST_KEYS);
const ELEMENTS = ['a', 'b', 'c', '1', '', BINARY] as const;
const ENDS = ['LEFT', 'RIGHT', 'left', 'up'] as const;

function index(rng: Rng): string {
  return pick(rng, [String(int(rng, -8, 8)), '100', '-100', 'x', '9223372036854775807']);
}

export function randomListCommand(rng: Rng): Step {
  const key = pick(rng, WEIGHTED_KEYS);
  const element = () => pick(rng, ELEMENTS);
  switch (int(rng, 0, 17)) {
    case 0:
    case 1:
      return step([pick(rng, ['LPUSH', 'RPUSH']), key, ...some(rng, ELEMENTS, 4)]);
    case 2:
      return step([pick(rng, ['LPUSHX', 'RPUSHX']), key, ...some(rng, ELEMENTS)]);
    case 3:
      return step([pick(rng, ['LPOP', 'RPOP']), key]);
    case 4:
      return step([pick(rng, ['LPOP', 'RPOP']), key, pick(rng, ['0', '1', '3', '-1', 'x'])]);
    case 5:
      return step(['LLEN', key]);
    case 6:
    case 7:
      return step(['LRANGE', key, index(rng), index(rng)]);
    case 8:
      return step(['LINDEX', key, index(rng)]);
    case 9:
      return step(['LSET', key, index(rng), element()]);
    case 10:
      return step(['LREM', key, pick(rng, ['0', '1', '-1', '2', '-2']), element()]);
    case 11:
      return step(['LTRIM', key, index(rng), index(rng)]);
    case 12:
      return step(['LINSERT', key, pick(rng, ['BEFORE', 'after', 'middle']), element(), element()]);
    case 13: {
      const options = some(rng, [
        ['RANK', pick(rng, ['1', '2', '-1', '-2', '0'])],
        ['COUNT', pick(rng, ['0', '1', '2', '-1'])],
        ['MAXLEN', pick(rng, ['0', '2', '-1'])],
      ]).flat();
      return step(['LPOS', key, element(), ...options]);
    }
    case 14:
      return step(['LMOVE', key, pick(rng, LIST_KEYS), pick(rng, ENDS), pick(rng, ENDS)]);
    case 15:
      return step(['RPOPLPUSH', key, pick(rng, LIST_KEYS)]);
    case 16:
      return step(
        pick(rng, [
          ['LPUSH', key],
          ['LPOP', key, '1', '2'],
          ['LMOVE', key, key],
        ]),
      );
    default:
      return step(['RPUSH', key, element()]);
  }
}

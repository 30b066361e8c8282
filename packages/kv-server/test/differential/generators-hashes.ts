// Random hash commands for the differential suites. Fields and values come from small pools so
// commands keep meeting the same fields; values stay short, so every hash stays what Redis calls
// a listpack (insertion order, HSCAN in one reply) and replies compare exactly.

import { BINARY, int, pick, type Rng, some, step, weighKeys } from './generators-shared.ts';
import type { Step } from './harness.ts';

/** Keys the generator touches. `str` should hold a string (WRONGTYPE paths). */
export const HASH_KEYS = ['h1', 'h2', 'str', 'missing'] as const;
const WEIGHTED_KEYS = weighKeys(HASH_KEYS);
const FIELDS = ['f1', 'f2', 'f3', 'n', 'x', '', BINARY] as const;
const VALUES = ['v', '', '12', '-3', '1.5', 'abc', '9223372036854775807', BINARY] as const;
const INCREMENTS = [
  '1',
  '-1',
  '0',
  '100',
  '9223372036854775807',
  '-9223372036854775808',
  'x',
  ' 1',
];
const FLOATS = ['1.5', '-0.25', '1e3', '0', 'inf', 'x', '5.0e-2', '0x10'];
const PATTERNS = ['*', 'f*', '?', 'f[12]', 'x'];

export function randomHashCommand(rng: Rng): Step {
  const key = pick(rng, WEIGHTED_KEYS);
  const field = () => pick(rng, FIELDS);
  const pairs = () => some(rng, FIELDS).flatMap((f) => [f, pick(rng, VALUES)]);
  switch (int(rng, 0, 16)) {
    case 0:
      return step(['HSET', key, ...pairs()]);
    case 1:
      return step(['HSETNX', key, field(), pick(rng, VALUES)]);
    case 2:
      return step(['HGET', key, field()]);
    case 3:
      return step(['HMGET', key, ...some(rng, FIELDS)]);
    case 4:
      return step(['HMSET', key, ...pairs()]);
    case 5:
      return step(['HGETALL', key]);
    case 6:
      return step(['HDEL', key, ...some(rng, FIELDS)]);
    case 7:
      return step(['HEXISTS', key, field()]);
    case 8:
      return step(['HLEN', key]);
    case 9:
      return step([pick(rng, ['HKEYS', 'HVALS']), key]);
    case 10:
      return step(['HINCRBY', key, field(), pick(rng, INCREMENTS)]);
    case 11:
      return step(['HINCRBYFLOAT', key, field(), pick(rng, FLOATS)]);
    case 12:
      return step(['HSTRLEN', key, field()]);
    case 13:
      return step(['HSCAN', key, '0', 'MATCH', pick(rng, PATTERNS)]);
    case 14:
      return step(['HRANDFIELD', key, String(int(rng, -3, 10))], 'shape');
    case 15:
      // Arity errors.
      return step(pick(rng, [['HSET', key, 'f'], ['HGET', key], ['HLEN']]));
    default:
      return step(['HSET', key, field(), pick(rng, VALUES)]);
  }
}

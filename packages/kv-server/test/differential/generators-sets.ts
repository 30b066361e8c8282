// Random set commands for the differential suites. Set replies are unordered in Redis (except
// for intsets), so whole-set replies compare as multisets. SPOP is left out: which member it
// removes is random, and the two sides would drift apart.

import {
  BINARY,
  int,
  pick,
  type Rng,
  scanUnordered,
  some,
  step,
  weighKeys,
} from './generators-shared.ts';
import type { Step } from './harness.ts';

/** Keys the generator touches. `str` should hold a string (WRONGTYPE paths). */
export const SET_KEYS = ['s1', 's2', 's3', 'str', 'missing'] as const;
const WEIGHTED_KEYS = weighKeys(SET_KEYS);
const MEMBERS = ['a', 'b', 'c', '1', '2', '-3', '10', '', BINARY] as const;

export function randomSetCommand(rng: Rng): Step {
  const key = pick(rng, WEIGHTED_KEYS);
  const keys = () => some(rng, SET_KEYS);
  switch (int(rng, 0, 15)) {
    case 0:
    case 1:
      return step(['SADD', key, ...some(rng, MEMBERS, 4)]);
    case 2:
      return step(['SREM', key, ...some(rng, MEMBERS)]);
    case 3:
      return step(['SMEMBERS', key], 'unordered');
    case 4:
      return step(['SISMEMBER', key, pick(rng, MEMBERS)]);
    case 5:
      return step(['SMISMEMBER', key, ...some(rng, MEMBERS)]);
    case 6:
      return step(['SCARD', key]);
    case 7:
      return step([pick(rng, ['SINTER', 'SUNION', 'SDIFF']), ...keys()], 'unordered');
    case 8:
      return step([pick(rng, ['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), key, ...keys()]);
    case 9: {
      const names = keys();
      const limit = rng() < 0.5 ? [] : ['LIMIT', pick(rng, ['0', '1', '2', '-1'])];
      return step(['SINTERCARD', String(names.length), ...names, ...limit]);
    }
    case 10:
      return step(['SMOVE', key, pick(rng, SET_KEYS), pick(rng, MEMBERS)]);
    case 11:
      return step(['SRANDMEMBER', key, pick(rng, ['0', '1', '3', '20', '-2', '-5'])], 'shape');
    case 12:
      return step(
        ['SSCAN', key, '0', 'MATCH', pick(rng, ['*', '1*', '?', '[ab]'])],
        scanUnordered(false),
      );
    case 13:
      return step(['SPOP', key, pick(rng, ['0', '-1', 'x'])]);
    case 14:
      return step(
        pick(rng, [
          ['SADD', key],
          ['SPOP', key, '1', '2'],
          ['SINTERCARD', '0', key],
        ]),
      );
    default:
      return step(['SADD', key, pick(rng, MEMBERS)]);
  }
}

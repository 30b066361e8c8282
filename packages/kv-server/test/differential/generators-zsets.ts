// Random sorted-set commands for the differential suites: ZADD with every flag combination,
// ranges by rank, score and lex with every option, and removals. Lex ranges are only defined
// when all scores are equal, so they run on `zl`, which only ever gets score 0.

import { BINARY, int, pick, type Rng, some, step, weighKeys } from './generators-shared.ts';
import type { Step } from './harness.ts';

/** Keys the generator touches. `str` should hold a string (WRONGTYPE paths). */
export const ZSET_KEYS = ['z1', 'z2', 'str', 'missing'] as const;
const WEIGHTED_KEYS = weighKeys(ZSET_KEYS);
const LEX_KEY = 'zl';
const MEMBERS = ['a', 'b', 'c', 'd', 'aa', '', BINARY] as const;
const SCORES = ['1', '2', '-1', '1.5', '0', '-0', 'inf', '-inf', '1e300', '0.1', 'x', '3'] as const;
const BOUNDS = ['-inf', '+inf', '1', '(1', '2', '(2', '0', '1.5', '(-1', 'x', '(inf'] as const;
const LEX_BOUNDS = ['-', '+', '[a', '(a', '[b', '(c', '[d', 'a', '[', '('] as const;
const FLAGS = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'] as const;

function rank(rng: Rng): string {
  return pick(rng, [String(int(rng, -5, 5)), '100', '-100', 'x']);
}

function limit(rng: Rng): string[] {
  return rng() < 0.5
    ? []
    : ['LIMIT', pick(rng, ['0', '1', '-1']), pick(rng, ['1', '2', '-1', '0'])];
}

export function randomZSetCommand(rng: Rng): Step {
  const key = pick(rng, WEIGHTED_KEYS);
  const member = () => pick(rng, MEMBERS);
  const pairs = () => some(rng, MEMBERS).flatMap((m) => [pick(rng, SCORES), m]);
  switch (int(rng, 0, 22)) {
    case 0:
    case 1:
      return step(['ZADD', key, ...some(rng, FLAGS, 2), ...pairs()]);
    case 2:
      return step(['ZADD', key, ...pairs()]);
    case 3:
      return step(['ZINCRBY', key, pick(rng, SCORES), member()]);
    case 4:
      return step(['ZSCORE', key, member()]);
    case 5:
      return step(['ZMSCORE', key, ...some(rng, MEMBERS)]);
    case 6:
      return step([pick(rng, ['ZRANK', 'ZREVRANK']), key, member()]);
    case 7:
      return step(['ZCARD', key]);
    case 8:
      return step(['ZREM', key, ...some(rng, MEMBERS)]);
    case 9: {
      const options = some(rng, ['WITHSCORES', 'REV', 'BYSCORE', 'LIMIT'], 2);
      const byScore = options.includes('BYSCORE');
      const args = options.flatMap((o) => (o === 'LIMIT' ? limit(rng) : [o]));
      const [min, max] = byScore ? [pick(rng, BOUNDS), pick(rng, BOUNDS)] : [rank(rng), rank(rng)];
      return step(['ZRANGE', key, min, max, ...args]);
    }
    case 10:
      return step(['ZREVRANGE', key, rank(rng), rank(rng), ...(rng() < 0.5 ? ['WITHSCORES'] : [])]);
    case 11:
      return step([
        pick(rng, ['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']),
        key,
        pick(rng, BOUNDS),
        pick(rng, BOUNDS),
        ...(rng() < 0.5 ? ['WITHSCORES'] : []),
        ...limit(rng),
      ]);
    case 12:
      return step(['ZCOUNT', key, pick(rng, BOUNDS), pick(rng, BOUNDS)]);
    case 13:
      return step(['ZREMRANGEBYRANK', key, rank(rng), rank(rng)]);
    case 14:
      return step(['ZREMRANGEBYSCORE', key, pick(rng, BOUNDS), pick(rng, BOUNDS)]);
    case 15:
      return step([
        pick(rng, ['ZPOPMIN', 'ZPOPMAX']),
        key,
        ...(rng() < 0.5 ? [] : [pick(rng, ['0', '1', '3', '-1'])]),
      ]);
    case 16:
      return step(['ZSCAN', key, '0', 'MATCH', pick(rng, ['*', 'a*', '?'])]);
    case 17:
      return step(['ZRANGESTORE', pick(rng, ZSET_KEYS), key, rank(rng), rank(rng)]);
    case 18:
      return step(['ZADD', LEX_KEY, '0', member(), '0', member()]);
    case 19:
      return step([
        pick(rng, ['ZRANGEBYLEX', 'ZREVRANGEBYLEX', 'ZLEXCOUNT', 'ZREMRANGEBYLEX']),
        LEX_KEY,
        pick(rng, LEX_BOUNDS),
        pick(rng, LEX_BOUNDS),
      ]);
    case 20:
      return step([
        'ZRANGE',
        LEX_KEY,
        pick(rng, LEX_BOUNDS),
        pick(rng, LEX_BOUNDS),
        'BYLEX',
        ...(rng() < 0.3 ? ['REV'] : []),
        ...limit(rng),
      ]);
    default:
      return step(
        pick(rng, [
          ['ZADD', key, '1'],
          ['ZADD', key, 'NX', 'XX', '1', 'a'],
          ['ZRANGE', key, '0'],
        ]),
      );
  }
}

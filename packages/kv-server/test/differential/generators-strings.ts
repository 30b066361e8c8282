// Random string, key and expiry commands for the differential suites. TTLs are long (the two
// sides run a few ms apart), and replies that depend on the clock compare within a tolerance.

import { BINARY, int, pick, type Rng, scanUnordered, some, step } from './generators-shared.ts';
import { closeInteger, type Step } from './harness.ts';

export const STRING_KEYS = ['k1', 'k2', 'k3', 'n1', 'missing'] as const;
const VALUES = [
  '',
  'v',
  'hello',
  '0',
  '1',
  '-1',
  '10',
  '007',
  '3.5',
  '1e3',
  ' 1',
  '9223372036854775807',
  '-9223372036854775808',
  'inf',
  BINARY,
] as const;
const INCREMENTS = [
  '1',
  '-1',
  '0',
  '5',
  '100',
  '-9223372036854775808',
  '9223372036854775807',
  'x',
  '1.5',
  '',
];
const FLOATS = [
  '0.1',
  '-0.2',
  '1e3',
  '2.5e-3',
  '0',
  '-0',
  'inf',
  'x',
  '1e400',
  '0x10',
  '.5',
  '3.0',
];
const SECONDS = ['100', '200', '1000', '0', '-1', 'x', '9223372036854775807'];
const OFFSETS = ['0', '1', '3', '-1', '-3', '10', '-10', 'x'];
const PATTERNS = ['*', 'k*', '?1', 'k[12]', 'n*', '*[^1]', 'x'];

export function randomStringCommand(rng: Rng, keys: readonly string[] = STRING_KEYS): Step {
  const key = pick(rng, keys);
  const value = () => pick(rng, VALUES);
  switch (int(rng, 0, 22)) {
    case 0:
    case 1:
      return step(['SET', key, value()]);
    case 2: {
      const options = some(
        rng,
        [
          ['NX'],
          ['XX'],
          ['GET'],
          ['KEEPTTL'],
          ['EX', pick(rng, SECONDS)],
          ['PX', '500000'],
          ['EXAT', String(Math.floor(Date.now() / 1000) + 3600)],
          ['FOO'],
        ],
        2,
      ).flat();
      return step(['SET', key, value(), ...options]);
    }
    case 3:
      return step(['GET', key]);
    case 4:
      return step(['MGET', ...some(rng, keys, 4)]);
    case 5:
      return step(['MSET', ...some(rng, keys).flatMap((k) => [k, value()])]);
    case 6:
      return step(['MSETNX', ...some(rng, keys).flatMap((k) => [k, value()])]);
    case 7:
      return step([pick(rng, ['INCR', 'DECR']), key]);
    case 8:
      return step([pick(rng, ['INCRBY', 'DECRBY']), key, pick(rng, INCREMENTS)]);
    case 9:
      return step(['INCRBYFLOAT', key, pick(rng, FLOATS)]);
    case 10:
      return step(['APPEND', key, value()]);
    case 11:
      return step(['STRLEN', key]);
    case 12:
      return step(['GETRANGE', key, pick(rng, OFFSETS), pick(rng, OFFSETS)]);
    case 13:
      return step(['SETRANGE', key, pick(rng, ['0', '2', '5', '-1']), value()]);
    case 14:
      return step([pick(rng, ['GETSET', 'SETNX']), key, value()]);
    case 15:
      return step(['GETDEL', key]);
    case 16:
      return step([
        'GETEX',
        key,
        ...pick(rng, [[], ['PERSIST'], ['EX', '300'], ['PX', '0'], ['KEEPTTL']]),
      ]);
    case 17:
      return step([pick(rng, ['SETEX', 'PSETEX']), key, pick(rng, ['100000', '0', 'x']), value()]);
    case 18: {
      // With NX/XX/GT/LT, an absolute time: "now + 200 s" GT an earlier "now + 200 s" depends on
      // whether the clock ticked in between, on each side separately.
      const flags = pick(rng, [['NX'], ['XX'], ['GT'], ['LT'], ['NX', 'GT']]);
      if (rng() < 0.3) return step(['EXPIRE', key, pick(rng, SECONDS)]);
      const at = Math.floor(Date.now() / 1000) + pick(rng, [150, 300, 700, 5000, -10]);
      return step(['EXPIREAT', key, String(at), ...flags]);
    }
    case 19:
      return step([pick(rng, ['TTL', 'EXPIRETIME']), key], closeInteger(1));
    case 20:
      return step(['PTTL', key], closeInteger(1000));
    case 21:
      return step(['PERSIST', key]);
    default:
      return step([pick(rng, ['EXISTS', 'TYPE', 'DEL']), key]);
  }
}

/** Commands over keys of every type: TYPE, EXISTS, DEL, RENAME, KEYS, DBSIZE, RANDOMKEY... */
export function randomKeyspaceCommand(rng: Rng, keys: readonly string[]): Step {
  const key = pick(rng, keys);
  switch (int(rng, 0, 11)) {
    case 0:
      return step(['TYPE', key]);
    case 1:
      return step(['EXISTS', ...some(rng, keys, 4)]);
    case 2:
      return step([pick(rng, ['DEL', 'UNLINK']), ...some(rng, keys, 2)]);
    case 3:
      return step([pick(rng, ['RENAME', 'RENAMENX']), key, pick(rng, keys)]);
    case 4:
      return step(['KEYS', pick(rng, PATTERNS)], 'unordered');
    case 5:
      return step(['DBSIZE']);
    case 6:
      return step(['RANDOMKEY'], 'shape');
    case 7:
      return step(['EXPIRE', key, pick(rng, SECONDS)]);
    case 8:
      return step(['PERSIST', key]);
    case 9:
      return step(['TTL', key], closeInteger(1));
    case 10: {
      // A COUNT larger than the keyspace: Redis answers everything in one call, cursor 0.
      const match = rng() < 0.5 ? [] : ['MATCH', pick(rng, PATTERNS)];
      const type =
        rng() < 0.5 ? [] : ['TYPE', pick(rng, ['string', 'hash', 'list', 'set', 'zset', 'none'])];
      return step(['SCAN', '0', 'COUNT', '1000', ...match, ...type], scanUnordered(false));
    }
    default:
      // Not a command we implement: compared by Redis's error text as prefix (ours adds a hint).
      return step(['NOSUCHCMD', key]);
  }
}

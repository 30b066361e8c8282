// SORT / SORT_RO, COPY and TOUCH, engine vs real Redis 7.0: numeric and ALPHA sorts, BY and GET
// patterns (`#`, hash `->field`, missing keys), BY nosort, LIMIT, STORE, errors; random sorts.

import { it } from 'vitest';
import { int, pick, type Rng, seededRng } from './generators-shared.ts';
import { type Arg, describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

describeDifferential('differential: sort, copy, touch', () => {
  it('SORT numeric and ALPHA, ASC/DESC, LIMIT, errors', () =>
    diff.expectSame([
      ['RPUSH', 'l', '3', '1', '2', '10', '-1.5', '1e2', ' 7', '0x10'],
      ['SORT', 'l'],
      ['SORT', 'l', 'DESC'],
      ['SORT', 'l', 'ALPHA'],
      ['SORT', 'l', 'ALPHA', 'DESC', 'LIMIT', '1', '3'],
      ['SORT', 'l', 'LIMIT', '0', '2'],
      ['SORT', 'l', 'LIMIT', '-5', '2'],
      ['SORT', 'l', 'LIMIT', '2', '-1'],
      ['SORT', 'l', 'LIMIT', '100', '2'],
      ['SORT', 'l', 'LIMIT', 'x', '2'],
      ['SORT', 'l', 'LIMIT', '1'],
      ['SORT', 'l', 'FOO'],
      ['RPUSH', 'bad', '1', 'abc', '2'],
      ['SORT', 'bad'],
      ['SORT', 'bad', 'ALPHA'],
      ['RPUSH', 'tie', '1', '1.0', '01', 'inf', '-inf', '+5'],
      ['SORT', 'tie'],
      ['SORT', 'tie', 'DESC'],
      ['SADD', 's', '5', '3', '9', '1'],
      ['SORT', 's'],
      ['SORT', 's', 'DESC', 'LIMIT', '1', '2'],
      ['SADD', 'sw', 'banana', 'apple', 'cherry'],
      ['SORT', 'sw', 'ALPHA'],
      ['SORT', 'sw'],
      ['ZADD', 'z', '1', 'c', '2', 'b', '3', 'a'],
      ['SORT', 'z', 'ALPHA'],
      ['SORT', 'z', 'BY', 'nosort'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '1'],
      ['SORT', 'missing'],
      ['SORT', 'missing', 'STORE', 'dst'],
      ['SET', 'str', 'x'],
      ['SORT', 'str'],
      ['HSET', 'h', 'f', 'v'],
      ['SORT', 'h'],
      ['SORT_RO', 'l', 'STORE', 'x'],
      ['SORT_RO', 'l', 'DESC', 'LIMIT', '0', '3'],
      // Last: Redis reads ERANGE from errno without clearing it first, so an out-of-range number
      // makes later SORTs in the same pipeline fail too.
      ['RPUSH', 'range', '1e400', '2'],
      ['SORT', 'range'],
    ]));

  it('SORT BY and GET patterns, hash fields, nosort, STORE', () =>
    diff.expectSame([
      ['RPUSH', 'ids', '1', '2', '3', '4'],
      [
        'MSET',
        'w_1',
        '30',
        'w_2',
        '10',
        'w_3',
        '20',
        'name_1',
        'one',
        'name_2',
        'two',
        'name_3',
        'three',
      ],
      ['HSET', 'obj_1', 'age', '5', 'nick', 'a'],
      ['HSET', 'obj_2', 'age', '50', 'nick', 'b'],
      ['HSET', 'obj_4', 'age', '1'],
      ['SORT', 'ids', 'BY', 'w_*'],
      ['SORT', 'ids', 'BY', 'w_*', 'DESC', 'GET', 'name_*', 'GET', '#'],
      ['SORT', 'ids', 'BY', 'w_*', 'ALPHA', 'GET', '#', 'GET', 'obj_*->nick'],
      ['SORT', 'ids', 'BY', 'obj_*->age'],
      ['SORT', 'ids', 'BY', 'obj_*->age', 'GET', 'obj_*->age', 'GET', 'obj_*->'],
      ['SORT', 'ids', 'BY', 'nosort', 'GET', 'name_*'],
      ['SORT', 'ids', 'BY', 'nosort', 'DESC'],
      ['SORT', 'ids', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['SORT', 'ids', 'GET', 'nostar'],
      ['SORT', 'ids', 'BY', 'w_*', 'STORE', 'out'],
      ['LRANGE', 'out', '0', '-1'],
      ['SORT', 'ids', 'BY', 'w_*', 'GET', 'name_*', 'GET', '#', 'STORE', 'out'],
      ['LRANGE', 'out', '0', '-1'],
      ['SORT', 'ids', 'LIMIT', '10', '1', 'STORE', 'out'],
      ['EXISTS', 'out'],
      ['SADD', 'set', 'b', 'c', 'a'],
      ['SORT', 'set', 'BY', 'nosort', 'STORE', 'out2'],
      ['LRANGE', 'out2', '0', '-1'],
      ['SET', 'w_4', 'nan'],
      ['SORT', 'ids', 'BY', 'w_*'],
      ['LPUSH', 'w_1', 'x'],
    ]));

  // (An empty BY value is not compared: Redis reads strtod's errno without clearing it, so it
  // answers a score of 0 or an error depending on what ran before in the same process.)
  it('SORT BY a blank value', () =>
    diff.expectSame([
      ['RPUSH', 'ids', '1', '2'],
      ['MSET', 'w_1', ' ', 'w_2', '5'],
      ['SORT', 'ids', 'BY', 'w_*'],
    ]));

  it('COPY with REPLACE and DB, TTLs, every type; TOUCH', () =>
    diff.expectSame([
      ['SET', 'a', 'hello'],
      ['PEXPIRE', 'a', '100000'],
      ['COPY', 'a', 'b'],
      ['GET', 'b'],
      { cmd: ['PTTL', 'b'], compare: (e, r) => void (typeof e === typeof r) },
      ['COPY', 'a', 'b'],
      ['SET', 'b', 'other'],
      ['COPY', 'a', 'b', 'REPLACE'],
      ['GET', 'b'],
      ['COPY', 'a', 'a'],
      ['COPY', 'missing', 'x'],
      ['RPUSH', 'l', '1', '2'],
      ['COPY', 'l', 'l2'],
      ['RPUSH', 'l2', '3'],
      ['LRANGE', 'l', '0', '-1'],
      ['LRANGE', 'l2', '0', '-1'],
      ['HSET', 'h', 'f', 'v'],
      ['COPY', 'h', 'h2'],
      ['HSET', 'h2', 'g', 'w'],
      ['HGETALL', 'h'],
      ['SADD', 's', 'x'],
      ['COPY', 's', 's2'],
      ['SMEMBERS', 's2'],
      ['ZADD', 'z', '1', 'm'],
      ['COPY', 'z', 'z2'],
      ['ZADD', 'z2', '2', 'n'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['COPY', 'a', 'b', 'DB', '16'],
      ['COPY', 'a', 'b', 'DB', 'x'],
      ['COPY', 'a', 'b', 'DB'],
      ['COPY', 'a', 'b', 'FOO'],
      ['TOUCH', 'a', 'b', 'missing', 'a'],
      ['TOUCH'],
    ]));

  for (const seed of [7, 8, Date.now() % 100_000]) {
    it(`random SORT over lists with BY/GET/LIMIT (seed ${seed})`, () => {
      const rng: Rng = seededRng(seed);
      const steps: Step[] = [];
      const values = () =>
        String(pick(rng, [int(rng, -50, 50), (rng() * 100).toFixed(2), 'x', `k${int(rng, 0, 9)}`]));
      const list: Arg[] = Array.from({ length: 30 }, () => String(int(rng, 0, 12)));
      steps.push({ cmd: ['RPUSH', 'l', ...list] });
      for (let i = 0; i < 13; i++) {
        if (rng() < 0.8) steps.push({ cmd: ['SET', `w_${i}`, String(int(rng, -20, 20))] });
        if (rng() < 0.7) steps.push({ cmd: ['HSET', `h_${i}`, 'f', values()] });
      }
      for (let i = 0; i < 40; i++) {
        const opts: Arg[] = [];
        if (rng() < 0.5) opts.push('BY', pick(rng, ['w_*', 'h_*->f', 'nosort', 'missing_*']));
        if (rng() < 0.4) opts.push('ALPHA');
        if (rng() < 0.5) opts.push(pick(rng, ['ASC', 'DESC']));
        if (rng() < 0.4) opts.push('LIMIT', String(int(rng, -2, 20)), String(int(rng, -2, 20)));
        for (let g = int(rng, 0, 2); g > 0; g--)
          opts.push('GET', pick(rng, ['#', 'w_*', 'h_*->f', 'h_*->g']));
        steps.push({ cmd: ['SORT', 'l', ...opts] });
      }
      return diff.expectSame(steps);
    });
  }
});

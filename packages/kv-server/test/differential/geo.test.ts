// Geo, engine vs real Redis 7.0: GEOADD options, GEODIST units, GEOHASH, GEOPOS digits, every
// search variant (radius, box, member, COUNT [ANY], ASC/DESC, WITH*, STORE/STOREDIST), errors,
// and seeded random searches near the poles and across the antimeridian.

import { it } from 'vitest';
import { int, pick, type Rng, seededRng } from './generators-shared.ts';
import { type Arg, describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

const SICILY = ['13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'];
/** Two points on the edge of a 200 km circle around (15, 37). */
const EDGES = ['12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'edge2'];
/** The point (15, 37) most searches start from. */
const FROM_15_37 = ['FROMLONLAT', '15', '37'];
/** A 400 km square around that point. */
const BOX_400 = ['BYBOX', '400', '400', 'km'];
const UNORDERED = 'unordered' as const;

describeDifferential('differential: geo', () => {
  it('GEOADD options and errors, GEOPOS, GEODIST in every unit, GEOHASH', () =>
    diff.expectSame([
      ['GEOADD', 'Sicily', ...SICILY],
      ['GEOADD', 'Sicily', ...SICILY],
      ['GEOADD', 'Sicily', 'CH', '13.5', '38.1', 'Palermo', '14', '37', 'Agrigento'],
      ['GEOADD', 'Sicily', 'NX', '13.361389', '38.115556', 'Palermo', '12.5', '37.8', 'Marsala'],
      ['GEOADD', 'Sicily', 'XX', 'CH', '13.361389', '38.115556', 'Palermo', '1', '1', 'Nowhere'],
      ['GEOADD', 'Sicily', 'NX', 'XX', '1', '1', 'x'],
      ['GEOADD', 'Sicily', '1', '1'],
      ['GEOADD', 'Sicily', 'CH', '1', '1'],
      ['GEOADD', 'Sicily', 'GT', '1', '1', 'x'],
      ['GEOADD', 'Sicily', '200', '10', 'x'],
      ['GEOADD', 'Sicily', '10', '86', 'x'],
      ['GEOADD', 'Sicily', '-180.5', '-85.06', 'x'],
      ['GEOADD', 'Sicily', 'inf', '10', 'x'],
      ['GEOADD', 'Sicily', 'abc', '10', 'x'],
      ['GEOADD', 'Sicily', '10', 'nan', 'x'],
      ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
      ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'NonExisting', 'Marsala'],
      ['GEOPOS', 'missing', 'a'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'x'],
      ['GEODIST', 'Sicily', 'Palermo', 'Nope'],
      ['GEODIST', 'Sicily', 'Palermo', 'Palermo'],
      ['GEODIST', 'missing', 'a', 'b'],
      ['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'Nope'],
      ['GEOHASH', 'missing', 'a'],
      [
        'GEOADD',
        'edges',
        '180',
        '85.05112878',
        'ne',
        '-180',
        '-85.05112878',
        'sw',
        '0',
        '0',
        'zero',
      ],
      ['GEOPOS', 'edges', 'ne', 'sw', 'zero'],
      ['GEOHASH', 'edges', 'ne', 'sw', 'zero'],
      ['ZRANGE', 'edges', '0', '-1', 'WITHSCORES'],
      ['SET', 'str', 'x'],
      ['GEOADD', 'str', '1', '1', 'a'],
      ['GEOPOS', 'str', 'a'],
      ['GEODIST', 'str', 'a', 'b'],
      ['GEOHASH', 'str', 'a'],
      ['ZADD', 'plain', '-5', 'neg', '1e20', 'huge', '123456789', 'num'],
      ['GEOPOS', 'plain', 'num'],
      ['GEOHASH', 'plain', 'num'],
    ]));

  it('GEORADIUS / GEORADIUSBYMEMBER and _RO: options, sorting, COUNT, STORE, errors', () =>
    diff.expectSame([
      ['GEOADD', 'Sicily', ...SICILY, ...EDGES],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'ASC'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHCOORD', 'WITHHASH', 'WITHDIST', 'DESC'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'DESC'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'ANY'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ANY'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '0'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', 'x'],
      ['GEORADIUS', 'Sicily', '15', '37', '-1', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', 'far', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', '1', 'parsec'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ASC', 'FOO'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'dst2', 'ASC'],
      ['ZRANGE', 'dst2', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst', 'WITHDIST'],
      ['GEORADIUS', 'Sicily', '15', '37', '1', 'm', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'ASC'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'WITHDIST', 'ASC'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Nope', '200', 'km'],
      ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Catania', '100', 'mi', 'WITHCOORD', 'ASC'],
      ['GEORADIUS', 'missing', '15', '37', '200', 'km'],
      ['GEORADIUSBYMEMBER', 'missing', 'x', '200', 'km'],
      ['SET', 'str', 'x'],
      ['GEORADIUS', 'str', '15', '37', '200', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', '0', 'km'],
      ['GEORADIUS', 'Sicily', '13.361389', '38.115556', '0', 'km', 'WITHDIST'],
    ]));

  it('GEOSEARCH / GEOSEARCHSTORE: FROMMEMBER, FROMLONLAT, BYRADIUS, BYBOX, errors', () =>
    diff.expectSame([
      ['GEOADD', 'Sicily', ...SICILY, ...EDGES],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, 'BYRADIUS', '200', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, ...BOX_400, 'ASC', 'WITHCOORD', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '300', '100', 'km', 'DESC'],
      [
        'GEOSEARCH',
        'Sicily',
        'FROMMEMBER',
        'Palermo',
        'BYRADIUS',
        '100',
        'km',
        'COUNT',
        '2',
        'WITHHASH',
      ],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Nope', 'BYRADIUS', '100', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', ...FROM_15_37, 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'Sicily', 'BYRADIUS', '1', 'km', 'ASC'],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, 'BYBOX', '-1', '1', 'km'],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, 'BYBOX', 'w', '1', 'km'],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, 'BYBOX', '1', 'h', 'km'],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, 'BYRADIUS', '200', 'km', 'STORE', 'x'],
      ['GEOSEARCH', 'Sicily', ...FROM_15_37, 'BYRADIUS', '200', 'km', 'STOREDIST'],
      ['GEOSEARCH', 'missing', ...FROM_15_37, 'BYRADIUS', '200', 'km'],
      ['GEOSEARCH', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '200', 'km'],
      ['geosearch', 'Sicily', ...FROM_15_37],
      ['GEOSEARCHSTORE', 'dst', 'Sicily', ...FROM_15_37, ...BOX_400, 'ASC', 'COUNT', '3'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'dst', 'Sicily', ...FROM_15_37, ...BOX_400, 'STOREDIST'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'dst', 'Sicily', ...FROM_15_37, 'BYRADIUS', '200', 'km', 'WITHDIST'],
      ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['EXISTS', 'dst'],
      ['GEOSEARCHSTORE', 'dst', 'missing', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
    ]));

  for (const seed of [101, 202, 303, Date.now() % 100_000]) {
    it(`random points and searches near the poles and the antimeridian (seed ${seed})`, async () => {
      const rng: Rng = seededRng(seed);
      const lon = (): number =>
        pick(rng, [-180 + rng() * 2, 180 - rng() * 2, rng() * 360 - 180, rng() * 0.01 + 179.99]);
      const lat = (): number =>
        pick(rng, [85 - rng() * 10, -85 + rng() * 10, rng() * 170 - 85, 84.9 + rng() * 0.15]);
      const fmt = (x: number) => x.toFixed(int(rng, 1, 8));
      const clampLat = (x: number) => Math.max(-85.05112878, Math.min(85.05112878, x));
      const adds: Arg[] = [];
      for (let i = 0; i < 150; i++) adds.push(fmt(lon()), fmt(clampLat(lat())), `p${i}`);
      const steps: Step[] = [{ cmd: ['GEOADD', 'g', ...adds] }];
      for (let i = 0; i < 40; i++) {
        const unit = pick(rng, ['m', 'km', 'mi', 'ft']);
        const size = pick(rng, ['1000', '50', '500', '3000', '12000']);
        const kmSize = unit === 'm' || unit === 'ft' ? `${Number(size) * 1000}` : size;
        const by: Arg[] =
          rng() < 0.5
            ? ['BYRADIUS', kmSize, unit]
            : ['BYBOX', kmSize, pick(rng, [kmSize, '100', '2000']), unit];
        const from: Arg[] =
          rng() < 0.3
            ? ['FROMMEMBER', `p${int(rng, 0, 149)}`]
            : ['FROMLONLAT', fmt(lon()), fmt(clampLat(lat()))];
        const sort = pick(rng, ['ASC', 'DESC']);
        steps.push({
          cmd: ['GEOSEARCH', 'g', ...from, ...by, sort, 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
        });
        steps.push({ cmd: ['GEOSEARCH', 'g', ...from, ...by], compare: UNORDERED });
      }
      steps.push({ cmd: ['GEOPOS', 'g', ...Array.from({ length: 150 }, (_, i) => `p${i}`)] });
      steps.push({ cmd: ['GEOHASH', 'g', ...Array.from({ length: 150 }, (_, i) => `p${i}`)] });
      steps.push(
        { cmd: ['GEODIST', 'g', 'p0', 'p1', 'km'] },
        { cmd: ['GEODIST', 'g', 'p2', 'p3'] },
      );
      await diff.expectSame(steps);
    });
  }
});

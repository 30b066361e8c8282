import { describe, expect, it } from 'vitest';
import { engineFixture } from './helpers.ts';

describe('geo', () => {
  it('stores geohash scores in an ordinary sorted set and answers Redis digits', () => {
    const { run } = engineFixture();
    expect(
      run(
        'GEOADD',
        'Sicily',
        '13.361389',
        '38.115556',
        'Palermo',
        '15.087269',
        '37.502669',
        'Catania',
      ),
    ).toBe(':2');
    expect(run('TYPE', 'Sicily')).toBe('+zset');
    expect(run('ZSCORE', 'Sicily', 'Palermo')).toBe('$"3479099956230698"');
    expect(run('GEODIST', 'Sicily', 'Palermo', 'Catania', 'km')).toBe('$"166.2742"');
    expect(run('GEOPOS', 'Sicily', 'Palermo', 'nope')).toEqual([
      ['$"13.36138933897018433"', '$"38.11555639549629859"'],
      '*nil',
    ]);
    expect(run('GEOHASH', 'Sicily', 'Palermo')).toEqual(['$"sqc8b49rny0"']);
    expect(
      run('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC'),
    ).toEqual(['$"Catania"', '$"Palermo"']);
    expect(run('GEOADD', 'Sicily', '181', '0', 'x')).toBe(
      '-ERR invalid longitude,latitude pair 181.000000,0.000000',
    );
  });

  it('searches at the antimeridian and near the poles as Redis does', () => {
    const { run } = engineFixture();
    run('GEOADD', 'g', '179.999', '0', 'east', '-179.999', '0', 'west', '0', '85', 'pole');
    // Redis 7.0 misses "west" here too (its cells do not cover the far side of +180): the
    // differential suite checks such searches against a real Redis.
    expect(run('GEOSEARCH', 'g', 'FROMLONLAT', '180', '0', 'BYRADIUS', '1', 'km', 'ASC')).toEqual([
      '$"east"',
    ]);
    expect(
      run('GEOSEARCH', 'g', 'FROMLONLAT', '-179.9995', '0', 'BYRADIUS', '1', 'km', 'ASC'),
    ).toEqual(['$"west"', '$"east"']);
    expect(run('GEORADIUS', 'g', '90', '85', '1000', 'km', 'COUNT', '1')).toEqual(['$"pole"']);
  });
});

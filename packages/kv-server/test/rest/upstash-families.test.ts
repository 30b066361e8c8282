// The real @upstash/redis (default settings) against the REST surface for the families of
// issue 11's items 3-6: bitmaps, HyperLogLog, geo, COPY/TOUCH and hash-field expiry, in engine
// mode and in forwarding mode. Forwarding goes to a second kv-server even under
// `pnpm test:services`: every database of the shared Redis is some other file's, and these
// commands are compared with the real Redis by the differential suite already.

import { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { type Running, startEngine, startForwardingToKv, TOKEN, useUpstash } from '../servers.ts';

describe.each([
  ['engine', startEngine],
  ['forward', startForwardingToKv],
] as const)('@upstash/redis: bitmaps, HLL, geo, copy (%s mode)', (mode, start) => {
  let redis: Redis;
  let running: Running;
  useUpstash(mode, start, (client, server) => {
    redis = client;
    running = server;
  });

  it('bitmaps', async () => {
    expect(await redis.setbit('fam:bits', 7, 1)).toBe(0);
    expect(await redis.setbit('fam:bits', 100, 1)).toBe(0);
    expect(await redis.getbit('fam:bits', 7)).toBe(1);
    expect(await redis.bitcount('fam:bits', 0, -1)).toBe(2);
    expect(await redis.bitpos('fam:bits', 1)).toBe(7);
    expect(await redis.bitop('not', 'fam:inv', 'fam:bits')).toBe(13);
    // bitfield's builder does not go through the auto-pipeline proxy (a client quirk): a plain
    // client for it.
    const plain = new Redis({
      url: running.server.restUrl,
      token: TOKEN,
      enableAutoPipelining: false,
    });
    expect(await plain.bitfield('fam:bf').set('u8', 0, 200).incrby('u8', 0, 100).exec()).toEqual([
      0, 44,
    ]);
  });

  it('HyperLogLog', async () => {
    expect(await redis.pfadd('fam:hll', 'a', 'b', 'c', 'a')).toBe(1);
    expect(await redis.pfadd('fam:hll2', 'c', 'd')).toBe(1);
    expect(await redis.pfcount('fam:hll')).toBe(3);
    expect(await redis.pfcount('fam:hll', 'fam:hll2')).toBe(4);
    expect(await redis.pfmerge('fam:hll3', 'fam:hll', 'fam:hll2')).toBe('OK');
    expect(await redis.pfcount('fam:hll3')).toBe(4);
  });

  it('geo', async () => {
    expect(
      await redis.geoadd(
        'fam:geo',
        { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
        { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
      ),
    ).toBe(2);
    expect(await redis.geodist('fam:geo', 'Palermo', 'Catania', 'KM')).toBe(166.2742);
    expect(await redis.geohash('fam:geo', 'Palermo')).toEqual(['sqc8b49rny0']);
    const [pos] = await redis.geopos('fam:geo', 'Palermo');
    expect(pos?.lng).toBeCloseTo(13.361389, 5);
    const found = await redis.geosearch(
      'fam:geo',
      { type: 'FROMLONLAT', coordinate: { lon: 15, lat: 37 } },
      { type: 'BYRADIUS', radius: 200, radiusType: 'KM' },
      'ASC',
      { withDist: true },
    );
    expect(found.map((f) => f.member)).toEqual(['Catania', 'Palermo']);
  });

  it('COPY and TOUCH', async () => {
    await redis.set('fam:src', 'v');
    expect(await redis.copy('fam:src', 'fam:dst')).toBe('COPIED');
    expect(await redis.copy('fam:src', 'fam:dst')).toBe('NOT_COPIED');
    expect(await redis.touch('fam:src', 'fam:dst', 'fam:none')).toBe(2);
  });

  it('hash-field expiry (Redis 7.4 / 8.0)', async () => {
    await redis.hset('fam:h', { a: '1', b: '2' });
    expect(await redis.hexpire('fam:h', ['a', 'zz'], 100)).toEqual([1, -2]);
    expect(await redis.httl('fam:h', ['a', 'b'])).toEqual([100, -1]);
    expect(await redis.hpersist('fam:h', 'a')).toEqual([1]);
    expect(await redis.hsetex('fam:h', { expiration: { px: 5000 } }, { c: 'x' })).toBe(1);
    expect(await redis.hgetex('fam:h', { persist: true }, 'c')).toEqual({ c: 'x' });
    expect(await redis.hgetdel('fam:h', 'b')).toEqual({ b: 2 });
  });
});

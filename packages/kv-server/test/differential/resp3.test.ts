// RESP3 byte for byte: the same commands on a kv-server RESP connection (engine mode) and on a
// real Redis 7, both after HELLO 3, on database RESP3_DB of each. Every reply type RESP3 has
// (null, map, set, double, nested pairs, errors in an EXEC array) must come out identical.
// Replies whose element order Redis leaves unspecified (sets of a hashtable) are compared as
// sorted elements of the same RESP3 type instead.

import { servicesRequested, serviceUrls } from '@workshop/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Reply, SetReply } from '../../src/protocol/reply.ts';
import { holdRedisDb, REDIS_DB } from '../redis-db.ts';
import { type Arg, RawClient, resp3Text } from '../resp/raw-client.ts';
import { type Running, startEngine } from '../servers.ts';
import { describeDifferential } from './harness.ts';

/** Not used by any other suite (test stacks 1-8, client matrix 9, forwarding 12 and 14). */
const RESP3_DB = REDIS_DB.resp3;

type Step = Arg[] | { cmd: Arg[]; unordered: true };

let running: Running;
let ours: RawClient;
let redis: RawClient;

async function open(url: string): Promise<RawClient> {
  const client = await RawClient.connect(url);
  const hello = await client.call('HELLO', '3');
  expect(resp3Text(hello)).toMatch(/^%7⏎\$6⏎server⏎\$5⏎redis⏎\$7⏎version⏎/);
  await client.call('SELECT', RESP3_DB);
  await client.call('FLUSHDB');
  return client;
}

function sortedItems(reply: Reply): string[] {
  expect(reply).toBeInstanceOf(SetReply);
  return (reply as SetReply).items.map(resp3Text).sort();
}

/**
 * The push a tracking client gets when any client flushes any database (`invalidate` with a
 * null). The suites share the real Redis, and another file's FLUSHDB reaches this file's
 * tracking connection at any moment; this file never flushes while tracking, so those pushes
 * are left out of the comparison.
 */
const FLUSH_PUSH = '>2⏎$10⏎invalidate⏎_⏎';
const withoutFlushPushes = (bytes: string) => bytes.replaceAll(FLUSH_PUSH, '');

async function expectSame(steps: Step[]): Promise<void> {
  for (const step of steps) {
    const cmd = Array.isArray(step) ? step : step.cmd;
    const [a, b] = [await ours.callRaw(...cmd), await redis.callRaw(...cmd)];
    if (!Array.isArray(step)) {
      expect(sortedItems(a.reply), cmd.join(' ')).toEqual(sortedItems(b.reply));
    } else {
      expect(withoutFlushPushes(a.bytes), cmd.join(' ')).toBe(withoutFlushPushes(b.bytes));
    }
  }
}

holdRedisDb(RESP3_DB, servicesRequested());

describeDifferential('RESP3 replies (HELLO 3) against Redis', () => {
  beforeAll(async () => {
    running = await startEngine();
    ours = await open(running.server.respUrl as string);
    redis = await open(serviceUrls().redis);
  });
  afterAll(async () => {
    ours?.close();
    redis?.close();
    await running?.close();
  });

  it('nulls, strings, integers, errors', () =>
    expectSame([
      ['GET', 'missing'],
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['INCR', 'n'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['HINCRBYFLOAT', 'hf', 'x', '0.1'],
      ['LPOP', 'nolist'],
      ['LPOP', 'nolist', '2'],
      ['MGET', 'k', 'missing'],
      ['LPUSH', 'k', 'x'],
      ['TYPE', 'k'],
      ['EXISTS', 'k', 'missing'],
      ['ECHO', 'hi'],
      ['PING'],
    ]));

  it('maps: HGETALL, and empty ones', () =>
    expectSame([
      ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'],
      ['HGETALL', 'h'],
      ['HGETALL', 'nohash'],
      ['HRANDFIELD', 'nohash', '2', 'WITHVALUES'],
      ['HSET', 'h1', 'only', 'one'],
      ['HRANDFIELD', 'h1', '1', 'WITHVALUES'],
      ['HRANDFIELD', 'h1', '-2', 'WITHVALUES'],
      ['HSCAN', 'h', '0'],
    ]));

  it('sets: SMEMBERS, SINTER, SUNION, SDIFF, SPOP with a count', () =>
    expectSame([
      ['SADD', 'ints', '3', '1', '2'],
      ['SMEMBERS', 'ints'],
      ['SMEMBERS', 'noset'],
      ['SADD', 's', 'a', 'b', 'c'],
      { cmd: ['SMEMBERS', 's'], unordered: true },
      { cmd: ['SUNION', 's', 'ints'], unordered: true },
      ['SINTER', 's', 'noset'],
      { cmd: ['SDIFF', 's', 'ints'], unordered: true },
      ['SPOP', 's', '0'],
      ['SPOP', 'noset', '3'],
      ['SPOP', 'ints', '5'],
      ['SRANDMEMBER', 'noset', '2'],
      ['SMISMEMBER', 's', 'a', 'zz'],
      ['SINTERCARD', '1', 's'],
    ]));

  it('doubles and score pairs: ZSCORE, ZINCRBY, WITHSCORES, ZPOPMIN, ZMPOP', () =>
    expectSame([
      ['ZADD', 'z', '1', 'a', '2.5', 'b', '3', 'c', '1.1', 'd', '-inf', 'm', '+inf', 'p'],
      ['ZSCORE', 'z', 'b'],
      ['ZSCORE', 'z', 'd'],
      ['ZSCORE', 'z', 'm'],
      ['ZSCORE', 'z', 'p'],
      ['ZSCORE', 'z', 'none'],
      ['ZMSCORE', 'z', 'a', 'none', 'd'],
      ['ZINCRBY', 'z', '0.1', 'a'],
      ['ZADD', 'z', 'INCR', '1', 'c'],
      ['ZADD', 'z', 'XX', 'INCR', '1', 'nope'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'z', '(1', '+inf', 'BYSCORE', 'REV', 'WITHSCORES'],
      ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'WITHSCORES'],
      ['ZREVRANGE', 'z', '0', '1', 'WITHSCORES'],
      ['ZRANGE', 'nozset', '0', '-1', 'WITHSCORES'],
      ['ZUNION', '2', 'z', 'nozset', 'WITHSCORES'],
      ['ZINTER', '1', 'z', 'WITHSCORES'],
      ['ZDIFF', '1', 'z', 'WITHSCORES'],
      ['ZSCAN', 'z', '0'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMIN', 'z', '1'],
      ['ZPOPMAX', 'z', '2'],
      ['ZPOPMIN', 'nozset'],
      ['ZPOPMIN', 'nozset', '2'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '2'],
      ['ZMPOP', '1', 'nozset', 'MIN'],
      ['ZADD', 'one', '5', 'x'],
      ['ZRANDMEMBER', 'one', '2', 'WITHSCORES'],
      ['ZRANDMEMBER', 'one', '-2', 'WITHSCORES'],
      ['ZRANDMEMBER', 'nozset', '2', 'WITHSCORES'],
      ['LMPOP', '1', 'nolist', 'LEFT'],
    ]));

  it('geo coordinates are doubles', () =>
    expectSame([
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEOPOS', 'g', 'Palermo', 'nowhere'],
      [
        'GEOSEARCH',
        'g',
        'FROMLONLAT',
        '15',
        '37',
        'BYRADIUS',
        '200',
        'km',
        'ASC',
        'WITHCOORD',
        'WITHDIST',
      ],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'ASC', 'WITHCOORD'],
      ['GEODIST', 'g', 'Palermo', 'Catania'],
    ]));

  it('transactions: EXEC holds RESP3 replies; an aborted EXEC is null', () =>
    expectSame([
      ['MULTI'],
      ['HSET', 'th', 'a', '1'],
      ['HGETALL', 'th'],
      ['ZADD', 'tz', '0.5', 'm'],
      ['ZSCORE', 'tz', 'm'],
      ['GET', 'nothing'],
      ['INCR', 'th'],
      ['EXEC'],
      ['WATCH', 'w'],
      ['SET', 'w', '1'],
      ['MULTI'],
      ['GET', 'w'],
      ['EXEC'],
    ]));

  it('pushes: subscribe confirmations, and any command while subscribed', () =>
    expectSame([
      // One channel per command: each confirmation is one push, so the bytes of each step are
      // exactly that push on both sides.
      ['SUBSCRIBE', 'ch1'],
      ['SUBSCRIBE', 'ch2'],
      ['PSUBSCRIBE', 'p*'],
      ['PING'],
      ['GET', 'missing'],
      ['UNSUBSCRIBE', 'ch1'],
      ['PUNSUBSCRIBE'],
      ['UNSUBSCRIBE'],
    ]));

  it('CLIENT TRACKING options and TRACKINGINFO', () =>
    expectSame([
      ['CLIENT', 'TRACKINGINFO'],
      // Prefixes no other suite writes: BCAST hears every client's writes, in every database, and
      // the shared Redis has other suites writing in parallel (a bare BCAST would hear them all).
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'r3tx', 'PREFIX', 'r3ty'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'r3txy'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'r3tz'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'NOLOOP'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKINGINFO'],
    ]));

  it('databases: SELECT, MOVE, DBSIZE', () =>
    expectSame([
      ['SET', 'mv', 'x'],
      ['MOVE', 'mv', String(RESP3_DB)],
      ['SELECT', '16'],
      ['DBSIZE'],
    ]));
});

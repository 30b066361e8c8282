// Connection/server commands and transactions, engine vs real Redis.

import { expect, it } from 'vitest';
import { scanUnordered } from './generators-shared.ts';
import { describeDifferential, useDifferential } from './harness.ts';

const diff = useDifferential();

describeDifferential('differential: server commands', () => {
  it('PING ECHO DBSIZE FLUSHDB FLUSHALL arity and options', () =>
    diff.expectSame([
      ['PING'],
      ['PING', 'hello'],
      ['PING', 'a', 'b'],
      ['ECHO', 'x'],
      ['ECHO', ''],
      ['ECHO'],
      ['ECHO', 'a', 'b'],
      ['DBSIZE'],
      ['MSET', 'a', '1', 'b', '2'],
      ['DBSIZE'],
      ['DBSIZE', 'x'],
      ['FLUSHDB', 'FOO'],
      ['FLUSHDB', 'ASYNC', 'SYNC'],
      ['DBSIZE'],
      ['FLUSHDB', 'async'],
      ['DBSIZE'],
      ['SET', 'a', '1'],
      ['FLUSHDB', 'SYNC'],
      ['SET', 'a', '1'],
      ['FLUSHDB'],
      ['DBSIZE'],
      ['SELECT', 'x'],
      ['SELECT', '99999999999'],
      ['NOSUCHCOMMAND'],
      ['NOSUCHCOMMAND', 'a', 'b'],
      ['get_'],
      ['TIME', 'x'],
    ]));

  it('TIME and INFO by shape', async () => {
    await diff.expectSame([
      { cmd: ['TIME'], compare: 'shape' },
      { cmd: ['INFO'], compare: 'shape' },
      { cmd: ['INFO', 'keyspace'], compare: 'shape' },
    ]);
    const [seconds, micros] = diff.engine.execute(diff.session(), [
      Buffer.from('TIME'),
    ]) as Buffer[];
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(2);
    expect(Number(micros)).toBeGreaterThanOrEqual(0);
    expect(Number(micros)).toBeLessThan(1_000_000);
  });
});

describeDifferential('differential: transactions', () => {
  it('MULTI EXEC DISCARD and their errors', () =>
    diff.expectSame([
      ['EXEC'],
      ['DISCARD'],
      ['MULTI'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['INCR', 'a'],
      ['GET', 'a'],
      ['RPUSH', 'a', 'x'],
      ['PING'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'b', '1'],
      ['DISCARD'],
      ['GET', 'b'],
      ['MULTI'],
      ['SET', 'c', '1'],
      ['GET'],
      ['SET', 'd', '1'],
      ['EXEC'],
      ['GET', 'c'],
      ['MULTI'],
      ['NOSUCHCOMMAND'],
      ['EXEC'],
      ['MULTI'],
      ['WATCH', 'x'],
      ['EXEC'],
      ['MULTI'],
      ['EXEC'],
      ['MULTI', 'x'],
      ['EXEC', 'x'],
      ['MULTI'],
      ['EXEC', 'x'],
      ['EXEC'],
      ['UNWATCH', 'x'],
      ['WATCH'],
    ]));

  it('WATCH aborts EXEC when another connection writes the key', () =>
    diff.expectSame([
      ['SET', 'w', '1'],
      ['WATCH', 'w'],
      { cmd: ['SET', 'w', '2'], conn: 1 },
      ['MULTI'],
      ['SET', 'w', '3'],
      ['EXEC'],
      ['GET', 'w'],
      ['WATCH', 'w', 'other'],
      { cmd: ['GET', 'w'], conn: 1 },
      ['MULTI'],
      ['INCR', 'w'],
      ['EXEC'],
      ['WATCH', 'w'],
      { cmd: ['SET', 'w', '9'], conn: 1 },
      ['UNWATCH'],
      ['MULTI'],
      ['INCR', 'w'],
      ['EXEC'],
      ['WATCH', 'w'],
      { cmd: ['SET', 'w', '9'], conn: 1 },
      ['MULTI'],
      ['DISCARD'],
      ['MULTI'],
      ['INCR', 'w'],
      ['EXEC'],
      ['WATCH', 'gone'],
      { cmd: ['SET', 'gone', '1'], conn: 1 },
      { cmd: ['DEL', 'gone'], conn: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      ['WATCH', 'never'],
      { cmd: ['DEL', 'never'], conn: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      ['SET', 'e', '1'],
      ['WATCH', 'e'],
      { cmd: ['EXPIRE', 'e', '100'], conn: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      ['WATCH', 'f'],
      { cmd: ['FLUSHDB'], conn: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      ['SET', 'f', '1'],
      ['WATCH', 'f'],
      { cmd: ['FLUSHDB'], conn: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      ['SET', 'g', '1'],
      ['WATCH', 'g'],
      ['SET', 'g', '2'],
      ['MULTI'],
      ['PING'],
      ['EXEC'],
    ]));

  it('WATCH: a watched key that expires aborts EXEC', async () => {
    await diff.expectSame([
      ['SET', 'x', '1', 'PX', '20'],
      ['WATCH', 'x'],
    ]);
    await new Promise((r) => setTimeout(r, 60));
    await diff.expectSame([['MULTI'], ['PING'], ['EXEC']]);
  });
});

describeDifferential('differential: error texts built from arguments', () => {
  it('unknown commands with long, binary or multi-line arguments', () =>
    diff.expectSame([
      ['x'.repeat(200), 'a'.repeat(100), 'b'.repeat(100), 'c'],
      ['FOO', Buffer.from('a\0b'), 'c\r\nd'],
      ['FOO', 'a', 'b', 'c', 'd'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '10', Buffer.from('a\0\nb')],
      ['EXPIRE', 'k', '10', 'line\r\nbreak'],
    ]));
});

describeDifferential('differential: option words read as C strings', () => {
  it('a NUL byte ends an option word or a cursor, as in Redis', () =>
    diff.expectSame([
      ['SET', 'k', 'v'],
      ['FLUSHDB', Buffer.from('async\0junk', 'latin1')],
      ['MSET', 'a', '1', 'b', '2'],
      {
        cmd: ['SCAN', Buffer.from('0\0x', 'latin1'), Buffer.from('count\0x', 'latin1'), '100'],
        compare: scanUnordered(false),
      },
      ['SCAN', '0', 'TYPE', Buffer.from('hash\0x', 'latin1')],
      ['SCAN', '0', 'MATCH', Buffer.from('a\0', 'latin1')],
      ['EXPIRE', 'a', '100', Buffer.from('NX\0junk', 'latin1')],
      ['TTL', 'a'],
    ]));
});

describeDifferential('differential: WATCH sees in-place changes of every type', () => {
  const writes: [string, string[], string[]][] = [
    ['hash', ['HSET', 'x', 'f', 'v'], ['HINCRBY', 'x', 'n', '1']],
    ['list', ['RPUSH', 'x', 'a', 'b'], ['LSET', 'x', '0', 'z']],
    ['set', ['SADD', 'x', 'a'], ['SREM', 'x', 'a']],
    ['zset', ['ZADD', 'x', '1', 'a'], ['ZINCRBY', 'x', '2', 'a']],
    ['string', ['SET', 'x', 'abc'], ['SETRANGE', 'x', '1', 'Z']],
    ['string', ['SET', 'x', '1'], ['INCR', 'x']],
    ['string', ['SET', 'x', 'a'], ['APPEND', 'x', 'b']],
    ['list', ['RPUSH', 'x', 'a'], ['LPOP', 'x']],
  ];
  for (const [type, create, change] of writes) {
    it(`${type}: ${change[0]} by another connection aborts EXEC; a failed write does not`, () =>
      diff.expectSame([
        create,
        ['WATCH', 'x'],
        { cmd: change, conn: 1 },
        ['MULTI'],
        ['TYPE', 'x'],
        ['EXEC'],
        ['WATCH', 'x'],
        { cmd: ['GET', 'nothing-here'], conn: 1 },
        { cmd: ['LPUSHX', 'not-a-list', 'v'], conn: 1 },
        ['MULTI'],
        ['TYPE', 'x'],
        ['EXEC'],
      ]));
  }
});

describeDifferential('differential: WATCH and writes that change nothing', () => {
  const cases: [string[], string[]][] = [
    [
      ['SADD', 'x', 'a'],
      ['SADD', 'x', 'a'],
    ],
    [
      ['SADD', 'x', 'a'],
      ['SREM', 'x', 'zz'],
    ],
    [
      ['HSET', 'x', 'f', 'v'],
      ['HSET', 'x', 'f', 'v'],
    ],
    [
      ['HSET', 'x', 'f', 'v'],
      ['HDEL', 'x', 'zz'],
    ],
    [
      ['HSET', 'x', 'f', 'v'],
      ['HSETNX', 'x', 'f', 'w'],
    ],
    [
      ['ZADD', 'x', '1', 'a'],
      ['ZADD', 'x', '1', 'a'],
    ],
    [
      ['ZADD', 'x', '1', 'a'],
      ['ZREM', 'x', 'zz'],
    ],
    [
      ['RPUSH', 'x', 'a'],
      ['LREM', 'x', '0', 'zz'],
    ],
    [
      ['RPUSH', 'x', 'a'],
      ['LTRIM', 'x', '0', '-1'],
    ],
    [
      ['SET', 'x', 'v'],
      ['SET', 'x', 'v'],
    ],
    [
      ['SET', 'x', 'v'],
      ['SET', 'x', 'w', 'NX'],
    ],
    [
      ['SET', 'x', 'v'],
      ['PERSIST', 'x'],
    ],
    [
      ['SET', 'x', 'v'],
      ['EXPIRE', 'x', '100', 'XX'],
    ],
    [
      ['SET', 'x', 'v'],
      ['SETRANGE', 'x', '0', ''],
    ],
    [
      ['SET', 'x', 'v'],
      ['APPEND', 'x', ''],
    ],
    [
      ['SET', 'x', '5'],
      ['INCRBY', 'x', '0'],
    ],
  ];
  for (const [create, change] of cases) {
    it(`${create.join(' ')} then ${change.join(' ')}`, () =>
      diff.expectSame([
        create,
        ['WATCH', 'x'],
        { cmd: change, conn: 1 },
        ['MULTI'],
        ['PING'],
        ['EXEC'],
      ]));
  }
});

// Key commands and expiry, engine vs real Redis.

import { expect, it } from 'vitest';
import type { Reply } from '../../src/protocol/reply.ts';
import { scanUnordered } from './generators-shared.ts';
import { closeInteger, describeDifferential, show, useDifferential } from './harness.ts';

const diff = useDifferential();

const closeMs = closeInteger(1000);
/** TTL in seconds is rounded: two clocks a few ms apart may round differently. */
const closeTtl = closeInteger(1);

/** A full SCAN walk on each side: the same set of keys, whatever the cursors. */
async function scanAll(args: string[], conn: 'engine' | 'redis'): Promise<string[]> {
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const argv = ['SCAN', cursor, ...args];
    const reply: Reply =
      conn === 'engine'
        ? diff.engine.execute(
            diff.session(),
            argv.map((a) => Buffer.from(a)),
          )
        : await diff.redis.call(...argv);
    const [next, keys] = reply as [Buffer, Buffer[]];
    cursor = next.toString();
    for (const k of keys) seen.add(k.toString('latin1'));
    if (++calls > 10_000) throw new Error('SCAN did not finish');
  } while (cursor !== '0');
  return [...seen].sort();
}

describeDifferential('differential: keyspace', () => {
  it('DEL UNLINK EXISTS TYPE', () =>
    diff.expectSame([
      ['MSET', 'a', '1', 'b', '2', 'c', '3'],
      ['RPUSH', 'l', 'x'],
      ['SADD', 's', 'x'],
      ['HSET', 'h', 'f', 'v'],
      ['ZADD', 'z', '1', 'm'],
      ['TYPE', 'a'],
      ['TYPE', 'l'],
      ['TYPE', 's'],
      ['TYPE', 'h'],
      ['TYPE', 'z'],
      ['TYPE', 'missing'],
      ['EXISTS', 'a', 'a', 'missing', 'b'],
      ['DEL', 'a', 'a', 'missing'],
      ['UNLINK', 'b', 'l'],
      ['EXISTS', 'a', 'b', 'l', 'c'],
      ['DEL'],
      ['EXISTS'],
      ['TYPE'],
      ['DBSIZE'],
    ]));

  it('KEYS with glob patterns', async () => {
    const keys = [
      'hello',
      'hallo',
      'hxllo',
      'hllo',
      'heeeello',
      'h[llo',
      'h*llo',
      'h?llo',
      'a-b',
      'ab',
      'a\\b',
      'b',
      'é',
      '',
      'x]y',
    ];
    await diff.expectSame([['MSET', ...keys.flatMap((k) => [k, 'v'])]]);
    const patterns = [
      '*',
      'h?llo',
      'h*llo',
      'h[ae]llo',
      'h[^e]llo',
      'h[a-b]llo',
      'h[b-a]llo',
      'h\\*llo',
      'h\\?llo',
      'h[\\[]llo',
      'h[',
      'h[a',
      '[',
      '\\',
      'a\\',
      'h[^]llo',
      '*llo*',
      '**',
      '?',
      '',
      '[a-]*',
      'a[-]b',
      'x]y',
      '[x]]y',
      'h*[',
      '*o',
      'h*l*o',
      '[^h]*',
      '[é]',
      '\\é',
      'h[a-z',
      'a[\\\\]b',
      '*\\',
    ];
    await diff.expectSame(
      patterns.map((p) => ({ cmd: ['KEYS', p], compare: 'unordered' as const })),
    );
  });

  it('SCAN: options, errors, and full walks that see every key', async () => {
    await diff.expectSame([
      ['SCAN', 'x'],
      ['SCAN', '-'],
      ['SCAN', '+'],
      ['SCAN', ' 0'],
      ['SCAN', '18446744073709551616'],
      ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', '-1'],
      ['SCAN', '0', 'COUNT', 'x'],
      ['SCAN', '0', 'MATCH'],
      ['SCAN', '0', 'FOO', 'bar'],
      ['SCAN', '0', 'COUNT', '10', 'MATCH'],
      ['SCAN', '0'],
      ['SCAN', ''],
      ['SCAN', '0', 'TYPE', 'string'],
    ]);
    const setup: string[][] = [];
    for (let i = 0; i < 300; i++) setup.push(['SET', `key:${i}`, String(i)]);
    for (let i = 0; i < 20; i++)
      setup.push(['RPUSH', `list:${i}`, 'x'], ['HSET', `hash:${i}`, 'f', 'v']);
    await diff.expectSame(setup);
    for (const args of [
      [],
      ['COUNT', '7'],
      ['MATCH', 'key:1*'],
      ['TYPE', 'list'],
      ['TYPE', 'HASH', 'COUNT', '1000'],
      ['TYPE', 'nope'],
      ['MATCH', 'list:*', 'TYPE', 'string'],
    ]) {
      expect(await scanAll(args, 'engine'), args.join(' ')).toEqual(await scanAll(args, 'redis'));
    }
  });

  it('SCAN sees every key that stays, while others are added and deleted', () => {
    const db = diff.engine;
    const s = diff.session();
    const run = (...argv: string[]) =>
      db.execute(
        s,
        argv.map((a) => Buffer.from(a)),
      );
    for (let i = 0; i < 1000; i++) run('SET', `stay:${i}`, 'v');
    for (let i = 0; i < 1000; i++) run('SET', `go:${i}`, 'v');
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, keys] = run('SCAN', cursor, 'COUNT', '50') as [Buffer, Buffer[]];
      for (const k of keys) seen.add(k.toString());
      cursor = next.toString();
      // Churn: delete some, add some, every step.
      run('DEL', `go:${round * 10}`, `go:${round * 10 + 1}`);
      run('SET', `new:${round}`, 'v');
      round++;
    } while (cursor !== '0');
    for (let i = 0; i < 1000; i++) expect(seen.has(`stay:${i}`)).toBe(true);
  });

  it('KEYS and SCAN MATCH over binary keys and binary patterns', async () => {
    const keys = [
      [0x00, 0x61],
      [0xff, 0x61],
      [0x80],
      [0x61, 0x00, 0x62],
      [0xc3, 0xa9],
      [0x5b, 0xff],
    ];
    await diff.expectSame([['MSET', ...keys.flatMap((k) => [Buffer.from(k), 'v'])]]);
    const patterns = [
      [0x2a],
      [0x3f, 0x61],
      [0x5b, 0x00, 0x2d, 0x7f, 0x5d, 0x2a],
      [0x5b, 0x80, 0x2d, 0xff, 0x5d, 0x2a],
      [0x5b, 0x5e, 0x00, 0x5d, 0x2a],
      [0x61, 0x00, 0x2a],
      [0x5c, 0xff, 0x2a],
      [0x5b, 0xff, 0x2d, 0x61, 0x5d, 0x2a],
    ];
    await diff.expectSame(
      patterns.flatMap((p) => [
        { cmd: ['KEYS', Buffer.from(p)], compare: 'unordered' as const },
        {
          cmd: ['SCAN', '0', 'COUNT', '1000', 'MATCH', Buffer.from(p)],
          compare: scanUnordered(false),
        },
      ]),
    );
  });

  it('RENAME RENAMENX', () =>
    diff.expectSame([
      ['RENAME', 'missing', 'x'],
      ['RENAMENX', 'missing', 'x'],
      ['SET', 'a', '1', 'EX', '100'],
      ['RENAME', 'a', 'a'],
      ['RENAMENX', 'a', 'a'],
      ['RENAME', 'a', 'b'],
      ['EXISTS', 'a'],
      ['GET', 'b'],
      { cmd: ['TTL', 'b'], compare: closeTtl },
      ['RPUSH', 'l', 'x'],
      ['RENAME', 'b', 'l'],
      ['TYPE', 'l'],
      { cmd: ['TTL', 'l'], compare: closeTtl },
      ['SET', 'c', '3'],
      ['RENAMENX', 'c', 'l'],
      ['RENAMENX', 'c', 'd'],
      ['GET', 'd'],
      ['SET', 'e', '5', 'EX', '100'],
      ['RENAME', 'd', 'e'],
      { cmd: ['TTL', 'e'], compare: closeTtl },
      ['RENAME', 'e'],
    ]));

  it('EXPIRE family with NX XX GT LT, TTL PTTL EXPIRETIME PERSIST', () => {
    const nowS = Math.floor(Date.now() / 1000);
    return diff.expectSame([
      ['EXPIRE', 'missing', '100'],
      { cmd: ['TTL', 'missing'], compare: closeTtl },
      ['PTTL', 'missing'],
      { cmd: ['EXPIRETIME', 'missing'], compare: closeTtl },
      ['PEXPIRETIME', 'missing'],
      ['PERSIST', 'missing'],
      ['SET', 'k', 'v'],
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['PTTL', 'k'],
      { cmd: ['EXPIRETIME', 'k'], compare: closeTtl },
      ['PERSIST', 'k'],
      ['EXPIRE', 'k', '100', 'XX'],
      ['EXPIRE', 'k', '100', 'GT'],
      ['EXPIRE', 'k', '100', 'LT'],
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['EXPIRE', 'k', '200', 'NX'],
      ['EXPIRE', 'k', '300', 'NX'],
      ['EXPIRE', 'k', '300', 'XX'],
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['EXPIRE', 'k', '100', 'GT'],
      ['EXPIRE', 'k', '400', 'GT'],
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['EXPIRE', 'k', '500', 'LT'],
      ['EXPIRE', 'k', '50', 'lt'],
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['EXPIRE', 'k', '50', 'NX', 'XX'],
      ['EXPIRE', 'k', '50', 'GT', 'NX'],
      ['EXPIRE', 'k', '50', 'GT', 'LT'],
      // 60, not 50: the same 50 s again would be "greater" only if a millisecond passed since
      // the previous EXPIRE, which differs between the engine's run and Redis's.
      ['EXPIRE', 'k', '60', 'XX', 'GT'],
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['EXPIRE', 'k', '50', 'FOO'],
      ['EXPIRE', 'k', 'x'],
      ['EXPIRE', 'k', 'x', 'FOO'],
      ['EXPIRE', 'k', '1.5'],
      ['EXPIRE', 'k', '9223372036854775807'],
      ['EXPIRE', 'k', '9223372036854775'],
      ['PEXPIRE', 'k', '9223372036854775807'],
      ['EXPIREAT', 'k', '9223372036854775807'],
      ['EXPIREAT', 'k', String(nowS + 1000)],
      { cmd: ['EXPIRETIME', 'k'], compare: closeTtl },
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['PEXPIREAT', 'k', String((nowS + 2000) * 1000 + 250)],
      ['PEXPIRETIME', 'k'],
      { cmd: ['EXPIRETIME', 'k'], compare: closeTtl },
      ['PEXPIRE', 'k', '100500'],
      { cmd: ['PTTL', 'k'], compare: closeMs },
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['PERSIST', 'k'],
      { cmd: ['TTL', 'k'], compare: closeTtl },
      ['SET', 'n', 'v'],
      ['EXPIRE', 'n', '-1', 'GT'],
      ['EXPIRE', 'n', '-1', 'LT'],
      ['EXISTS', 'n'],
      ['SET', 'p', 'v'],
      ['EXPIRE', 'p', '0'],
      ['EXISTS', 'p'],
      ['SET', 'q', 'v'],
      ['PEXPIREAT', 'q', '1'],
      ['EXISTS', 'q'],
      ['SET', 'r', 'v'],
      ['EXPIREAT', 'r', '-100'],
      ['EXISTS', 'r'],
      ['EXPIRE', 'k'],
      ['TTL'],
    ]);
  });

  it('keys with a short TTL disappear on both sides', async () => {
    await diff.expectSame([
      ['SET', 'a', 'v', 'PX', '30'],
      ['SET', 'b', 'v'],
      ['PEXPIRE', 'b', '30'],
      ['HSET', 'h', 'f', 'v'],
      ['PEXPIRE', 'h', '30'],
      ['EXISTS', 'a', 'b', 'h'],
    ]);
    await new Promise((r) => setTimeout(r, 80));
    await diff.expectSame([
      ['EXISTS', 'a', 'b', 'h'],
      ['GET', 'a'],
      { cmd: ['TTL', 'b'], compare: closeTtl },
      ['HGET', 'h', 'f'],
      ['TYPE', 'h'],
      ['KEYS', '*'],
      ['SCAN', '0'],
      ['RANDOMKEY'],
      ['DBSIZE'],
    ]);
  });

  it('RANDOMKEY', async () => {
    await diff.expectSame([
      ['RANDOMKEY'],
      ['MSET', 'a', '1', 'b', '2', 'c', '3'],
      { cmd: ['RANDOMKEY'], compare: 'shape' },
      ['RANDOMKEY', 'x'],
    ]);
    const picked = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const reply = diff.engine.execute(diff.session(), [Buffer.from('RANDOMKEY')]);
      picked.add(String(show(reply)));
    }
    expect([...picked].sort()).toEqual(['$"a"', '$"b"', '$"c"']);
  });
});

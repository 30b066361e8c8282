// The RESP fast lane (src/resp/fast-lane.ts) against the real Redis, over TCP: the same bytes
// go to a kv-server RESP port (engine mode) and to Redis, pipelined and cut into pieces that
// arrive as separate reads, and the reply bytes must be identical. The fast lane runs a command
// only when nothing around it differs from the normal path, and declines the rest; both kinds
// are mixed here, and a spy on the lane counts how many commands it really ran, so a change that
// quietly sends everything the normal way fails too. Both sides use the harness's database 15
// (its lock is held through useDifferential), which also checks that the lane uses the SELECTed
// database.

import { connect, type Socket } from 'node:net';
import { serviceUrls } from '@workshop/test-support';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { encodeCommand, ReplyDecoder } from '../../src/protocol/resp-codec.ts';
import { EngineFastLane } from '../../src/resp/fast-lane.ts';
import { type Running, startEngine } from '../servers.ts';
import { DIFF_DB, describeDifferential, useDifferential } from './harness.ts';

type Arg = string | number | Buffer;

/** A raw connection: sends bytes in pieces and collects the exact bytes of N replies. */
class Wire {
  private readonly decoder = new ReplyDecoder({ maxDepth: 64, maxBulkLength: 1 << 30 });
  private received: Buffer[] = [];
  private counted = 0;
  private want = 0;
  private done: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.decoder.push(chunk);
      while (this.decoder.next() !== undefined) this.counted++;
      if (this.done !== undefined && this.counted >= this.want) this.done();
    });
  }

  static async open(url: string): Promise<Wire> {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const wire = new Wire(socket);
    expect(await wire.send([['SELECT', DIFF_DB]], 1)).toBe('+OK⏎');
    return wire;
  }

  /** Starts sending; the promise resolves with the bytes of the next `replies` replies. */
  send(commands: readonly Arg[][] | Buffer, replies: number, pieces = 1): Promise<string> {
    const bytes = Buffer.isBuffer(commands)
      ? commands
      : Buffer.concat(commands.map((c) => encodeCommand(c)));
    this.received = [];
    this.counted = 0;
    this.want = replies;
    const result = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${replies} replies in 10 s`)), 10_000);
      this.done = () => {
        clearTimeout(timer);
        this.done = undefined;
        resolve(Buffer.concat(this.received).toString('latin1').replaceAll('\r\n', '⏎'));
      };
    });
    void this.writeInPieces(bytes, pieces);
    return result;
  }

  /** `pieces` writes at pseudo-random cut points, a few ms apart so the server reads each alone. */
  private async writeInPieces(bytes: Buffer, pieces: number): Promise<void> {
    let seed = bytes.length * 7919 + pieces;
    const cuts = new Set<number>();
    for (let i = 1; i < pieces && bytes.length > 1; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      cuts.add(1 + (seed % (bytes.length - 1)));
    }
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      this.socket.write(bytes.subarray(from, cut));
      from = cut;
      await new Promise((r) => setTimeout(r, 3));
    }
    this.socket.write(bytes.subarray(from));
  }

  close(): void {
    this.socket.destroy();
  }
}

useDifferential();
let running: Running;
const wires: Wire[] = [];
/** One connection to each side: [kv-server, Redis]. */
let main: [Wire, Wire];
const fastRun = vi.spyOn(EngineFastLane.prototype, 'run');

/** How many commands the fast lane ran (not declined) since the last call. */
function takenSinceLast(): number {
  const taken = fastRun.mock.results.filter((r) => r.type === 'return' && r.value === true);
  fastRun.mockClear();
  return taken.length;
}

async function openPair(): Promise<[Wire, Wire]> {
  const pair: [Wire, Wire] = [
    await Wire.open(running.server.respUrl as string),
    await Wire.open(serviceUrls().redis),
  ];
  wires.push(...pair);
  return pair;
}

/** The same commands on both sides (pipelined, in `pieces` writes): the reply bytes must match. */
async function same(
  commands: readonly Arg[][],
  options: { pieces?: number; replies?: number; pair?: [Wire, Wire] } = {},
): Promise<string> {
  const [ours, theirs] = options.pair ?? main;
  const replies = options.replies ?? commands.length;
  const pieces = options.pieces ?? 1;
  const a = await ours.send(commands, replies, pieces);
  const b = await theirs.send(commands, replies, pieces);
  expect(a).toBe(b);
  return a;
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describeDifferential('RESP fast lane against Redis, over TCP', () => {
  beforeAll(async () => {
    running = await startEngine();
    main = await openPair();
  });
  beforeEach(async () => {
    // The harness flushed Redis's database 15; this is the kv-server's.
    await main[0].send([['FLUSHDB']], 1);
    takenSinceLast();
  });
  afterAll(async () => {
    for (const wire of wires) wire.close();
    fastRun.mockRestore();
    await running?.close();
  });

  it('runs the hot commands pipelined, whatever the case of their names', async () => {
    const batch: Arg[][] = [
      ['SET', 'k', 'v'],
      ['get', 'k'],
      ['Get', 'missing'],
      ['INCR', 'n'],
      ['incr', 'n'],
      ['DECR', 'n'],
      ['decr', 'm'],
      ['MSET', 'a', '1', 'b', '2', 'c', '3'],
      ['GET', 'b'],
      ['LPUSH', 'l', 'x', 'y', 'z'],
      ['rpush', 'l', 'w'],
      ['LPOP', 'l'],
      ['RPOP', 'l'],
      ['lPoP', 'nolist'],
      ['SADD', 's', 'a', 'b', 'a'],
      ['sadd', 's', 'a'],
      ['HSET', 'h', 'f', '1', 'g', '2'],
      ['hset', 'h', 'f', '3'],
      ['ZADD', 'z', '1', 'a', '2.5', 'b', '-inf', 'c'],
      ['zadd', 'z', '3', 'a'],
      ['ZADD', 'z', '+1e3', 'd', '0x10', 'e'],
      // Read back through the normal path.
      ['LRANGE', 'l', '0', '-1'],
      ['SCARD', 's'],
      ['HGET', 'h', 'f'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['MGET', 'a', 'b', 'c', 'k', 'n'],
    ];
    await same(batch);
    // Every command but the five reads at the end (ZADD's hex score is its error, still fast).
    expect(takenSinceLast()).toBe(batch.length - 5);
    // 16 per read, as redis-benchmark -P 16 sends them, in several reads.
    const sixteen = Array.from({ length: 16 }, (_, i) => ['SET', `key:${i}`, 'xxx']);
    await same([...sixteen, ...sixteen.map(([, key]) => ['GET', key!])], { pieces: 5 });
    // A command cut by a read is finished by the normal path: one per cut at most.
    expect(takenSinceLast()).toBeGreaterThanOrEqual(32 - 4);
  });

  it('keeps binary, empty and large values exact, across reads', async () => {
    const big = Buffer.alloc(1024 * 1024, 'abc\r\n\0');
    const around = [16383, 16384, 16385].map((n) => Buffer.alloc(n, 0xe9));
    await same(
      [
        ['SET', ALL_BYTES, ALL_BYTES],
        ['GET', ALL_BYTES],
        ['SET', '', ''],
        ['GET', ''],
        ['SET', 'crlf\r\n', '$3\r\nGET\r\n'],
        ['GET', 'crlf\r\n'],
        ['SET', 'big', big],
        ['GET', 'big'],
        ...around.flatMap((value, i) => [
          ['SET', `around:${i}`, value],
          ['GET', `around:${i}`],
        ]),
        ['MSET', 'm\0', ALL_BYTES, 'm\xff', '', 'm', big],
        ['GET', 'm\0'],
        ['GET', 'm\xff'],
        ['STRLEN', 'm'],
        ['LPUSH', 'bl', ALL_BYTES, '', big],
        ['RPOP', 'bl'],
        ['LPOP', 'bl'],
        ['LPOP', 'bl'],
        ['LPOP', 'bl'],
        ['SADD', 'bs', ALL_BYTES, '', '\0'],
        ['SISMEMBER', 'bs', ALL_BYTES],
        ['SISMEMBER', 'bs', ''],
        ['HSET', 'bh', ALL_BYTES, big, '', ''],
        ['HGET', 'bh', ALL_BYTES],
        ['HSTRLEN', 'bh', ''],
        ['ZADD', 'bz', '1', ALL_BYTES, '2', ''],
        ['ZSCORE', 'bz', ALL_BYTES],
        ['ZRANGE', 'bz', '0', '-1'],
        ['INCR', ALL_BYTES],
      ],
      { pieces: 40 },
    );
    expect(takenSinceLast()).toBeGreaterThan(20);
  });

  it('counts with INCR and DECR exactly at int64 edges and on bad counters', async () => {
    const counters = [
      '9223372036854775806',
      '-9223372036854775807',
      '99999999999999',
      '999999999999999',
      '-99999999999999',
      '9007199254740991',
      '',
      ' 1',
      '1 ',
      '01',
      '-0',
      '+1',
      '1.5',
      '1e3',
      'abc',
      '0',
      '-1',
    ];
    const commands: Arg[][] = [];
    counters.forEach((value, i) => {
      commands.push(['SET', `c${i}`, value], ['INCR', `c${i}`], ['INCR', `c${i}`]);
      commands.push(['DECR', `c${i}`], ['DECR', `c${i}`], ['DECR', `c${i}`], ['GET', `c${i}`]);
    });
    commands.push(['INCR', 'fresh'], ['DECR', 'fresh2'], ['INCRBY', 'c0', '1']);
    await same(commands, { pieces: 7 });
    expect(takenSinceLast()).toBeGreaterThanOrEqual(commands.length - 1 - 6);
  });

  it('answers wrong types, and leaves odd shapes and options to the normal path', async () => {
    const setup: Arg[][] = [
      ['SET', 'str', 'v'],
      ['LPUSH', 'list', 'a'],
      ['SADD', 'set', 'a'],
      ['HSET', 'hash', 'f', 'v'],
      ['ZADD', 'zset', '1', 'a'],
    ];
    await same(setup);
    expect(takenSinceLast()).toBe(setup.length);
    const wrongTypes: Arg[][] = [
      ['GET', 'list'],
      ['INCR', 'hash'],
      ['DECR', 'set'],
      ['LPUSH', 'str', 'x'],
      ['RPUSH', 'zset', 'x'],
      ['LPOP', 'set'],
      ['RPOP', 'str'],
      ['SADD', 'hash', 'x'],
      ['HSET', 'list', 'f', 'v'],
      ['ZADD', 'set', '1', 'x'],
      ['SET', 'list', 'now a string'],
      ['GET', 'list'],
      ['MSET', 'set', 'x', 'hash', 'y'],
      ['GET', 'hash'],
    ];
    await same(wrongTypes);
    expect(takenSinceLast()).toBe(wrongTypes.length);
    const shapes: Arg[][] = [
      ['SET', 'k'],
      ['SET', 'k', 'v', 'NX'],
      ['SET', 'k', 'v', 'XX', 'GET'],
      ['SET', 'k', 'v2', 'GET'],
      ['SET', 'k', 'v', 'EX', '0'],
      ['SET', 'k', 'v', 'PX', 'abc'],
      ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
      ['GET'],
      ['GET', 'a', 'b'],
      ['INCR'],
      ['INCR', 'a', 'b'],
      ['MSET', 'k'],
      ['MSET', 'k', 'v', 'k2'],
      ['HSET', 'h', 'f'],
      ['HSET', 'h', 'f', 'v', 'g'],
      ['LPUSH', 'l'],
      ['SADD', 's'],
      ['LPOP', 'list2'],
      ['RPUSH', 'list2', 'a', 'b', 'c'],
      ['LPOP', 'list2', '2'],
      ['LPOP', 'list2', '0'],
      ['LPOP', 'list2', '-1'],
      ['LPOP', 'nolist', '2'],
      ['LPOP', 'a', 'b', 'c'],
      ['ZADD', 'z', '1'],
      ['ZADD', 'z', '1', 'a', '2'],
      ['ZADD', 'z', 'nan', 'a'],
      ['ZADD', 'z', '1e400', 'a'],
      ['ZADD', 'z', 'NX', '1', 'a'],
      ['ZADD', 'z', 'XX', 'CH', '2', 'a'],
      ['ZADD', 'z', 'nx', 'xx', '2', 'a'],
      ['ZADD', 'z', 'GT', 'LT', '2', 'a'],
      ['ZADD', 'z', 'INCR', '1', 'a'],
      ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
      ['ZADD', 'z', 'CH', 'nx\0x', '5', 'c'],
      ['ZADD', 'z', 'inf', 'a', '-inf', 'b'],
      ['ZADD', 'z', 'inf', 'a', 'nonsense', 'b'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ];
    await same(shapes, { pieces: 9 });
    // Inline commands (what telnet sends) always take the normal path.
    const inline = Buffer.from('SET inline v\r\nGET inline\r\nINCR inline\r\n', 'latin1');
    const [a, b] = [await main[0].send(inline, 3), await main[1].send(inline, 3)];
    expect(a).toBe(b);
  });

  it('sees keys expire, and a plain SET drops a TTL', async () => {
    await same([
      ['SET', 'gone', 'v', 'PX', '50'],
      ['RPUSH', 'glist', 'a'],
      ['PEXPIRE', 'glist', '50'],
      ['SADD', 'gset', 'a'],
      ['PEXPIRE', 'gset', '50'],
      ['HSET', 'ghash', 'f', 'v'],
      ['PEXPIRE', 'ghash', '50'],
      ['ZADD', 'gz', '1', 'a'],
      ['PEXPIRE', 'gz', '50'],
      ['SET', 'gn', '41', 'PX', '50'],
      ['SET', 'kept', 'v', 'EX', '100'],
      ['SET', 'kept', 'v2'],
      ['TTL', 'kept'],
      ['SET', 'ttl2', 'v', 'EX', '100'],
      ['MSET', 'ttl2', 'w'],
      ['TTL', 'ttl2'],
      ['SET', 'ttl3', '5', 'EX', '100'],
      ['INCR', 'ttl3'],
      ['TTL', 'ttl3'],
    ]);
    await new Promise((r) => setTimeout(r, 120));
    await same([
      ['GET', 'gone'],
      ['LPUSH', 'glist', 'b'],
      ['LRANGE', 'glist', '0', '-1'],
      ['SADD', 'gset', 'b'],
      ['SCARD', 'gset'],
      ['HSET', 'ghash', 'g', 'v'],
      ['HLEN', 'ghash'],
      ['ZADD', 'gz', '2', 'b'],
      ['ZCARD', 'gz'],
      ['INCR', 'gn'],
      ['TTL', 'gn'],
    ]);
    expect(takenSinceLast()).toBeGreaterThan(10);
  });

  it('makes WATCH see its writes, from another connection or the same one', async () => {
    const other = await openPair();
    const writes: Arg[][] = [
      ['SET', 'w', 'v'],
      ['INCR', 'w2'],
      ['MSET', 'x', '1', 'w3', '2'],
      ['LPUSH', 'w4', 'a'],
      ['SADD', 'w5', 'a'],
      ['HSET', 'w6', 'f', 'v'],
      ['ZADD', 'w7', '1', 'a'],
    ];
    for (const write of writes) {
      const key = write[0] === 'MSET' ? 'w3' : (write[1] as string);
      await same([['WATCH', key]]);
      await same([write], { pair: other });
      await same([['MULTI'], ['GET', 'untouched'], ['EXEC']]);
      // The same connection's own write dirties its WATCH too (Redis's touchWatchedKey).
      await same([['WATCH', key], write, ['MULTI'], ['PING'], ['EXEC']]);
    }
    // A write to the popped list, and to an unwatched key (EXEC runs).
    await same([['WATCH', 'w4'], ['LPOP', 'w4'], ['MULTI'], ['PING'], ['EXEC']]);
    await same([['WATCH', 'w'], ['SET', 'other', '1'], ['MULTI'], ['GET', 'w'], ['EXEC']]);
    expect(takenSinceLast()).toBeGreaterThan(writes.length * 2);
  });

  it('queues them inside MULTI', async () => {
    await same([
      ['MULTI'],
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['INCR', 'n'],
      ['LPUSH', 'l', 'a'],
      ['LPOP', 'l'],
      ['INCR', 'k'],
      ['ZADD', 'z', '1', 'a'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'k', 'v'],
      ['GET'],
      ['EXEC'],
      ['GET', 'k'],
    ]);
  });

  it('wakes a client blocked on the list it pushes to', async () => {
    const blocked = await openPair();
    const waits = [
      blocked[0].send([['BLPOP', 'q', '5']], 1),
      blocked[1].send([['BLPOP', 'q', '5']], 1),
    ];
    await new Promise((r) => setTimeout(r, 50));
    await same([
      ['LPUSH', 'q', 'a', 'b'],
      ['LLEN', 'q'],
    ]);
    const [a, b] = await Promise.all(waits);
    expect(a).toBe(b);
    expect(a).toBe('*2⏎$1⏎q⏎$1⏎b⏎');
  });

  it('answers in RESP3 after HELLO 3', async () => {
    const resp3 = await openPair();
    // HELLO's map differs (id, version): only its shape is the same on both.
    await resp3[0].send([['HELLO', '3']], 1);
    await resp3[1].send([['HELLO', '3']], 1);
    await same(
      [
        ['GET', 'missing'],
        ['LPOP', 'missing'],
        ['RPOP', 'missing'],
        ['SET', 'k', 'v'],
        ['GET', 'k'],
        ['INCR', 'n'],
        ['ZADD', 'z', 'INCR', '1.5', 'a'],
        ['ZADD', 'z', '2', 'b'],
        ['LPOP', 'k'],
      ],
      { pair: resp3 },
    );
  });

  it('drops replies under CLIENT REPLY OFF and SKIP', async () => {
    const quiet = await openPair();
    await same(
      [
        ['CLIENT', 'REPLY', 'OFF'],
        ['SET', 'a', '1'],
        ['INCR', 'a'],
        ['CLIENT', 'REPLY', 'ON'],
        ['GET', 'a'],
        ['CLIENT', 'REPLY', 'SKIP'],
        ['SET', 'b', '2'],
        ['GET', 'b'],
        ['LPUSH', 'l', 'x'],
      ],
      { pair: quiet, replies: 4 },
    );
  });
});

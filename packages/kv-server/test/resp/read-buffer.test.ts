// The bytes a connection reads must never be shared with what the server keeps: a value stored
// by SET, an argument queued by MULTI, a command half-read when its read ended, a script's ARGV.
// If any of them were a view of memory the next read reuses (a reused read buffer, a pooled
// chunk), a later read would silently change stored data. So: commands cut at every offset into
// separate reads, more reads after them, then everything is read back and must be what was sent,
// through the fast lane and through the normal path, with small, large and binary values.

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorReply, type Reply } from '../../src/protocol/reply.ts';
import { encodeCommand, ReplyDecoder } from '../../src/protocol/resp-codec.ts';
import { type Running, startEngine } from '../servers.ts';

let running: Running;
const sockets: Socket[] = [];

/** A connection whose writes the test cuts itself: each piece is read alone by the server. */
class CutClient {
  private readonly decoder = new ReplyDecoder({ maxDepth: 8 });
  private readonly replies: Reply[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let r = this.decoder.next(); r !== undefined; r = this.decoder.next()) {
        this.replies.push(r);
      }
      this.wake?.();
    });
  }

  static async open(): Promise<CutClient> {
    const url = new URL(running.server.respUrl as string);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new CutClient(socket);
  }

  /** Writes `bytes` cut at `cuts`, a pause after each piece; resolves with `count` replies. */
  async send(bytes: Buffer, cuts: number[], count: number): Promise<Reply[]> {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      if (cut <= from) continue;
      this.socket.write(bytes.subarray(from, cut));
      from = cut;
      if (cut < bytes.length) await pause();
    }
    const end = Date.now() + 10_000;
    while (this.replies.length < count) {
      if (Date.now() > end) throw new Error(`${this.replies.length} of ${count} replies`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.replies.splice(0, count);
  }

  call(...argv: (string | Buffer)[]): Promise<Reply[]> {
    return this.send(encodeCommand(argv), [], 1);
  }
}

/** Long enough for the server to read what was written before the next write. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 2));

/** A value of `length` bytes, all 256 byte values, different for every `seed`. */
function value(seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function errors(replies: Reply[]): Reply[] {
  return replies.filter((r) => r instanceof ErrorReply);
}

describe('read buffers are never aliased by stored data', () => {
  beforeAll(async () => {
    running = await startEngine();
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await running?.close();
  });

  it('keeps every value after commands cut at every offset and later reads', async () => {
    const c = await CutClient.open();
    const script = "redis.call('SET', KEYS[1], ARGV[1]) return 1";
    /** The commands of round `k`: the fast lane's and the normal path's, MULTI, a script. */
    const round = (k: number): (string | Buffer)[][] => [
      ['SET', `lane:${k}`, value(k, 1 + (k % 40))],
      ['SET', `opt:${k}`, value(k + 1e5, 3 + (k % 17)), 'EX', '1000'],
      ['HSET', 'hash', `f${k}`, value(k + 2e5, 5)],
      ['RPUSH', 'list', value(k + 3e5, 6)],
      ['MSET', `m1:${k}`, value(k + 4e5, 7), `m2:${k}`, value(k + 5e5, 8)],
      ['APPEND', `app:${k}`, value(k + 6e5, 9)],
      ['MULTI'],
      ['SET', `tx:${k}`, value(k + 7e5, 10)],
      ['SADD', `set:${k}`, value(k + 8e5, 11)],
      ['EXEC'],
      ['EVAL', script, '1', `lua:${k}`, value(k + 9e5, 12)],
      // Long enough that the read carrying it covers everything read before it.
      ['SET', 'filler', value(k + 1e6, 700)],
    ];
    const replyCount = round(0).length;
    let rounds = 0;
    // Every offset of a round's bytes is a read boundary once (each round cut at one offset).
    for (let k = 1; ; k++) {
      const bytes = Buffer.concat(round(k).map((argv) => encodeCommand(argv)));
      if (k >= bytes.length) break;
      const replies = await c.send(bytes, [k], replyCount);
      expect(errors(replies)).toEqual([]);
      rounds = k;
    }
    expect(rounds).toBeGreaterThan(1000);

    // Read back after all those later reads.
    const wanted: [string, Buffer][] = [];
    for (let k = 1; k <= rounds; k++) {
      wanted.push([`lane:${k}`, value(k, 1 + (k % 40))]);
      wanted.push([`opt:${k}`, value(k + 1e5, 3 + (k % 17))]);
      wanted.push([`m1:${k}`, value(k + 4e5, 7)]);
      wanted.push([`m2:${k}`, value(k + 5e5, 8)]);
      wanted.push([`app:${k}`, value(k + 6e5, 9)]);
      wanted.push([`tx:${k}`, value(k + 7e5, 10)]);
      wanted.push([`lua:${k}`, value(k + 9e5, 12)]);
    }
    const got = await c.send(
      Buffer.concat(wanted.map(([key]) => encodeCommand(['GET', key]))),
      [],
      wanted.length,
    );
    const wrong = wanted.filter(([, v], i) => !v.equals(got[i] as Buffer)).map(([key]) => key);
    expect(wrong).toEqual([]);

    const [hash] = await c.call('HGETALL', 'hash');
    const fields = new Map<string, Buffer>();
    for (let i = 0; i < (hash as Buffer[]).length; i += 2) {
      fields.set((hash as Buffer[])[i]!.toString(), (hash as Buffer[])[i + 1]!);
    }
    const [list] = await c.call('LRANGE', 'list', '0', '-1');
    for (let k = 1; k <= rounds; k++) {
      expect(fields.get(`f${k}`)?.equals(value(k + 2e5, 5)), `hash f${k}`).toBe(true);
      expect((list as Buffer[])[k - 1]?.equals(value(k + 3e5, 6)), `list ${k}`).toBe(true);
      const [members] = await c.call('SMEMBERS', `set:${k}`);
      expect((members as Buffer[])[0]?.equals(value(k + 8e5, 11)), `set ${k}`).toBe(true);
    }
  });

  it('keeps the arguments MULTI queued while more reads arrive', async () => {
    const c = await CutClient.open();
    const queued = Array.from({ length: 40 }, (_, i) => value(i + 2e6, 50 + i));
    const first = Buffer.concat([
      encodeCommand(['MULTI']),
      ...queued.slice(0, 20).map((v, i) => encodeCommand(['SET', `q:${i}`, v])),
    ]);
    expect(errors(await c.send(first, [], 21))).toEqual([]);
    const second = Buffer.concat(
      queued.slice(20).map((v, i) => encodeCommand(['RPUSH', 'q:list', v, String(i)])),
    );
    expect(errors(await c.send(second, [], 20))).toEqual([]);
    const [exec] = await c.call('EXEC');
    expect((exec as Reply[]).length).toBe(40);
    const got = await c.send(
      Buffer.concat(queued.slice(0, 20).map((_, i) => encodeCommand(['GET', `q:${i}`]))),
      [],
      20,
    );
    for (const [i, reply] of got.entries()) {
      expect((reply as Buffer).equals(queued[i]!), `q:${i}`).toBe(true);
    }
    const [list] = await c.call('LRANGE', 'q:list', '0', '-1');
    const expected = queued.slice(20).flatMap((v, i) => [v, Buffer.from(String(i))]);
    expect((list as Buffer[]).every((v, i) => v.equals(expected[i]!))).toBe(true);
  });

  it('keeps large values that arrived in many reads', async () => {
    const c = await CutClient.open();
    const big = (seed: number) => value(seed, 300_000 + seed);
    const commands: (string | Buffer)[][] = [
      ['SET', 'big:lane', big(1)],
      ['SET', 'big:opt', big(2), 'PX', '1000000'],
      ['MULTI'],
      ['SET', 'big:tx', big(3)],
      ['EXEC'],
      ['EVAL', "redis.call('SET', KEYS[1], ARGV[1]) return 1", '1', 'big:lua', big(4)],
      ['HSET', 'big:hash', 'f', big(5)],
    ];
    const bytes = Buffer.concat(commands.map((argv) => encodeCommand(argv)));
    // Pieces of 16 KB and odd sizes, so bulk strings start and end inside reads.
    const cuts: number[] = [];
    for (let at = 7001; at < bytes.length; at += 16_384 + (cuts.length % 5) * 3001) cuts.push(at);
    expect(errors(await c.send(bytes, cuts, commands.length))).toEqual([]);
    // Many more reads through the same connection, to overwrite anything reused.
    for (let i = 0; i < 30; i++) {
      const churn = Buffer.concat(
        Array.from({ length: 20 }, (_, j) =>
          encodeCommand(['SET', 'churn', value(i * 20 + j, 4000)]),
        ),
      );
      await c.send(churn, [1000, 20_000, 50_000], 20);
    }
    const got = await c.send(
      Buffer.concat(
        ['big:lane', 'big:opt', 'big:tx', 'big:lua'].map((key) => encodeCommand(['GET', key])),
      ),
      [],
      4,
    );
    for (const [i, reply] of got.entries()) {
      expect((reply as Buffer).equals(big(i + 1)), `big ${i + 1}`).toBe(true);
    }
    const [field] = await c.call('HGET', 'big:hash', 'f');
    expect((field as Buffer).equals(big(5))).toBe(true);
  });
});

// The RESP fast lane reuses an argument's string from the previous command when the bytes are
// the same (src/resp/fast-lane.ts): here, against the real Redis over TCP, arguments that are
// almost the same (one byte apart at the start, the middle or the end, binary bytes, one byte
// longer or shorter, values around the 64-byte limit of what is kept), in one pipeline so each
// command follows one that put a near-miss at the same position. Reply bytes must be identical.

import { connect, type Socket } from 'node:net';
import { serviceUrls } from '@workshop/test-support';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { encodeCommand, ReplyDecoder } from '../../src/protocol/resp-codec.ts';
import { EngineFastLane } from '../../src/resp/fast-lane.ts';
import { type Running, startEngine } from '../servers.ts';
import { DIFF_DB, describeDifferential, useDifferential } from './harness.ts';

type Arg = string | Buffer;

/** Sends a pipeline on a fresh connection and returns the bytes of its replies. */
async function exchange(url: string, commands: readonly Arg[][]): Promise<string> {
  const u = new URL(url);
  const socket: Socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
  const decoder = new ReplyDecoder({ maxDepth: 8, maxBulkLength: 1 << 20 });
  const chunks: Buffer[] = [];
  const want = commands.length + 1;
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      decoder.push(chunk);
      while (decoder.next() !== undefined) got++;
      if (got >= want) resolve();
    });
    socket.once('error', reject);
    setTimeout(() => reject(new Error(`no ${want} replies in 10 s`)), 10_000);
  });
  socket.write(
    Buffer.concat([['SELECT', String(DIFF_DB)], ...commands].map((c) => encodeCommand(c))),
  );
  await done;
  socket.destroy();
  return Buffer.concat(chunks).toString('latin1').replaceAll('\r\n', '⏎');
}

useDifferential();
let running: Running;
const fastRun = vi.spyOn(EngineFastLane.prototype, 'run');

function takenByLane(): number {
  const taken = fastRun.mock.results.filter((r) => r.type === 'return' && r.value === true);
  fastRun.mockClear();
  return taken.length;
}

async function same(commands: readonly Arg[][]): Promise<void> {
  const ours = await exchange(running.server.respUrl as string, commands);
  const theirs = await exchange(serviceUrls().redis, commands);
  expect(ours).toBe(theirs);
}

describeDifferential('RESP fast lane: repeated and almost repeated arguments', () => {
  beforeAll(async () => {
    running = await startEngine();
  });
  beforeEach(async () => {
    await exchange(running.server.respUrl as string, [['FLUSHDB']]);
    takenByLane();
  });
  afterAll(async () => {
    fastRun.mockRestore();
    await running?.close();
  });

  it('keys and values one byte apart, at every place, in turn', async () => {
    const keys: Arg[] = [
      'key:0001',
      'key:0001',
      'key:0002',
      'aey:0002',
      'key:1002',
      'key:10020',
      'key:100',
      Buffer.from([0x6b, 0xff, 0x00, 0x80]),
      Buffer.from([0x6b, 0xfe, 0x00, 0x80]),
      Buffer.from([0x6b, 0xfe, 0x00, 0x80]),
      '',
      'k',
    ];
    const vals: Arg[] = ['xxx', 'xxy', 'xxy', 'yxy', '', 'x', Buffer.from([0xe9, 0x00, 0xff])];
    const commands: Arg[][] = [];
    keys.forEach((key, i) => {
      commands.push(['SET', key, vals[i % vals.length] as Arg], ['GET', key]);
    });
    for (const key of keys) commands.push(['GET', key], ['INCR', key]);
    await same(commands);
    expect(takenByLane()).toBe(commands.length);
  });

  it('MSET of one key ten times, then of keys and values that differ from it slightly', async () => {
    const ten = (key: Arg, value: Arg): Arg[] => [
      'MSET',
      ...Array.from({ length: 10 }, () => [key, value]).flat(),
    ];
    const commands: Arg[][] = [
      ten('key:__rand_int__', 'xxx'),
      ten('key:__rand_int__', 'xxx'),
      ten('key:__rand_int__', 'xxz'),
      ['MSET', 'key:__rand_int_x', 'a', 'key:__rand_int__', 'b', 'key:__rand_int_x', 'c'],
      ['MSET', 'key:__rand_int__', 'b', 'key:__rand_int_x', 'b', 'key:__rand_int__', 'd'],
      ['MGET', 'key:__rand_int__', 'key:__rand_int_x'],
      ['LPUSH', 'mylist', 'xxx'],
      ['LPUSH', 'mylist', 'xxx'],
      ['LPUSH', 'mylist', 'xxy'],
      ['LPUSH', 'mylisu', 'xxx'],
      ['LRANGE', 'mylist', '0', '-1'],
      ['ZADD', 'myzset', '0', 'element:__rand_int__'],
      ['ZADD', 'myzset', '0', 'element:__rand_int__'],
      ['ZADD', 'myzset', '1', 'element:__rand_int__'],
      ['ZADD', 'myzset', '1', 'element:__rand_int_x'],
      ['ZRANGE', 'myzset', '0', '-1', 'WITHSCORES'],
    ];
    await same(commands);
    expect(takenByLane()).toBe(commands.length - 3); // not MGET, LRANGE, ZRANGE
  });

  it('values around the longest kept string (64 bytes), long after short after long', async () => {
    const commands: Arg[][] = [];
    for (const length of [63, 64, 64, 65, 65, 64, 200, 200, 3, 64]) {
      const value = 'v'.repeat(length - 1) + String(length % 10);
      commands.push(['SET', 'long', value], ['GET', 'long'], ['RPUSH', 'l', value]);
    }
    commands.push(['LRANGE', 'l', '0', '-1']);
    await same(commands);
  });
});

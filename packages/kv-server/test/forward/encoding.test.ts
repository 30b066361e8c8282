// Forwarding encodes each command straight into its turn's Buffer (forward/connection.ts): the
// lengths, the copies and the Buffer's growth must give the backend exactly the bytes sent,
// whatever the argument sizes and however many commands share one turn. The backend here is a
// second kv-server over RESP, whose own decoder checks every byte of the framing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startForwardingToKv, TOKEN } from '../servers.ts';

describe('forwarding encodes commands exactly', () => {
  let running: Running;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${running.server.restUrl}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    running = await startForwardingToKv();
  });
  afterAll(() => running?.close());

  // Around each branch: one-digit and longer lengths, the byte-by-byte copy (<= 32 bytes) and
  // the bulk one, the turn's first Buffer (2 KB) and its growth past 64 KB.
  const SIZES = [0, 1, 9, 10, 31, 32, 33, 99, 100, 2047, 2048, 5000, 70_000];
  const textOf = (size: number, seed: number) =>
    Array.from({ length: size }, (_, i) => String.fromCharCode(32 + ((i * 7 + seed) % 95))).join(
      '',
    );

  it('sends every argument size intact, one request at a time', async () => {
    for (const [i, size] of SIZES.entries()) {
      const value = textOf(size, i);
      expect((await post('/', ['SET', `enc:one:${size}`, value])).json).toEqual({ result: 'OK' });
      expect((await post('/', ['STRLEN', `enc:one:${size}`])).json).toEqual({ result: size });
      expect((await post('/', ['GET', `enc:one:${size}`])).json).toEqual({ result: value });
    }
  });

  it('keeps many commands of one turn apart and in order', async () => {
    // Sent at once: their commands are collected in the same turn(s) of the event loop.
    const sets = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const size = SIZES[i % SIZES.length]!;
        return post('/', ['SET', `enc:many:${i}`, textOf(size, i), 'EX', 600]);
      }),
    );
    for (const res of sets) expect(res.json).toEqual({ result: 'OK' });
    const gets = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post('/', ['GET', `enc:many:${i}`])),
    );
    gets.forEach((res, i) => {
      expect(res.json).toEqual({ result: textOf(SIZES[i % SIZES.length]!, i) });
    });
    // A pipeline and a multi-byte (UTF-8) argument go the same way.
    expect(
      (
        await post('/pipeline', [
          ['SET', 'enc:utf8', 'é€😀'],
          ['STRLEN', 'enc:utf8'],
          ['GET', 'enc:utf8'],
          ['MSET', ...SIZES.flatMap((size) => [`enc:m:${size}`, textOf(size, 3)])],
          ['MGET', ...SIZES.map((size) => `enc:m:${size}`)],
        ])
      ).json,
    ).toEqual([
      { result: 'OK' },
      { result: 9 },
      { result: 'é€😀' },
      { result: 'OK' },
      { result: SIZES.map((size) => textOf(size, 3)) },
    ]);
  });
});

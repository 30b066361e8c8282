// A blocking command over REST gives up when its client goes away, as a closed RESP
// connection's does: it must not take the element pushed after the client left.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startEngine, TOKEN } from '../servers.ts';

let running: Running;
beforeAll(async () => {
  running = await startEngine({ respPort: false });
});
afterAll(async () => running.close());

const command = async (argv: (string | number)[], signal?: AbortSignal) => {
  const res = await fetch(`${running.server.restUrl}/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(argv),
    signal,
  });
  return res.json();
};

describe('REST blocking command, client gone', () => {
  it('stops waiting, and a later push stays in the list', async () => {
    const controller = new AbortController();
    const waiting = command(['blpop', 'gone:q', 5], controller.signal).catch((e: Error) => e.name);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await waiting).toBe('AbortError');
    // The server sees the connection close a moment later.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await command(['rpush', 'gone:q', 'job'])).toEqual({ result: 1 });
    expect(await command(['lrange', 'gone:q', 0, -1])).toEqual({ result: ['job'] });
  });

  it('still answers a blocking command whose client stays', async () => {
    const waiting = command(['blpop', 'stay:q', 5]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await command(['rpush', 'stay:q', 'job']);
    expect(await waiting).toEqual({ result: ['stay:q', 'job'] });
  });
});

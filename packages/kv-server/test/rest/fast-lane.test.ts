// The engine's REST fast lane (engine/backend.ts RestLane): `POST /` and `/pipeline` bodies of
// plain SET key value, INCR and DECR run straight from the body's bytes. Every answer must be
// the normal path's: each case runs twice on a fresh server, once as the lane takes it and once
// with an ECHO added to the pipeline (the lane takes all of a pipeline or none of it), and the
// replies, the data and INFO's counters must match. Then what must keep it off: MONITOR.

import { afterEach, describe, expect, it } from 'vitest';
import { type Running, startEngine, TOKEN } from '../servers.ts';

const auth = { Authorization: `Bearer ${TOKEN}` };
let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever JSON the server sent
type Json = any;

async function post(base: string, path: string, body: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: auth,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

/** Runs `setup` then `commands` as one pipeline on a fresh server; the replies and the state. */
async function outcome(setup: unknown[][], commands: unknown[][], viaNormalPath: boolean) {
  const server = await startEngine();
  try {
    const base = server.server.restUrl;
    if (setup.length > 0) await post(base, '/pipeline', setup);
    const body = viaNormalPath ? [...commands, ['ECHO', 'x']] : commands;
    const res = await post(base, '/pipeline', body);
    const replies = viaNormalPath ? res.json.slice(0, -1) : res.json;
    const keys = (await post(base, '/', ['KEYS', '*'])).json.result.sort();
    const values = [];
    for (const key of keys) {
      values.push([key, (await post(base, '/', ['DUMP', key])).json.result]);
    }
    const info = (await post(base, '/', ['INFO', 'stats'])).json.result as string;
    const stat = (name: string) => new RegExp(`${name}:(\\d+)`).exec(info)?.[1];
    return {
      status: res.status,
      replies,
      values,
      // The ECHO and the lookups above count as commands too: the same number on both sides.
      processed: Number(stat('total_commands_processed')) - (viaNormalPath ? 1 : 0),
      hits: stat('keyspace_hits'),
      misses: stat('keyspace_misses'),
    };
  } finally {
    await server.close();
  }
}

const CASES: { name: string; setup?: unknown[][]; commands: unknown[][] }[] = [
  {
    name: 'counters',
    commands: [
      ['INCR', 'a'],
      ['INCR', 'a'],
      ['DECR', 'b'],
      ['decr', 'a'],
    ],
  },
  {
    name: 'any letter case',
    commands: [
      ['Incr', 'a'],
      ['sEt', 'b', 'v'],
      ['DeCr', 'a'],
    ],
  },
  {
    name: 'SET then INCR of its value, numbers as arguments',
    commands: [
      ['SET', 'n', 41],
      ['INCR', 'n'],
      ['SET', 'm', -7],
      ['DECR', 'm'],
      ['SET', 'z', 0],
    ],
  },
  {
    name: 'errors in the middle',
    setup: [
      ['RPUSH', 'list', 'x'],
      ['SET', 'text', 'abc'],
      ['SET', 'max', '9223372036854775807'],
    ],
    commands: [
      ['INCR', 'list'],
      ['INCR', 'text'],
      ['INCR', 'max'],
      ['DECR', 'ok'],
      ['SET', 'list', 'v'],
    ],
  },
  {
    name: 'keys and values of every length, with an expiring key overwritten',
    setup: [['SET', 'ttl', 'old', 'EX', 100]],
    commands: [
      ['SET', '', ''],
      ['SET', 'k', 'v'],
      ['SET', 'twelve-bytes', 'x'.repeat(13)],
      ['SET', 'thirteen-byte', 'y'.repeat(100)],
      ['INCR', 'a-much-longer-key-than-twelve-bytes'],
      ['SET', 'ttl', 'new'],
    ],
  },
  {
    // Every key length the lane turns into a string by its own code (0-16) and past it; each
    // key's bytes differ, so a byte out of place is a different key.
    name: 'keys of every length up to 20',
    commands: Array.from({ length: 21 }, (_, n) => ['SET', 'abcdefghijklmnopqrst'.slice(0, n), n]),
  },
];

describe('the engine REST fast lane answers as the normal path', () => {
  for (const { name, setup = [], commands } of CASES) {
    it(name, async () => {
      const lane = await outcome(setup, commands, false);
      const normal = await outcome(setup, commands, true);
      expect(lane).toEqual(normal);
      expect(lane.status).toBe(200);
    });
  }

  it('runs a pipeline past the first span arrays of the parse, then a small one', async () => {
    // 1,024 arguments and 256 commands fit the arrays at first; these grow them, by 3,000
    // commands with keys and values of many lengths.
    running = await startEngine();
    const base = running.server.restUrl;
    const commands = Array.from({ length: 3000 }, (_, i) =>
      i % 3 === 0 ? ['SET', `big:${'k'.repeat(i % 7)}${i % 50}`, i] : ['INCR', `big:${i % 50}`],
    );
    const expected = new Map<string, number>();
    const replies = commands.map(([name, key, value]) => {
      if (name === 'SET') {
        expected.set(key as string, value as number);
        return { result: 'OK' };
      }
      const next = (expected.get(key as string) ?? 0) + 1;
      expected.set(key as string, next);
      return { result: next };
    });
    expect((await post(base, '/pipeline', commands)).json).toEqual(replies);
    expect(
      (
        await post(base, '/pipeline', [
          ['INCR', 'big:7'],
          ['SET', 'small', 'v'],
        ])
      ).json,
    ).toEqual([{ result: (expected.get('big:7') ?? 0) + 1 }, { result: 'OK' }]);
    const keys = [...expected.keys()];
    const values = (await post(base, '/', ['MGET', ...keys])).json.result;
    expect(values).toEqual(
      keys.map((key) => String(key === 'big:7' ? expected.get(key)! + 1 : expected.get(key))),
    );
  });

  it('runs a GET alone as the normal path does, hits and misses counted', async () => {
    // The lane takes GET only as a request's one command; with an ECHO after it, it is not.
    const setup = [
      ['SET', 'text', 'value'],
      ['RPUSH', 'list', 'x'],
      ['SET', 'expired', 'v', 'PX', 1],
    ];
    const run = async (viaNormalPath: boolean) => {
      const server = await startEngine();
      try {
        const base = server.server.restUrl;
        await post(base, '/pipeline', setup);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const replies = [];
        for (const key of ['text', 'missing', 'list', 'expired', 'TEXT']) {
          if (viaNormalPath) {
            const res = await post(base, '/pipeline', [
              ['GET', key],
              ['ECHO', 'x'],
            ]);
            replies.push(res.json[0]);
          } else {
            const res = await post(base, '/', ['get', key]);
            replies.push('error' in res.json ? { ...res.json, status: res.status } : res.json);
          }
        }
        const info = (await post(base, '/', ['INFO', 'stats'])).json.result as string;
        const stat = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]);
        return {
          replies: replies.map((r) => ({ ...r, status: undefined })),
          statuses: replies.map((r) => r.status),
          processed: stat('total_commands_processed') - (viaNormalPath ? 5 : 0),
          hits: stat('keyspace_hits'),
          misses: stat('keyspace_misses'),
          expired: stat('expired_keys'),
        };
      } finally {
        await server.close();
      }
    };
    const lane = await run(false);
    const normal = await run(true);
    expect(lane.replies).toEqual(normal.replies);
    expect({ ...lane, replies: 0, statuses: 0 }).toEqual({ ...normal, replies: 0, statuses: 0 });
    expect(lane.replies[0]).toEqual({ result: 'value' });
    expect(lane.statuses).toEqual([undefined, undefined, 400, undefined, undefined]);
    // GET of a list is a hit (then WRONGTYPE), as in Redis; the expired key is a miss.
    expect([lane.hits, lane.misses, lane.expired]).toEqual([2, 3, 1]);
  });

  it('answers POST / the same way, errors as a 400', async () => {
    running = await startEngine();
    const base = running.server.restUrl;
    expect(await post(base, '/', ['INCR', 'c'])).toEqual({ status: 200, json: { result: 1 } });
    expect(await post(base, '/', ' [ "decr" , "c" ] ')).toEqual({
      status: 200,
      json: { result: 0 },
    });
    expect(await post(base, '/', ['SET', 's', 'v'])).toEqual({
      status: 200,
      json: { result: 'OK' },
    });
    expect(await post(base, '/', ['INCR', 's'])).toEqual({
      status: 400,
      json: { error: 'ERR value is not an integer or out of range' },
    });
    // Shapes it leaves to the normal path: options, wrong arity.
    expect(await post(base, '/', ['SET', 's', 'w', 'GET'])).toEqual({
      status: 200,
      json: { result: 'v' },
    });
    expect((await post(base, '/', ['INCR', 'c', 'd'])).json.error).toMatch(/wrong number/);
    expect((await post(base, '/', ['SET', 's'])).json.error).toMatch(/wrong number/);
  });

  it('stays off while a MONITOR stream watches, so it sees every command', async () => {
    running = await startEngine();
    const base = running.server.restUrl;
    const abort = new AbortController();
    const monitor = await fetch(`${base}/monitor`, {
      method: 'POST',
      headers: auth,
      signal: abort.signal,
    });
    const reader = monitor.body!.getReader();
    let seen = '';
    try {
      const read = async (until: RegExp) => {
        while (!until.test(seen)) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += Buffer.from(value).toString('utf8');
        }
      };
      await read(/OK/);
      await post(base, '/pipeline', [
        ['INCR', 'watched'],
        ['SET', 'other', 'v'],
      ]);
      await post(base, '/', ['DECR', 'watched']);
      await read(/decr/i);
      expect(seen).toMatch(/"INCR" "watched"/);
      expect(seen).toMatch(/"SET" "other" "v"/);
      expect(seen).toMatch(/"DECR" "watched"/);
    } finally {
      abort.abort();
      await reader.cancel().catch(() => {});
    }
  });
});

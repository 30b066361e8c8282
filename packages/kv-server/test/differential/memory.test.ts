// CONFIG, INFO and maxmemory, engine vs real Redis. CONFIG GET and the CONFIG SET errors run on
// the shared Redis (they change nothing there); everything that sets a limit runs on a private
// redis-server this file starts (a limit on the shared one would refuse other suites' writes),
// and is skipped when redis-server is not installed.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.ts';
import { ErrorReply, type Reply } from '../../src/protocol/reply.ts';
import { UNKNOWN_COMMAND_HINT } from '../../src/start.ts';
import { INFO_FIELDS } from '../info-fields.ts';
import {
  type Arg,
  describeDifferential,
  RawRedis,
  resp2Form,
  show,
  toBuffer,
  useDifferential,
} from './harness.ts';

const diff = useDifferential();

function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function titles(text: string): string[] {
  return text.split('\r\n').filter((line) => line.startsWith('# '));
}

describeDifferential('differential: INFO and CONFIG', () => {
  it('INFO has the same sections and the fields clients read', async () => {
    const variants: Arg[][] = [
      ['INFO'],
      ['INFO', 'default'],
      ['INFO', 'all'],
      ['INFO', 'everything'],
      ['INFO', 'server', 'MEMORY'],
      ['INFO', 'stats'],
      ['INFO', 'keyspace', 'bogus'],
      ['INFO', 'bogus'],
    ];
    const { engine, redis } = await diff.runOnBoth(variants);
    variants.forEach((cmd, i) => {
      expect(titles(String(engine[i])), cmd.join(' ')).toEqual(titles(String(redis[i])));
    });
    const ours = infoFields(String(engine[2]));
    const theirs = infoFields(String(redis[2]));
    for (const field of INFO_FIELDS) {
      expect(theirs.has(field), `redis has ${field}`).toBe(true);
      expect(ours.has(field), `engine has ${field}`).toBe(true);
    }
    expect(ours.get('redis_version')?.split('.').slice(0, 2)).toEqual(
      theirs.get('redis_version')?.split('.').slice(0, 2),
    );
    expect(ours.get('maxmemory_policy')).toBe(theirs.get('maxmemory_policy'));
  });

  it('CONFIG GET shapes and CONFIG SET errors are Redis', async () => {
    const pairs = (engine: Reply, redis: Reply) => {
      // Redis answers in its dict's order: compare as name -> value, values only where both
      // servers hold the same setting (not port, bind or memory limits of the machine).
      const toMap = (reply: Reply) => {
        const flat = show(reply) as string[];
        const map = new Map<string, string>();
        for (let i = 0; i < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
        return map;
      };
      expect([...toMap(engine).keys()].sort()).toEqual([...toMap(redis).keys()].sort());
    };
    await diff.expectSame([
      { cmd: ['CONFIG', 'GET', 'maxmemory-policy'], compare: pairs },
      { cmd: ['CONFIG', 'GET', 'maxmemory*'], compare: pairs },
      { cmd: ['CONFIG', 'GET', 'lfu-*'], compare: pairs },
      {
        cmd: ['CONFIG', 'GET', 'timeout', 'maxclients', 'databases', 'save', 'appendonly'],
        compare: pairs,
      },
      { cmd: ['CONFIG', 'GET', 'proto-max-bulk-len', 'hz', 'port', 'bind'], compare: pairs },
      { cmd: ['CONFIG', 'GET', 'notify-keyspace-events', 'nonexistent'], compare: pairs },
      {
        cmd: [
          'CONFIG',
          'GET',
          'maxmemory-samples',
          'lfu-log-factor',
          'lfu-decay-time',
          'databases',
        ],
        compare: 'pairs-unordered',
      },
      ['CONFIG', 'GET', 'nothing-like-this*'],
      ['CONFIG', 'GET'],
      ['CONFIG'],
      ['CONFIG', 'NOPE'],
      ['CONFIG', 'SET', 'maxmemory'],
      ['CONFIG', 'SET', 'maxmemory', '1', 'hz'],
      ['CONFIG', 'SET', 'nope', '1'],
      ['CONFIG', 'SET', 'databases', '4'],
      ['CONFIG', 'SET', 'maxmemory', 'abc'],
      ['CONFIG', 'SET', 'maxmemory', '-1'],
      ['CONFIG', 'SET', 'maxmemory', '1k1'],
      ['CONFIG', 'SET', 'maxmemory', '10', 'maxmemory', '20'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'sometimes'],
      ['CONFIG', 'SET', 'maxmemory-samples', 'x'],
      ['CONFIG', 'SET', 'maxmemory-samples', '0'],
      ['CONFIG', 'SET', 'timeout', '-1'],
      ['CONFIG', 'SET', 'lfu-log-factor', '-1'],
      ['CONFIG', 'SET', 'maxclients', '0'],
      ['CONFIG', 'SET', 'appendonly', 'maybe'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Qz'],
      // A valid pair with an invalid one: nothing is applied (the shared Redis keeps its values).
      ['CONFIG', 'SET', 'maxmemory-samples', '7', 'maxmemory-policy', 'bad'],
      ['CONFIG', 'GET', 'maxmemory-samples'],
      ['CONFIG', 'RESETSTAT', 'x'],
      ['CONFIG', 'REWRITE', 'x'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// A private redis-server for the limits.

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const privateRedis = hasRedisServer();
let child: ChildProcess | undefined;
let redis: RawRedis | undefined;
let engine: Engine;

async function startPrivateRedis(): Promise<RawRedis> {
  const port = await freePort();
  child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await RawRedis.connect(`redis://127.0.0.1:${port}`);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Runs the same commands on the engine and the private Redis, replies in RESP2 form. */
async function both(...cmds: Arg[][]): Promise<{ ours: Reply[]; theirs: Reply[] }> {
  const session = engine.createSession();
  const ours = cmds.map((cmd) => resp2Form(engine.execute(session, cmd.map(toBuffer))));
  const theirs = await redis!.pipeline(cmds);
  return { ours, theirs };
}

async function usedMemory(): Promise<{ ours: number; theirs: number }> {
  const { ours, theirs } = await both(['INFO', 'memory']);
  const read = (reply: Reply) => Number(infoFields(String(reply)).get('used_memory'));
  return { ours: read(ours[0]!), theirs: read(theirs[0]!) };
}

describeDifferential('differential: maxmemory on a private redis-server', () => {
  beforeAll(async () => {
    if (!privateRedis) return;
    redis = await startPrivateRedis();
  }, 20_000);

  afterAll(() => {
    redis?.close();
    child?.kill();
  });

  const itWithServer = it.skipIf(!privateRedis);

  itWithServer('noeviction: the OOM error, for writes only, in MULTI and at EXEC', async () => {
    engine = createEngine({ unknownCommandHint: UNKNOWN_COMMAND_HINT });
    await redis!.call('FLUSHALL');
    const { ours, theirs } = await both(
      ['SET', 'k', 'v'],
      ['RPUSH', 'list', 'a'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'maxmemory', '1'],
      ['SET', 'new', 'v'],
      ['APPEND', 'k', 'more'],
      ['LPUSH', 'list', 'b'],
      ['HSET', 'h', 'f', 'v'],
      ['SADD', 's', 'm'],
      ['ZADD', 'z', '1', 'm'],
      ['INCR', 'counter'],
      ['GET', 'k'],
      ['LPOP', 'list'],
      ['EXPIRE', 'k', '100'],
      ['DEL', 'k'],
      ['MULTI'],
      ['GET', 'k'],
      ['EXEC'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
      ['SET', 'new', 'v'],
    );
    expect(ours.map(show)).toEqual(theirs.map(show));
    const oom = ours[3];
    expect(oom instanceof ErrorReply && oom.message).toBe(
      "OOM command not allowed when used memory > 'maxmemory'.",
    );
  });

  itWithServer('volatile-ttl: the keys closest to expiring go first, on both', async () => {
    engine = createEngine({ unknownCommandHint: UNKNOWN_COMMAND_HINT });
    await redis!.call('FLUSHALL');
    const value = 'x'.repeat(100_000);
    const ttls = [400, 100, 300, 200, 500];
    await both(
      ['CONFIG', 'SET', 'maxmemory-samples', '10'],
      ...[0, 1, 2].map((i) => ['SET', `keep${i}`, value]),
      ...ttls.map((ttl, i) => ['SET', `ttl${i}`, value, 'EX', String(ttl)]),
    );
    const used = await usedMemory();
    // Each side 250 kB under its own usage: the two soonest-to-expire keys must go (3 on a side
    // whose usage moved a little), never a key without a TTL.
    const session = engine.createSession();
    engine.execute(
      session,
      [
        'CONFIG',
        'SET',
        'maxmemory-policy',
        'volatile-ttl',
        'maxmemory',
        String(used.ours - 150_000),
      ].map(toBuffer),
    );
    await redis!.call(
      'CONFIG',
      'SET',
      'maxmemory-policy',
      'volatile-ttl',
      'maxmemory',
      String(used.theirs - 150_000),
    );
    const { ours, theirs } = await both(['PING'], ['KEYS', '*']);
    for (const reply of [ours[1], theirs[1]]) {
      const keys = (reply as Buffer[]).map(String).sort();
      expect(keys.filter((k) => k.startsWith('keep'))).toEqual(['keep0', 'keep1', 'keep2']);
      const left = keys.filter((k) => k.startsWith('ttl'));
      // The survivors are the keys with the longest TTLs: ttl1 (100 s) and ttl3 (200 s) went.
      expect(left.length).toBeLessThanOrEqual(3);
      expect(left).not.toContain('ttl1');
      expect(left).not.toContain('ttl3');
      expect(left).toContain('ttl4');
    }
    const evicted = await both(['INFO', 'stats']);
    for (const reply of [evicted.ours[0], evicted.theirs[0]]) {
      expect(Number(infoFields(String(reply)).get('evicted_keys'))).toBeGreaterThanOrEqual(2);
    }
    await redis!.call('CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction');
  });

  itWithServer('volatile policies with no key to evict answer OOM on both', async () => {
    for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
      engine = createEngine({ unknownCommandHint: UNKNOWN_COMMAND_HINT });
      await redis!.call('FLUSHALL');
      const { ours, theirs } = await both(
        ['SET', 'persistent', 'x'.repeat(1000)],
        ['CONFIG', 'SET', 'maxmemory-policy', policy, 'maxmemory', '1'],
        ['SET', 'k', 'v'],
        ['GET', 'persistent'],
        ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'],
      );
      expect(ours.map(show), policy).toEqual(theirs.map(show));
    }
  });
});

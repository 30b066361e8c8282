// The differential harness: the same commands go to our engine (in process) and to a real Redis
// (database 15 of TEST_REDIS_URL), and the replies must be identical, reply type included
// (simple string vs bulk, integer vs bulk, error texts). Only runs in services mode
// (`pnpm test:services`, or WORKSHOP_TEST_SERVICES=1); otherwise the suites are skipped with the
// reason in their title.
//
// Usage in a test file:
//   const diff = useDifferential();
//   describeDifferential('strings', () => {
//     it('SET options', () => diff.expectSame([['SET', 'k', 'v', 'NX'], ['GET', 'k']]));
//   });

import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releasePidLock, takePidLock } from '@workshop/proc';
import { servicesRequested, serviceUrls } from '@workshop/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect } from 'vitest';
import { createEngine, type Engine, type Session } from '../../src/engine/index.ts';
import {
  ErrorReply,
  NULL_ARRAY,
  type Reply,
  SimpleString,
  toResp2,
} from '../../src/protocol/reply.ts';
import { encodeCommand, ReplyDecoder } from '../../src/protocol/resp-codec.ts';
import { UNKNOWN_COMMAND_HINT } from '../../src/start.ts';

export const DIFF_DB = 15;
/** Steps sent to Redis per pipeline (see runOnBoth). */
const CHUNK = 50;

const enabled = servicesRequested();
export const differentialSkipReason = enabled
  ? ''
  : ' [skipped: differential suites need a real Redis; run `pnpm test:services` or set WORKSHOP_TEST_SERVICES=1]';

let announced = false;

/** `describe` in services mode, a visibly skipped `describe` otherwise. */
export function describeDifferential(name: string, body: () => void): void {
  if (enabled) {
    describe(name, body);
    return;
  }
  describe.skip(`${name}${differentialSkipReason}`, body);
  if (!announced) console.info(`differential suite${differentialSkipReason}`);
  announced = true;
}

// ---------------------------------------------------------------------------------------------
// A raw RESP2 client that keeps reply types (the client libraries turn them all into strings).

export class RawRedis {
  private readonly decoder = new ReplyDecoder({
    maxInlineLength: 64 * 1024 * 1024,
    maxBulkLength: 1024 * 1024 * 1024,
    maxArrayLength: 10_000_000,
    maxDepth: 64,
  });
  private readonly waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let reply = this.decoder.next(); reply !== undefined; reply = this.decoder.next()) {
        this.waiting.shift()?.resolve(reply);
      }
    });
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('connection to Redis closed')));
  }

  static connect(url: string): Promise<RawRedis> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
      socket.once('connect', () => resolve(new RawRedis(socket)));
      socket.once('error', (error) =>
        reject(
          new Error(
            `cannot reach Redis at ${url} (${error.message}); start it or set TEST_REDIS_URL`,
          ),
        ),
      );
    });
  }

  /** Sends every command at once (one pipeline) and resolves with the replies in order. */
  pipeline(commands: readonly Arg[][]): Promise<Reply[]> {
    const replies = commands.map(
      () => new Promise<Reply>((resolve, reject) => this.waiting.push({ resolve, reject })),
    );
    this.socket.write(Buffer.concat(commands.map((c) => encodeCommand(c.map(toBuffer)))));
    return Promise.all(replies);
  }

  async call(...argv: Arg[]): Promise<Reply> {
    const [reply] = await this.pipeline([argv]);
    return reply as Reply;
  }

  close(): void {
    this.socket.destroy();
  }

  private failAll(error: Error): void {
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Commands and comparisons

export type Arg = string | Buffer | number;

/**
 * How two replies are compared: `exact` (default), `unordered` (the top-level array as a
 * multiset: KEYS, SMEMBERS...), `pairs-unordered` (a flat [k, v, k, v] array as a set of pairs:
 * HGETALL of a big hash), `shape` (same reply type and array length: random replies), or a
 * function that asserts whatever invariant holds.
 */
export type Compare =
  | 'exact'
  | 'unordered'
  | 'pairs-unordered'
  | 'shape'
  | ((engine: Reply, redis: Reply) => void);

export interface Step {
  cmd: Arg[];
  compare?: Compare;
  /** Which connection (session) sends it: 0 by default; others are opened on demand. */
  conn?: number;
}

export type StepLike = Arg[] | Step;

function toStep(s: StepLike): Step {
  return Array.isArray(s) ? { cmd: s } : s;
}

export function toBuffer(arg: Arg): Buffer {
  return Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), 'utf8');
}

/** A readable, type-preserving form of a reply for assertions and failure messages. */
/**
 * A reply as a RESP2 connection receives it: the engine may answer with RESP3 types (a map, a
 * double) that the RESP2 writer sends in their RESP2 form; Redis's RESP2 replies decode to those.
 */
export function resp2Form(reply: Reply): Reply {
  const flat = toResp2(reply);
  return Array.isArray(flat) ? flat.map(resp2Form) : flat;
}

export function show(reply: Reply): unknown {
  reply = toResp2(reply);
  if (reply === null) return '$nil';
  if (reply === NULL_ARRAY) return '*nil';
  if (reply instanceof SimpleString) return `+${reply.value}`;
  if (reply instanceof ErrorReply) return `-${reply.message}`;
  if (typeof reply === 'number' || typeof reply === 'bigint') return `:${String(reply)}`;
  if (Buffer.isBuffer(reply)) return `$${JSON.stringify(reply.toString('latin1'))}`;
  if (Array.isArray(reply)) return reply.map(show);
  return `?${String(reply)}`;
}

function shapeOf(reply: Reply): unknown {
  if (Array.isArray(reply)) return { array: reply.length };
  const shown = show(reply);
  return typeof shown === 'string' ? shown[0] : shown;
}

function sortedShown(reply: Reply): unknown {
  if (!Array.isArray(reply)) return show(reply);
  return reply.map((r) => JSON.stringify(show(r))).sort();
}

function pairsShown(reply: Reply): unknown {
  if (!Array.isArray(reply)) return show(reply);
  const pairs: string[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    pairs.push(JSON.stringify([show(reply[i] as Reply), show(reply[i + 1] as Reply)]));
  }
  return pairs.sort();
}

/**
 * Asserts two replies are the same under `compare`. Unknown-command errors compare by prefix:
 * ours adds a hint after Redis's text.
 */
export function compareReplies(engine: Reply, redis: Reply, compare: Compare, label: string): void {
  if (
    redis instanceof ErrorReply &&
    redis.message.startsWith('ERR unknown command') &&
    engine instanceof ErrorReply
  ) {
    expect(
      engine.message.startsWith(redis.message),
      `${label}\nengine: ${engine.message}\nredis:  ${redis.message}`,
    ).toBe(true);
    return;
  }
  if (typeof compare === 'function') {
    try {
      compare(engine, redis);
      return;
    } catch (error) {
      throw new Error(`${label}\n${(error as Error).message}`);
    }
  }
  const view =
    compare === 'unordered'
      ? sortedShown
      : compare === 'pairs-unordered'
        ? pairsShown
        : compare === 'shape'
          ? shapeOf
          : show;
  expect(view(engine), label).toEqual(view(redis));
}

/**
 * Integers that may differ a little: TTLs read on two clocks a few ms apart (PTTL: ms, TTL and
 * EXPIRETIME: one rounded second).
 */
export function closeInteger(tolerance: number): Compare {
  return (engine: Reply, redis: Reply) => {
    if (typeof engine !== 'number' && typeof redis !== 'number') {
      // Errors (arity, WRONGTYPE...) compare exactly.
      expect(show(engine)).toEqual(show(redis));
      return;
    }
    const ok =
      typeof engine === 'number' &&
      typeof redis === 'number' &&
      // -1 (no TTL) and -2 (no key) are answers, not times: they must match exactly.
      (engine < 0 || redis < 0 ? engine === redis : Math.abs(engine - redis) <= tolerance);
    if (!ok) {
      throw new Error(
        `expected integers within ${tolerance}: engine ${JSON.stringify(show(engine))}, redis ${JSON.stringify(show(redis))}`,
      );
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The per-file fixture

/**
 * Differential suites share database 15 of one Redis; vitest runs files in parallel, so each
 * file holds this lock (@workshop/proc's pid lock, released at the end).
 */
const LOCK_FILE = join(tmpdir(), 'workshop-kv-differential-db15.pid-lock');

/** How many fixtures of this process hold the lock (two useDifferential() in one file share it). */
let lockHolders = 0;

async function acquireLock(): Promise<void> {
  if (lockHolders > 0) {
    lockHolders++;
    return;
  }
  const deadline = Date.now() + 120_000;
  // @workshop/proc's pid lock: a holder that died is taken over, and two waiters cannot both.
  while (takePidLock(LOCK_FILE, {}) !== undefined) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK_FILE}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  lockHolders = 1;
}

export interface Differential {
  /** Our engine, fresh for each test. */
  readonly engine: Engine;
  /** A raw connection to the real Redis, on database 15, flushed before each test. */
  readonly redis: RawRedis;
  /** Runs the steps on both sides (Redis pipelined per connection run) and returns the replies. */
  runOnBoth(steps: readonly StepLike[]): Promise<{ engine: Reply[]; redis: Reply[] }>;
  /** Runs the steps on both sides and asserts every reply is the same. */
  expectSame(steps: readonly StepLike[]): Promise<void>;
  /** The session behind connection `conn` (created on first use). */
  session(conn?: number): Session;
}

/** Call at a test file's top level: connects in beforeAll, flushes both sides before each test. */
export function useDifferential(): Differential {
  let engine: Engine | undefined;
  let sessions = new Map<number, Session>();
  const connections = new Map<number, RawRedis>();
  const url = serviceUrls().redis;

  async function connection(conn: number): Promise<RawRedis> {
    let c = connections.get(conn);
    if (c === undefined) {
      c = await RawRedis.connect(url);
      const selected = await c.call('SELECT', DIFF_DB);
      if (!(selected instanceof SimpleString))
        throw new Error(`SELECT ${DIFF_DB} failed: ${JSON.stringify(show(selected))}`);
      connections.set(conn, c);
    }
    return c;
  }

  const api: Differential = {
    get engine() {
      if (engine === undefined) throw new Error('useDifferential: no test is running');
      return engine;
    },
    get redis() {
      const c = connections.get(0);
      if (c === undefined) throw new Error('useDifferential: not connected');
      return c;
    },
    session(conn = 0) {
      let s = sessions.get(conn);
      if (s === undefined) {
        s = api.engine.createSession();
        sessions.set(conn, s);
      }
      return s;
    },
    async runOnBoth(stepLikes) {
      const steps = stepLikes.map(toStep);
      const engineReplies: Reply[] = [];
      const redisReplies: Reply[] = [];
      // Runs of steps on one connection, at most CHUNK long: the engine runs a run, then Redis
      // gets it as one pipeline. Short runs keep the two clocks close (TTL replies), and a switch
      // of connection waits for the previous run, so the order across connections holds.
      for (let i = 0; i < steps.length; ) {
        const conn = steps[i]?.conn ?? 0;
        let j = i;
        while (j < steps.length && j - i < CHUNK && (steps[j]?.conn ?? 0) === conn) j++;
        const run = steps.slice(i, j);
        const c = await connection(conn);
        for (const s of run)
          engineReplies.push(resp2Form(api.engine.execute(api.session(conn), s.cmd.map(toBuffer))));
        redisReplies.push(...(await c.pipeline(run.map((s) => s.cmd))));
        i = j;
      }
      return { engine: engineReplies, redis: redisReplies };
    },
    async expectSame(stepLikes) {
      const steps = stepLikes.map(toStep);
      const { engine: ours, redis: theirs } = await api.runOnBoth(steps);
      steps.forEach((step, i) => {
        const label = `step ${i}: ${step.cmd.map((a) => (Buffer.isBuffer(a) ? `<${a.toString('hex')}>` : String(a))).join(' ')}`;
        compareReplies(ours[i] as Reply, theirs[i] as Reply, step.compare ?? 'exact', label);
      });
    },
  };

  beforeAll(async () => {
    if (!enabled) return;
    await acquireLock();
    await connection(0);
  }, 130_000);

  beforeEach(async () => {
    if (!enabled) return;
    engine?.stop();
    engine = createEngine({ unknownCommandHint: UNKNOWN_COMMAND_HINT });
    // Connections other than 0 may hold MULTI or WATCH state from the previous test: drop them.
    for (const [n, c] of connections) {
      if (n !== 0) {
        c.close();
        connections.delete(n);
      }
    }
    sessions = new Map();
    const main = await connection(0);
    await main.pipeline([['DISCARD'], ['UNWATCH'], ['FLUSHDB']]);
  });

  afterAll(() => {
    if (!enabled) return;
    engine?.stop();
    for (const c of connections.values()) c.close();
    connections.clear();
    lockHolders--;
    if (lockHolders === 0) releasePidLock(LOCK_FILE);
  });

  return api;
}

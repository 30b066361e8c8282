// maxmemory: Redis's performEvictions (src/evict.c), run before every command while a limit is
// set, and the OOM refusal of the commands that may grow memory (Redis's `denyoom` flag).

import { type ErrorReply, err, fail } from '../protocol/reply.ts';
import type { Database } from './database.ts';
import type { CommandSpec, Engine, Session } from './engine.ts';
import { BASE_USED_MEMORY, type MemoryAccountant } from './memory.ts';

export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";

/**
 * Redis 7.2's commands flagged `denyoom` (src/commands/*.json): the ones that may add data. A
 * command not in this list can also set `flags: ['denyoom', ...]` in its CommandSpec. EVAL and
 * FCALL are not here: as in Redis, a script is refused when it calls one of these (scripting's
 * share, see `memoryGate`'s comment).
 */
const DENYOOM = new Set([
  // strings
  'append',
  'decr',
  'decrby',
  'getset',
  'incr',
  'incrby',
  'incrbyfloat',
  'mset',
  'msetnx',
  'psetex',
  'set',
  'setex',
  'setnx',
  'setrange',
  // bitmaps, hyperloglog
  'bitfield',
  'bitop',
  'setbit',
  'pfadd',
  'pfmerge',
  // lists
  'blmove',
  'brpoplpush',
  'linsert',
  'lmove',
  'lpush',
  'lpushx',
  'lset',
  'rpoplpush',
  'rpush',
  'rpushx',
  // hashes
  'hincrby',
  'hincrbyfloat',
  'hmset',
  'hset',
  'hsetnx',
  // sets
  'sadd',
  'sdiffstore',
  'sinterstore',
  'sunionstore',
  // sorted sets
  'zadd',
  'zdiffstore',
  'zincrby',
  'zinterstore',
  'zrangestore',
  'zunionstore',
  // geo
  'geoadd',
  'georadius',
  'georadiusbymember',
  'geosearchstore',
  // streams
  'xadd',
  'xgroup|create',
  'xgroup|createconsumer',
  'xsetid',
  // generic
  'copy',
  'restore',
  'restore-asking',
  'sort',
]);

const denyoomCache = new WeakMap<CommandSpec, boolean>();

/** Whether `spec` is refused when memory is over the limit (its `denyoom` flag). */
export function isDenyoom(spec: CommandSpec): boolean {
  let deny = denyoomCache.get(spec);
  if (deny === undefined) {
    deny = DENYOOM.has(spec.name) || (spec.flags?.includes('denyoom') ?? false);
    denyoomCache.set(spec, deny);
  }
  return deny;
}

/** Commands Redis never refuses for memory inside MULTI (it refuses every other one there). */
const MULTI_ALWAYS_ALLOWED = new Set(['exec', 'discard', 'quit', 'reset']);

/**
 * Redis's processCommand memory check, for a command about to run or be queued: evicts what the
 * policy allows; when memory is still over the limit, refuses a `denyoom` command (an EXEC
 * whose queue holds one, and anything being queued in MULTI) with the OOM error. The engine
 * calls this only when a limit is set. (A script calling a denyoom command while memory is over
 * the limit must be refused the same way: `evictorOf(engine).perform()` is the check.)
 */
export function memoryGate(
  engine: Engine,
  spec: CommandSpec,
  session: Session,
): ErrorReply | undefined {
  if (evictorOf(engine).perform()) return undefined;
  let reject = isDenyoom(spec);
  if (!reject && spec.name === 'exec') {
    reject = session.queue.some((argv) => {
      const queued = engine.command(argv[0]!.toString('latin1').toLowerCase());
      return queued !== undefined && isDenyoom(queued);
    });
  }
  if (session.inMulti && !MULTI_ALWAYS_ALLOWED.has(spec.name)) reject = true;
  if (!reject) return undefined;
  if (spec.name === 'exec') {
    // Redis's rejectCommand aborts the transaction for a refused EXEC.
    engine.resetMulti(session);
    engine.unwatchAll(session);
    return err(`EXECABORT Transaction discarded because of: ${OOM_ERROR}`);
  }
  return err(OOM_ERROR);
}

/**
 * The guard for one command growing one value a lot (SETRANGE at a far offset, APPEND, SETBIT):
 * refused with the OOM error before anything is allocated when a limit is set and the growth
 * would cross it with no way out: under noeviction, or when the value alone would not fit even
 * with every other key evicted. (Redis allocates first and evicts after; a JS process that
 * allocates 500 MB strings on a laptop may not live to evict.)
 */
export function checkGrowth(db: Database, growth: number): void {
  const memory = db.memory;
  if (memory.maxmemory === 0 || growth <= 0) return;
  if (memory.used + growth <= memory.maxmemory) return;
  if (memory.policy === 'noeviction' || growth > memory.maxmemory - BASE_USED_MEMORY) {
    fail(OOM_ERROR);
  }
}

/** Redis's EVPOOL_SIZE: the best candidates kept across eviction rounds. */
const POOL_SIZE = 16;

interface PoolEntry {
  /** Higher = better to evict (idle ms, 255 - LFU counter, or inverted expiry time). */
  idle: number;
  key: string;
  db: Database | undefined;
}

/** One per engine: the eviction pool and the random policies' database rotation. */
export class Evictor {
  /** Sorted by `idle` ascending; empty slots (db undefined) at the end. Never reallocated. */
  private readonly pool: PoolEntry[] = Array.from({ length: POOL_SIZE }, () => ({
    idle: 0,
    key: '',
    db: undefined,
  }));
  private readonly scratch: string[] = [];
  private readonly scratchAccess: number[] = [];
  private nextDb = 0;

  constructor(
    private readonly databases: () => readonly Database[],
    private readonly memory: MemoryAccountant,
  ) {}

  /**
   * Evicts keys until used memory is under `maxmemory`. True when it is (or no limit is set);
   * false when the policy is noeviction or nothing evictable is left (Redis's EVICT_FAIL).
   */
  perform(): boolean {
    const memory = this.memory;
    if (memory.maxmemory === 0 || memory.used <= memory.maxmemory) return true;
    if (memory.policy === 'noeviction') return false;
    const volatile = memory.policy.startsWith('volatile-');
    const random = memory.policy.endsWith('-random');
    while (memory.used > memory.maxmemory) {
      const freed = random ? this.evictRandom(volatile) : this.evictFromPool(volatile);
      if (!freed) return false;
    }
    return true;
  }

  private evictRandom(volatile: boolean): boolean {
    const dbs = this.databases();
    const scratch = this.scratch;
    for (let i = 0; i < dbs.length; i++) {
      const db = dbs[this.nextDb++ % dbs.length]!;
      if ((volatile ? db.expiresCount : db.size) === 0) continue;
      scratch.length = 0;
      db.sample(volatile, POOL_SIZE, scratch);
      const key = scratch[Math.floor(Math.random() * scratch.length)];
      if (key !== undefined && db.evict(key)) return true;
    }
    return false;
  }

  private evictFromPool(volatile: boolean): boolean {
    const pool = this.pool;
    for (;;) {
      let keys = 0;
      for (const db of this.databases()) {
        const size = volatile ? db.expiresCount : db.size;
        if (size === 0) continue;
        keys += size;
        this.populate(db, volatile);
      }
      if (keys === 0) return false;
      // The best candidate is the rightmost one still there.
      for (let k = POOL_SIZE - 1; k >= 0; k--) {
        const entry = pool[k]!;
        const db = entry.db;
        if (db === undefined) continue;
        const key = entry.key;
        this.removeAt(k);
        const present = volatile
          ? db.expireOfStored(key) !== undefined
          : db.accessOfStored(key) !== undefined;
        if (present && db.evict(key)) return true;
      }
      // Every candidate was gone already: sample again.
    }
  }

  /** Redis's evictionPoolPopulate: samples `maxmemory-samples` keys into the sorted pool. */
  private populate(db: Database, volatile: boolean): void {
    const memory = this.memory;
    const scratch = this.scratch;
    const scratchAccess = this.scratchAccess;
    const byTtl = memory.policy === 'volatile-ttl';
    scratch.length = 0;
    scratchAccess.length = 0;
    db.sample(volatile, memory.samples, scratch, byTtl ? undefined : scratchAccess);
    for (let i = 0; i < scratch.length; i++) {
      const key = scratch[i]!;
      let idle: number;
      if (byTtl) {
        const at = db.expireOfStored(key);
        if (at === undefined) continue;
        // Sooner expiry = better candidate.
        idle = Number.MAX_SAFE_INTEGER - at;
      } else {
        const access = scratchAccess[i]!;
        idle = memory.lfu ? 255 - memory.lfuDecay(access) : memory.idleMs(access);
      }
      this.insert(db, key, idle);
    }
  }

  private insert(db: Database, key: string, idle: number): void {
    const pool = this.pool;
    // Redis's pool may hold a key twice; refreshing it in place keeps the 16 slots distinct.
    for (let i = 0; i < POOL_SIZE; i++) {
      const entry = pool[i]!;
      if (entry.db === undefined) break;
      if (entry.db === db && entry.key === key) {
        this.removeAt(i);
        break;
      }
    }
    let k = 0;
    while (k < POOL_SIZE && pool[k]!.db !== undefined && pool[k]!.idle < idle) k++;
    const full = pool[POOL_SIZE - 1]!.db !== undefined;
    if (k === 0 && full) return; // worse than every candidate of a full pool
    let slot: PoolEntry;
    if (!full) {
      // Shift the tail right by one: the (empty) last slot's object moves to k.
      slot = pool.pop()!;
      pool.splice(k, 0, slot);
    } else {
      // Drop the worst candidate (slot 0), shift the head left: the freed object goes to k-1.
      k--;
      slot = pool.shift()!;
      pool.splice(k, 0, slot);
    }
    slot.idle = idle;
    slot.key = key;
    slot.db = db;
  }

  private removeAt(k: number): void {
    const [entry] = this.pool.splice(k, 1);
    entry!.db = undefined;
    entry!.key = '';
    this.pool.push(entry!);
  }
}

const evictors = new WeakMap<Engine, Evictor>();

export function evictorOf(engine: Engine): Evictor {
  let evictor = evictors.get(engine);
  if (evictor === undefined) {
    evictor = new Evictor(() => engine.databases, engine.memory);
    evictors.set(engine, evictor);
  }
  return evictor;
}

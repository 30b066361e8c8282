// How much memory the data takes, and the per-key access data the eviction policies read.
//
// `used_memory` here is an estimate of what the values really cost in this process (V8 objects
// on a 64-bit Node without pointer compression, Node's default build), not the JS heap: the heap
// counts garbage and misses the large strings V8 keeps outside it. Every value reports its own
// estimate (`stringBytes` for a string, `Collection.memoryUsage()` for the others), each
// Database keeps a running total of its keys, and one MemoryAccountant shared by all the
// databases keeps the grand total, so reading `used_memory` is O(1) and no write recomputes a
// whole value. The constants were measured with `node --expose-gc` (heap growth per million
// items) and the benchmark (`bench/run.ts --memory`) checks the total against RSS growth.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A V8 sequential one-byte string: a 16-byte header, then the bytes rounded up to 8. */
export function stringBytes(s: string): number {
  return 16 + Math.ceil(s.length / 8) * 8;
}

/** One entry of a JS Map at its average load (3 words plus a bucket share, tables double). */
export const MAP_ENTRY_BYTES = 40;
/** One slot of a JS array (a pointer). */
export const ARRAY_SLOT_BYTES = 8;
/** A small JS object (a collection's own fields), the same for every collection. */
export const OBJECT_BYTES = 64;
/**
 * What a key costs besides its name and value: its entry in the key Map and its slot (a value
 * pointer and 4 bytes of access data, database.ts's `Slots`). 1M small string keys measured
 * ~110 bytes a key of heap and typed arrays, strings included; this charges 116.
 */
export const KEY_OVERHEAD_BYTES = MAP_ENTRY_BYTES + 12;
/** A key's TTL: an entry in the expires Map and the boxed double it holds. */
export const EXPIRE_BYTES = MAP_ENTRY_BYTES + 16;
/**
 * What `used_memory` reports for an empty server, the part that is not data: Redis 7 reports
 * about 0.9 MB for an empty instance, so a `maxmemory` that works there works here.
 */
export const BASE_USED_MEMORY = 1024 * 1024;

// Redis's LRU clock (src/server.h): seconds, 24 bits, wrapping about every 194 days.
export const LRU_CLOCK_MAX = (1 << 24) - 1;
export const LRU_CLOCK_RESOLUTION_MS = 1000;
// Redis's LFU data in the same 24 bits (src/evict.c): 16 bits of minutes, 8 bits of counter.
export const LFU_INIT_VAL = 5;
const OPS_SAMPLES = 16;
const OPS_SAMPLE_MS = 100;

export type MaxmemoryPolicy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'allkeys-lfu'
  | 'allkeys-random'
  | 'volatile-lru'
  | 'volatile-lfu'
  | 'volatile-random'
  | 'volatile-ttl';

export const MAXMEMORY_POLICIES: readonly MaxmemoryPolicy[] = [
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'noeviction',
];

/**
 * Shared by every Database of an engine: the memory total, the eviction settings, the clock the
 * access data is stamped with, and the keyspace statistics INFO reports. All plain numbers, so
 * the hot path (a key lookup) stamps an access without allocating anything.
 */
export class MemoryAccountant {
  /** Sum of every database's key estimates (names, values, TTLs). */
  dataBytes = 0;
  peak = BASE_USED_MEMORY;
  /** 0 = no limit (Redis's default). */
  maxmemory = 0;
  policy: MaxmemoryPolicy = 'noeviction';
  samples = 5;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  /** Whether the policy reads LFU counters (then `Entry.access` holds LFU data, as in Redis). */
  lfu = false;
  /** Redis's LRU_CLOCK(): seconds & 24 bits, refreshed by `tick` before each command. */
  lruClock = 0;
  /** The time `tick` last computed the clocks from. */
  private tickedAt = Number.NaN;
  /** LFUGetTimeInMinutes(): minutes & 16 bits. */
  minutes = 0;
  /** Set by the engine for read-only commands: only those count keyspace hits and misses. */
  countReads = false;
  /** Set while a CLIENT NO-TOUCH connection runs a command: reads leave the access data alone. */
  noTouch = false;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredKeys = 0;
  evictedKeys = 0;
  /** INFO stats: commands run (each command of an EXEC too, as Redis's call() counts them). */
  commandsProcessed = 0;
  /** instantaneous_ops_per_sec: Redis samples every 100 ms and averages the last 16. */
  private readonly opsSamples = new Array<number>(OPS_SAMPLES).fill(0);
  private opsSampleIndex = 0;
  private opsSampleTime = 0;
  private opsSampleCount = 0;

  constructor(now: number = Date.now()) {
    this.tick(now);
    this.opsSampleTime = now;
  }

  get used(): number {
    return BASE_USED_MEMORY + this.dataBytes;
  }

  /** Adds `delta` bytes to the total (negative for a release) and keeps the peak. */
  add(delta: number): void {
    this.dataBytes += delta;
    if (delta > 0 && this.dataBytes + BASE_USED_MEMORY > this.peak) {
      this.peak = this.dataBytes + BASE_USED_MEMORY;
    }
  }

  /** Called before each command with the time: refreshes the clock, counts the command. */
  tick(nowMs: number): void {
    // The engine's clock is coarse (clock.ts): most commands see the same time as the last one.
    if (nowMs === this.tickedAt) return;
    this.tickedAt = nowMs;
    this.lruClock = Math.floor(nowMs / LRU_CLOCK_RESOLUTION_MS) & LRU_CLOCK_MAX;
    this.minutes = Math.floor(nowMs / 60_000) & 65535;
    if (nowMs - this.opsSampleTime >= OPS_SAMPLE_MS) this.sampleOps(nowMs);
  }

  /**
   * Takes the ops/sec samples due by `nowMs`: lazily, from the command path and INFO, instead of
   * a timer (an idle server takes none; the intervals it missed count as zero).
   */
  sampleOps(nowMs: number): void {
    const elapsed = nowMs - this.opsSampleTime;
    if (elapsed < OPS_SAMPLE_MS) return;
    const rate = ((this.commandsProcessed - this.opsSampleCount) * 1000) / elapsed;
    // The whole gap at the average rate, one sample per 100 ms, at most a full ring.
    const samples = Math.min(OPS_SAMPLES, Math.floor(elapsed / OPS_SAMPLE_MS));
    for (let i = 0; i < samples; i++) {
      this.opsSamples[this.opsSampleIndex] = rate;
      this.opsSampleIndex = (this.opsSampleIndex + 1) % OPS_SAMPLES;
    }
    this.opsSampleTime = nowMs;
    this.opsSampleCount = this.commandsProcessed;
  }

  get instantaneousOps(): number {
    let sum = 0;
    for (const sample of this.opsSamples) sum += sample;
    return Math.round(sum / OPS_SAMPLES);
  }

  setPolicy(policy: MaxmemoryPolicy): void {
    this.policy = policy;
    this.lfu = policy === 'allkeys-lfu' || policy === 'volatile-lfu';
  }

  /** The access data a new value starts with (Redis's createObject). */
  initialAccess(): number {
    return this.lfu ? (this.minutes << 8) | LFU_INIT_VAL : this.lruClock;
  }

  /** The access data after a read or write of a value stamped `access` (Redis's lookupKey). */
  touched(access: number): number {
    if (!this.lfu) return this.lruClock;
    // updateLFU: decay by the minutes elapsed, then a logarithmic increment.
    let counter = this.lfuDecay(access);
    if (counter < 255) {
      const base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0;
      if (Math.random() < 1 / (base * this.lfuLogFactor + 1)) counter++;
    }
    return (this.minutes << 8) | counter;
  }

  /** Redis's LFUDecrAndReturn: the counter minus one per `lfu-decay-time` minutes idle. */
  lfuDecay(access: number): number {
    const ldt = access >>> 8;
    const counter = access & 255;
    const elapsed = this.minutes >= ldt ? this.minutes - ldt : 65535 - ldt + this.minutes;
    const periods = this.lfuDecayTime > 0 ? Math.floor(elapsed / this.lfuDecayTime) : 0;
    return periods > counter ? 0 : counter - periods;
  }

  /**
   * Access data for RESTORE ... IDLETIME/FREQ (Redis's objectSetLRUOrLFU): under an LFU policy
   * a FREQ sets the counter; otherwise an IDLETIME (seconds) sets the clock that far back.
   * Undefined when the option does not apply to the current policy (the key keeps new data).
   */
  restoredAccess(idleSeconds: number, freq: number): number | undefined {
    if (this.lfu) return freq >= 0 ? (this.minutes << 8) | Math.min(255, freq) : undefined;
    if (idleSeconds < 0) return undefined;
    const back = Math.min(idleSeconds, LRU_CLOCK_MAX);
    const clock = this.lruClock - back;
    return clock >= 0 ? clock : clock + LRU_CLOCK_MAX;
  }

  /** Redis's estimateObjectIdleTime, in ms, for LRU access data. */
  idleMs(access: number): number {
    const clock = this.lruClock;
    const ticks = clock >= access ? clock - access : clock + (LRU_CLOCK_MAX - access);
    return ticks * LRU_CLOCK_RESOLUTION_MS;
  }

  /** CONFIG RESETSTAT's share: the counters, not the settings or the total. */
  resetStats(): void {
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.expiredKeys = 0;
    this.evictedKeys = 0;
    this.commandsProcessed = 0;
    this.opsSampleCount = 0;
    this.opsSamples.fill(0);
    this.peak = this.used;
  }
}

/**
 * Gives memory back once a burst of commands is over (the CLI's server only: it owns its
 * process). Loading a million keys leaves V8 holding what the burst needed, not what the data
 * needs: the young generation grown to its 32 MB maximum (every key and value survives its
 * first collection, so V8 grows it), and the garbage of the keyspace Map's doubled-away tables
 * until the next full collection, which an idle process does not reach. V8 returns the young
 * generation only in a full collection that finds the allocation rate low over its last 5 s,
 * and its own memory reducer gets there a minute or more later, if at all. So when commands
 * stop after the old generation grew by 16 MB (data was stored), this runs one full collection
 * after 1 s idle (the burst's garbage) and another `SECOND_COLLECTION_S` seconds into the same
 * idle spell (V8 then sees a quiet process and shrinks the young generation to 1-2 MB). Under
 * steady traffic it never runs, nor after bursts that store nothing; the pause (~0.2-0.5 s for
 * a million keys on a loaded machine) falls in a moment nobody is sending commands.
 */
export class IdleCollector {
  private lastCommands = -1;
  private idleSeconds = 0;
  private secondDue = false;
  private baseline: number;

  constructor(
    private readonly collect: () => void,
    /** Committed heap in bytes outside the young generation (what stored data grows). */
    private readonly heapBytes: () => number,
    /** How much the heap must have grown since the last collection for one to be worth it. */
    private readonly growth = IDLE_COLLECTION_GROWTH,
  ) {
    this.baseline = heapBytes();
  }

  /** Called once a second with the number of commands processed so far. */
  tick(commands: number): void {
    if (commands !== this.lastCommands) {
      this.lastCommands = commands;
      this.idleSeconds = 0;
      return;
    }
    this.idleSeconds++;
    if (this.idleSeconds === 1 && this.heapBytes() >= this.baseline + this.growth) {
      this.collect();
      this.secondDue = true;
      this.baseline = this.heapBytes();
    } else if (this.idleSeconds === SECOND_COLLECTION_S && this.secondDue) {
      this.collect();
      this.secondDue = false;
      this.baseline = this.heapBytes();
    }
  }
}

/** 16 MB: a burst smaller than this leaves too little behind to pause for. */
const IDLE_COLLECTION_GROWTH = 16 * 1024 * 1024;
/** Past V8's 5 s window for the allocation rate, counted from the start of the idle spell. */
const SECOND_COLLECTION_S = 7;

/**
 * V8's full collection, or undefined if it cannot be had. `--expose-gc` set at run time adds
 * `gc` to contexts created afterwards only (not to this one's global): one new context hands it
 * over.
 */
export function fullCollection(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc !== 'function') return undefined;
    return () => {
      gc();
      // V8 counts what the full collection promoted out of the young generation as allocation
      // in the window up to the next collection: a young one right away (about 1 ms, the young
      // generation is empty) closes that window, so the next full collection sees only the
      // idle time and shrinks the young generation.
      gc({ type: 'minor' });
    };
  } catch {
    return undefined;
  }
}

/** Redis's bytesToHuman (used_memory_human, maxmemory_human): 1.50M, 512.00K, 100B. */
export function bytesToHuman(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

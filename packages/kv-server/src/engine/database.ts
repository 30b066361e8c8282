// The keyspace: every key, its value and its expiry time. Keys and string values are latin1
// JS strings (one char per byte): binary-safe, and much smaller in memory than a Buffer each.

import { ERRORS, fail } from '../protocol/reply.ts';
import {
  EXPIRE_BYTES,
  KEY_OVERHEAD_BYTES,
  MAP_ENTRY_BYTES,
  MemoryAccountant,
  stringBytes,
} from './memory.ts';

/**
 * Every non-string value (hash, list, set, zset, and any type added later) is an object that
 * says what type it is. A new type must implement all of these members:
 * - `size`: its element count (a collection key is deleted as soon as it becomes empty);
 * - `toSnapshot()` and a restorer listed in restorers.ts;
 * - `memoryUsage()`: what the value costs in bytes, kept up to date by the type's own mutating
 *   methods (add/subtract per element with the helpers of memory.ts: `stringBytes`,
 *   `MAP_ENTRY_BYTES`...), so the call is O(1). The Database reads it in `set()` and in
 *   `modified(key, value)`, which every in-place change must call (WATCH needs it anyway), and
 *   charges the difference to used_memory: that is what maxmemory and eviction act on.
 */
export interface Collection {
  readonly typeName: 'hash' | 'list' | 'set' | 'zset' | 'stream';
  /** Redis deletes a collection key as soon as it becomes empty. */
  readonly size: number;
  /** Plain JSON-able data for the snapshot file (latin1 strings and numbers only). */
  toSnapshot(): unknown;
  /** Estimated bytes this value holds (elements and structure), maintained incrementally: O(1). */
  memoryUsage(): number;
}

export type Value = string | Collection;

export type TypeName = 'string' | Collection['typeName'];

export function typeOf(value: Value): TypeName {
  return typeof value === 'string' ? 'string' : value.typeName;
}

export interface DatabaseOptions {
  /** Milliseconds since the epoch. Injected so tests can move time. */
  now: () => number;
  /** Called with a key every time it is written, deleted or expires (WATCH listens here). */
  onModified: (key: string) => void;
  /** Keys someone watches: FLUSHDB signals those (and only those) that existed. */
  watchedKeys?: () => Iterable<string>;
  /** The memory total and access clock shared by all the databases of an engine. */
  memory?: MemoryAccountant;
}

/**
 * Each key has a slot: an index into parallel chunked arrays of its value and its access data
 * (Redis's 24-bit `lru` field: the LRU clock, or LFU minutes and counter under an LFU policy).
 * The key map holds just the slot number (a small integer, stored inline), so a key costs no
 * object of its own: an object per key (value, access, bytes) made 1M small keys ~50 bytes a
 * key dearer. What a key costs is not stored for a string (it follows from the key's and the
 * value's lengths), only for a collection, whose estimate changes in place (`Database`'s
 * `collectionBytes`). The arrays grow a fixed-size chunk at a time, so growing copies nothing
 * and leaves no garbage the size of the keyspace behind (RSS keeps what a doubling array
 * copied out of). Freed slots are reused.
 *
 * Once eviction samples the keyspace (see `Database.sample`), each slot's key is kept too, so a
 * random slot gives a random key: 8 bytes a key, paid only by a database that has evicted.
 */
class Slots {
  private values: (Value | undefined)[][] = [];
  private access: Uint32Array[] = [];
  /** Each slot's key, in chunks like `values`; undefined until `indexKeys`. */
  private keys: (string | undefined)[][] | undefined;
  private length = 0;
  private free: number[] = [];

  take(value: Value, access: number, key: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.length++;
      if ((slot & CHUNK_MASK) === 0) {
        this.values.push(new Array<Value | undefined>(CHUNK_SLOTS).fill(undefined));
        this.keys?.push(new Array<string | undefined>(CHUNK_SLOTS).fill(undefined));
      }
      if ((slot & ACCESS_MASK) === 0) this.access.push(new Uint32Array(ACCESS_SLOTS));
    }
    this.values[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = value;
    this.access[slot >>> ACCESS_BITS]![slot & ACCESS_MASK] = access;
    if (this.keys !== undefined) this.keys[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = key;
    return slot;
  }

  /** Starts keeping each slot's key, from `data` (key -> slot); nothing when already kept. */
  indexKeys(data: Map<string, number>): void {
    if (this.keys !== undefined) return;
    const keys = this.values.map(() => new Array<string | undefined>(CHUNK_SLOTS).fill(undefined));
    for (const [key, slot] of data) keys[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = key;
    this.keys = keys;
  }

  /** A slot picked at random, or -1 when it is free (or `indexKeys` has not run). */
  randomSlot(): number {
    const slot = Math.floor(Math.random() * this.length);
    return this.keys?.[slot >>> CHUNK_BITS]?.[slot & CHUNK_MASK] === undefined ? -1 : slot;
  }

  /** The key in a slot `randomSlot` gave. */
  keyOf(slot: number): string {
    return this.keys![slot >>> CHUNK_BITS]![slot & CHUNK_MASK]!;
  }

  value(slot: number): Value | undefined {
    return this.values[slot >>> CHUNK_BITS]![slot & CHUNK_MASK];
  }

  setValue(slot: number, value: Value): void {
    this.values[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = value;
  }

  accessOf(slot: number): number {
    return this.access[slot >>> ACCESS_BITS]![slot & ACCESS_MASK]!;
  }

  setAccess(slot: number, access: number): void {
    this.access[slot >>> ACCESS_BITS]![slot & ACCESS_MASK] = access;
  }

  release(slot: number): void {
    this.values[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = undefined;
    if (this.keys !== undefined) this.keys[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = undefined;
    this.free.push(slot);
  }

  clear(): void {
    this.values = [];
    this.access = [];
    this.keys = undefined;
    this.length = 0;
    this.free = [];
  }
}

/** 2^13 slots a value chunk: 64 KB, below V8's large objects. */
const CHUNK_BITS = 13;
const CHUNK_SLOTS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SLOTS - 1;
/**
 * 2^16 slots an access chunk: 256 KB, above glibc's 128 KB mmap threshold, so each chunk is a
 * mapping of its own (and only the pages written are resident). At 32 KB they came from the C
 * heap, among the socket read buffers of the load that created them: side by side, 1M keys loaded
 * through pipelines grew RSS 1-4 MB more that way (bench/run.ts --keys).
 */
const ACCESS_BITS = 16;
const ACCESS_SLOTS = 1 << ACCESS_BITS;
const ACCESS_MASK = ACCESS_SLOTS - 1;

/** The longest average skip between two keys of an eviction sample (see `Database.sample`). */
const SAMPLE_STRIDE_MAX = 16;
/** Keys with a TTL are sampled from random slots while at least 1 in this many keys has one. */
const VOLATILE_RANDOM_SHARE = 4;

/**
 * What a key holding `value` is charged: its name, its value and what each key costs (a
 * collection key also has its last charge in `collectionBytes`, a Map entry).
 */
function keyBytes(key: string, value: Value): number {
  return typeof value === 'string'
    ? KEY_OVERHEAD_BYTES + stringBytes(key) + stringBytes(value)
    : KEY_OVERHEAD_BYTES + MAP_ENTRY_BYTES + stringBytes(key) + value.memoryUsage();
}

export class Database {
  /** Key -> slot in `slots`. */
  private readonly data = new Map<string, number>();
  private readonly slots = new Slots();
  /**
   * What each collection key was last charged, by slot (a collection's estimate changes in
   * place, so the difference is charged on `recharge`). A string key's charge is not stored:
   * `stringKeyBytes` computes it.
   */
  private readonly collectionBytes = new Map<number, number>();
  /** Absolute expiry in ms, only for keys that have one: most keys do not, so this stays small. */
  private readonly expires = new Map<string, number>();
  /** Where the active expiry stopped last time (see `sweep`). */
  private sweepCursor: IterableIterator<[string, number]> | undefined;
  /** Where eviction sampling stopped, over all keys and over keys with a TTL (see `sample`). */
  private sampleCursor: IterableIterator<string> | undefined;
  private volatileSampleCursor: IterableIterator<string> | undefined;
  readonly memory: MemoryAccountant;
  /** This database's share of `memory.dataBytes` (FLUSHDB gives it back at once). */
  private bytes = 0;
  /** INFO keyspace's avg_ttl: Redis's running estimate from the keys the expiry cycle checks. */
  avgTtl = 0;

  constructor(private readonly options: DatabaseOptions) {
    this.memory = options.memory ?? new MemoryAccountant(options.now());
  }

  /** Estimated bytes of this database's keys, values and TTLs. */
  get usedBytes(): number {
    return this.bytes;
  }

  private account(delta: number): void {
    this.bytes += delta;
    this.memory.add(delta);
  }

  /** What the stored key at `slot` is charged now: computed for a string, recorded for the rest. */
  private charged(key: string, slot: number): number {
    const value = this.slots.value(slot);
    return typeof value === 'string' ? keyBytes(key, value) : (this.collectionBytes.get(slot) ?? 0);
  }

  now(): number {
    return this.options.now();
  }

  /** The live value of `key`, or undefined. An expired key is deleted here (lazy expiry). */
  lookup(key: string): Value | undefined {
    const slot = this.data.get(key);
    const memory = this.memory;
    if (slot === undefined || this.expireIfNeeded(key)) {
      if (memory.countReads) memory.keyspaceMisses++;
      return undefined;
    }
    if (memory.countReads) memory.keyspaceHits++;
    // Redis's lookupKey: every access stamps the LRU clock (or bumps the LFU counter), except
    // for a CLIENT NO-TOUCH connection.
    const slots = this.slots;
    if (!memory.noTouch)
      slots.setAccess(slot, memory.lfu ? memory.touched(slots.accessOf(slot)) : memory.lruClock);
    return slots.value(slot);
  }

  /**
   * The live value without touching its access data or the hit statistics (Redis's
   * LOOKUP_NOTOUCH: OBJECT, TYPE, MEMORY USAGE).
   */
  peek(key: string): Value | undefined {
    const slot = this.data.get(key);
    if (slot === undefined || this.expireIfNeeded(key)) return undefined;
    return this.slots.value(slot);
  }

  /** The raw access data of a live key (OBJECT IDLETIME/FREQ read it with `memory`), untouched. */
  accessOf(key: string): number | undefined {
    const slot = this.data.get(key);
    if (slot === undefined || this.expireIfNeeded(key)) return undefined;
    return this.slots.accessOf(slot);
  }

  /** Sets a stored key's access data (RESTORE IDLETIME/FREQ, see MemoryAccountant). */
  setAccess(key: string, access: number): void {
    const slot = this.data.get(key);
    if (slot !== undefined) this.slots.setAccess(slot, access);
  }

  /** What a live key costs in bytes (MEMORY USAGE), untouched. */
  bytesOf(key: string): number | undefined {
    const slot = this.data.get(key);
    if (slot === undefined || this.expireIfNeeded(key)) return undefined;
    return this.charged(key, slot) + (this.expires.has(key) ? EXPIRE_BYTES : 0);
  }

  /** The string at `key`, undefined when missing, WRONGTYPE when it holds another type. */
  lookupString(key: string): string | undefined {
    const value = this.lookup(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') fail(ERRORS.wrongType);
    return value;
  }

  /** The collection at `key` if it has type `typeName`; WRONGTYPE when it holds another type. */
  lookupCollection<T extends Collection>(key: string, typeName: T['typeName']): T | undefined {
    const value = this.lookup(key);
    if (value === undefined) return undefined;
    if (typeof value === 'string' || value.typeName !== typeName) fail(ERRORS.wrongType);
    return value as T;
  }

  exists(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /**
   * Stores `value` at `key`. Like Redis's SET, this drops any TTL unless `keepTtl` is set.
   * Signals the key as modified.
   */
  set(key: string, value: Value, keepTtl = false): void {
    const memory = this.memory;
    const bytes = keyBytes(key, value);
    const slot = this.data.get(key);
    if (slot === undefined) {
      const taken = this.slots.take(value, memory.initialAccess(), key);
      this.data.set(key, taken);
      if (typeof value !== 'string') this.collectionBytes.set(taken, bytes);
      this.account(bytes);
    } else {
      const slots = this.slots;
      this.account(bytes - this.charged(key, slot));
      slots.setValue(slot, value);
      if (typeof value !== 'string') this.collectionBytes.set(slot, bytes);
      else this.collectionBytes.delete(slot);
      // Redis's dbOverwrite keeps the LFU counter of the key; a new LRU object is "just used".
      if (!memory.lfu) slots.setAccess(slot, memory.lruClock);
    }
    if (!keepTtl) this.dropExpire(key);
    this.options.onModified(key);
  }

  /**
   * SET key value without options, as Redis's setKey does it: the write lookup (an expired key
   * is deleted and counted, the access data is touched), then the value stored, any TTL dropped
   * and the key signalled. The same as `exists(key)` then `set(key, value)` in one pass over
   * the key (SET, MSET: the hottest write).
   */
  setString(key: string, value: string): void {
    let slot = this.data.get(key);
    if (slot !== undefined && this.expires.size > 0 && this.expireIfNeeded(key)) slot = undefined;
    const memory = this.memory;
    if (slot === undefined) {
      this.data.set(key, this.slots.take(value, memory.initialAccess(), key));
      this.account(KEY_OVERHEAD_BYTES + stringBytes(key) + stringBytes(value));
    } else {
      const slots = this.slots;
      const old = slots.value(slot)!;
      if (typeof old === 'string') {
        this.account(stringBytes(value) - stringBytes(old));
      } else {
        this.account(keyBytes(key, value) - (this.collectionBytes.get(slot) ?? 0));
        this.collectionBytes.delete(slot);
      }
      slots.setValue(slot, value);
      // The lookup stamps the LRU clock (or bumps the LFU counter, which the overwrite keeps),
      // unless the connection is NO-TOUCH; the overwrite stamps the LRU clock regardless.
      if (!memory.lfu) slots.setAccess(slot, memory.lruClock);
      else if (!memory.noTouch) slots.setAccess(slot, memory.touched(slots.accessOf(slot)));
    }
    this.dropExpire(key);
    this.options.onModified(key);
  }

  /** Removes `key`; true when it existed (and had not expired). */
  delete(key: string): boolean {
    if (this.data.get(key) === undefined || this.expireIfNeeded(key)) return false;
    this.remove(key);
    this.options.onModified(key);
    return true;
  }

  /** Removes a stored key and gives its bytes back; signals nothing. */
  private remove(key: string): void {
    const slot = this.data.get(key);
    if (slot === undefined) return;
    this.account(-this.charged(key, slot));
    this.data.delete(key);
    this.collectionBytes.delete(slot);
    this.slots.release(slot);
    this.dropExpire(key);
  }

  /** Removes the TTL of `key` if it has one; true when it had. */
  private dropExpire(key: string): boolean {
    // Every SET asks: no hash lookup while no key has a TTL.
    if (this.expires.size === 0 || !this.expires.delete(key)) return false;
    this.account(-EXPIRE_BYTES);
    return true;
  }

  /**
   * Call after changing a collection in place: deletes the key when the collection became
   * empty (as Redis does) and signals the modification either way.
   */
  modified(key: string, value?: Collection): void {
    if (value !== undefined && value.size === 0) {
      this.remove(key);
    } else {
      this.recharge(key);
    }
    this.options.onModified(key);
  }

  /**
   * Charges what an in-place change cost, without signalling the key: for changes Redis does not
   * count as modifying the key (a stream's consumer-group state: WATCH does not see them).
   */
  recharge(key: string): void {
    // The collection keeps its own estimate, so this is O(1).
    const slot = this.data.get(key);
    if (slot === undefined) return;
    const value = this.slots.value(slot);
    if (value !== undefined && typeof value !== 'string') {
      const bytes = keyBytes(key, value);
      this.account(bytes - this.charged(key, slot));
      this.collectionBytes.set(slot, bytes);
    }
  }

  /**
   * Replaces an existing string's value without signalling the key (TTL and access kept): for
   * a change Redis makes in place without counting it as a write (the edits a PFADD made before
   * it met a corrupt HyperLogLog and answered an error).
   */
  rewriteQuietly(key: string, value: string): void {
    const slot = this.data.get(key);
    if (slot === undefined) return;
    const old = this.slots.value(slot);
    if (typeof old !== 'string') return;
    this.account(stringBytes(value) - stringBytes(old));
    this.slots.setValue(slot, value);
  }

  /** Absolute expiry in ms, or undefined when the key has none (or does not exist). */
  getExpire(key: string): number | undefined {
    if (this.lookup(key) === undefined) return undefined;
    return this.expires.get(key);
  }

  /**
   * Sets an absolute expiry in ms. The caller checks that the key exists. A time in the past
   * deletes the key, unless `deleteIfPast` is false: then the key stays stored (counted by
   * DBSIZE) until it is next touched or swept, which is what Redis's SET ... PXAT <past> does.
   */
  setExpire(key: string, atMs: number, deleteIfPast = true): void {
    if (deleteIfPast && atMs <= this.now()) {
      this.delete(key);
      return;
    }
    const size = this.expires.size;
    this.expires.set(key, atMs);
    if (this.expires.size > size) this.account(EXPIRE_BYTES);
    this.options.onModified(key);
  }

  /** Removes the expiry; true when there was one. */
  persist(key: string): boolean {
    if (this.lookup(key) === undefined) return false;
    const had = this.dropExpire(key);
    if (had) this.options.onModified(key);
    return had;
  }

  /** Number of keys, counting ones that expired but were not yet collected (as Redis's DBSIZE). */
  get size(): number {
    return this.data.size;
  }

  /** Live keys, in insertion order. Expired keys met on the way are deleted. */
  *keys(): IterableIterator<string> {
    for (const key of this.data.keys()) {
      if (!this.expireIfNeeded(key)) yield key;
    }
  }

  /** Raw access for snapshots and SCAN: keys with their value and expiry, expired ones skipped. */
  *entries(): IterableIterator<[key: string, value: Value, expiresAt: number | undefined]> {
    const now = this.now();
    for (const [key, slot] of this.data) {
      const at = this.expires.get(key);
      if (at !== undefined && at <= now) continue;
      yield [key, this.slots.value(slot)!, at];
    }
  }

  /** Restores one key from a snapshot, without signalling anything. */
  restore(key: string, value: Value, expiresAt: number | undefined): void {
    this.remove(key);
    const bytes = keyBytes(key, value);
    const slot = this.slots.take(value, this.memory.initialAccess(), key);
    this.data.set(key, slot);
    if (typeof value !== 'string') this.collectionBytes.set(slot, bytes);
    this.account(bytes);
    if (expiresAt !== undefined) {
      this.expires.set(key, expiresAt);
      this.account(EXPIRE_BYTES);
    }
  }

  /** Removes every key. Only keys someone watches are signalled (a flush of millions stays cheap). */
  flush(): void {
    const watched = this.options.watchedKeys?.() ?? [];
    const touched = [...watched].filter((key) => this.data.has(key));
    this.data.clear();
    this.slots.clear();
    this.collectionBytes.clear();
    this.expires.clear();
    this.account(-this.bytes);
    this.avgTtl = 0;
    this.sweepCursor = undefined;
    this.sampleCursor = undefined;
    this.volatileSampleCursor = undefined;
    for (const key of touched) this.options.onModified(key);
  }

  /** Number of keys that have a TTL (INFO's `expires=`). */
  get expiresCount(): number {
    return this.expires.size;
  }

  /**
   * Every stored key, expired or not, as a live iterator: it survives insertions and deletions
   * (SCAN keeps one per cursor and checks expiry itself).
   */
  rawKeys(): IterableIterator<string> {
    return this.data.keys();
  }

  /** A random live key, or undefined when there is none (RANDOMKEY). At most one pass. */
  randomKey(): string | undefined {
    if (this.data.size === 0) return undefined;
    let skip = Math.floor(Math.random() * this.data.size);
    // From a random position to the end, then from the start: expired keys met are deleted.
    for (const key of this.data.keys()) {
      if (skip-- > 0) continue;
      if (!this.expireIfNeeded(key)) return key;
    }
    for (const key of this.data.keys()) {
      if (!this.expireIfNeeded(key)) return key;
    }
    return undefined;
  }

  /**
   * Active expiry: checks up to `budget` keys that have a TTL and deletes the expired ones, so
   * memory comes back even for keys nobody reads again. Each call resumes where the previous one
   * stopped (a live Map iterator), so every key with a TTL gets its turn. Returns how many it
   * deleted and how many it checked.
   */
  sweepExpired(budget = 200): number {
    return this.sweep(budget).deleted;
  }

  sweep(budget: number): { checked: number; deleted: number } {
    const now = this.now();
    let checked = 0;
    let deleted = 0;
    let wrapped = false;
    let ttlSum = 0;
    let ttlSamples = 0;
    while (checked < budget && this.expires.size > 0) {
      this.sweepCursor ??= this.expires.entries();
      const next = this.sweepCursor.next();
      if (next.done) {
        this.sweepCursor = undefined;
        // One full pass per call at most: a small TTL map is not re-checked in a loop.
        if (wrapped) break;
        wrapped = true;
        continue;
      }
      checked++;
      const [key, at] = next.value;
      if (at <= now) {
        this.remove(key);
        this.memory.expiredKeys++;
        this.options.onModified(key);
        deleted++;
      } else {
        ttlSum += at - now;
        ttlSamples++;
      }
    }
    if (ttlSamples > 0) {
      // activeExpireCycle's smoothing: mostly the old estimate, a fiftieth of the new sample.
      const sample = Math.floor(ttlSum / ttlSamples);
      this.avgTtl = this.avgTtl === 0 ? sample : Math.floor((this.avgTtl / 50) * 49 + sample / 50);
    }
    return { checked, deleted };
  }

  private expireIfNeeded(key: string): boolean {
    // Every lookup asks: no hash lookup while no key has a TTL.
    if (this.expires.size === 0) return false;
    const at = this.expires.get(key);
    if (at === undefined || at > this.now()) return false;
    this.remove(key);
    this.memory.expiredKeys++;
    this.options.onModified(key);
    return true;
  }

  /**
   * Eviction candidates: up to `count` keys (of all keys, or of those with a TTL) appended to
   * `out`, the same key possibly twice. All of them when there are no more than `count`: then
   * the choice is exact, as in Redis with a small keyspace.
   *
   * Redis samples random hash-table buckets, so a sample is a random handful of keys. A sample
   * of all keys is the same here: random slots (`Slots.indexKeys` keeps each slot's key from the
   * first sample on), at most `count * 10` tries, as Redis's dictGetSomeKeys looks at no more
   * than `count * 10` buckets. Walking the key Map instead, ten neighbours a sample, was not
   * random: a Map walks in the order keys were written, so neighbours are about equally idle,
   * and a stretch of new keys longer than the eviction pool (16 candidates, 1 used per eviction)
   * used up the older candidates: new keys were evicted while older ones stayed (lesson 08's
   * checkpoint: 11 of 51).
   *
   * A sample of the keys with a TTL is random slots too, those without a TTL skipped, while at
   * least a quarter of the keys have one (a cache, where most do). When fewer do, most slots
   * would be misses: they are walked instead (their own Map, from where the previous sample
   * stopped, like `sweep`), each key taken after a random skip, so a sample spreads over half of
   * them, capped at SAMPLE_STRIDE_MAX (up to 32 keys walked per key taken); past `count * 32`
   * keys with a TTL, successive samples cover the rest. The same walk serves any sample that
   * random slots found nothing for (nearly all slots freed).
   *
   * With `access`, each key's access data goes there too, at the same index: read from the slot
   * a random key came from, which saves a lookup of that key in the Map (a cache miss or two:
   * most of an eviction's time).
   */
  sample(volatile: boolean, count: number, out: string[], access?: number[]): void {
    const map = volatile ? this.expires : this.data;
    if (map.size <= count) {
      for (const key of map.keys()) {
        out.push(key);
        access?.push(this.accessOfStored(key)!);
      }
      return;
    }
    // Random slots, unless few keys have a TTL where only those are wanted: then most tries would
    // find a key without one.
    if (!volatile || map.size * VOLATILE_RANDOM_SHARE >= this.data.size) {
      const slots = this.slots;
      const expires = this.expires;
      slots.indexKeys(this.data);
      let found = 0;
      for (let tries = count * 10; tries > 0 && found < count; tries--) {
        const slot = slots.randomSlot();
        if (slot === -1) continue;
        const key = slots.keyOf(slot);
        if (volatile && !expires.has(key)) continue;
        out.push(key);
        access?.push(slots.accessOf(slot));
        found++;
      }
      if (found > 0) return;
    }
    // Skips of 0 to 2 * stride - 1 keys: `stride` on average.
    const stride = Math.min(SAMPLE_STRIDE_MAX, Math.floor(map.size / (count * 2)));
    let skip = Math.floor(Math.random() * 2 * stride);
    let wrapped = false;
    for (let taken = 0; taken < count; ) {
      let cursor = volatile ? this.volatileSampleCursor : this.sampleCursor;
      if (cursor === undefined) {
        cursor = map.keys();
        if (volatile) this.volatileSampleCursor = cursor;
        else this.sampleCursor = cursor;
      }
      const next = cursor.next();
      if (next.done) {
        if (volatile) this.volatileSampleCursor = undefined;
        else this.sampleCursor = undefined;
        if (wrapped) return;
        wrapped = true;
        continue;
      }
      if (skip > 0) {
        skip--;
        continue;
      }
      out.push(next.value);
      access?.push(this.accessOfStored(next.value)!);
      taken++;
      skip = Math.floor(Math.random() * 2 * stride);
    }
  }

  /** Expiry of a stored key, expired or not (volatile-ttl ranks by it), or undefined. */
  expireOfStored(key: string): number | undefined {
    return this.expires.get(key);
  }

  /** Access data of a stored key, expired or not (the eviction pool ranks by it). */
  accessOfStored(key: string): number | undefined {
    const slot = this.data.get(key);
    return slot === undefined ? undefined : this.slots.accessOf(slot);
  }

  /** Evicts a stored key (performEvictions): deleted, signalled, counted in `evicted_keys`. */
  evict(key: string): boolean {
    if (!this.data.has(key)) return false;
    this.remove(key);
    this.memory.evictedKeys++;
    this.options.onModified(key);
    return true;
  }
}

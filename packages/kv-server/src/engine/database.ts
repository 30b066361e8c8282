// The keyspace: every key, its value and its expiry time. Keys and string values are latin1
// JS strings (one char per byte): binary-safe, and much smaller in memory than a Buffer each.

import { ERRORS, fail } from './reply.ts';

/** Every non-string value (hash, list, set, zset) is an object that says what type it is. */
export interface Collection {
  readonly typeName: 'hash' | 'list' | 'set' | 'zset' | 'stream';
  /** Redis deletes a collection key as soon as it becomes empty. */
  readonly size: number;
  /** Plain JSON-able data for the snapshot file (latin1 strings and numbers only). */
  toSnapshot(): unknown;
}

/** Rebuilds a collection from `toSnapshot()` data; each collection family registers its own. */
export const collectionRestorers = new Map<Collection['typeName'], (data: unknown) => Collection>();

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
}

export class Database {
  private readonly data = new Map<string, Value>();
  /** Absolute expiry in ms, only for keys that have one: most keys do not, so this stays small. */
  private readonly expires = new Map<string, number>();
  /** Where the active expiry stopped last time (see `sweep`). */
  private sweepCursor: IterableIterator<[string, number]> | undefined;

  constructor(private readonly options: DatabaseOptions) {}

  now(): number {
    return this.options.now();
  }

  /** The live value of `key`, or undefined. An expired key is deleted here (lazy expiry). */
  lookup(key: string): Value | undefined {
    const value = this.data.get(key);
    if (value === undefined) return undefined;
    if (this.expireIfNeeded(key)) return undefined;
    return value;
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
    this.data.set(key, value);
    if (!keepTtl) this.expires.delete(key);
    this.options.onModified(key);
  }

  /** Removes `key`; true when it existed (and had not expired). */
  delete(key: string): boolean {
    if (this.lookup(key) === undefined) return false;
    this.data.delete(key);
    this.expires.delete(key);
    this.options.onModified(key);
    return true;
  }

  /**
   * Call after changing a collection in place: deletes the key when the collection became
   * empty (as Redis does) and signals the modification either way.
   */
  modified(key: string, value?: Collection): void {
    if (value !== undefined && value.size === 0) {
      this.data.delete(key);
      this.expires.delete(key);
    }
    this.options.onModified(key);
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
    this.expires.set(key, atMs);
    this.options.onModified(key);
  }

  /** Removes the expiry; true when there was one. */
  persist(key: string): boolean {
    if (this.lookup(key) === undefined) return false;
    const had = this.expires.delete(key);
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
    for (const [key, value] of this.data) {
      const at = this.expires.get(key);
      if (at !== undefined && at <= now) continue;
      yield [key, value, at];
    }
  }

  /** Restores one key from a snapshot, without signalling anything. */
  restore(key: string, value: Value, expiresAt: number | undefined): void {
    this.data.set(key, value);
    if (expiresAt !== undefined) this.expires.set(key, expiresAt);
  }

  /** Removes every key. Only keys someone watches are signalled (a flush of millions stays cheap). */
  flush(): void {
    const watched = this.options.watchedKeys?.() ?? [];
    const touched = [...watched].filter((key) => this.data.has(key));
    this.data.clear();
    this.expires.clear();
    this.sweepCursor = undefined;
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
        this.data.delete(key);
        this.expires.delete(key);
        this.options.onModified(key);
        deleted++;
      }
    }
    return { checked, deleted };
  }

  private expireIfNeeded(key: string): boolean {
    const at = this.expires.get(key);
    if (at === undefined || at > this.now()) return false;
    this.data.delete(key);
    this.expires.delete(key);
    this.options.onModified(key);
    return true;
  }
}

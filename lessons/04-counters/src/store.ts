// A key-value store with the same async API as a Redis client, kept in one plain JavaScript
// object. The wiki only ever talks to the `KeyValueStore` interface, so a later lesson can swap
// this object for a real Redis client by changing one line.

// #region interface
/** What the wiki needs from a key-value store: a few Redis commands, with their call shapes. */
export interface KeyValueStore {
  /** GET: the value, or null when the key does not exist (or has expired). */
  get(key: string): Promise<string | null>;
  /** SET: store a value, replacing any old one and its expiry. `ex` = expire after N seconds. */
  set(key: string, value: string | number, options?: { ex?: number }): Promise<unknown>;
  /** DEL: remove keys; resolves to how many existed. */
  del(...keys: string[]): Promise<number>;
  /** EXISTS: how many of the keys exist (a key named twice counts twice). */
  exists(...keys: string[]): Promise<number>;
  /** INCR: add 1 to an integer value (a missing key counts as 0); resolves to the new value. */
  incr(key: string): Promise<number>;
  /** EXPIRE: expire the key after N seconds; 1 if the key exists, 0 if not. */
  expire(key: string, seconds: number): Promise<0 | 1>;
  /** TTL: seconds left; -1 when the key never expires, -2 when it does not exist. */
  ttl(key: string): Promise<number>;
}
// #endregion interface

// #region counting-interface
/**
 * Lesson 04: the commands counting needs on top of KeyValueStore. The Upstash client has them
 * all; the object store of lesson 01 does not, and no longer needs to.
 */
export interface CountingStore extends KeyValueStore {
  /** EXPIRE with NX: set the expiry only if the key has none yet (Redis 7.0+). */
  expire(key: string, seconds: number, option?: 'NX'): Promise<0 | 1>;
  /** ZINCRBY: add to a member's score in a sorted set, creating both on first use. */
  zincrby(key: string, increment: number, member: string): Promise<unknown>;
  /** ZRANGE ... REV WITHSCORES: highest scores first, as a flat [member, score, ...] list. */
  zrange(
    key: string,
    start: number,
    stop: number,
    options: { rev: true; withScores: true },
  ): Promise<unknown[]>;
  /** MULTI ... EXEC: queue commands, run them as one block, get their replies in order. */
  multi(): CountingTransaction;
}

export interface CountingTransaction {
  incr(key: string): CountingTransaction;
  expire(key: string, seconds: number, option?: 'NX'): CountingTransaction;
  exec(): Promise<unknown[]>;
}
// #endregion counting-interface

// #region entry
/** One key's value and, when it has one, the moment (ms since the epoch) it expires. */
interface Entry {
  value: string;
  expiresAt: number | null;
}
// #endregion entry

/** Redis's exact error texts, so code written against this store behaves the same on Redis. */
export const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';
export const INVALID_EXPIRE_SET = "ERR invalid expire time in 'set' command";
export const WOULD_OVERFLOW = 'ERR increment or decrement would overflow';

/** The integers Redis accepts: optional minus, no leading zeros, no spaces, no plus sign. */
const INTEGER = /^(0|-?[1-9][0-9]*)$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function parseInteger(text: string): bigint | null {
  if (!INTEGER.test(text)) return null;
  const n = BigInt(text);
  return n >= INT64_MIN && n <= INT64_MAX ? n : null;
}

export interface ObjectStoreOptions {
  /** The clock, in ms since the epoch. Tests and demos pass their own. */
  now?: () => number;
}

export interface ObjectStore extends KeyValueStore {
  /** DBSIZE: how many keys the object holds, expired-but-not-yet-removed ones included. */
  dbsize(): Promise<number>;
}

// #region object-store
export function createObjectStore({ now = Date.now }: ObjectStoreOptions = {}): ObjectStore {
  // The world's biggest JavaScript object (well, the biggest one in this process). Made with
  // no prototype: in a plain {}, keys like "constructor" or "__proto__" already mean something.
  const data: Record<string, Entry> = Object.create(null);

  // Redis removes an expired key the moment someone touches it; so do we.
  function read(key: string): Entry | null {
    const entry = data[key];
    if (entry === undefined) return null;
    if (entry.expiresAt !== null && now() > entry.expiresAt) {
      delete data[key];
      return null;
    }
    return entry;
  }
  // #endregion object-store

  // #region set
  async function set(key: string, value: string | number, options: { ex?: number } = {}) {
    let expiresAt: number | null = null;
    if (options.ex !== undefined) {
      if (!Number.isInteger(options.ex)) throw new Error(NOT_AN_INTEGER);
      if (options.ex <= 0) throw new Error(INVALID_EXPIRE_SET);
      expiresAt = now() + options.ex * 1000;
    }
    // Redis stores strings: a number goes in as its decimal text.
    data[key] = { value: String(value), expiresAt };
    return 'OK' as const;
  }
  // #endregion set

  // #region incr
  async function incr(key: string): Promise<number> {
    const entry = read(key);
    const current = entry === null ? 0n : parseInteger(entry.value);
    if (current === null) throw new Error(NOT_AN_INTEGER);
    if (current === INT64_MAX) throw new Error(WOULD_OVERFLOW);
    const next = current + 1n;
    // INCR keeps the key's expiry, as Redis does.
    data[key] = { value: next.toString(), expiresAt: entry?.expiresAt ?? null };
    return Number(next);
  }
  // #endregion incr

  // #region expiry
  async function expire(key: string, seconds: number): Promise<0 | 1> {
    if (!Number.isInteger(seconds)) throw new Error(NOT_AN_INTEGER);
    const entry = read(key);
    if (entry === null) return 0;
    // An expiry in the past deletes the key straight away.
    if (seconds <= 0) delete data[key];
    else entry.expiresAt = now() + seconds * 1000;
    return 1;
  }

  async function ttl(key: string): Promise<number> {
    const entry = read(key);
    if (entry === null) return -2;
    if (entry.expiresAt === null) return -1;
    // Redis rounds the milliseconds left to the nearest second.
    return Math.round((entry.expiresAt - now()) / 1000);
  }
  // #endregion expiry

  // #region commands
  return {
    async get(key) {
      return read(key)?.value ?? null;
    },
    set,
    async del(...keys) {
      let removed = 0;
      for (const key of keys) {
        if (read(key) !== null) {
          delete data[key];
          removed++;
        }
      }
      return removed;
    },
    async exists(...keys) {
      return keys.filter((key) => read(key) !== null).length;
    },
    incr,
    expire,
    ttl,
    async dbsize() {
      return Object.keys(data).length;
    },
  };
}
// #endregion commands

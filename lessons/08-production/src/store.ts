// Lesson 01 kept the store in one JavaScript object. From lesson 02 on the store is a real
// Redis client, so what is left here is the interface the wiki talks to.

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

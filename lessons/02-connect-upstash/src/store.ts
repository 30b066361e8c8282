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

// biome-ignore-all lint/correctness/noUnusedVariables: a starting state, the learner fills it in (practice mode leaves this line out)
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: a starting state, the learner fills it in (practice mode leaves this line out)
// EXERCISE (lesson 1): a key-value store with the same async API as a Redis client, kept in one
// plain JavaScript object. The interface, the entry shape, Redis's error texts and the integer
// parser are given; the commands are yours: every "TODO(lesson 1)" below. `pnpm practice check`
// says which ones answer like Redis already.
// The wiki only ever talks to the `KeyValueStore` interface, so a later lesson can swap
// this object for a real Redis client by changing one line.

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

/** One key's value and, when it has one, the moment (ms since the epoch) it expires. */
interface Entry {
  value: string;
  expiresAt: number | null;
}

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

export function createObjectStore({ now = Date.now }: ObjectStoreOptions = {}): ObjectStore {
  // The world's biggest JavaScript object (well, the biggest one in this process). Made with
  // no prototype: in a plain {}, keys like "constructor" or "__proto__" already mean something.
  const data: Record<string, Entry> = Object.create(null);

  // TODO(lesson 1): return the key's entry, or null when there is none. Redis removes an expired
  // key the moment someone touches it (`now()` past its `expiresAt`): delete it and return null.
  // Every command below reads through this function.
  function read(key: string): Entry | null {
    throw new Error(`TODO(lesson 1): read(${key}) in src/store.ts`);
  }

  return {
    // TODO(lesson 1): the value, or null (never undefined) for a missing or expired key.
    async get(key) {
      throw new Error(`TODO(lesson 1): get(${key}) in src/store.ts`);
    },

    // TODO(lesson 1): store String(value) (Redis keeps strings) with no expiry, or one `ex`
    // seconds from now(). An `ex` that is not an integer -> NOT_AN_INTEGER; 0 or less ->
    // INVALID_EXPIRE_SET. A plain SET removes an old expiry. Resolve to 'OK'.
    async set(key, value, options = {}) {
      throw new Error(
        `TODO(lesson 1): set(${key}, ${value}, ${JSON.stringify(options)}) in src/store.ts`,
      );
    },

    // TODO(lesson 1): remove the keys; resolve to how many of them existed.
    async del(...keys) {
      throw new Error(`TODO(lesson 1): del(${keys.join(', ')}) in src/store.ts`);
    },

    // TODO(lesson 1): how many of the keys exist; a key named twice counts twice.
    async exists(...keys) {
      throw new Error(`TODO(lesson 1): exists(${keys.join(', ')}) in src/store.ts`);
    },

    // TODO(lesson 1): add 1 to the value (a missing key counts as 0) and resolve to the new number.
    // Text that is not an integer (check with parseInteger) -> NOT_AN_INTEGER; at INT64_MAX ->
    // WOULD_OVERFLOW. Keep the key's expiry.
    async incr(key) {
      throw new Error(`TODO(lesson 1): incr(${key}) in src/store.ts`);
    },

    // TODO(lesson 1): give an existing key an expiry `seconds` from now and resolve to 1; a
    // missing key -> 0. Seconds that are not an integer -> NOT_AN_INTEGER; 0 or less deletes it.
    async expire(key, seconds) {
      throw new Error(`TODO(lesson 1): expire(${key}, ${seconds}) in src/store.ts`);
    },

    // TODO(lesson 1): -2 for a missing key, -1 for a key without expiry, else the seconds left,
    // rounded to the nearest second as Redis does.
    async ttl(key) {
      throw new Error(`TODO(lesson 1): ttl(${key}) in src/store.ts`);
    },

    // Given: how many keys the object holds (another-process.ts prints it).
    async dbsize() {
      return Object.keys(data).length;
    },
  };
}

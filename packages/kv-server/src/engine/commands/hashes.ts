// Hashes: HSET, HGET, HINCRBY, HSCAN... with Redis 7.0 replies and error texts.

import { bulk, ERRORS, fail, latin1, MapReply, OK, type Reply } from '../../protocol/reply.ts';
import type { Collection, Database } from '../database.ts';
import type { CommandSpec } from '../engine.ts';
import { MAP_ENTRY_BYTES, OBJECT_BYTES, stringBytes } from '../memory.ts';
import { incrByFloat, int64Arg, integerReply, isLongDouble, parseInt64 } from '../parse.ts';
import { randomCountArgs, randomPick, randomPicks, scanCollection } from './collections.ts';

// Redis keeps a small hash as a listpack (fields in insertion order, HSCAN returns all at once)
// and converts it for good to a hash table past these limits (hash-max-listpack-*).
const COMPACT_MAX_ENTRIES = 128;
const COMPACT_MAX_VALUE = 64;

/** field -> value. A Map keeps insertion order, which is the order a small Redis hash replies in. */
export class HashValue implements Collection {
  readonly typeName = 'hash';
  readonly fields: Map<string, string>;
  /** Still what Redis would keep as a listpack; once false, stays false (as in Redis). */
  compact = true;
  /** Estimated bytes (see memory.ts), kept up to date by `set` and `delete`. */
  private bytes = OBJECT_BYTES;
  /**
   * field -> absolute expiry in ms, only for fields that have one (Redis 7.4's hash-field
   * expiry, see hash-expiry.ts). Undefined for the usual hash without any.
   */
  fieldExpires: Map<string, number> | undefined;

  constructor(entries: Iterable<[string, string]> = []) {
    this.fields = new Map();
    for (const [field, value] of entries) this.set(field, value);
  }

  get size(): number {
    return this.fields.size;
  }

  memoryUsage(): number {
    return this.bytes;
  }

  toSnapshot(): { compact: boolean; entries: [string, string][]; expires?: [string, number][] } {
    const snapshot: ReturnType<HashValue['toSnapshot']> = {
      compact: this.compact,
      entries: [...this.fields],
    };
    if (this.fieldExpires !== undefined && this.fieldExpires.size > 0) {
      snapshot.expires = [...this.fieldExpires];
    }
    return snapshot;
  }

  /**
   * True when `field` is new. Writing a value drops the field's TTL (as HSET does in Redis
   * 7.4) unless `keepTtl` (HINCRBY, HINCRBYFLOAT, HSETEX KEEPTTL).
   */
  set(field: string, value: string, keepTtl = false): boolean {
    if (!keepTtl) this.fieldExpires?.delete(field);
    const old = this.fields.get(field);
    const isNew = old === undefined;
    this.bytes += isNew
      ? MAP_ENTRY_BYTES + stringBytes(field) + stringBytes(value)
      : stringBytes(value) - stringBytes(old);
    this.fields.set(field, value);
    if (
      this.compact &&
      (this.fields.size > COMPACT_MAX_ENTRIES ||
        field.length > COMPACT_MAX_VALUE ||
        value.length > COMPACT_MAX_VALUE)
    ) {
      this.compact = false;
    }
    return isNew;
  }

  /** True when `field` was there. */
  delete(field: string): boolean {
    const old = this.fields.get(field);
    if (old === undefined) return false;
    this.fields.delete(field);
    this.fieldExpires?.delete(field);
    this.bytes -= MAP_ENTRY_BYTES + stringBytes(field) + stringBytes(old);
    return true;
  }

  /** Deletes the fields whose TTL is at or before `now`; returns how many. */
  expireFields(now: number): number {
    if (this.fieldExpires === undefined) return 0;
    let expired = 0;
    for (const [field, at] of this.fieldExpires) {
      if (at <= now && this.delete(field)) expired++;
    }
    return expired;
  }
}

/** Rebuilds a hash from its `toSnapshot()` data (engine/restorers.ts lists every type's). */
export function restoreHash(data: unknown): HashValue {
  const { compact, entries } = data as ReturnType<HashValue['toSnapshot']>;
  const { expires } = data as ReturnType<HashValue['toSnapshot']>;
  const hash = new HashValue(entries);
  hash.compact = hash.compact && compact;
  if (expires !== undefined && expires.length > 0) hash.fieldExpires = new Map(expires);
  return hash;
}

/**
 * The hash at `key`, with its expired fields deleted first (lazy field expiry): a hash whose
 * last field expired is deleted and reads as missing.
 */
export function lookupHash(db: Database, key: string): HashValue | undefined {
  const hash = db.lookupCollection<HashValue>(key, 'hash');
  if (hash?.fieldExpires === undefined || hash.fieldExpires.size === 0) return hash;
  if (hash.expireFields(db.now()) === 0) return hash;
  if (hash.size === 0) {
    db.delete(key);
    return undefined;
  }
  db.modified(key, hash);
  return hash;
}

function lookupOrCreate(db: Database, key: string): HashValue {
  let hash = lookupHash(db, key);
  if (hash === undefined) {
    hash = new HashValue();
    db.set(key, hash);
  }
  return hash;
}

function hset(db: Database, argv: Buffer[]): number {
  if (argv.length % 2 === 1) {
    fail(`ERR wrong number of arguments for '${latin1(argv[0]!).toLowerCase()}' command`);
  }
  return setFields(db, argv.map(latin1), argv.length);
}

/**
 * HSET from strings: `args[1]` is the key, then field/value pairs up to `args[count - 1]`
 * (count even: checked by callers). The RESP fast lane calls it with the arguments it read.
 */
export function setFields(db: Database, args: readonly string[], count: number): number {
  const key = args[1]!;
  const hash = lookupOrCreate(db, key);
  let created = 0;
  for (let i = 2; i < count; i += 2) {
    if (hash.set(args[i]!, args[i + 1]!)) created++;
  }
  db.modified(key, hash);
  return created;
}

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

function hincrby(db: Database, argv: Buffer[]): Reply {
  const increment = int64Arg(argv[3]!);
  const key = latin1(argv[1]!);
  const field = latin1(argv[2]!);
  const hash = lookupOrCreate(db, key);
  const current = hash.fields.get(field);
  let value = 0n;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === undefined) fail('ERR hash value is not an integer');
    value = parsed;
  }
  const result = value + increment;
  if (result < INT64_MIN || result > INT64_MAX) fail(ERRORS.overflow);
  // Counters keep their field's TTL (Redis 7.4).
  hash.set(field, result.toString(), true);
  db.modified(key, hash);
  return integerReply(result);
}

const INFINITE = /^[+-]?(inf|infinity)$/i;

function hincrbyfloat(db: Database, argv: Buffer[]): Reply {
  // Redis checks the increment before it looks at the key.
  const increment = argv[3]!;
  if (!isLongDouble(increment)) fail(ERRORS.notFloat);
  if (INFINITE.test(latin1(increment))) fail('ERR value is NaN or Infinity');
  const key = latin1(argv[1]!);
  const field = latin1(argv[2]!);
  const hash = lookupOrCreate(db, key);
  const result = incrByFloat(hash.fields.get(field), increment, 'ERR hash value is not a float');
  hash.set(field, result, true);
  db.modified(key, hash);
  return bulk(result);
}

/** HRANDFIELD key [count [WITHVALUES]]: a negative count allows repeats. */
function hrandfield(db: Database, argv: Buffer[], resp3 = false): Reply {
  const key = latin1(argv[1]!);
  if (argv.length === 2) {
    const hash = lookupHash(db, key);
    return hash === undefined ? null : bulk(randomPick(hash.fields.keys(), hash.size));
  }
  const { count, withFlag: withValues } = randomCountArgs(argv, 'withvalues');
  const hash = lookupHash(db, key);
  if (hash === undefined || count === 0) return [];
  const out: Reply[] = [];
  for (const [field, value] of randomPicks([...hash.fields], count)) {
    // RESP3: [field, value] pairs; RESP2: one flat array.
    if (withValues && resp3) out.push([bulk(field), bulk(value)]);
    else {
      out.push(bulk(field));
      if (withValues) out.push(bulk(value));
    }
  }
  return out;
}

export const hashCommands: CommandSpec[] = [
  { name: 'hset', arity: -4, write: true, handler: ({ db }, argv) => hset(db, argv) },
  {
    name: 'hmset',
    arity: -4,
    write: true,
    handler: ({ db }, argv) => {
      hset(db, argv);
      return OK;
    },
  },
  {
    name: 'hsetnx',
    arity: 4,
    write: true,
    handler: ({ db }, argv) => {
      const key = latin1(argv[1]!);
      const field = latin1(argv[2]!);
      const existing = lookupHash(db, key);
      if (existing?.fields.has(field)) return 0;
      const hash = existing ?? lookupOrCreate(db, key);
      hash.set(field, latin1(argv[3]!));
      db.modified(key, hash);
      return 1;
    },
  },
  {
    name: 'hget',
    arity: 3,
    handler: ({ db }, argv) => {
      const value = lookupHash(db, latin1(argv[1]!))?.fields.get(latin1(argv[2]!));
      return value === undefined ? null : bulk(value);
    },
  },
  {
    name: 'hmget',
    arity: -3,
    handler: ({ db }, argv) => {
      const hash = lookupHash(db, latin1(argv[1]!));
      return argv.slice(2).map((field) => {
        const value = hash?.fields.get(latin1(field));
        return value === undefined ? null : bulk(value);
      });
    },
  },
  {
    name: 'hgetall',
    arity: 2,
    handler: ({ db }, argv) => {
      // A map in RESP3, a flat [field, value, ...] array in RESP2.
      const out: [Reply, Reply][] = [];
      for (const [field, value] of lookupHash(db, latin1(argv[1]!))?.fields ?? []) {
        out.push([bulk(field), bulk(value)]);
      }
      return new MapReply(out);
    },
  },
  {
    name: 'hkeys',
    arity: 2,
    handler: ({ db }, argv) =>
      [...(lookupHash(db, latin1(argv[1]!))?.fields.keys() ?? [])].map(bulk),
  },
  {
    name: 'hvals',
    arity: 2,
    handler: ({ db }, argv) =>
      [...(lookupHash(db, latin1(argv[1]!))?.fields.values() ?? [])].map(bulk),
  },
  {
    name: 'hdel',
    arity: -3,
    write: true,
    handler: ({ db }, argv) => {
      const key = latin1(argv[1]!);
      const hash = lookupHash(db, key);
      if (hash === undefined) return 0;
      let deleted = 0;
      for (let i = 2; i < argv.length; i++) {
        if (hash.delete(latin1(argv[i]!))) deleted++;
      }
      if (deleted > 0) db.modified(key, hash);
      return deleted;
    },
  },
  {
    name: 'hexists',
    arity: 3,
    handler: ({ db }, argv) =>
      lookupHash(db, latin1(argv[1]!))?.fields.has(latin1(argv[2]!)) ? 1 : 0,
  },
  {
    name: 'hlen',
    arity: 2,
    handler: ({ db }, argv) => lookupHash(db, latin1(argv[1]!))?.size ?? 0,
  },
  {
    name: 'hstrlen',
    arity: 3,
    handler: ({ db }, argv) =>
      lookupHash(db, latin1(argv[1]!))?.fields.get(latin1(argv[2]!))?.length ?? 0,
  },
  { name: 'hincrby', arity: 4, write: true, handler: ({ db }, argv) => hincrby(db, argv) },
  {
    name: 'hincrbyfloat',
    arity: 4,
    write: true,
    handler: ({ db }, argv) => hincrbyfloat(db, argv),
  },
  {
    name: 'hscan',
    arity: -3,
    handler: (ctx, argv) => {
      // Drop expired fields first (lazy field expiry), as every other hash read does.
      const key = latin1(argv[1]!);
      if (ctx.db.peek(key) instanceof HashValue) lookupHash(ctx.db, key);
      return scanCollection<HashValue, [string, string]>(ctx, argv, 'hash', {
        compact: (hash) => hash.compact,
        items: (hash) => hash.fields.entries(),
        name: ([field]) => field,
        reply: ([field, value]) => [bulk(field), bulk(value)],
      });
    },
  },
  {
    name: 'hrandfield',
    arity: -2,
    handler: ({ db, session }, argv) => hrandfield(db, argv, session.protocol === 3),
  },
];

// Hash-field expiry, from Redis 7.4 and 8.0 (and Valkey 9): HEXPIRE HPEXPIRE HEXPIREAT
// HPEXPIREAT HTTL HPTTL HEXPIRETIME HPEXPIRETIME HPERSIST, and Redis 8.0's HGETEX HSETEX
// HGETDEL. Redis 7.0 (the differential reference) and Valkey 8 do not have them: replies and
// error texts follow Redis 8's t_hash.c and its documented codes (-2 no such field, -1 no TTL,
// 0 condition not met, 1 set, 2 deleted because the time is now or past).
//
// The TTLs live in `HashValue.fieldExpires` (hashes.ts). Expired fields go away lazily (every
// hash command looks the hash up through `lookupHash`, which drops them and deletes a hash left
// empty) and actively: each database keeps a registry of the hashes given a field TTL, and the
// engine's background expiry cycle (hooked in by createEngine) sweeps them. Hashes loaded from a
// snapshot are found by a scan of the keyspace on the first cycle, a renamed one by a new scan
// once the cycle notices it moved; COPY registers its copy.

import { bulk, ERRORS, fail, latin1, type Reply } from '../../protocol/reply.ts';
import type { Database } from '../database.ts';
import type { CommandContext, CommandSpec, Engine } from '../engine.ts';
import { parseInt64 } from '../parse.ts';
import { keyword } from './collections.ts';
import { HashValue, lookupHash } from './hashes.ts';

/** Redis's HFE_MAX_ABS_TIME_MSEC: expiry times are kept in 46 bits of milliseconds. */
const HFE_MAX_ABS_TIME_MSEC = 2 ** 46 - 1;

const FIELDS_MISSING = 'ERR Mandatory argument FIELDS is missing or not at the right position';
const NUMFIELDS_MISMATCH = 'ERR The `numfields` parameter must match the number of arguments';
const READ_NUMFIELDS = 'ERR Number of fields must be a positive integer';
const WRITE_NUMFIELDS = 'ERR Parameter `numFields` should be greater than 0';

// ---------------------------------------------------------------------------------------------
// The registry of hashes with field TTLs, for the active expiry

const registries = new WeakMap<Database, Map<string, HashValue>>();
const scanned = new WeakSet<Engine>();

function register(db: Database, key: string, hash: HashValue): void {
  let registry = registries.get(db);
  if (registry === undefined) {
    registry = new Map();
    registries.set(db, registry);
  }
  registry.set(key, hash);
}

/**
 * One active-expiry pass over the hashes with field TTLs of every database: deletes their
 * expired fields, and the hash when none is left. Returns how many fields it deleted.
 */
export function activeExpireHashFields(engine: Engine): number {
  if (!scanned.has(engine)) {
    // Once per engine, and again after a hash with TTLs moved (RENAME, MOVE, SWAPDB): find the
    // hashes that got their TTLs elsewhere (a snapshot, RESTORE, a rename).
    scanned.add(engine);
    for (const db of engine.databases) {
      for (const [key, value] of db.entries()) {
        if (value instanceof HashValue && (value.fieldExpires?.size ?? 0) > 0) {
          register(db, key, value);
        }
      }
    }
  }
  let expired = 0;
  for (const db of engine.databases) {
    const registry = registries.get(db);
    if (registry === undefined || registry.size === 0) continue;
    const now = db.now();
    for (const [key, hash] of registry) {
      if ((hash.fieldExpires?.size ?? 0) === 0) {
        registry.delete(key);
        continue;
      }
      if (db.peek(key) !== hash) {
        // Renamed or moved: look for it (and any other such hash) on the next run.
        registry.delete(key);
        if (hash.size > 0) scanned.delete(engine);
        continue;
      }
      const n = hash.expireFields(now);
      if (n === 0) continue;
      expired += n;
      if (hash.size === 0) {
        db.delete(key);
        registry.delete(key);
      } else db.modified(key, hash);
    }
  }
  return expired;
}

/** Lets the active expiry see a hash that got field TTLs outside these commands (COPY). */
export function trackFieldExpiry(db: Database, key: string, value: unknown): void {
  if (value instanceof HashValue && (value.fieldExpires?.size ?? 0) > 0) register(db, key, value);
}

// ---------------------------------------------------------------------------------------------
// Arguments

/** parseExpireTime: an absolute time in ms, checked against Redis's limits. */
function expireTime(arg: Buffer, seconds: boolean, basetime: number, command: string): number {
  const value = parseInt64(arg);
  if (value === undefined) fail(ERRORS.notInteger);
  if (value < 0n) fail('ERR invalid expire time, must be >= 0');
  const invalid = `ERR invalid expire time in '${command}' command`;
  let ms = value;
  if (seconds) {
    if (ms > BigInt(Math.floor(HFE_MAX_ABS_TIME_MSEC / 1000))) fail(invalid);
    ms *= 1000n;
  }
  if (ms > BigInt(HFE_MAX_ABS_TIME_MSEC - basetime)) fail(invalid);
  return Number(ms) + basetime;
}

/** `FIELDS numfields field...` starting at `at`: the field arguments. */
function fieldsArg(argv: Buffer[], at: number, countError: string): Buffer[] {
  if (at >= argv.length || keyword(argv[at]!) !== 'fields') fail(FIELDS_MISSING);
  const n = at + 1 < argv.length ? parseInt64(argv[at + 1]!) : undefined;
  if (n === undefined || n < 1n) fail(countError);
  if (n !== BigInt(argv.length - at - 2)) fail(NUMFIELDS_MISMATCH);
  return argv.slice(at + 2);
}

function lookupForWrite(ctx: CommandContext, key: string): HashValue | undefined {
  return lookupHash(ctx.db, key);
}

function setTtl(hash: HashValue, field: string, at: number): void {
  hash.fieldExpires ??= new Map();
  hash.fieldExpires.set(field, at);
}

// ---------------------------------------------------------------------------------------------
// HEXPIRE and friends

type Condition = 'nx' | 'xx' | 'gt' | 'lt' | undefined;

function hexpire(ctx: CommandContext, argv: Buffer[], seconds: boolean, absolute: boolean): Reply {
  const command = latin1(argv[0]!).toLowerCase();
  const key = latin1(argv[1]!);
  const hash = lookupForWrite(ctx, key);
  const now = ctx.db.now();
  const at = expireTime(argv[2]!, seconds, absolute ? 0 : now, command);
  let fieldsAt = 3;
  let condition: Condition;
  const opt = keyword(argv[3]!);
  if (opt === 'nx' || opt === 'xx' || opt === 'gt' || opt === 'lt') {
    condition = opt;
    fieldsAt++;
  }
  const fields = fieldsArg(argv, fieldsAt, WRITE_NUMFIELDS);
  if (hash === undefined) return fields.map(() => -2);
  const replies: Reply[] = [];
  let changed = false;
  for (const fieldArg of fields) {
    const field = latin1(fieldArg);
    if (!hash.fields.has(field)) {
      replies.push(-2);
      continue;
    }
    // No TTL counts as an infinite one for GT and LT.
    const current = hash.fieldExpires?.get(field);
    const ok =
      condition === undefined ||
      (condition === 'nx' && current === undefined) ||
      (condition === 'xx' && current !== undefined) ||
      (condition === 'gt' && current !== undefined && at > current) ||
      (condition === 'lt' && (current === undefined || at < current));
    if (!ok) {
      replies.push(0);
      continue;
    }
    changed = true;
    if (at <= now) {
      hash.delete(field);
      replies.push(2);
      continue;
    }
    setTtl(hash, field, at);
    replies.push(1);
  }
  if (changed) finish(ctx, key, hash);
  return replies;
}

/** After a change: delete a hash left empty, or signal it and keep it for the active expiry. */
function finish(ctx: CommandContext, key: string, hash: HashValue): void {
  if (hash.size === 0) {
    ctx.db.delete(key);
    return;
  }
  ctx.db.modified(key, hash);
  if ((hash.fieldExpires?.size ?? 0) > 0) register(ctx.db, key, hash);
}

function httl(ctx: CommandContext, argv: Buffer[], unit: 's' | 'ms', absolute: boolean): Reply {
  const hash = lookupHash(ctx.db, latin1(argv[1]!));
  const fields = fieldsArg(argv, 2, READ_NUMFIELDS);
  const now = ctx.db.now();
  return fields.map((fieldArg) => {
    const field = latin1(fieldArg);
    if (hash === undefined || !hash.fields.has(field)) return -2;
    const at = hash.fieldExpires?.get(field);
    if (at === undefined) return -1;
    if (at < now) return -2;
    const ms = absolute ? at : at - now;
    // Seconds round up, as Redis's (expire + 999 - basetime) / 1000.
    return unit === 's' ? Math.floor((ms + 999) / 1000) : ms;
  });
}

function hpersist(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = latin1(argv[1]!);
  const hash = lookupHash(ctx.db, key);
  const fields = fieldsArg(argv, 2, READ_NUMFIELDS);
  let changed = false;
  const replies = fields.map((fieldArg) => {
    const field = latin1(fieldArg);
    if (hash === undefined || !hash.fields.has(field)) return -2;
    if (hash.fieldExpires?.get(field) === undefined) return -1;
    hash.fieldExpires!.delete(field);
    changed = true;
    return 1;
  });
  if (changed && hash !== undefined) ctx.db.modified(key, hash);
  return replies;
}

// ---------------------------------------------------------------------------------------------
// HGETDEL, HGETEX, HSETEX (Redis 8.0)

function hgetdel(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = latin1(argv[1]!);
  const hash = lookupHash(ctx.db, key);
  if (keyword(argv[2]!) !== 'fields') fail(FIELDS_MISSING);
  const fields = fieldsArg(argv, 2, READ_NUMFIELDS);
  const replies: Reply[] = [];
  let deleted = 0;
  for (const fieldArg of fields) {
    const field = latin1(fieldArg);
    const value = hash?.fields.get(field);
    replies.push(value === undefined ? null : bulk(value));
    if (value !== undefined && hash!.delete(field)) deleted++;
  }
  if (deleted > 0 && hash !== undefined) finish(ctx, key, hash);
  return replies;
}

function hgetex(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = latin1(argv[1]!);
  const hash = lookupHash(ctx.db, key);
  const now = ctx.db.now();
  const opt = keyword(argv[2]!);
  let fieldsAt = 2;
  let at: number | undefined;
  let persist = false;
  if (opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat') {
    const seconds = opt === 'ex' || opt === 'exat';
    const relative = opt === 'ex' || opt === 'px';
    at = expireTime(argv[3]!, seconds, relative ? now : 0, 'hgetex');
    fieldsAt = 4;
  } else if (opt === 'persist') {
    persist = true;
    fieldsAt = 3;
  }
  const fields = fieldsArg(argv, fieldsAt, READ_NUMFIELDS);
  if (hash === undefined) return fields.map(() => null);
  let changed = false;
  const replies = fields.map((fieldArg) => {
    const field = latin1(fieldArg);
    const value = hash.fields.get(field);
    if (value === undefined) return null;
    if (persist) {
      if (hash.fieldExpires?.delete(field)) changed = true;
    } else if (at !== undefined) {
      changed = true;
      if (at <= now) hash.delete(field);
      else setTtl(hash, field, at);
    }
    return bulk(value);
  });
  if (changed) finish(ctx, key, hash);
  return replies;
}

function hsetex(ctx: CommandContext, argv: Buffer[]): Reply {
  const now = ctx.db.now();
  let fnx = false;
  let fxx = false;
  let keepTtl = false;
  let at: number | undefined;
  let fieldsAt = -1;
  for (let i = 2; i < argv.length; i++) {
    const opt = keyword(argv[i]!);
    if (opt === 'fields') {
      if (i >= argv.length - 3) fail("ERR wrong number of arguments for 'hsetex' command");
      const n = parseInt64(argv[i + 1]!);
      if (n === undefined || n < 1n || n > 2147483647n) fail('ERR invalid number of fields');
      const remaining = argv.length - i - 2;
      if (remaining % 2 !== 0 || n !== BigInt(remaining / 2)) {
        fail("ERR wrong number of arguments for 'hsetex' command");
      }
      fieldsAt = i + 2;
      break;
    }
    if (opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat' || opt === 'keepttl') {
      if (at !== undefined || keepTtl) {
        fail('ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified');
      }
      if (opt === 'keepttl') {
        keepTtl = true;
        continue;
      }
      if (i >= argv.length - 1) fail('ERR missing expire time');
      const seconds = opt === 'ex' || opt === 'exat';
      const relative = opt === 'ex' || opt === 'px';
      at = expireTime(argv[++i]!, seconds, relative ? now : 0, 'hsetex');
    } else if (opt === 'fxx' || opt === 'fnx') {
      if (fnx || fxx) fail('ERR Only one of FXX or FNX arguments can be specified');
      if (opt === 'fxx') fxx = true;
      else fnx = true;
    } else fail(`ERR unknown argument: ${latin1(argv[i]!)}`);
  }
  if (fieldsAt < 0) fail(FIELDS_MISSING);
  const key = latin1(argv[1]!);
  let hash = lookupHash(ctx.db, key);
  if (hash === undefined) {
    if (fxx) return 0;
    hash = new HashValue();
    ctx.db.set(key, hash);
  }
  if (fnx || fxx) {
    let found = 0;
    for (let i = fieldsAt; i < argv.length; i += 2) {
      if (hash.fields.has(latin1(argv[i]!))) found++;
    }
    const count = (argv.length - fieldsAt) / 2;
    if ((fnx && found > 0) || (fxx && found < count)) {
      if (hash.size === 0) ctx.db.delete(key);
      return 0;
    }
  }
  for (let i = fieldsAt; i < argv.length; i += 2) {
    const field = latin1(argv[i]!);
    hash.set(field, latin1(argv[i + 1]!), keepTtl || at !== undefined);
    if (at !== undefined) {
      if (at <= now) hash.delete(field);
      else setTtl(hash, field, at);
    }
  }
  finish(ctx, key, hash);
  return 1;
}

/** COMMAND INFO / DOCS data: these commands are newer than the Redis 7 the docs came from. */
function meta(since: string, summary: string, flags: string[]) {
  return { group: 'hash', since, summary, flags };
}

export const hashExpiryCommands: CommandSpec[] = [
  {
    name: 'hexpire',
    arity: -6,
    write: true,
    ...meta('7.4.0', 'Set expiry for hash field using relative time to expire (seconds)', [
      'write',
      'fast',
    ]),
    handler: (c, a) => hexpire(c, a, true, false),
  },
  {
    name: 'hpexpire',
    arity: -6,
    write: true,
    ...meta('7.4.0', 'Set expiry for hash field using relative time to expire (milliseconds)', [
      'write',
      'fast',
    ]),
    handler: (c, a) => hexpire(c, a, false, false),
  },
  {
    name: 'hexpireat',
    arity: -6,
    write: true,
    ...meta('7.4.0', 'Set expiry for hash field using an absolute Unix timestamp (seconds)', [
      'write',
      'fast',
    ]),
    handler: (c, a) => hexpire(c, a, true, true),
  },
  {
    name: 'hpexpireat',
    arity: -6,
    write: true,
    ...meta('7.4.0', 'Set expiry for hash field using an absolute Unix timestamp (milliseconds)', [
      'write',
      'fast',
    ]),
    handler: (c, a) => hexpire(c, a, false, true),
  },
  {
    name: 'httl',
    arity: -5,
    ...meta('7.4.0', 'Returns the TTL in seconds of a hash field.', ['readonly', 'fast']),
    handler: (c, a) => httl(c, a, 's', false),
  },
  {
    name: 'hpttl',
    arity: -5,
    ...meta('7.4.0', 'Returns the TTL in milliseconds of a hash field.', ['readonly', 'fast']),
    handler: (c, a) => httl(c, a, 'ms', false),
  },
  {
    name: 'hexpiretime',
    arity: -5,
    ...meta(
      '7.4.0',
      'Returns the expiration time of a hash field as a Unix timestamp, in seconds.',
      ['readonly', 'fast'],
    ),
    handler: (c, a) => httl(c, a, 's', true),
  },
  {
    name: 'hpexpiretime',
    arity: -5,
    ...meta('7.4.0', 'Returns the expiration time of a hash field as a Unix timestamp, in msec.', [
      'readonly',
      'fast',
    ]),
    handler: (c, a) => httl(c, a, 'ms', true),
  },
  {
    name: 'hpersist',
    arity: -5,
    write: true,
    ...meta('7.4.0', 'Removes the expiration time for each specified field', ['write', 'fast']),
    handler: hpersist,
  },
  {
    name: 'hgetdel',
    arity: -5,
    write: true,
    ...meta('8.0.0', 'Returns the value of a field and deletes it from the hash.', [
      'write',
      'fast',
    ]),
    handler: hgetdel,
  },
  {
    name: 'hgetex',
    arity: -5,
    write: true,
    ...meta(
      '8.0.0',
      'Get the value of one or more fields of a given hash key, and optionally set their expiration.',
      ['write', 'fast'],
    ),
    handler: hgetex,
  },
  {
    name: 'hsetex',
    arity: -6,
    write: true,
    ...meta(
      '8.0.0',
      'Set the value of one or more fields of a given hash key, and optionally set their expiration.',
      ['write', 'denyoom', 'fast'],
    ),
    handler: hsetex,
  },
];

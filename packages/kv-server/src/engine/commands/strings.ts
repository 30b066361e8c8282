// String commands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX APPEND STRLEN
// GETRANGE SETRANGE INCR DECR INCRBY DECRBY INCRBYFLOAT. Values are latin1 strings (one char
// per byte), so every command is binary-safe.

import { bulk, ERRORS, fail, latin1, OK, type Reply } from '../../protocol/reply.ts';
import type { Database } from '../database.ts';
import { markRawString } from '../encoding.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';
import { checkGrowth } from '../evict.ts';
import { incrByFloat, int64Arg, integerReply, isIntegerText, parseInt64 } from '../parse.ts';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Redis's proto-max-bulk-len: no string may grow beyond 512 MB. */
const MAX_STRING_BYTES = 512 * 1024 * 1024;

function checkStringLength(size: number): void {
  if (size > MAX_STRING_BYTES) fail('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
}

/** An option word as C sees it: the text up to the first NUL byte. */
function option(arg: Buffer): string {
  const s = latin1(arg);
  const nul = s.indexOf('\0');
  return (nul >= 0 ? s.slice(0, nul) : s).toLowerCase();
}

interface StringArgs {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  /** The EX/PX/EXAT/PXAT option and its argument. */
  expire: { unit: 'ex' | 'px' | 'exat' | 'pxat'; arg: Buffer } | undefined;
}

/** Redis's parseExtendedStringArgumentsOrReply, for SET (from argv[3]) and GETEX (from argv[2]). */
function parseStringArgs(argv: Buffer[], command: 'set' | 'getex'): StringArgs {
  const args: StringArgs = {
    nx: false,
    xx: false,
    get: false,
    keepTtl: false,
    persist: false,
    expire: undefined,
  };
  const isSet = command === 'set';
  for (let j = isSet ? 3 : 2; j < argv.length; j++) {
    const opt = option(argv[j]!);
    const next = argv[j + 1];
    const unit = args.expire?.unit;
    if (opt === 'nx' && !args.xx && isSet) args.nx = true;
    else if (opt === 'xx' && !args.nx && isSet) args.xx = true;
    else if (opt === 'get' && isSet) args.get = true;
    else if (opt === 'keepttl' && !args.persist && unit === undefined && isSet) args.keepTtl = true;
    else if (opt === 'persist' && !isSet && unit === undefined && !args.keepTtl)
      args.persist = true;
    else if (
      (opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat') &&
      !args.keepTtl &&
      !args.persist &&
      (unit === undefined || unit === opt) &&
      next !== undefined
    ) {
      args.expire = { unit: opt, arg: next };
      j++;
    } else fail(ERRORS.syntax);
  }
  return args;
}

/** Redis's getExpireMillisecondsOrReply: the absolute expiry time in ms. */
function expireAt(
  ctx: CommandContext,
  expire: NonNullable<StringArgs['expire']>,
  name: string,
): number {
  const invalid = `ERR invalid expire time in '${name}' command`;
  let ms = int64Arg(expire.arg);
  const seconds = expire.unit === 'ex' || expire.unit === 'exat';
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) fail(invalid);
  if (seconds) ms *= 1000n;
  if (expire.unit === 'ex' || expire.unit === 'px') ms += BigInt(ctx.db.now());
  if (ms <= 0n || ms > INT64_MAX) fail(invalid);
  return Number(ms);
}

/**
 * SET key value, with no option: what `set` does for three arguments, from strings (the RESP
 * fast lane calls it with the arguments it read). Redis's setGenericCommand looks the key up
 * first in every case, so an expired key is collected (and counted) before it is replaced.
 */
export function setPlain(db: Database, key: string, value: string): Reply {
  db.setString(key, value);
  return OK;
}

/**
 * MSET's pairs from strings, `args[1]` to `args[count - 1]` (count odd: checked by callers),
 * each set as a plain SET sets it (Redis's setKey: the write lookup, then the overwrite). A
 * pair whose key the next pair sets again is skipped: the next one leaves the same value, TTL
 * and access data, and signals the key again, which is all WATCH, tracking and blocked clients
 * see (they react to a key once). Not under an LFU policy, where each lookup may raise the
 * key's counter (OBJECT FREQ shows it).
 */
export function msetPairs(db: Database, args: readonly string[], count: number): Reply {
  const skipRepeats = !db.memory.lfu;
  for (let i = 1; i < count; i += 2) {
    const key = args[i]!;
    if (skipRepeats && i + 2 < count && args[i + 2] === key) continue;
    db.setString(key, args[i + 1]!);
  }
  return OK;
}

function set(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length === 3) return setPlain(ctx.db, latin1(argv[1]!), latin1(argv[2]!));
  const args = parseStringArgs(argv, 'set');
  const key = latin1(argv[1]!);
  const at = args.expire === undefined ? undefined : expireAt(ctx, args.expire, 'set');
  let previous: Reply = null;
  if (args.get) {
    const old = ctx.db.lookupString(key);
    previous = old === undefined ? null : bulk(old);
  }
  const found = ctx.db.exists(key);
  if ((args.nx && found) || (args.xx && !found)) return args.get ? previous : null;
  ctx.db.set(key, latin1(argv[2]!), args.keepTtl);
  // Like Redis, a past EXAT/PXAT stores the key already expired rather than deleting it.
  if (at !== undefined) ctx.db.setExpire(key, at, false);
  return args.get ? previous : OK;
}

/** SETEX and PSETEX: SET with EX/PX, argument order key, time, value. */
function setWithExpire(name: 'setex' | 'psetex') {
  return (ctx: CommandContext, argv: Buffer[]): Reply => {
    const at = expireAt(ctx, { unit: name === 'setex' ? 'ex' : 'px', arg: argv[2]! }, name);
    const key = latin1(argv[1]!);
    ctx.db.set(key, latin1(argv[3]!));
    ctx.db.setExpire(key, at);
    return OK;
  };
}

function getex(ctx: CommandContext, argv: Buffer[]): Reply {
  const args = parseStringArgs(argv, 'getex');
  const key = latin1(argv[1]!);
  const value = ctx.db.lookupString(key);
  if (value === undefined) return null;
  if (args.expire !== undefined) {
    // Past EXAT/PXAT times delete the key; setExpire does that.
    ctx.db.setExpire(key, expireAt(ctx, args.expire, 'getex'));
  } else if (args.persist) {
    ctx.db.persist(key);
  }
  return bulk(value);
}

function mset(nx: boolean) {
  return (ctx: CommandContext, argv: Buffer[]): Reply => {
    if (argv.length % 2 === 0)
      fail(`ERR wrong number of arguments for '${nx ? 'msetnx' : 'mset'}' command`);
    if (nx) {
      for (let i = 1; i < argv.length; i += 2) if (ctx.db.exists(latin1(argv[i]!))) return 0;
    }
    if (!nx) return msetPairs(ctx.db, argv.map(latin1), argv.length);
    for (let i = 1; i < argv.length; i += 2) ctx.db.set(latin1(argv[i]!), latin1(argv[i + 1]!));
    return 1;
  };
}

/**
 * A counter short enough for exact number arithmetic, in Redis's syntax: at most 14 digits
 * after an optional '-' (`/^(0|-?[1-9][0-9]{0,13})$/`, without the regex).
 */
function isSmallInteger(s: string): boolean {
  const n = s.length;
  return (n < 15 || (n === 15 && s.charCodeAt(0) === 45)) && isIntegerText(s);
}

/**
 * INCR DECR INCRBY DECRBY. The TTL stays, as Redis overwrites the value in place. A `number`
 * increment (INCR and DECR's 1 and -1) adds without BigInt while the counter has at most 15
 * characters, far from int64's limits.
 */
export function incrBy(db: Database, key: string, by: bigint | number): Reply {
  const current = db.lookupString(key);
  if (typeof by === 'number') {
    if (current === undefined || isSmallInteger(current)) {
      const next = (current === undefined ? 0 : Number(current)) + by;
      db.set(key, String(next), true);
      return next;
    }
  }
  const increment = BigInt(by);
  let value = 0n;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === undefined) fail(ERRORS.notInteger);
    value = parsed;
  }
  if (
    (increment < 0n && value < 0n && increment < INT64_MIN - value) ||
    (increment > 0n && value > 0n && increment > INT64_MAX - value)
  ) {
    fail(ERRORS.overflow);
  }
  const result = value + increment;
  db.set(key, result.toString(), true);
  return integerReply(result);
}

function getrange(ctx: CommandContext, argv: Buffer[]): Reply {
  let start = int64Arg(argv[2]!);
  let end = int64Arg(argv[3]!);
  const value = ctx.db.lookupString(latin1(argv[1]!));
  if (value === undefined) return Buffer.alloc(0);
  const length = BigInt(value.length);
  if (start < 0n && end < 0n && start > end) return Buffer.alloc(0);
  if (start < 0n) start += length;
  if (end < 0n) end += length;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= length) end = length - 1n;
  if (start > end || length === 0n) return Buffer.alloc(0);
  return bulk(value.slice(Number(start), Number(end) + 1));
}

function setrange(ctx: CommandContext, argv: Buffer[]): Reply {
  const offsetBig = int64Arg(argv[2]!);
  if (offsetBig < 0n) fail('ERR offset is out of range');
  const key = latin1(argv[1]!);
  const patch = latin1(argv[3]!);
  const current = ctx.db.lookupString(key);
  if (current === undefined && patch.length === 0) return 0;
  if (current !== undefined && patch.length === 0) return current.length;
  if (offsetBig + BigInt(patch.length) > BigInt(MAX_STRING_BYTES)) checkStringLength(Infinity);
  const offset = Number(offsetBig);
  checkGrowth(ctx.db, offset + patch.length - (current?.length ?? 0));
  const base = current ?? '';
  const padded = base.length < offset ? base + '\0'.repeat(offset - base.length) : base;
  const next = padded.slice(0, offset) + patch + padded.slice(offset + patch.length);
  ctx.db.set(key, next, true);
  markRawString(ctx.engine, ctx.session.dbIndex, key); // OBJECT ENCODING: raw, as in Redis
  return next.length;
}

export const stringCommands: CommandSpec[] = [
  {
    name: 'get',
    arity: 2,
    handler: (ctx, argv) => {
      const value = ctx.db.lookupString(latin1(argv[1]!));
      return value === undefined ? null : bulk(value);
    },
  },
  { name: 'set', arity: -3, write: true, handler: set },
  {
    name: 'setnx',
    arity: 3,
    write: true,
    handler: (ctx, argv) => {
      const key = latin1(argv[1]!);
      if (ctx.db.exists(key)) return 0;
      ctx.db.set(key, latin1(argv[2]!));
      return 1;
    },
  },
  { name: 'setex', arity: 4, write: true, handler: setWithExpire('setex') },
  { name: 'psetex', arity: 4, write: true, handler: setWithExpire('psetex') },
  {
    name: 'mget',
    arity: -2,
    handler: (ctx, argv) =>
      argv.slice(1).map((arg) => {
        const value = ctx.db.lookup(latin1(arg));
        return typeof value === 'string' ? bulk(value) : null;
      }),
  },
  { name: 'mset', arity: -3, write: true, handler: mset(false) },
  { name: 'msetnx', arity: -3, write: true, handler: mset(true) },
  {
    name: 'getset',
    arity: 3,
    write: true,
    handler: (ctx, argv) => {
      const key = latin1(argv[1]!);
      const old = ctx.db.lookupString(key);
      ctx.db.set(key, latin1(argv[2]!));
      return old === undefined ? null : bulk(old);
    },
  },
  {
    name: 'getdel',
    arity: 2,
    write: true,
    handler: (ctx, argv) => {
      const key = latin1(argv[1]!);
      const value = ctx.db.lookupString(key);
      if (value === undefined) return null;
      ctx.db.delete(key);
      return bulk(value);
    },
  },
  { name: 'getex', arity: -2, write: true, handler: getex },
  {
    name: 'append',
    arity: 3,
    write: true,
    handler: (ctx, argv) => {
      const key = latin1(argv[1]!);
      const existing = ctx.db.lookupString(key);
      const current = existing ?? '';
      checkStringLength(current.length + argv[2]!.length);
      checkGrowth(ctx.db, argv[2]!.length);
      const next = current + latin1(argv[2]!);
      ctx.db.set(key, next, true);
      // Appending to an existing string changes it in place: Redis's encoding is raw from then.
      if (existing !== undefined) markRawString(ctx.engine, ctx.session.dbIndex, key);
      return next.length;
    },
  },
  {
    name: 'strlen',
    arity: 2,
    handler: (ctx, argv) => ctx.db.lookupString(latin1(argv[1]!))?.length ?? 0,
  },
  { name: 'getrange', arity: 4, handler: getrange },
  { name: 'setrange', arity: 4, write: true, handler: setrange },
  {
    name: 'incr',
    arity: 2,
    write: true,
    handler: (ctx, argv) => incrBy(ctx.db, latin1(argv[1]!), 1),
  },
  {
    name: 'decr',
    arity: 2,
    write: true,
    handler: (ctx, argv) => incrBy(ctx.db, latin1(argv[1]!), -1),
  },
  {
    name: 'incrby',
    arity: 3,
    write: true,
    handler: (ctx, argv) => incrBy(ctx.db, latin1(argv[1]!), int64Arg(argv[2]!)),
  },
  {
    name: 'decrby',
    arity: 3,
    write: true,
    handler: (ctx, argv) => {
      const decrement = int64Arg(argv[2]!);
      if (decrement === INT64_MIN) fail('ERR decrement would overflow');
      return incrBy(ctx.db, latin1(argv[1]!), -decrement);
    },
  },
  {
    name: 'incrbyfloat',
    arity: 3,
    write: true,
    handler: (ctx, argv) => {
      const key = latin1(argv[1]!);
      const next = incrByFloat(ctx.db.lookupString(key), argv[2]!);
      ctx.db.set(key, next, true);
      return bulk(next);
    },
  },
];

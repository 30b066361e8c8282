// Commands about keys of any type: DEL UNLINK EXISTS TYPE KEYS SCAN RENAME RENAMENX RANDOMKEY,
// and expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST.

import {
  bulk,
  cText,
  ERRORS,
  fail,
  latin1,
  OK,
  type Reply,
  SimpleString,
} from '../../protocol/reply.ts';
import { typeOf } from '../database.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';
import { globMatch } from '../glob.ts';
import { parseInt64 } from '../parse.ts';
import { parseScanCursor, parseScanOptions, scanReply } from '../scan.ts';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function del(ctx: CommandContext, argv: Buffer[]): Reply {
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.db.delete(latin1(argv[i]!))) deleted++;
  return deleted;
}

function keys(ctx: CommandContext, argv: Buffer[]): Reply {
  const pattern = latin1(argv[1]!);
  const out: Buffer[] = [];
  for (const key of ctx.db.keys()) if (globMatch(pattern, key)) out.push(bulk(key));
  return out;
}

function scan(ctx: CommandContext, argv: Buffer[]): Reply {
  const cursor = parseScanCursor(argv[1]!);
  const options = parseScanOptions(argv, 2, true);
  const step = ctx.engine.cursors.step(ctx.db, cursor, options.count, () => ctx.db.rawKeys());
  const out: Buffer[] = [];
  for (const key of step.items) {
    if (options.match !== undefined && !globMatch(options.match, key)) continue;
    const value = ctx.db.lookup(key); // deletes the key if it expired
    if (value === undefined) continue;
    if (options.type !== undefined && typeOf(value) !== options.type) continue;
    out.push(bulk(key));
  }
  return scanReply(step.cursor, out);
}

function rename(nx: boolean) {
  return (ctx: CommandContext, argv: Buffer[]): Reply => {
    const from = latin1(argv[1]!);
    const to = latin1(argv[2]!);
    const value = ctx.db.lookup(from);
    if (value === undefined) fail(ERRORS.noSuchKey);
    if (from === to) return nx ? 0 : OK;
    const expiresAt = ctx.db.getExpire(from);
    if (ctx.db.exists(to)) {
      if (nx) return 0;
      ctx.db.delete(to);
    }
    ctx.db.delete(from);
    ctx.db.set(to, value);
    if (expiresAt !== undefined) ctx.db.setExpire(to, expiresAt);
    return nx ? 1 : OK;
  };
}

type ExpireFlag = 'nx' | 'xx' | 'gt' | 'lt';

/** EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, following Redis's expireGenericCommand step by step. */
function expire(name: string, unitMs: 1 | 1000, absolute: boolean) {
  const invalid = `ERR invalid expire time in '${name}' command`;
  return (ctx: CommandContext, argv: Buffer[]): Reply => {
    const flags = new Set<ExpireFlag>();
    for (let i = 3; i < argv.length; i++) {
      const option = cText(argv[i]!);
      const flag = option.toLowerCase();
      if (flag !== 'nx' && flag !== 'xx' && flag !== 'gt' && flag !== 'lt') {
        fail(`ERR Unsupported option ${option}`);
      }
      flags.add(flag);
    }
    if (flags.has('nx') && (flags.has('xx') || flags.has('gt') || flags.has('lt'))) {
      fail('ERR NX and XX, GT or LT options at the same time are not compatible');
    }
    if (flags.has('gt') && flags.has('lt')) {
      fail('ERR GT and LT options at the same time are not compatible');
    }
    const amount = parseInt64(argv[2]!);
    if (amount === undefined) fail(ERRORS.notInteger);
    let when = amount;
    if (unitMs === 1000) {
      if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) fail(invalid);
      when *= 1000n;
    }
    const base = absolute ? 0n : BigInt(ctx.db.now());
    if (when > INT64_MAX - base) fail(invalid);
    when += base;

    const key = latin1(argv[1]!);
    if (!ctx.db.exists(key)) return 0;
    const current = ctx.db.getExpire(key);
    if (flags.has('nx') && current !== undefined) return 0;
    if (flags.has('xx') && current === undefined) return 0;
    // No TTL counts as an infinite one: GT always fails on it, LT always succeeds.
    if (flags.has('gt') && (current === undefined || when <= BigInt(current))) return 0;
    if (flags.has('lt') && current !== undefined && when >= BigInt(current)) return 0;
    // A time in the past deletes the key (setExpire does that).
    ctx.db.setExpire(key, Number(when));
    return 1;
  };
}

/** TTL PTTL EXPIRETIME PEXPIRETIME. */
function ttl(outputMs: boolean, absolute: boolean) {
  return (ctx: CommandContext, argv: Buffer[]): Reply => {
    const key = latin1(argv[1]!);
    if (!ctx.db.exists(key)) return -2;
    const at = ctx.db.getExpire(key);
    if (at === undefined) return -1;
    const value = Math.max(0, absolute ? at : at - ctx.db.now());
    return outputMs ? value : Math.floor((value + 500) / 1000);
  };
}

export const keyspaceCommands: CommandSpec[] = [
  { name: 'del', arity: -2, write: true, handler: del },
  { name: 'unlink', arity: -2, write: true, handler: del },
  {
    name: 'exists',
    arity: -2,
    handler: (ctx, argv) => {
      let count = 0;
      for (let i = 1; i < argv.length; i++) if (ctx.db.exists(latin1(argv[i]!))) count++;
      return count;
    },
  },
  {
    name: 'type',
    arity: 2,
    handler: (ctx, argv) => {
      const value = ctx.db.lookup(latin1(argv[1]!));
      return new SimpleString(value === undefined ? 'none' : typeOf(value));
    },
  },
  { name: 'keys', arity: 2, handler: keys },
  { name: 'scan', arity: -2, handler: scan },
  { name: 'rename', arity: 3, write: true, handler: rename(false) },
  { name: 'renamenx', arity: 3, write: true, handler: rename(true) },
  {
    name: 'randomkey',
    arity: 1,
    handler: (ctx) => {
      const key = ctx.db.randomKey();
      return key === undefined ? null : bulk(key);
    },
  },
  { name: 'expire', arity: -3, write: true, handler: expire('expire', 1000, false) },
  { name: 'pexpire', arity: -3, write: true, handler: expire('pexpire', 1, false) },
  { name: 'expireat', arity: -3, write: true, handler: expire('expireat', 1000, true) },
  { name: 'pexpireat', arity: -3, write: true, handler: expire('pexpireat', 1, true) },
  { name: 'ttl', arity: 2, handler: ttl(false, false) },
  { name: 'pttl', arity: 2, handler: ttl(true, false) },
  { name: 'expiretime', arity: 2, handler: ttl(false, true) },
  { name: 'pexpiretime', arity: 2, handler: ttl(true, true) },
  {
    name: 'persist',
    arity: 2,
    write: true,
    handler: (ctx, argv) => (ctx.db.persist(latin1(argv[1]!)) ? 1 : 0),
  },
];

// BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP: the blocking forms of the list
// and sorted-set pops. Each answers at once when it can (through the plain command's own
// handler, so replies stay identical, RESP3 included); otherwise it blocks (../blocking.ts), or
// inside MULTI/EXEC and scripts returns its timeout reply at once, as Redis does.

import {
  bulk,
  ERRORS,
  ErrorReply,
  fail,
  latin1,
  NULL_ARRAY,
  type Reply,
} from '../../protocol/reply.ts';
import { type BlockRequest, blockingOf, parseTimeout } from '../blocking.ts';
import { type Database, typeOf } from '../database.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';
import { keyword, mpopArgs } from './collections.ts';

/** Runs a plain command's handler (LPOP for BLPOP ...) with the blocked client's context. */
function call(ctx: CommandContext, name: string, args: (string | Buffer)[]): Reply {
  const spec = ctx.engine.command(name);
  if (spec === undefined) throw new Error(`kv-server: ${name} is missing from the command table`);
  const argv = [Buffer.from(name), ...args.map((a) => (typeof a === 'string' ? bulk(a) : a))];
  return spec.handler(ctx, argv);
}

/**
 * Whether `key` can serve a client waiting for `type`: true when it holds that type, false when
 * it is missing; a key of another type is WRONGTYPE on the first try (`strict`) and "keep
 * waiting" once blocked (Redis ignores a blocked key that turned into another type).
 */
function holds(db: Database, key: string, type: 'list' | 'zset', strict: boolean): boolean {
  const value = db.lookup(key);
  if (value === undefined) return false;
  if (typeOf(value) === type) return true;
  if (strict) fail(ERRORS.wrongType);
  return false;
}

/**
 * The context to serve a blocked client in: its database as it is now (after SWAPDB the
 * connection's index shows the other data, as in Redis).
 */
function live(ctx: CommandContext): CommandContext {
  return { ...ctx, db: ctx.engine.databases[ctx.session.dbIndex] ?? ctx.db };
}

/** Nothing to answer now: block (top-level command) or answer the timeout reply at once. */
function blockOrTimeout(
  ctx: CommandContext,
  argv: Buffer[],
  request: Omit<BlockRequest, 'db'>,
  /** The answer inside MULTI/EXEC and scripts, when it differs from the timeout reply. */
  immediate: Reply = request.timeoutReply,
): Reply {
  const blocking = blockingOf(ctx.engine);
  if (blocking.canBlock(ctx.session, argv)) {
    blocking.block(ctx.session, { ...request, db: ctx.session.dbIndex });
  }
  return immediate;
}

/**
 * BLPOP BRPOP BZPOPMIN BZPOPMAX key [key ...] timeout: the first key that holds a `type` answers
 * [key, ...what `take` pops from it].
 */
function firstKeyPop(type: 'list' | 'zset', take: (now: CommandContext, key: string) => Reply[]) {
  return (ctx: CommandContext, argv: Buffer[]): Reply => {
    const timeoutMs = parseTimeout(argv[argv.length - 1]!);
    const keys = argv.slice(1, -1).map(latin1);
    const serve = (key: string, strict: boolean): Reply | undefined => {
      const now = live(ctx);
      if (!holds(now.db, key, type, strict)) return undefined;
      return [bulk(key), ...take(now, key)];
    };
    for (const key of keys) {
      const reply = serve(key, true);
      if (reply !== undefined) return reply;
    }
    return blockOrTimeout(ctx, argv, {
      keys,
      timeoutMs,
      timeoutReply: NULL_ARRAY,
      serve: (key) => serve(key, false),
    });
  };
}

/** BLPOP / BRPOP: [key, element]. */
function bpop(pop: 'lpop' | 'rpop') {
  return firstKeyPop('list', (now, key) => [call(now, pop, [key])]);
}

function endArg(arg: Buffer): 'left' | 'right' {
  const word = keyword(arg);
  if (word === 'left' || word === 'right') return word;
  return fail(ERRORS.syntax);
}

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout, and BRPOPLPUSH (RIGHT LEFT). */
function bmove(ctx: CommandContext, argv: Buffer[], rpoplpush: boolean): Reply {
  const from = rpoplpush ? 'right' : endArg(argv[3]!);
  const to = rpoplpush ? 'left' : endArg(argv[4]!);
  const timeoutMs = parseTimeout(argv[argv.length - 1]!);
  const source = latin1(argv[1]!);
  const destination = latin1(argv[2]!);
  const move = () => call(live(ctx), 'lmove', [source, destination, from, to]);
  if (holds(ctx.db, source, 'list', true)) return move();
  // Redis 7 quirk, kept: a BLMOVE that times out answers the nil array (*-1), one that cannot
  // block (MULTI, scripts) the nil string ($-1).
  return blockOrTimeout(
    ctx,
    argv,
    {
      keys: [source],
      timeoutMs,
      timeoutReply: NULL_ARRAY,
      serve: (key) => {
        const db = live(ctx).db;
        if (!holds(db, key, 'list', false)) return undefined;
        // A destination of another type: Redis 7 unblocks the client with WRONGTYPE.
        const target = db.lookup(destination);
        if (target !== undefined && typeOf(target) !== 'list') {
          return new ErrorReply(ERRORS.wrongType);
        }
        return move();
      },
    },
    null,
  );
}

/** BZPOPMIN / BZPOPMAX: [key, member, score]. */
function bzpop(pop: 'zpopmin' | 'zpopmax') {
  return firstKeyPop('zset', (now, key) => {
    // ZPOPMIN's one pair, flat ([member, score]) or nested ([[member, score]]).
    const flat = call(now, pop, [key]) as Reply[];
    return (Array.isArray(flat[0]) ? flat[0] : flat) as Reply[];
  });
}

/** BLMPOP / BZMPOP timeout numkeys key [key ...] <where> [COUNT count]. */
function bmpop(pop: 'lmpop' | 'zmpop') {
  const type = pop === 'lmpop' ? 'list' : 'zset';
  const wheres = pop === 'lmpop' ? (['left', 'right'] as const) : (['min', 'max'] as const);
  return (ctx: CommandContext, argv: Buffer[]): Reply => {
    const timeoutMs = parseTimeout(argv[1]!);
    const { keys, where, count } = mpopArgs(argv.slice(1), wheres as readonly string[]);
    const popFrom = (key: string) =>
      call(live(ctx), pop, ['1', key, where, 'COUNT', String(count)]);
    for (const key of keys) {
      if (holds(ctx.db, key, type, true)) return popFrom(key);
    }
    return blockOrTimeout(ctx, argv, {
      keys,
      timeoutMs,
      timeoutReply: NULL_ARRAY,
      serve: (key) => (holds(live(ctx).db, key, type, false) ? popFrom(key) : undefined),
    });
  };
}

export const blockingCommands: CommandSpec[] = [
  { name: 'blpop', arity: -3, write: true, handler: bpop('lpop') },
  { name: 'brpop', arity: -3, write: true, handler: bpop('rpop') },
  { name: 'blmove', arity: 6, write: true, handler: (ctx, argv) => bmove(ctx, argv, false) },
  { name: 'brpoplpush', arity: 4, write: true, handler: (ctx, argv) => bmove(ctx, argv, true) },
  { name: 'blmpop', arity: -5, write: true, handler: bmpop('lmpop') },
  { name: 'bzpopmin', arity: -3, write: true, handler: bzpop('zpopmin') },
  { name: 'bzpopmax', arity: -3, write: true, handler: bzpop('zpopmax') },
  { name: 'bzmpop', arity: -5, write: true, handler: bmpop('zmpop') },
];

// The sixteen databases: SELECT MOVE SWAPDB FLUSHDB FLUSHALL. A session's database is its
// `dbIndex`; every command runs on `engine.databases[session.dbIndex]`.

import { cText, ERRORS, fail, latin1, OK, type Reply } from '../../protocol/reply.ts';
import { blockingOf } from '../blocking.ts';
import { forgetRawStrings } from '../encoding.ts';
import { type CommandContext, type CommandSpec, DATABASE_COUNT } from '../engine.ts';
import { parseInteger } from '../parse.ts';
import { trackingOf } from '../tracking.ts';

const OUT_OF_RANGE = 'ERR DB index is out of range';

/** Redis's getIntFromObjectOrReply: an int, with `message` (or Redis's default) when it is not. */
function intArg(arg: Buffer, message?: string): number {
  const n = parseInteger(arg);
  if (n === undefined) fail(message ?? ERRORS.notInteger);
  if (n < -(2 ** 31) || n >= 2 ** 31) {
    fail(message ?? 'ERR value is out of range, value must between -2147483648 and 2147483647');
  }
  return n;
}

function dbIndexArg(arg: Buffer, message?: string): number {
  const index = intArg(arg, message);
  if (index < 0 || index >= DATABASE_COUNT) fail(OUT_OF_RANGE);
  return index;
}

function flushArgs(argv: Buffer[]): void {
  // FLUSHDB/FLUSHALL [ASYNC|SYNC]: both run synchronously here; the reply is the same.
  if (argv.length > 2) fail(ERRORS.syntax);
  const mode = argv[1] === undefined ? 'sync' : cText(argv[1]).toLowerCase();
  if (mode !== 'sync' && mode !== 'async') fail(ERRORS.syntax);
}

function flushdb(ctx: CommandContext, argv: Buffer[]): Reply {
  flushArgs(argv);
  ctx.db.flush();
  // A client blocked on a stream of this database learns its key is gone (Redis 7.0's
  // scanDatabaseForDeletedStreams); list and zset waiters look, find nothing and keep waiting.
  blockingOf(ctx.engine).signalDatabase(ctx.session.dbIndex);
  ctx.engine.cursors.clear();
  trackingOf(ctx.engine).flushed();
  forgetRawStrings(ctx.engine);
  return OK;
}

function flushall(ctx: CommandContext, argv: Buffer[]): Reply {
  flushArgs(argv);
  for (const db of ctx.engine.databases) db.flush();
  for (let i = 0; i < ctx.engine.databases.length; i++) blockingOf(ctx.engine).signalDatabase(i);
  ctx.engine.cursors.clear();
  trackingOf(ctx.engine).flushed();
  forgetRawStrings(ctx.engine);
  return OK;
}

function select(ctx: CommandContext, argv: Buffer[]): Reply {
  const index = dbIndexArg(argv[1]!);
  ctx.session.dbIndex = index;
  if (ctx.session.client) ctx.session.client.db = index;
  return OK;
}

function move(ctx: CommandContext, argv: Buffer[]): Reply {
  const target = dbIndexArg(argv[2]!);
  if (target === ctx.session.dbIndex) fail('ERR source and destination objects are the same');
  const key = latin1(argv[1]!);
  const value = ctx.db.lookup(key);
  if (value === undefined) return 0;
  const dst = ctx.engine.databases[target]!;
  if (dst.exists(key)) return 0;
  const expiresAt = ctx.db.getExpire(key);
  dst.set(key, value);
  if (expiresAt !== undefined) dst.setExpire(key, expiresAt, false);
  ctx.db.delete(key);
  return 1;
}

function swapdb(ctx: CommandContext, argv: Buffer[]): Reply {
  const a = intArg(argv[1]!, 'ERR invalid first DB index');
  const b = intArg(argv[2]!, 'ERR invalid second DB index');
  if (a < 0 || a >= DATABASE_COUNT || b < 0 || b >= DATABASE_COUNT) fail(OUT_OF_RANGE);
  ctx.engine.swapDatabases(a, b);
  forgetRawStrings(ctx.engine);
  return OK;
}

export const databaseCommands: CommandSpec[] = [
  { name: 'select', arity: 2, handler: select },
  { name: 'move', arity: 3, write: true, handler: move },
  { name: 'swapdb', arity: 3, write: true, handler: swapdb },
  { name: 'flushdb', arity: -1, write: true, handler: flushdb },
  { name: 'flushall', arity: -1, write: true, handler: flushall },
];

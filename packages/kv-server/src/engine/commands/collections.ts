// What the collection families (hashes, lists, sets, sorted sets) share: the HSCAN/SSCAN/ZSCAN
// walk, random picks (HRANDFIELD, SRANDMEMBER, SPOP, ZRANDMEMBER) and bounded integer arguments.

import { cText, ERRORS, fail, latin1, type Reply } from '../../protocol/reply.ts';
import type { Collection } from '../database.ts';
import type { CommandContext } from '../engine.ts';
import { globMatch } from '../glob.ts';
import { integerArg, parseInt64 } from '../parse.ts';
import { emptyScanReply, parseScanCursor, parseScanOptions, scanReply } from '../scan.ts';

/** How HSCAN, SSCAN and ZSCAN walk their collection. */
export interface CollectionScan<C, T> {
  /** A small collection (Redis's listpack or intset) is returned whole, with cursor 0. */
  compact: (collection: C) => boolean;
  /** A live iterator (a Map's or a Set's) so a cursor can resume it after changes. */
  items: (collection: C) => Iterator<T>;
  /** The text MATCH applies to. */
  name: (item: T) => string;
  reply: (item: T) => Buffer[];
}

/** HSCAN, SSCAN and ZSCAN: `<cmd> key cursor [MATCH pattern] [COUNT count]`. */
export function scanCollection<C extends Collection, T>(
  { db, engine }: CommandContext,
  argv: Buffer[],
  typeName: C['typeName'],
  walk: CollectionScan<C, T>,
): Reply {
  const cursor = parseScanCursor(argv[2]!);
  const collection = db.lookupCollection<C>(latin1(argv[1]!), typeName);
  if (collection === undefined) return emptyScanReply();
  const { match, count } = parseScanOptions(argv, 3, false);
  let next = '0';
  let items: T[];
  if (walk.compact(collection)) {
    items = [];
    const iterator = walk.items(collection);
    for (let item = iterator.next(); !item.done; item = iterator.next()) items.push(item.value);
  } else {
    ({ cursor: next, items } = engine.cursors.step(collection, cursor, count, () =>
      walk.items(collection),
    ));
  }
  const out: Buffer[] = [];
  for (const item of items) {
    if (match === undefined || globMatch(match, walk.name(item))) out.push(...walk.reply(item));
  }
  return scanReply(next, out);
}

/**
 * Redis answers a negative count with that many picks, repeats allowed, however large. A reply
 * of billions of elements would take this process down with it, so past this it refuses.
 */
export const MAX_RANDOM_PICKS = 10_000_000;

/**
 * `count` picks from `items`: distinct ones (at most all of them) for a positive count, `-count`
 * picks with repeats for a negative one. Shuffles `items` in place.
 */
export function randomPicks<T>(items: T[], count: number): T[] {
  if (count < 0) {
    if (-count > MAX_RANDOM_PICKS) {
      fail(`ERR count ${-count} is too large for this server (at most ${MAX_RANDOM_PICKS} picks)`);
    }
    return Array.from(
      { length: -count },
      () => items[Math.floor(Math.random() * items.length)] as T,
    );
  }
  // A partial Fisher-Yates shuffle: the first n slots end up a uniform sample.
  const n = Math.min(count, items.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (items.length - i));
    const picked = items[j] as T;
    items[j] = items[i] as T;
    items[i] = picked;
  }
  return items.slice(0, n);
}

/** One uniform pick from a non-empty iterable of `size` items, without copying it. */
export function randomPick<T>(items: Iterable<T>, size: number): T {
  let skip = Math.floor(Math.random() * size);
  for (const item of items) if (skip-- === 0) return item;
  throw new Error('randomPick: fewer items than announced');
}

const LONG_MAX = 9223372036854775807n;

/**
 * The count (and optional flag, WITHVALUES or WITHSCORES) of HRANDFIELD, ZRANDMEMBER and
 * SRANDMEMBER (no flag), checked in Redis's order and with its errors: the count is read in
 * [-LONG_MAX, LONG_MAX] (half that with the flag) so negating it cannot overflow.
 */
export function randomCountArgs(
  argv: Buffer[],
  flag: string | undefined,
): { count: number; withFlag: boolean } {
  if (flag === undefined && argv.length > 3) fail(ERRORS.syntax);
  const raw = parseInt64(argv[2]!);
  if (raw === undefined) fail(ERRORS.notInteger);
  if (raw < -LONG_MAX) {
    fail(`ERR value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`);
  }
  if (argv.length > 4 || (argv.length === 4 && keyword(argv[3]!) !== flag)) {
    fail(ERRORS.syntax);
  }
  const withFlag = argv.length === 4;
  if (withFlag && (raw < -LONG_MAX / 2n || raw > LONG_MAX / 2n)) fail('ERR value is out of range');
  return { count: Number(raw), withFlag };
}

// Redis's texts for a count out of its range (getPositiveLongFromObjectOrReply and friends).
export const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
export const NUMKEYS_POSITIVE = 'ERR numkeys should be greater than 0';
export const COUNT_POSITIVE = 'ERR count should be greater than 0';

/**
 * Redis's getRangeLongFromObjectOrReply with a message: an integer of at least `min`, and the
 * same `message` for garbage and for a value out of range.
 */
export function integerAtLeast(arg: Buffer, min: number, message: string): number {
  const value = integerArg(arg, message);
  if (value < min) fail(message);
  return value;
}

/**
 * An option word as Redis compares it (strcasecmp on a C string): lower-cased, and ending at
 * its first NUL byte, so `NX\0junk` is NX.
 */
export function keyword(arg: Buffer): string {
  return cText(arg).toLowerCase();
}

/**
 * Redis's inclusive, possibly negative [start, end] ranks (LRANGE, LTRIM, ZRANGE...) as
 * [from, to) within a collection of `length`: negatives count from the end, then both are
 * clamped; an empty range is [0, 0].
 */
export function rankRange(start: number, end: number, length: number): [number, number] {
  let from = start < 0 ? length + start : start;
  let to = end < 0 ? length + end : end;
  if (from < 0) from = 0;
  if (from > to || from >= length) return [0, 0];
  if (to >= length) to = length - 1;
  return [from, to + 1];
}

/**
 * LMPOP and ZMPOP's arguments, `numkeys key [key ...] <where> [COUNT count]`, checked in
 * Redis's order: the keys, the `where` word (one of `wheres`, else a syntax error), the count.
 */
export function mpopArgs<W extends string>(
  argv: Buffer[],
  wheres: readonly W[],
): { keys: string[]; where: W; count: number } {
  const numkeys = integerAtLeast(argv[1]!, 1, NUMKEYS_POSITIVE);
  const whereIndex = 2 + numkeys;
  if (whereIndex >= argv.length) fail(ERRORS.syntax);
  const where = keyword(argv[whereIndex]!) as W;
  if (!wheres.includes(where)) fail(ERRORS.syntax);
  let count: number | undefined;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === undefined && keyword(argv[j]!) === 'count' && more > 0) {
      count = integerAtLeast(argv[++j]!, 1, COUNT_POSITIVE);
    } else {
      fail(ERRORS.syntax);
    }
  }
  return { keys: argv.slice(2, whereIndex).map(latin1), where, count: count ?? 1 };
}

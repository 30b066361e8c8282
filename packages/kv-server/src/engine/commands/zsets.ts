// Sorted sets: ZADD, ZRANGE (by rank, score and lex), ZPOPMIN, ZSCAN... with Redis 7.0 replies
// and error texts.

import {
  bulk,
  DoubleReply,
  ERRORS,
  fail,
  latin1,
  NULL_ARRAY,
  type Reply,
} from '../../protocol/reply.ts';
import type { Collection, Database, Value } from '../database.ts';
import type { CommandSpec } from '../engine.ts';
import { MAP_ENTRY_BYTES, OBJECT_BYTES, stringBytes } from '../memory.ts';
import { formatDouble, integerArg, parseDouble, parseStrtod } from '../parse.ts';
import {
  integerAtLeast,
  keyword,
  MUST_BE_POSITIVE,
  mpopArgs,
  randomCountArgs,
  randomPicks,
  rankRange,
  scanCollection,
} from './collections.ts';
import type { SetValue } from './sets.ts';

// Redis keeps a small sorted set as a listpack and converts it for good to a skip list past
// these limits (zset-max-listpack-*). Visible differences: ZSCAN returns a listpack whole, and
// a listpack stores -0 as 0.
const COMPACT_MAX_ENTRIES = 128;
const COMPACT_MAX_VALUE = 64;

interface Entry {
  readonly member: string;
  readonly score: number;
}

/** Redis's order: by score, then by member bytewise (latin1 strings compare byte by byte). */
function before(a: Entry, score: number, member: string): boolean {
  return a.score < score || (a.score === score && a.member < member);
}

interface SkipNode extends Entry {
  /** next[i]: the following node at level i; span[i]: how many ranks that link skips. */
  readonly next: (SkipNode | null)[];
  readonly span: number[];
}

const MAX_LEVEL = 32;

// Memory estimates (see memory.ts): a node is an object with a boxed score and two arrays sized
// by its level (1.33 on average), measured at about 200 bytes; its score is boxed again in the
// Map. Every sorted set also has a full-height head node and two scratch arrays.
const ENTRY_BYTES = 200 + MAP_ENTRY_BYTES + 16;
const SKIP_HEAD_BYTES = 1300;

function node(member: string, score: number, level: number): SkipNode {
  return { member, score, next: new Array(level).fill(null), span: new Array(level).fill(0) };
}

/**
 * Redis's skip list, spans included: every level's links record how many entries they skip, so
 * the rank of an entry, the entry at a rank and the start of a score or lex range are all
 * O(log n), and a range is then read by walking level 0. (A sorted array with binary search was
 * the first version: simpler, but each insert moves half the array, 300 us per ZADD at 100k
 * members against about 1 us here.)
 */
class SkipList {
  private readonly head = node('', Number.NEGATIVE_INFINITY, MAX_LEVEL);
  private level = 1;
  length = 0;
  /** Scratch space for insert and delete: the last node before the new one on each level. */
  private readonly update = new Array<SkipNode>(MAX_LEVEL);
  private readonly rank = new Array<number>(MAX_LEVEL);

  insert(member: string, score: number): void {
    const { update, rank } = this;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : (rank[i + 1] as number);
      for (let n = x.next[i]; n && before(n, score, member); n = x.next[i]) {
        rank[i] = (rank[i] as number) + (x.span[i] as number);
        x = n;
      }
      update[i] = x;
    }
    let level = 1;
    while (level < MAX_LEVEL && Math.random() < 0.25) level++;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        this.head.span[i] = this.length;
      }
      this.level = level;
    }
    const added = node(member, score, level);
    const rank0 = rank[0] as number;
    for (let i = 0; i < level; i++) {
      const u = update[i] as SkipNode;
      added.next[i] = u.next[i] as SkipNode | null;
      u.next[i] = added;
      added.span[i] = (u.span[i] as number) - (rank0 - (rank[i] as number));
      u.span[i] = rank0 - (rank[i] as number) + 1;
    }
    for (let i = level; i < this.level; i++) {
      const u = update[i] as SkipNode;
      u.span[i] = (u.span[i] as number) + 1;
    }
    this.length++;
  }

  delete(member: string, score: number): boolean {
    const { update } = this;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = x.next[i]; n && before(n, score, member); n = x.next[i]) x = n;
      update[i] = x;
    }
    const target = x.next[0];
    if (!target || target.score !== score || target.member !== member) return false;
    for (let i = 0; i < this.level; i++) {
      const u = update[i] as SkipNode;
      if (u.next[i] === target) {
        u.span[i] = (u.span[i] as number) + (target.span[i] as number) - 1;
        u.next[i] = target.next[i] as SkipNode | null;
      } else {
        u.span[i] = (u.span[i] as number) - 1;
      }
    }
    while (this.level > 1 && this.head.next[this.level - 1] === null) this.level--;
    this.length--;
    return true;
  }

  /** How many entries in a row, from the first, satisfy `test` (true up to a point, then false). */
  countWhile(test: (entry: Entry) => boolean): number {
    let x = this.head;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = x.next[i]; n && test(n); n = x.next[i]) {
        rank += x.span[i] as number;
        x = n;
      }
    }
    return rank;
  }

  /** The node at 0-based `rank`, or null past the end. */
  at(rank: number): SkipNode | null {
    if (rank < 0 || rank >= this.length) return null;
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = x.next[i]; n && traversed + (x.span[i] as number) <= rank + 1; n = x.next[i]) {
        traversed += x.span[i] as number;
        x = n;
      }
      if (traversed === rank + 1) return x;
    }
    return null;
  }

  *values(): IterableIterator<Entry> {
    for (let n = this.head.next[0]; n; n = n.next[0]) yield n;
  }
}

/** member -> score in a Map (ZSCORE in O(1)), and every entry in a skip list, in order. */
export class ZSetValue implements Collection {
  readonly typeName = 'zset';
  readonly scores = new Map<string, number>();
  private readonly list = new SkipList();
  /** Still what Redis would keep as a listpack; once false, stays false (as in Redis). */
  compact = true;
  /** Estimated bytes (see memory.ts), kept up to date by `set` and `delete`. */
  private bytes = 2 * OBJECT_BYTES + SKIP_HEAD_BYTES;

  get size(): number {
    return this.list.length;
  }

  memoryUsage(): number {
    return this.bytes;
  }

  toSnapshot(): { compact: boolean; entries: [string, number | string][] } {
    // JSON has no infinities and writes -0 as 0: those travel as strings.
    return {
      compact: this.compact,
      entries: [...this.list.values()].map((e) => [
        e.member,
        Object.is(e.score, -0) ? '-0' : Number.isFinite(e.score) ? e.score : String(e.score),
      ]),
    };
  }

  /** Every entry in order. */
  values(): IterableIterator<Entry> {
    return this.list.values();
  }

  /** Index of the first entry for which `isBefore(entry)` is false (entries before it all pass). */
  partition(isBefore: (entry: Entry) => boolean): number {
    return this.list.countWhile(isBefore);
  }

  rank(member: string): number | undefined {
    const score = this.scores.get(member);
    if (score === undefined) return undefined;
    return this.list.countWhile((e) => before(e, score, member));
  }

  /** The entries from rank `from` to `to` (exclusive), both within bounds. */
  range(from: number, to: number): Entry[] {
    const out: Entry[] = [];
    for (let n = this.list.at(from); n && out.length < to - from; n = n.next[0] ?? null) {
      out.push(n);
    }
    return out;
  }

  /** Adds or moves `member` to `score`. */
  set(member: string, score: number): void {
    const old = this.scores.get(member);
    if (
      this.compact &&
      ((old === undefined && this.size >= COMPACT_MAX_ENTRIES) || member.length > COMPACT_MAX_VALUE)
    ) {
      this.compact = false;
    }
    // A listpack stores the score as text and reads -0 back as 0.
    const stored = this.compact && score === 0 ? 0 : score;
    if (old !== undefined) {
      if (Object.is(old, stored)) return;
      this.list.delete(member, old);
    }
    this.scores.set(member, stored);
    this.list.insert(member, stored);
    if (old === undefined) this.bytes += ENTRY_BYTES + stringBytes(member);
  }

  delete(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.list.delete(member, score);
    this.scores.delete(member);
    this.bytes -= ENTRY_BYTES + stringBytes(member);
    return true;
  }

  /** Removes the entries from rank `from` to `to` (exclusive) and returns them. */
  deleteRange(from: number, to: number): Entry[] {
    const removed = this.range(from, to);
    for (const entry of removed) this.delete(entry.member);
    return removed;
  }
}

/** Rebuilds a sorted set from its `toSnapshot()` data (engine/restorers.ts lists every type's). */
export function restoreZSet(data: unknown): ZSetValue {
  const { compact, entries } = data as ReturnType<ZSetValue['toSnapshot']>;
  const zset = new ZSetValue();
  zset.compact = compact;
  for (const [member, score] of entries) zset.set(member, Number(score));
  return zset;
}

function lookupZSet(db: Database, key: string): ZSetValue | undefined {
  return db.lookupCollection<ZSetValue>(key, 'zset');
}

/** Redis's addReplyDouble: as formatDouble, but a negative zero keeps its sign ("-0"). */
function scoreText(score: number): string {
  return Object.is(score, -0) ? '-0' : formatDouble(score);
}

/** A score as Redis's addReplyDouble sends it: a double in RESP3, its text as a bulk in RESP2. */
function scoreReply(score: number): DoubleReply {
  return new DoubleReply(score, bulk(scoreText(score)));
}

/** ZSCAN's scores are bulk strings in both protocols (the scan reply is strings only). */
function scoreBulk(score: number): Buffer {
  return bulk(scoreText(score));
}

function* toPairs(entries: Iterable<Entry>): IterableIterator<[string, number]> {
  for (const e of entries) yield [e.member, e.score];
}

/**
 * Members, or members and scores: flat `[m1, s1, m2, s2]` in RESP2, `[[m1, s1], [m2, s2]]` pairs
 * in RESP3 (Redis 7's reply for WITHSCORES, ZPOPMIN with a count, ZRANDMEMBER ...).
 */
function withScores(entries: readonly Entry[], scores: boolean, resp3 = false): Reply[] {
  if (scores && resp3) return entries.map((e) => [bulk(e.member), scoreReply(e.score)]);
  const out: Reply[] = [];
  for (const entry of entries) {
    out.push(bulk(entry.member));
    if (scores) out.push(scoreReply(entry.score));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ranges

interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

function scoreBound(arg: Buffer): [number, boolean] {
  const text = latin1(arg);
  const exclusive = text.startsWith('(');
  const value = parseStrtod(exclusive ? text.slice(1) : text);
  if (value === undefined) fail('ERR min or max is not a float');
  return [value, exclusive];
}

function parseScoreRange(min: Buffer, max: Buffer): ScoreRange {
  const [minValue, minExclusive] = scoreBound(min);
  const [maxValue, maxExclusive] = scoreBound(max);
  return { min: minValue, max: maxValue, minExclusive, maxExclusive };
}

/** [from, to) of the entries whose score is within `range`. */
function scoreSpan(zset: ZSetValue, range: ScoreRange): [number, number] {
  const { min, max, minExclusive, maxExclusive } = range;
  if (min > max || (min === max && (minExclusive || maxExclusive))) return [0, 0];
  const from = zset.partition((e) => (minExclusive ? e.score <= min : e.score < min));
  const to = zset.partition((e) => (maxExclusive ? e.score < max : e.score <= max));
  return from < to ? [from, to] : [0, 0];
}

/** A lex bound: -Infinity / +Infinity for `-` / `+`, else a member and whether it is excluded. */
type LexBound = { value: string; exclusive: boolean } | '-' | '+';

interface LexRange {
  min: LexBound;
  max: LexBound;
}

function lexBound(arg: Buffer): LexBound {
  const text = latin1(arg);
  if (text === '-' || text === '+') return text;
  if (text.startsWith('(')) return { value: text.slice(1), exclusive: true };
  if (text.startsWith('[')) return { value: text.slice(1), exclusive: false };
  return fail('ERR min or max not valid string range item');
}

function parseLexRange(min: Buffer, max: Buffer): LexRange {
  return { min: lexBound(min), max: lexBound(max) };
}

/** Whether `member` is at or above the lower bound. */
function aboveMin(member: string, min: LexBound): boolean {
  if (min === '-') return true;
  if (min === '+') return false;
  return min.exclusive ? member > min.value : member >= min.value;
}

function belowMax(member: string, max: LexBound): boolean {
  if (max === '+') return true;
  if (max === '-') return false;
  return max.exclusive ? member < max.value : member <= max.value;
}

/**
 * [from, to) of the entries within a lex range. Like Redis, this assumes every member has the
 * same score (the only case where lex ranges are defined).
 */
function lexSpan(zset: ZSetValue, range: LexRange): [number, number] {
  const { min, max } = range;
  if (min === '+' || max === '-') return [0, 0];
  if (min !== '-' && max !== '+') {
    if (min.value > max.value) return [0, 0];
    if (min.value === max.value && (min.exclusive || max.exclusive)) return [0, 0];
  }
  const from = zset.partition((e) => !aboveMin(e.member, min));
  const to = zset.partition((e) => belowMax(e.member, max));
  return from < to ? [from, to] : [0, 0];
}

/**
 * The entries of [from, to), reversed when `rev`, after skipping `offset` and keeping at most
 * `limit` (negative = all). Redis's LIMIT: a negative offset returns nothing.
 */
function window(
  zset: ZSetValue,
  [from, to]: [number, number],
  rev: boolean,
  offset: number,
  limit: number,
): Entry[] {
  if (offset < 0) return [];
  const count = to - from - offset;
  if (count <= 0 || limit === 0) return [];
  const take = limit < 0 ? count : Math.min(limit, count);
  if (!rev) return zset.range(from + offset, from + offset + take);
  return zset.range(to - offset - take, to - offset).reverse();
}

type RangeType = 'rank' | 'score' | 'lex';

interface RangeCommand {
  /** Index of the source key in argv (1, or 2 for ZRANGESTORE). */
  keyIndex: number;
  store: boolean;
  /** Fixed by the command (ZRANGEBYSCORE...), or undefined when options choose (ZRANGE). */
  type?: RangeType;
  rev?: boolean;
}

/** Redis's zrangeGenericCommand: ZRANGE and its older forms, and ZRANGESTORE. */
function zrange(db: Database, argv: Buffer[], command: RangeCommand, resp3 = false): Reply {
  const { keyIndex, store } = command;
  let type = command.type;
  let rev = command.rev;
  let scores = false;
  let offset = 0;
  let limit = -1;
  for (let j = keyIndex + 3; j < argv.length; j++) {
    const option = keyword(argv[j]!);
    const left = argv.length - j - 1;
    if (!store && option === 'withscores') scores = true;
    else if (option === 'limit' && left >= 2) {
      offset = integerArg(argv[j + 1]!);
      limit = integerArg(argv[j + 2]!);
      j += 2;
    } else if (rev === undefined && option === 'rev') rev = true;
    else if (type === undefined && option === 'bylex') type = 'lex';
    else if (type === undefined && option === 'byscore') type = 'score';
    else fail(ERRORS.syntax);
  }
  type ??= 'rank';
  rev ??= false;
  if (limit !== -1 && type === 'rank') {
    fail('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (scores && type === 'lex') {
    fail('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  // BYSCORE and BYLEX in reverse take the range as max, min.
  const swap = rev && type !== 'rank';
  const minArg = argv[keyIndex + (swap ? 2 : 1)]!;
  const maxArg = argv[keyIndex + (swap ? 1 : 2)]!;
  let span: (zset: ZSetValue) => [number, number];
  if (type === 'rank') {
    const start = integerArg(minArg);
    const end = integerArg(maxArg);
    span = (zset) => {
      const [from, to] = rankRange(start, end, zset.size);
      // A reversed rank range counts from the end.
      return rev ? [zset.size - to, zset.size - from] : [from, to];
    };
  } else if (type === 'score') {
    const range = parseScoreRange(minArg, maxArg);
    span = (zset) => scoreSpan(zset, range);
  } else {
    const range = parseLexRange(minArg, maxArg);
    span = (zset) => lexSpan(zset, range);
  }
  const zset = lookupZSet(db, latin1(argv[keyIndex]!));
  const entries =
    zset === undefined
      ? []
      : type === 'rank'
        ? window(zset, span(zset), rev, 0, -1)
        : window(zset, span(zset), rev, offset, limit);
  if (!store) return withScores(entries, scores, resp3);
  const destination = latin1(argv[1]!);
  if (entries.length === 0) {
    db.delete(destination);
    return 0;
  }
  const result = new ZSetValue();
  for (const entry of entries) result.set(entry.member, entry.score);
  db.set(destination, result);
  return result.size;
}

// ---------------------------------------------------------------------------------------------
// ZADD

/** Redis's zaddGenericCommand, shared by ZADD and ZINCRBY (which is ZADD ... INCR). */
function zadd(db: Database, argv: Buffer[], incrCommand: boolean): Reply {
  return zaddStrings(db, argv.map(latin1), argv.length, incrCommand);
}

/** An option word from a string, as `keyword` reads one from a Buffer: up to a NUL, lower-cased. */
function keywordText(s: string): string {
  const nul = s.indexOf('\0');
  return (nul >= 0 ? s.slice(0, nul) : s).toLowerCase();
}

/** Every option word (NX XX GT LT CH INCR) starts with a letter; a score rarely does. */
function mayBeOption(s: string): boolean {
  const c = s.charCodeAt(0) | 0x20; // lower-cases A-Z; NaN (an empty text) becomes 0x20
  return c >= 97 && c <= 122;
}

/**
 * ZADD (and ZINCRBY) from strings: `args[1]` is the key, then the options and score/member
 * pairs up to `args[count - 1]`. The RESP fast lane calls it with the arguments it read.
 */
export function zaddStrings(
  db: Database,
  argv: readonly string[],
  count: number,
  incrCommand: boolean,
): Reply {
  // Plain locals, no flags object: the usual ZADD (key score member) costs no allocation here.
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  let scoreIndex = 2;
  for (; scoreIndex < count; scoreIndex++) {
    const arg = argv[scoreIndex]!;
    if (!mayBeOption(arg)) break;
    const option = keywordText(arg);
    if (option === 'nx') nx = true;
    else if (option === 'xx') xx = true;
    else if (option === 'gt') gt = true;
    else if (option === 'lt') lt = true;
    else if (option === 'ch') ch = true;
    else if (option === 'incr') incr = true;
    else break;
  }
  const pairs = count - scoreIndex;
  if (pairs === 0 || pairs % 2 === 1) fail(ERRORS.syntax);
  if (nx && xx) fail('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    fail('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && pairs > 2) fail('ERR INCR option supports a single increment-element pair');
  // Every score is checked before anything changes: ZADD applies fully or not at all. One
  // pair (the usual ZADD) keeps its score in a local, no array.
  const elements = pairs / 2;
  let single = 0;
  let scores: number[] | undefined;
  if (elements === 1) {
    const score = parseDouble(argv[scoreIndex]!);
    if (score === undefined) fail(ERRORS.notFloat);
    single = score;
  } else {
    scores = new Array<number>(elements);
    for (let j = 0; j < elements; j++) {
      const score = parseDouble(argv[scoreIndex + 2 * j]!);
      if (score === undefined) fail(ERRORS.notFloat);
      scores[j] = score;
    }
  }
  const key = argv[1]!;
  let zset = lookupZSet(db, key);
  if (zset === undefined) {
    if (xx) return incr ? null : 0;
    zset = new ZSetValue();
    db.set(key, zset);
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let result = 0;
  for (let j = 0; j < elements; j++) {
    const member = argv[scoreIndex + 1 + j * 2]!;
    let score = scores === undefined ? single : scores[j]!;
    const current = zset.scores.get(member);
    if (current === undefined) {
      if (xx) continue;
      zset.set(member, score);
      added++;
    } else {
      if (nx) continue;
      if (incr) {
        score += current;
        if (Number.isNaN(score)) {
          if (added + updated > 0) db.modified(key, zset);
          fail('ERR resulting score is not a number (NaN)');
        }
      }
      if ((lt && score >= current) || (gt && score <= current)) continue;
      if (score !== current) {
        zset.set(member, score);
        updated++;
      }
    }
    processed++;
    result = score;
  }
  if (added + updated > 0) db.modified(key, zset);
  if (incr) return processed > 0 ? scoreReply(result) : null;
  return ch ? added + updated : added;
}

// ---------------------------------------------------------------------------------------------
// Other commands

// ---------------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF (and their STORE forms), ZINTERCARD

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** One input: member -> score (a plain set's members all score 1), and its weight. */
interface Source {
  scores: ReadonlyMap<string, number> | undefined;
  weight: number;
}

/** A sorted set or a plain set as member -> score; other types are WRONGTYPE. */
function sourceScores(value: Value | undefined): ReadonlyMap<string, number> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && value.typeName === 'zset') return (value as ZSetValue).scores;
  if (typeof value !== 'string' && value.typeName === 'set') {
    return new Map([...(value as SetValue).values()].map((member) => [member, 1]));
  }
  return fail(ERRORS.wrongType);
}

/** Redis's zunionInterAggregate, NaN handling included (inf + -inf sums to 0). */
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === 'sum') {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  // Redis's C comparisons, not Math.min/max: those order -0 and 0 differently.
  // biome-ignore lint/complexity/useMathMinMax: see above
  if (how === 'min') return value < target ? value : target;
  // biome-ignore lint/complexity/useMathMinMax: see above
  return value > target ? value : target;
}

function weighted(score: number, weight: number): number {
  const value = score * weight;
  return Number.isNaN(value) ? 0 : value;
}

interface SetOpCommand {
  op: SetOp;
  /** argv index of numkeys: 1 (ZUNION, ZINTERCARD), 2 for the STORE forms. */
  numkeysIndex: number;
  store: boolean;
  cardinalityOnly: boolean;
}

/** Redis's zunionInterDiffGenericCommand. */
function zsetOp(db: Database, argv: Buffer[], command: SetOpCommand, resp3 = false): Reply {
  const { op, numkeysIndex, store, cardinalityOnly } = command;
  const name = latin1(argv[0]!).toLowerCase();
  const count = integerArg(argv[numkeysIndex]!);
  if (count < 1) fail(`ERR at least 1 input key is needed for '${name}' command`);
  if (count > argv.length - numkeysIndex - 1) fail(ERRORS.syntax);
  const sources: Source[] = [];
  let j = numkeysIndex + 1;
  for (let i = 0; i < count; i++, j++) {
    sources.push({ scores: sourceScores(db.lookup(latin1(argv[j]!))), weight: 1 });
  }
  let how: Aggregate = 'sum';
  let scoresWanted = false;
  let limit = 0;
  while (j < argv.length) {
    const option = keyword(argv[j]!);
    const remaining = argv.length - j;
    const weightsOk = op !== 'diff' && !cardinalityOnly;
    if (weightsOk && option === 'weights' && remaining >= count + 1) {
      j++;
      for (const source of sources) {
        source.weight = doubleOrFail(argv[j++]!, 'ERR weight value is not a float');
      }
    } else if (weightsOk && option === 'aggregate' && remaining >= 2) {
      const value = keyword(argv[j + 1]!);
      if (value !== 'sum' && value !== 'min' && value !== 'max') fail(ERRORS.syntax);
      how = value;
      j += 2;
    } else if (!store && !cardinalityOnly && option === 'withscores') {
      scoresWanted = true;
      j++;
    } else if (cardinalityOnly && option === 'limit' && remaining >= 2) {
      limit = integerAtLeast(argv[j + 1]!, 0, "ERR LIMIT can't be negative");
      j += 2;
    } else {
      fail(ERRORS.syntax);
    }
  }

  const result = new Map<string, number>();
  // Redis takes the inputs smallest first (a stable sort), and sums in that order: float sums
  // depend on it (0.2 + 0.1 + 0.3 is not 0.3 + 0.2 + 0.1).
  const bySize =
    op === 'diff'
      ? sources
      : [...sources].sort((a, b) => (a.scores?.size ?? 0) - (b.scores?.size ?? 0));
  if (op === 'inter') {
    // Walk the smallest input and probe the others.
    const [first, ...others] = bySize as [Source, ...Source[]];
    for (const [member, score] of first.scores ?? []) {
      let total = weighted(score, first.weight);
      let everywhere = true;
      for (const other of others) {
        const value = other.scores?.get(member);
        if (value === undefined) {
          everywhere = false;
          break;
        }
        total = aggregate(total, value * other.weight, how);
      }
      if (!everywhere) continue;
      result.set(member, total);
      if (cardinalityOnly && limit > 0 && result.size >= limit) break;
    }
  } else if (op === 'union') {
    for (const source of bySize) {
      for (const [member, score] of source.scores ?? []) {
        const value = weighted(score, source.weight);
        const current = result.get(member);
        result.set(member, current === undefined ? value : aggregate(current, value, how));
      }
    }
  } else {
    const [first, ...others] = sources as [Source, ...Source[]];
    for (const [member, score] of first.scores ?? []) {
      if (!others.some((other) => other.scores?.has(member))) result.set(member, score);
    }
  }

  if (cardinalityOnly) return result.size;
  const zset = new ZSetValue();
  for (const [member, score] of result) zset.set(member, score);
  if (store) {
    const destination = latin1(argv[1]!);
    if (zset.size === 0) db.delete(destination);
    else db.set(destination, zset);
    return zset.size;
  }
  return withScores(zset.range(0, zset.size), scoresWanted, resp3);
}

function doubleOrFail(arg: Buffer, message: string): number {
  const value = parseDouble(arg);
  if (value === undefined) fail(message);
  return value;
}

function setOpCommand(
  name: string,
  op: SetOp,
  store: boolean,
  cardinalityOnly = false,
): CommandSpec {
  return {
    name,
    arity: store ? -4 : -3,
    write: store,
    handler: ({ db, session }, argv) =>
      zsetOp(
        db,
        argv,
        { op, numkeysIndex: store ? 2 : 1, store, cardinalityOnly },
        session.protocol === 3,
      ),
  };
}

/** ZRANDMEMBER key [count [WITHSCORES]]: a negative count allows repeats. */
function zrandmember(db: Database, argv: Buffer[], resp3 = false): Reply {
  const key = latin1(argv[1]!);
  if (argv.length === 2) {
    const zset = lookupZSet(db, key);
    if (zset === undefined) return null;
    // The skip list finds any rank in O(log n).
    const rank = Math.floor(Math.random() * zset.size);
    return bulk((zset.range(rank, rank + 1)[0] as Entry).member);
  }
  const { count, withFlag } = randomCountArgs(argv, 'withscores');
  const zset = lookupZSet(db, key);
  if (zset === undefined || count === 0) return [];
  return withScores(randomPicks(zset.range(0, zset.size), count), withFlag, resp3);
}

function zpop(db: Database, argv: Buffer[], max: boolean, resp3 = false): Reply {
  if (argv.length > 3) fail(ERRORS.syntax);
  let count = 1;
  if (argv.length === 3) {
    count = integerAtLeast(argv[2]!, 0, MUST_BE_POSITIVE);
  }
  const key = latin1(argv[1]!);
  const zset = lookupZSet(db, key);
  if (zset === undefined || count === 0) return [];
  const n = Math.min(count, zset.size);
  const removed = max
    ? zset.deleteRange(zset.size - n, zset.size).reverse()
    : zset.deleteRange(0, n);
  db.modified(key, zset);
  // RESP3: pairs when a count was given, one flat [member, score] without (Redis 7.0).
  return withScores(removed, true, resp3 && argv.length === 3);
}

function zremrange(db: Database, argv: Buffer[], type: RangeType): Reply {
  let span: (zset: ZSetValue) => [number, number];
  if (type === 'rank') {
    const start = integerArg(argv[2]!);
    const end = integerArg(argv[3]!);
    span = (zset) => rankRange(start, end, zset.size);
  } else if (type === 'score') {
    const range = parseScoreRange(argv[2]!, argv[3]!);
    span = (zset) => scoreSpan(zset, range);
  } else {
    const range = parseLexRange(argv[2]!, argv[3]!);
    span = (zset) => lexSpan(zset, range);
  }
  const key = latin1(argv[1]!);
  const zset = lookupZSet(db, key);
  if (zset === undefined) return 0;
  const [from, to] = span(zset);
  if (to <= from) return 0;
  zset.deleteRange(from, to);
  db.modified(key, zset);
  return to - from;
}

function rankCommand(name: string, reverse: boolean): CommandSpec {
  return {
    name,
    arity: 3,
    handler: ({ db }, argv) => {
      const zset = lookupZSet(db, latin1(argv[1]!));
      const rank = zset?.rank(latin1(argv[2]!));
      if (zset === undefined || rank === undefined) return null;
      return reverse ? zset.size - 1 - rank : rank;
    },
  };
}

function rangeCommand(name: string, arity: number, command: RangeCommand): CommandSpec {
  return {
    name,
    arity,
    write: command.store,
    handler: ({ db, session }, argv) => zrange(db, argv, command, session.protocol === 3),
  };
}

/** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first non-empty set. */
function zmpop(db: Database, argv: Buffer[]): Reply {
  const { keys, where, count } = mpopArgs(argv, ['min', 'max'] as const);
  for (const key of keys) {
    const zset = lookupZSet(db, key);
    if (zset === undefined) continue;
    const n = Math.min(count, zset.size);
    const removed =
      where === 'max'
        ? zset.deleteRange(zset.size - n, zset.size).reverse()
        : zset.deleteRange(0, n);
    db.modified(key, zset);
    // Each element is its own [member, score] pair here, unlike ZPOPMIN's flat reply.
    return [bulk(key), removed.map((entry) => [bulk(entry.member), scoreReply(entry.score)])];
  }
  return NULL_ARRAY;
}

export const zsetCommands: CommandSpec[] = [
  { name: 'zmpop', arity: -4, write: true, handler: ({ db }, argv) => zmpop(db, argv) },
  setOpCommand('zunion', 'union', false),
  setOpCommand('zinter', 'inter', false),
  setOpCommand('zdiff', 'diff', false),
  setOpCommand('zunionstore', 'union', true),
  setOpCommand('zinterstore', 'inter', true),
  setOpCommand('zdiffstore', 'diff', true),
  setOpCommand('zintercard', 'inter', false, true),
  {
    name: 'zrandmember',
    arity: -2,
    handler: ({ db, session }, argv) => zrandmember(db, argv, session.protocol === 3),
  },
  { name: 'zadd', arity: -4, write: true, handler: ({ db }, argv) => zadd(db, argv, false) },
  { name: 'zincrby', arity: 4, write: true, handler: ({ db }, argv) => zadd(db, argv, true) },
  {
    name: 'zscore',
    arity: 3,
    handler: ({ db }, argv) => {
      const score = lookupZSet(db, latin1(argv[1]!))?.scores.get(latin1(argv[2]!));
      return score === undefined ? null : scoreReply(score);
    },
  },
  {
    name: 'zmscore',
    arity: -3,
    handler: ({ db }, argv) => {
      const zset = lookupZSet(db, latin1(argv[1]!));
      return argv.slice(2).map((member) => {
        const score = zset?.scores.get(latin1(member));
        return score === undefined ? null : scoreReply(score);
      });
    },
  },
  {
    name: 'zcard',
    arity: 2,
    handler: ({ db }, argv) => lookupZSet(db, latin1(argv[1]!))?.size ?? 0,
  },
  rankCommand('zrank', false),
  rankCommand('zrevrank', true),
  {
    name: 'zrem',
    arity: -3,
    write: true,
    handler: ({ db }, argv) => {
      const key = latin1(argv[1]!);
      const zset = lookupZSet(db, key);
      if (zset === undefined) return 0;
      let removed = 0;
      for (let i = 2; i < argv.length; i++) if (zset.delete(latin1(argv[i]!))) removed++;
      if (removed > 0) db.modified(key, zset);
      return removed;
    },
  },
  {
    name: 'zcount',
    arity: 4,
    handler: ({ db }, argv) => {
      const range = parseScoreRange(argv[2]!, argv[3]!);
      const zset = lookupZSet(db, latin1(argv[1]!));
      if (zset === undefined) return 0;
      const [from, to] = scoreSpan(zset, range);
      return to - from;
    },
  },
  {
    name: 'zlexcount',
    arity: 4,
    handler: ({ db }, argv) => {
      const range = parseLexRange(argv[2]!, argv[3]!);
      const zset = lookupZSet(db, latin1(argv[1]!));
      if (zset === undefined) return 0;
      const [from, to] = lexSpan(zset, range);
      return to - from;
    },
  },
  rangeCommand('zrange', -4, { keyIndex: 1, store: false }),
  rangeCommand('zrangestore', -5, { keyIndex: 2, store: true }),
  rangeCommand('zrevrange', -4, { keyIndex: 1, store: false, type: 'rank', rev: true }),
  rangeCommand('zrangebyscore', -4, { keyIndex: 1, store: false, type: 'score', rev: false }),
  rangeCommand('zrevrangebyscore', -4, { keyIndex: 1, store: false, type: 'score', rev: true }),
  rangeCommand('zrangebylex', -4, { keyIndex: 1, store: false, type: 'lex', rev: false }),
  rangeCommand('zrevrangebylex', -4, { keyIndex: 1, store: false, type: 'lex', rev: true }),
  {
    name: 'zremrangebyrank',
    arity: 4,
    write: true,
    handler: ({ db }, argv) => zremrange(db, argv, 'rank'),
  },
  {
    name: 'zremrangebyscore',
    arity: 4,
    write: true,
    handler: ({ db }, argv) => zremrange(db, argv, 'score'),
  },
  {
    name: 'zremrangebylex',
    arity: 4,
    write: true,
    handler: ({ db }, argv) => zremrange(db, argv, 'lex'),
  },
  {
    name: 'zpopmin',
    arity: -2,
    write: true,
    handler: ({ db, session }, argv) => zpop(db, argv, false, session.protocol === 3),
  },
  {
    name: 'zpopmax',
    arity: -2,
    write: true,
    handler: ({ db, session }, argv) => zpop(db, argv, true, session.protocol === 3),
  },
  {
    name: 'zscan',
    arity: -3,
    handler: (ctx, argv) =>
      scanCollection<ZSetValue, [string, number]>(ctx, argv, 'zset', {
        compact: (zset) => zset.compact,
        // Map iterators survive changes between calls; the sorted array's would not.
        items: (zset) => (zset.compact ? toPairs(zset.values()) : zset.scores.entries()),
        name: ([member]) => member,
        reply: ([member, score]) => [bulk(member), scoreBulk(score)],
      }),
  },
];

// Lists: LPUSH, LPOP, LRANGE, LMOVE... with Redis 7.0 replies and error texts.

import { bulk, ERRORS, fail, latin1, NULL_ARRAY, OK, type Reply } from '../../protocol/reply.ts';
import type { Collection, Database } from '../database.ts';
import type { CommandSpec } from '../engine.ts';
import { ARRAY_SLOT_BYTES, OBJECT_BYTES, stringBytes } from '../memory.ts';
import { integerArg, parseInt64 } from '../parse.ts';
import { integerAtLeast, keyword, MUST_BE_POSITIVE, mpopArgs, rankRange } from './collections.ts';

export type End = 'left' | 'right';

/** Elements per block of a long list (8 KB of slots: an ordinary heap object, see ListValue). */
const BLOCK_BITS = 10;
const BLOCK = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK - 1;

type Block = (string | undefined)[];

/**
 * A double-ended queue: push and pop at either end are O(1) and indexing is O(1), which is
 * what LPUSH/RPOP/LINDEX/LRANGE need. (Array.prototype.shift is O(n) on big arrays.)
 *
 * Up to BLOCK elements it is one ring buffer whose capacity is a power of two (wrapping is a
 * bit mask), doubled as it fills. Past that it is a row of fixed-size blocks, as a C++ deque
 * (or Redis's quicklist of listpacks): element i is at position `first + i` of the blocks laid
 * end to end. A long list then grows a block at a time: doubling one ring meant copying every
 * element into a new array of millions of slots, a large object whose allocation made V8 run
 * a full collection; that was the largest cost of redis-benchmark's LPUSH onto one list.
 */
export class ListValue implements Collection {
  readonly typeName = 'list';
  /** Short form: the ring. Long form: unused (empty). */
  private items: Block;
  private head = 0;
  private length = 0;
  /** Long form: the blocks (undefined before the first one in use), else undefined. */
  private blocks: (Block | undefined)[] | undefined;
  /** Long form: position of element 0 in the blocks laid end to end. */
  private first = 0;
  /** Estimated bytes of the elements (see memory.ts); the slots are added on read. */
  private elementBytes = 0;

  constructor(values: readonly string[] = []) {
    this.items = [];
    this.replace(values);
  }

  get size(): number {
    return this.length;
  }

  memoryUsage(): number {
    const blocks = this.blocks;
    const slots =
      blocks === undefined
        ? this.items.length
        : blocks.length +
          (((this.first & BLOCK_MASK) + this.length + BLOCK_MASK) >> BLOCK_BITS) * BLOCK;
    return OBJECT_BYTES + slots * ARRAY_SLOT_BYTES + this.elementBytes;
  }

  toSnapshot(): string[] {
    return this.slice(0, this.length);
  }

  get(index: number): string {
    const blocks = this.blocks;
    if (blocks === undefined)
      return this.items[(this.head + index) & (this.items.length - 1)] as string;
    const p = this.first + index;
    return (blocks[p >> BLOCK_BITS] as Block)[p & BLOCK_MASK] as string;
  }

  set(index: number, value: string): void {
    let block = this.items;
    let at = (this.head + index) & (block.length - 1);
    if (this.blocks !== undefined) {
      const p = this.first + index;
      block = this.blocks[p >> BLOCK_BITS] as Block;
      at = p & BLOCK_MASK;
    }
    this.elementBytes += stringBytes(value) - stringBytes(block[at] as string);
    block[at] = value;
  }

  // A value equal to the element already at that end is stored as that element's string: the
  // new copy then dies young instead of being kept (a list of repeated values, such as
  // redis-benchmark's LPUSH, no longer costs the garbage collector a string per element). The
  // memory estimate still counts every element, as Redis stores each one.

  pushFront(value: string): void {
    this.elementBytes += stringBytes(value);
    if (this.blocks !== undefined) {
      this.pushFrontLong(value);
      return;
    }
    let items = this.items;
    if (this.length === items.length) {
      if (this.length === BLOCK) {
        this.toLong();
        this.pushFrontLong(value);
        return;
      }
      this.grow();
      items = this.items;
    }
    const head = this.head;
    const front = items[head];
    this.head = (head - 1) & (items.length - 1);
    items[this.head] = this.length > 0 && front === value ? front : value;
    this.length++;
  }

  pushBack(value: string): void {
    this.elementBytes += stringBytes(value);
    if (this.blocks !== undefined) {
      this.pushBackLong(value);
      return;
    }
    let items = this.items;
    if (this.length === items.length) {
      if (this.length === BLOCK) {
        this.toLong();
        this.pushBackLong(value);
        return;
      }
      this.grow();
      items = this.items;
    }
    const mask = items.length - 1;
    const back = items[(this.head + this.length - 1) & mask];
    items[(this.head + this.length) & mask] = this.length > 0 && back === value ? back : value;
    this.length++;
  }

  private pushFrontLong(value: string): void {
    if (this.first === 0) this.roomInFront();
    const blocks = this.blocks as (Block | undefined)[];
    const p = this.first - 1;
    let block = blocks[p >> BLOCK_BITS];
    if (block === undefined) {
      block = new Array<string | undefined>(BLOCK);
      blocks[p >> BLOCK_BITS] = block;
    }
    const front = this.get(0);
    block[p & BLOCK_MASK] = front === value ? front : value;
    this.first = p;
    this.length++;
  }

  private pushBackLong(value: string): void {
    const blocks = this.blocks as (Block | undefined)[];
    const p = this.first + this.length;
    let block = blocks[p >> BLOCK_BITS];
    if (block === undefined) {
      block = new Array<string | undefined>(BLOCK);
      blocks[p >> BLOCK_BITS] = block;
    }
    const back = this.get(this.length - 1);
    block[p & BLOCK_MASK] = back === value ? back : value;
    this.length++;
  }

  popFront(): string | undefined {
    if (this.length === 0) return undefined;
    let value: string | undefined;
    const blocks = this.blocks;
    if (blocks === undefined) {
      value = this.items[this.head];
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & (this.items.length - 1);
    } else {
      const p = this.first;
      const block = blocks[p >> BLOCK_BITS] as Block;
      value = block[p & BLOCK_MASK];
      block[p & BLOCK_MASK] = undefined;
      this.first = p + 1;
      // A block left behind is dropped; the row's empty front is trimmed now and then.
      if (((p + 1) & BLOCK_MASK) === 0) {
        blocks[p >> BLOCK_BITS] = undefined;
        const emptyFront = (p + 1) >> BLOCK_BITS;
        if (emptyFront > 8 && emptyFront * 2 > blocks.length) {
          blocks.splice(0, emptyFront);
          this.first -= emptyFront * BLOCK;
        }
      }
    }
    this.length--;
    this.elementBytes -= stringBytes(value as string);
    this.shrinkIfSparse();
    return value;
  }

  popBack(): string | undefined {
    if (this.length === 0) return undefined;
    let value: string | undefined;
    const blocks = this.blocks;
    if (blocks === undefined) {
      const at = (this.head + this.length - 1) & (this.items.length - 1);
      value = this.items[at];
      this.items[at] = undefined;
    } else {
      const p = this.first + this.length - 1;
      const block = blocks[p >> BLOCK_BITS] as Block;
      value = block[p & BLOCK_MASK];
      block[p & BLOCK_MASK] = undefined;
      if ((p & BLOCK_MASK) === 0) blocks.length = p >> BLOCK_BITS;
    }
    this.length--;
    this.elementBytes -= stringBytes(value as string);
    this.shrinkIfSparse();
    return value;
  }

  pop(end: End): string | undefined {
    return end === 'left' ? this.popFront() : this.popBack();
  }

  /** Up to `count` elements popped from `end`, as bulk replies. */
  popMany(end: End, count: number): Buffer[] {
    const n = Math.min(count, this.length);
    const out = new Array<Buffer>(n);
    for (let i = 0; i < n; i++) out[i] = bulk(this.pop(end) as string);
    return out;
  }

  /** Elements from `start` (inclusive) to `end` (exclusive), both already within bounds. */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(Math.max(0, end - start));
    for (let i = start; i < end; i++) out[i - start] = this.get(i);
    return out;
  }

  /** Replaces the whole content (LREM, LINSERT, LTRIM rebuild: O(n), as in Redis). */
  replace(values: readonly string[]): void {
    let capacity = 8;
    while (capacity < values.length && capacity < BLOCK) capacity *= 2;
    this.items = new Array(capacity);
    this.blocks = undefined;
    this.head = 0;
    this.first = 0;
    this.length = 0;
    this.elementBytes = 0;
    for (const value of values) this.pushBack(value);
  }

  /** Doubles the ring, elements copied straight into place (the bytes do not change). */
  private grow(): void {
    const old = this.items;
    const mask = old.length - 1;
    const items = new Array<string | undefined>(old.length * 2);
    for (let i = 0, at = this.head; i < this.length; i++, at = (at + 1) & mask) items[i] = old[at];
    this.items = items;
    this.head = 0;
  }

  /** From a full ring of BLOCK elements to the long form: one block, a free slot before it. */
  private toLong(): void {
    const block = new Array<string | undefined>(BLOCK);
    for (let i = 0; i < this.length; i++) block[i] = this.get(i);
    this.blocks = [undefined, block];
    this.first = BLOCK;
    this.items = [];
    this.head = 0;
  }

  /** Long form, pushing in front of position 0: room for as many blocks again in front. */
  private roomInFront(): void {
    const blocks = this.blocks as (Block | undefined)[];
    const add = Math.max(1, blocks.length);
    this.blocks = new Array<Block | undefined>(add).fill(undefined).concat(blocks);
    this.first += add * BLOCK;
  }

  /** Give memory back after a big list was mostly popped. */
  private shrinkIfSparse(): void {
    if (this.blocks !== undefined) {
      if (this.length < BLOCK / 4) this.replace(this.slice(0, this.length));
    } else if (this.items.length > 64 && this.length < this.items.length / 4) {
      this.replace(this.slice(0, this.length));
    }
  }
}

/** Rebuilds a list from its `toSnapshot()` data (engine/restorers.ts lists every type's). */
export function restoreList(data: unknown): ListValue {
  return new ListValue(data as string[]);
}

function lookupList(db: Database, key: string): ListValue | undefined {
  return db.lookupCollection<ListValue>(key, 'list');
}

function endArg(arg: Buffer): End {
  const word = keyword(arg);
  if (word === 'left' || word === 'right') return word;
  return fail(ERRORS.syntax);
}

function push(db: Database, argv: Buffer[], end: End, onlyIfExists: boolean): Reply {
  return pushStrings(db, argv.map(latin1), argv.length, end, onlyIfExists);
}

/**
 * LPUSH RPUSH LPUSHX RPUSHX from strings: `args[1]` is the key, `args[2]` to `args[count - 1]`
 * the values (the RESP fast lane calls it with the arguments it read).
 */
export function pushStrings(
  db: Database,
  args: readonly string[],
  count: number,
  end: End,
  onlyIfExists: boolean,
): Reply {
  const key = args[1]!;
  let list = lookupList(db, key);
  if (list === undefined) {
    if (onlyIfExists) return 0;
    list = new ListValue();
    db.set(key, list);
  }
  for (let i = 2; i < count; i++) {
    if (end === 'left') list.pushFront(args[i]!);
    else list.pushBack(args[i]!);
  }
  db.modified(key, list);
  return list.size;
}

/**
 * LPOP/RPOP key, without a count, from a string. Undefined for a missing key (the reply is
 * nil), else the value popped; the caller encodes it (the fast lane without a Buffer).
 */
export function popOne(db: Database, key: string, end: End): string | null {
  const list = lookupList(db, key);
  if (list === undefined) return null;
  const value = list.pop(end);
  db.modified(key, list);
  return value === undefined ? null : value;
}

function pop(db: Database, argv: Buffer[], end: End): Reply {
  const name = latin1(argv[0]!).toLowerCase();
  if (argv.length > 3) fail(`ERR wrong number of arguments for '${name}' command`);
  const hasCount = argv.length === 3;
  const count = hasCount ? integerAtLeast(argv[2]!, 0, MUST_BE_POSITIVE) : 1;
  const key = latin1(argv[1]!);
  if (!hasCount) {
    const value = popOne(db, key, end);
    return value === null ? null : bulk(value);
  }
  const list = lookupList(db, key);
  if (list === undefined) return NULL_ARRAY;
  if (count === 0) return [];
  const popped = list.popMany(end, count);
  db.modified(key, list);
  return popped;
}

function move(db: Database, source: string, destination: string, from: End, to: End): Reply {
  const src = lookupList(db, source);
  if (src === undefined || src.size === 0) return null;
  let dst = lookupList(db, destination);
  const value = src.pop(from) as string;
  if (dst === undefined) {
    dst = new ListValue();
    db.set(destination, dst);
  }
  if (to === 'left') dst.pushFront(value);
  else dst.pushBack(value);
  db.modified(destination, dst);
  if (src !== dst) db.modified(source, src);
  return bulk(value);
}

const RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

function lpos(db: Database, argv: Buffer[]): Reply {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let rankOverflow = false;
  for (let j = 3; j < argv.length; j++) {
    const option = keyword(argv[j]!);
    const more = argv.length - 1 - j;
    if (option === 'rank' && more > 0) {
      const raw = parseInt64(argv[++j]!);
      if (raw === undefined) fail(ERRORS.notInteger);
      if (raw === 0n) fail(RANK_ZERO);
      // Redis 7.0 negates RANK in C: LONG_MIN stays negative and then matches from the first
      // hit on, with COUNT never reached (all matches).
      rankOverflow = raw === -9223372036854775808n;
      rank = rankOverflow ? -1 : Number(raw);
    } else if (option === 'count' && more > 0) {
      count = integerAtLeast(argv[++j]!, 0, "ERR COUNT can't be negative");
    } else if (option === 'maxlen' && more > 0) {
      maxlen = integerAtLeast(argv[++j]!, 0, "ERR MAXLEN can't be negative");
    } else {
      fail(ERRORS.syntax);
    }
  }
  const list = lookupList(db, latin1(argv[1]!));
  if (list === undefined) return count === -1 ? null : [];
  const element = latin1(argv[2]!);
  const found: number[] = [];
  const want = count === -1 ? 1 : count === 0 || rankOverflow ? Number.POSITIVE_INFINITY : count;
  let skip = Math.abs(rank) - 1;
  const length = list.size;
  const limit = maxlen === 0 ? length : Math.min(maxlen, length);
  for (let step = 0; step < limit && found.length < want; step++) {
    const index = rank > 0 ? step : length - 1 - step;
    if (list.get(index) !== element) continue;
    if (skip > 0) skip--;
    else found.push(index);
  }
  if (count === -1) return found[0] ?? null;
  return found;
}

function lrem(db: Database, argv: Buffer[]): Reply {
  const count = integerArg(argv[2]!);
  const key = latin1(argv[1]!);
  const list = lookupList(db, key);
  if (list === undefined) return 0;
  const element = latin1(argv[3]!);
  const values = list.toSnapshot();
  const limit = count === 0 ? Number.POSITIVE_INFINITY : Math.abs(count);
  let removed = 0;
  if (count >= 0) {
    const kept = values.filter((v) => !(v === element && removed < limit && ++removed));
    if (removed > 0) list.replace(kept);
  } else {
    const kept: string[] = [];
    for (let i = values.length - 1; i >= 0; i--) {
      const v = values[i]!;
      if (v === element && removed < limit) removed++;
      else kept.push(v);
    }
    if (removed > 0) list.replace(kept.reverse());
  }
  if (removed > 0) db.modified(key, list);
  return removed;
}

function linsert(db: Database, argv: Buffer[]): Reply {
  const where = keyword(argv[2]!);
  if (where !== 'before' && where !== 'after') fail(ERRORS.syntax);
  const key = latin1(argv[1]!);
  const list = lookupList(db, key);
  if (list === undefined) return 0;
  const values = list.toSnapshot();
  const at = values.indexOf(latin1(argv[3]!));
  if (at === -1) return -1;
  values.splice(where === 'before' ? at : at + 1, 0, latin1(argv[4]!));
  list.replace(values);
  db.modified(key, list);
  return list.size;
}

function ltrim(db: Database, argv: Buffer[]): Reply {
  const start = integerArg(argv[2]!);
  const end = integerArg(argv[3]!);
  const key = latin1(argv[1]!);
  const list = lookupList(db, key);
  if (list === undefined) return OK;
  const [from, to] = rankRange(start, end, list.size);
  // Popping from both ends costs only what is removed, like Redis's quicklist trim.
  const dropBack = list.size - to;
  for (let i = 0; i < dropBack; i++) list.popBack();
  for (let i = 0; i < from; i++) list.popFront();
  db.modified(key, list);
  return OK;
}

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first non-empty list. */
function lmpop(db: Database, argv: Buffer[]): Reply {
  const { keys, where, count } = mpopArgs(argv, ['left', 'right'] as const);
  for (const key of keys) {
    const list = lookupList(db, key);
    if (list === undefined) continue;
    const popped = list.popMany(where, count);
    db.modified(key, list);
    return [bulk(key), popped];
  }
  return NULL_ARRAY;
}

export const listCommands: CommandSpec[] = [
  { name: 'lmpop', arity: -4, write: true, handler: ({ db }, argv) => lmpop(db, argv) },
  {
    name: 'lpush',
    arity: -3,
    write: true,
    handler: ({ db }, argv) => push(db, argv, 'left', false),
  },
  {
    name: 'rpush',
    arity: -3,
    write: true,
    handler: ({ db }, argv) => push(db, argv, 'right', false),
  },
  {
    name: 'lpushx',
    arity: -3,
    write: true,
    handler: ({ db }, argv) => push(db, argv, 'left', true),
  },
  {
    name: 'rpushx',
    arity: -3,
    write: true,
    handler: ({ db }, argv) => push(db, argv, 'right', true),
  },
  { name: 'lpop', arity: -2, write: true, handler: ({ db }, argv) => pop(db, argv, 'left') },
  { name: 'rpop', arity: -2, write: true, handler: ({ db }, argv) => pop(db, argv, 'right') },
  {
    name: 'llen',
    arity: 2,
    handler: ({ db }, argv) => lookupList(db, latin1(argv[1]!))?.size ?? 0,
  },
  {
    name: 'lrange',
    arity: 4,
    handler: ({ db }, argv) => {
      const start = integerArg(argv[2]!);
      const end = integerArg(argv[3]!);
      const list = lookupList(db, latin1(argv[1]!));
      if (list === undefined) return [];
      const [from, to] = rankRange(start, end, list.size);
      return list.slice(from, to).map(bulk);
    },
  },
  {
    name: 'lindex',
    arity: 3,
    handler: ({ db }, argv) => {
      const list = lookupList(db, latin1(argv[1]!));
      if (list === undefined) return null;
      let index = integerArg(argv[2]!);
      if (index < 0) index += list.size;
      if (index < 0 || index >= list.size) return null;
      return bulk(list.get(index));
    },
  },
  {
    name: 'lset',
    arity: 4,
    write: true,
    handler: ({ db }, argv) => {
      const key = latin1(argv[1]!);
      const list = lookupList(db, key);
      if (list === undefined) fail(ERRORS.noSuchKey);
      let index = integerArg(argv[2]!);
      if (index < 0) index += list.size;
      if (index < 0 || index >= list.size) fail(ERRORS.outOfRange);
      list.set(index, latin1(argv[3]!));
      db.modified(key, list);
      return OK;
    },
  },
  { name: 'lrem', arity: 4, write: true, handler: ({ db }, argv) => lrem(db, argv) },
  { name: 'ltrim', arity: 4, write: true, handler: ({ db }, argv) => ltrim(db, argv) },
  { name: 'linsert', arity: 5, write: true, handler: ({ db }, argv) => linsert(db, argv) },
  { name: 'lpos', arity: -3, handler: ({ db }, argv) => lpos(db, argv) },
  {
    name: 'lmove',
    arity: 5,
    write: true,
    handler: ({ db }, argv) => {
      const from = endArg(argv[3]!);
      const to = endArg(argv[4]!);
      return move(db, latin1(argv[1]!), latin1(argv[2]!), from, to);
    },
  },
  {
    name: 'rpoplpush',
    arity: 3,
    write: true,
    handler: ({ db }, argv) => move(db, latin1(argv[1]!), latin1(argv[2]!), 'right', 'left'),
  },
];

// Sets: SADD, SINTER, SPOP, SSCAN... with Redis 7.0 replies and error texts.

import { bulk, ERRORS, fail, latin1, type Reply, SetReply } from '../../protocol/reply.ts';
import type { Collection, Database } from '../database.ts';
import type { CommandSpec } from '../engine.ts';
import { ARRAY_SLOT_BYTES, MAP_ENTRY_BYTES, OBJECT_BYTES, stringBytes } from '../memory.ts';
import { parseInt64 } from '../parse.ts';
import {
  integerAtLeast,
  keyword,
  MUST_BE_POSITIVE,
  NUMKEYS_POSITIVE,
  randomCountArgs,
  randomPicks,
  scanCollection,
} from './collections.ts';

// Redis keeps a set of integers as an intset (SSCAN returns it whole) until it grows past
// set-max-intset-entries or gets a non-integer member; then it is a hash table for good.
const INTSET_MAX_ENTRIES = 512;

/** A member's place in the Map (its slot number is a small integer, unboxed) and the array. */
const MEMBER_BYTES = MAP_ENTRY_BYTES + ARRAY_SLOT_BYTES;

/**
 * member -> its slot in one array: a Map gives O(1) add, remove and membership, as Redis's hash
 * table, and the array gives SPOP and SRANDMEMBER an O(1) random pick (a removal moves the last
 * member into the freed slot).
 */
export class SetValue implements Collection {
  readonly typeName = 'set';
  private readonly positions = new Map<string, number>();
  private readonly slots: string[] = [];
  /** Still what Redis would keep as an intset; once false, stays false (as in Redis). */
  intset = true;
  /** Estimated bytes (see memory.ts), kept up to date by `add` and `delete`. */
  private bytes = 2 * OBJECT_BYTES;

  constructor(members: Iterable<string> = []) {
    for (const member of members) this.add(member);
  }

  get size(): number {
    return this.slots.length;
  }

  memoryUsage(): number {
    return this.bytes;
  }

  has(member: string): boolean {
    return this.positions.has(member);
  }

  /** True when `member` is new. */
  add(member: string): boolean {
    if (this.positions.has(member)) return false;
    this.positions.set(member, this.slots.length);
    this.slots.push(member);
    this.bytes += MEMBER_BYTES + stringBytes(member);
    if (
      this.intset &&
      (this.slots.length > INTSET_MAX_ENTRIES || parseInt64(member) === undefined)
    ) {
      this.intset = false;
    }
    return true;
  }

  /** True when `member` was there. */
  delete(member: string): boolean {
    const at = this.positions.get(member);
    if (at === undefined) return false;
    this.positions.delete(member);
    this.bytes -= MEMBER_BYTES + stringBytes(member);
    const last = this.slots.pop() as string;
    if (at < this.slots.length) {
      this.slots[at] = last;
      this.positions.set(last, at);
    }
    return true;
  }

  /** A uniformly random member of a non-empty set. */
  randomMember(): string {
    return this.slots[Math.floor(Math.random() * this.slots.length)] as string;
  }

  /** Every member; a live iterator (SSCAN resumes it after changes). */
  values(): IterableIterator<string> {
    return this.positions.keys();
  }

  toSnapshot(): string[] {
    return [...this.slots];
  }
}

/** Rebuilds a set from its `toSnapshot()` data (engine/restorers.ts lists every type's). */
export function restoreSet(data: unknown): SetValue {
  return new SetValue(data as string[]);
}

function lookupSet(db: Database, key: string): SetValue | undefined {
  return db.lookupCollection<SetValue>(key, 'set');
}

function spop(db: Database, argv: Buffer[]): Reply {
  if (argv.length > 3) fail(ERRORS.syntax);
  const key = latin1(argv[1]!);
  if (argv.length === 2) {
    const set = lookupSet(db, key);
    if (set === undefined) return null;
    const member = set.randomMember();
    set.delete(member);
    db.modified(key, set);
    return bulk(member);
  }
  const count = integerAtLeast(argv[2]!, 0, MUST_BE_POSITIVE);
  const set = lookupSet(db, key);
  // A set in RESP3 (Redis's addReplySetLen), an array in RESP2.
  if (set === undefined || count === 0) return new SetReply([]);
  // Popping everything replies as SMEMBERS would (Redis runs its union code): an intset in order.
  const popped =
    count >= set.size
      ? [...(set.intset ? sortedMembers(set) : set.values())]
      : randomPicks([...set.values()], count);
  for (const member of popped) set.delete(member);
  db.modified(key, set);
  return new SetReply(popped.map(bulk));
}

function srandmember(db: Database, argv: Buffer[]): Reply {
  if (argv.length > 3) fail(ERRORS.syntax);
  const key = latin1(argv[1]!);
  if (argv.length === 2) {
    const set = lookupSet(db, key);
    if (set === undefined) return null;
    return bulk(set.randomMember());
  }
  const { count } = randomCountArgs(argv, undefined);
  const set = lookupSet(db, key);
  if (set === undefined || count === 0) return [];
  // A negative count allows repeats and always returns exactly -count members.
  return randomPicks([...set.values()], count).map(bulk);
}

/** The sets at `keys` (missing keys are empty sets); WRONGTYPE if any holds another type. */
function lookupAll(db: Database, keys: Buffer[]): (SetValue | undefined)[] {
  return keys.map((key) => lookupSet(db, latin1(key)));
}

function intersect(sets: (SetValue | undefined)[], limit = 0): SetValue {
  const out = new SetValue();
  if (sets.some((set) => set === undefined)) return out;
  // Walk the smallest set and probe the others, as Redis does.
  const sorted = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const [smallest, ...others] = sorted as [SetValue, ...SetValue[]];
  for (const member of smallest.values()) {
    if (others.every((set) => set.has(member))) {
      out.add(member);
      if (limit > 0 && out.size >= limit) break;
    }
  }
  return out;
}

function union(sets: (SetValue | undefined)[]): SetValue {
  const out = new SetValue();
  for (const set of sets) for (const member of set?.values() ?? []) out.add(member);
  return out;
}

function difference(sets: (SetValue | undefined)[]): SetValue {
  const [first, ...others] = sets;
  const out = new SetValue();
  for (const member of first?.values() ?? []) {
    if (!others.some((set) => set?.has(member))) out.add(member);
  }
  return out;
}

/**
 * A set's members as a reply. Redis's order is unspecified, except that an intset replies in
 * numeric order: do the same, so small integer sets read (and compare) like Redis's.
 */
function membersReply(set: SetValue | undefined): Reply {
  // SMEMBERS, SINTER, SUNION, SDIFF: a set in RESP3, an array in RESP2.
  if (set === undefined) return new SetReply([]);
  return new SetReply([...(set.intset ? sortedMembers(set) : set.values())].map(bulk));
}

function sortedMembers(set: SetValue): IterableIterator<string> {
  return [...set.values()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).values();
}

type Combine = (sets: (SetValue | undefined)[]) => SetValue;

function combineCommand(name: string, combine: Combine): CommandSpec {
  return {
    name,
    arity: -2,
    handler: ({ db }, argv) => membersReply(combine(lookupAll(db, argv.slice(1)))),
  };
}

function storeCommand(name: string, combine: Combine): CommandSpec {
  return {
    name,
    arity: -3,
    write: true,
    handler: ({ db }, argv) => {
      const destination = latin1(argv[1]!);
      const result = combine(lookupAll(db, argv.slice(2)));
      if (result.size === 0) {
        db.delete(destination);
        return 0;
      }
      db.set(destination, result);
      return result.size;
    },
  };
}

function sintercard(db: Database, argv: Buffer[]): Reply {
  const numkeys = integerAtLeast(argv[1]!, 1, NUMKEYS_POSITIVE);
  if (numkeys > argv.length - 2) fail("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (keyword(argv[i]!) === 'limit' && more > 0) {
      limit = integerAtLeast(argv[++i]!, 0, "ERR LIMIT can't be negative");
    } else {
      fail(ERRORS.syntax);
    }
  }
  return intersect(lookupAll(db, argv.slice(2, 2 + numkeys)), limit).size;
}

function smove(db: Database, argv: Buffer[]): Reply {
  const sourceKey = latin1(argv[1]!);
  const destinationKey = latin1(argv[2]!);
  const member = latin1(argv[3]!);
  // Redis looks both up before checking either type: a missing source wins over a bad destination.
  const sourceValue = db.lookup(sourceKey);
  if (sourceValue === undefined) return 0;
  const source = lookupSet(db, sourceKey) as SetValue;
  let destination = lookupSet(db, destinationKey);
  if (source === destination) return source.has(member) ? 1 : 0;
  if (!source.delete(member)) return 0;
  db.modified(sourceKey, source);
  if (destination === undefined) {
    destination = new SetValue();
    db.set(destinationKey, destination);
  }
  destination.add(member);
  db.modified(destinationKey, destination);
  return 1;
}

/**
 * SADD from strings: `args[1]` is the key, `args[2]` to `args[count - 1]` the members (the RESP
 * fast lane calls it with the arguments it read).
 */
export function addMembers(db: Database, args: readonly string[], count: number): number {
  const key = args[1]!;
  let set = lookupSet(db, key);
  if (set === undefined) {
    set = new SetValue();
    db.set(key, set);
  }
  let added = 0;
  for (let i = 2; i < count; i++) if (set.add(args[i]!)) added++;
  if (added > 0) db.modified(key, set);
  return added;
}

export const setCommands: CommandSpec[] = [
  {
    name: 'sadd',
    arity: -3,
    write: true,
    handler: ({ db }, argv) => addMembers(db, argv.map(latin1), argv.length),
  },
  {
    name: 'srem',
    arity: -3,
    write: true,
    handler: ({ db }, argv) => {
      const key = latin1(argv[1]!);
      const set = lookupSet(db, key);
      if (set === undefined) return 0;
      let removed = 0;
      for (let i = 2; i < argv.length; i++) if (set.delete(latin1(argv[i]!))) removed++;
      if (removed > 0) db.modified(key, set);
      return removed;
    },
  },
  {
    name: 'smembers',
    arity: 2,
    handler: ({ db }, argv) => membersReply(lookupSet(db, latin1(argv[1]!))),
  },
  {
    name: 'sismember',
    arity: 3,
    handler: ({ db }, argv) => (lookupSet(db, latin1(argv[1]!))?.has(latin1(argv[2]!)) ? 1 : 0),
  },
  {
    name: 'smismember',
    arity: -3,
    handler: ({ db }, argv) => {
      const set = lookupSet(db, latin1(argv[1]!));
      return argv.slice(2).map((member) => (set?.has(latin1(member)) ? 1 : 0));
    },
  },
  {
    name: 'scard',
    arity: 2,
    handler: ({ db }, argv) => lookupSet(db, latin1(argv[1]!))?.size ?? 0,
  },
  { name: 'spop', arity: -2, write: true, handler: ({ db }, argv) => spop(db, argv) },
  { name: 'srandmember', arity: -2, handler: ({ db }, argv) => srandmember(db, argv) },
  combineCommand('sinter', intersect),
  combineCommand('sunion', union),
  combineCommand('sdiff', difference),
  storeCommand('sinterstore', intersect),
  storeCommand('sunionstore', union),
  storeCommand('sdiffstore', difference),
  { name: 'sintercard', arity: -3, handler: ({ db }, argv) => sintercard(db, argv) },
  { name: 'smove', arity: 4, write: true, handler: ({ db }, argv) => smove(db, argv) },
  {
    name: 'sscan',
    arity: -3,
    handler: (ctx, argv) =>
      scanCollection<SetValue, string>(ctx, argv, 'set', {
        compact: (set) => set.intset,
        items: (set) => (set.intset ? sortedMembers(set) : set.values()),
        name: (member) => member,
        reply: (member) => [bulk(member)],
      }),
  },
];

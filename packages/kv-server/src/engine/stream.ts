// The stream type: entries in ID order, grouped into nodes the way Redis groups them into
// listpacks, plus consumer groups with their pending entries lists (PELs).
//
// Redis keeps a stream as a radix tree of listpacks ("nodes"). We do not copy the encoding, but
// the node boundaries are observable: `XADD/XTRIM MAXLEN ~` and `MINID ~` only ever drop whole
// nodes, and XINFO reports the node count. So each node here records what decides its
// boundaries in Redis: at most 100 entries, live or deleted (stream-node-max-entries), and the
// listpack's size in bytes against stream-node-max-bytes (4096), computed with the listpack's
// own element sizes. XDEL only flags an entry deleted (a tombstone) unless it was the node's
// last live one, in which case the node goes, exactly as in Redis.
//
// An ID is one bigint: ms << 64 | seq, so IDs compare and sort as numbers.

import type { Collection } from './database.ts';
import { ARRAY_SLOT_BYTES, MAP_ENTRY_BYTES, OBJECT_BYTES, stringBytes } from './memory.ts';
import { parseInt64 } from './parse.ts';

export type StreamId = bigint;

const U64 = (1n << 64n) - 1n;
export const MIN_ID: StreamId = 0n;
export const MAX_ID: StreamId = (1n << 128n) - 1n;

export function makeId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}
export function idMs(id: StreamId): bigint {
  return id >> 64n;
}
export function idSeq(id: StreamId): bigint {
  return id & U64;
}
export function formatId(id: StreamId): string {
  return `${id >> 64n}-${id & U64}`;
}
/** Parses "ms-seq" as written by formatId (snapshots only; user input goes through parseId). */
export function unformatId(s: string): StreamId {
  const dash = s.indexOf('-');
  return makeId(BigInt(s.slice(0, dash)), BigInt(s.slice(dash + 1)));
}

// Redis's defaults (redis.conf): stream-node-max-entries 100, stream-node-max-bytes 4096.
export const NODE_MAX_ENTRIES = 100;
export const NODE_MAX_BYTES = 4096;

// ---------------------------------------------------------------------------------------------
// Listpack element sizes (listpack.c): an element is its encoding, its data and a back-length.

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Bytes of an integer element (the 7-, 13-, 16-, 24-, 32- and 64-bit encodings, + backlen). */
function lpIntBytes(v: bigint): number {
  if (v >= 0n && v <= 127n) return 2;
  if (v >= -4096n && v <= 4095n) return 3;
  if (v >= -32768n && v <= 32767n) return 4;
  if (v >= -8388608n && v <= 8388607n) return 5;
  if (v >= -2147483648n && v <= 2147483647n) return 6;
  return 10;
}

/** Bytes of a string element; a string that reads as an int64 is stored as an integer. */
function lpStringBytes(s: string): number {
  if (s.length > 0 && s.length < 21) {
    const n = parseInt64(s);
    if (n !== undefined) return lpIntBytes(n);
  }
  const len = s.length;
  const encoded = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return encoded + backlenSize(encoded);
}

/** uint64 difference as the int64 Redis stores (lpAppendInteger takes an int64_t). */
function asInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

// ---------------------------------------------------------------------------------------------

export interface StreamEntry {
  id: StreamId;
  /** field, value, field, value ... (latin1 strings). */
  fields: string[];
  deleted: boolean;
}

/** One listpack of Redis's radix tree: its master ID and fields, entries in ID order. */
export class StreamNode {
  readonly entries: StreamEntry[] = [];
  live = 0;
  deletedCount = 0;
  /** What lpBytes() would say for this node's listpack. */
  bytes: number;

  constructor(
    readonly masterId: StreamId,
    readonly masterFields: string[],
  ) {
    // Header (6) + end byte (1) + count + deleted + num-fields + the fields + the 0 terminator.
    let bytes = 7 + 2 + 2 + lpIntBytes(BigInt(masterFields.length)) + 2;
    for (const f of masterFields) bytes += lpStringBytes(f);
    this.bytes = bytes;
  }

  /** Appends an entry (the caller checked the node has room), accounting its listpack bytes. */
  append(id: StreamId, fields: string[]): void {
    const numfields = fields.length / 2;
    let same = numfields === this.masterFields.length;
    for (let i = 0; same && i < numfields; i++) same = fields[i * 2] === this.masterFields[i];
    let bytes = 2; // flags
    bytes += lpIntBytes(asInt64(idMs(id) - idMs(this.masterId)));
    bytes += lpIntBytes(asInt64(idSeq(id) - idSeq(this.masterId)));
    if (!same) bytes += lpIntBytes(BigInt(numfields));
    for (let i = 0; i < numfields; i++) {
      if (!same) bytes += lpStringBytes(fields[i * 2]!);
      bytes += lpStringBytes(fields[i * 2 + 1]!);
    }
    const lpCount = numfields + 3 + (same ? 0 : numfields + 1);
    bytes += lpIntBytes(BigInt(lpCount));
    this.bytes += bytes;
    this.entries.push({ id, fields, deleted: false });
    this.live++;
  }

  get firstId(): StreamId {
    return this.entries[0]!.id;
  }

  /** The last entry's ID, deleted or not (lpGetEdgeStreamID reads it either way). */
  get lastId(): StreamId {
    return this.entries[this.entries.length - 1]!.id;
  }

  /** Index of the first entry with id >= `id`. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A pending entry: delivered to `consumer`, not acknowledged yet. */
export interface Nack {
  deliveryTime: number;
  deliveryCount: number;
  consumer: Consumer | undefined;
}

/**
 * A map from stream IDs kept in ID order (Redis keeps PELs in radix trees): parallel sorted
 * arrays searched by bisection. (A JS Map keyed by bigints is slow here: V8 hashes bigint keys
 * poorly, and lookups in a 100,000-entry PEL degrade to microseconds each.) Entries are added at
 * the end in the common case, so inserts are O(1); removals shift the arrays.
 */
export class IdMap<V> {
  private readonly keys: StreamId[] = [];
  private readonly values: V[] = [];

  get size(): number {
    return this.keys.length;
  }

  get(id: StreamId): V | undefined {
    const i = this.lowerBound(id);
    return this.keys[i] === id ? this.values[i] : undefined;
  }

  has(id: StreamId): boolean {
    return this.keys[this.lowerBound(id)] === id;
  }

  /** Inserts when absent; false when the ID was already there (raxTryInsert). */
  tryInsert(id: StreamId, value: V): boolean {
    const n = this.keys.length;
    if (n === 0 || this.keys[n - 1]! < id) {
      this.keys.push(id);
      this.values.push(value);
      return true;
    }
    const i = this.lowerBound(id);
    if (this.keys[i] === id) return false;
    this.keys.splice(i, 0, id);
    this.values.splice(i, 0, value);
    return true;
  }

  delete(id: StreamId): boolean {
    const i = this.lowerBound(id);
    if (this.keys[i] !== id) return false;
    this.keys.splice(i, 1);
    this.values.splice(i, 1);
    return true;
  }

  first(): StreamId | undefined {
    return this.keys[0];
  }

  last(): StreamId | undefined {
    return this.keys[this.keys.length - 1];
  }

  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  keyAt(index: number): StreamId | undefined {
    return this.keys[index];
  }

  /** Removes every ID `other` holds, in one merge walk of the two sorted key lists. */
  deleteAll(other: IdMap<unknown>): void {
    const gone = other.keys;
    let g = 0;
    let w = 0;
    for (let r = 0; r < this.keys.length; r++) {
      const key = this.keys[r]!;
      while (g < gone.length && gone[g]! < key) g++;
      if (g < gone.length && gone[g] === key) continue;
      this.keys[w] = key;
      this.values[w] = this.values[r]!;
      w++;
    }
    this.keys.length = w;
    this.values.length = w;
  }

  /**
   * Entries with id >= `from`, in order. The map must not gain or lose entries during the walk
   * (changing the values it holds is fine).
   */
  *from(from: StreamId): IterableIterator<[StreamId, V]> {
    for (let i = this.lowerBound(from); i < this.keys.length; i++) {
      yield [this.keys[i]!, this.values[i]!];
    }
  }
}

export class Consumer {
  readonly pel = new IdMap<Nack>();
  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

/** SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const INVALID_ENTRIES_READ = -1n;

export class ConsumerGroup {
  readonly pel = new IdMap<Nack>();
  readonly consumers = new Map<string, Consumer>();

  constructor(
    readonly name: string,
    public lastId: StreamId,
    public entriesRead: bigint,
  ) {}

  /** Consumers in Redis's radix-tree order (bytewise by name). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }

  /** Deletes a consumer and its pending entries (streamDelConsumer); returns how many it had. */
  deleteConsumer(consumer: Consumer): number {
    const pending = consumer.pel.size;
    this.pel.deleteAll(consumer.pel);
    this.consumers.delete(consumer.name);
    return pending;
  }
}

/** Bytes of one entry in this process: its object, its ID (a bigint), its array and strings. */
function entryBytes(fields: string[]): number {
  let bytes = OBJECT_BYTES + BIGINT_BYTES + 16 + fields.length * ARRAY_SLOT_BYTES;
  for (const f of fields) bytes += stringBytes(f);
  return bytes;
}

/** A 128-bit bigint (an ID): header plus two 64-bit digits. */
const BIGINT_BYTES = 32;
/** A pending entry: its object, and its ID in the group's and the consumer's ordered maps. */
const NACK_BYTES = OBJECT_BYTES + 2 * (MAP_ENTRY_BYTES + ARRAY_SLOT_BYTES + BIGINT_BYTES);

export class StreamValue implements Collection {
  readonly typeName = 'stream';
  readonly nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamId = MIN_ID;
  /** First live entry's ID (Redis keeps it for the lag arithmetic); 0 when the stream is empty. */
  firstId: StreamId = MIN_ID;
  maxDeletedId: StreamId = MIN_ID;
  entriesAdded = 0n;
  readonly groups = new Map<string, ConsumerGroup>();
  /** Running estimate of the entries' memory (see memoryUsage). */
  private entryMemory = 0;

  /** A stream key stays when its last entry goes (unlike the other types), so never 0. */
  get size(): number {
    return Math.max(1, this.length);
  }

  /** What this stream costs in memory, roughly: entries, nodes and the groups' PELs. */
  memoryUsage(): number {
    let bytes = OBJECT_BYTES + this.entryMemory + this.nodes.length * (OBJECT_BYTES + 32);
    // Groups are few (one per application reading the stream): this loop stays short.
    for (const group of this.groups.values()) {
      bytes += OBJECT_BYTES + MAP_ENTRY_BYTES + stringBytes(group.name);
      bytes += group.pel.size * NACK_BYTES;
      bytes += group.consumers.size * (OBJECT_BYTES * 2 + MAP_ENTRY_BYTES);
    }
    return bytes;
  }

  /** Adds a node rebuilt from a snapshot, with its live entries' memory. */
  adoptNode(node: StreamNode): void {
    this.nodes.push(node);
    this.length += node.live;
    for (const e of node.entries) if (!e.deleted) this.entryMemory += entryBytes(e.fields);
  }

  /** streamAppendItem after the ID checks: into the tail node if it has room, else a new one. */
  append(id: StreamId, fields: string[]): void {
    let totelelen = 0;
    for (const f of fields) totelelen += f.length;
    let node = this.nodes[this.nodes.length - 1];
    if (
      node !== undefined &&
      (node.bytes + totelelen >= NODE_MAX_BYTES ||
        node.live + node.deletedCount >= NODE_MAX_ENTRIES)
    ) {
      node = undefined;
    }
    if (node === undefined) {
      const masterFields: string[] = [];
      for (let i = 0; i < fields.length; i += 2) masterFields.push(fields[i]!);
      node = new StreamNode(id, masterFields);
      this.nodes.push(node);
    }
    node.append(id, fields);
    this.entryMemory += entryBytes(fields);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Index of the node an iteration from `id` starts at (raxSeek "<=" then "^" on EOF). */
  private seekNode(id: StreamId): number {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.nodes[mid]!.masterId <= id) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  /** Live entries with start <= id <= end, forward or backward, at most `count` (0: all). */
  range(start: StreamId, end: StreamId, count = 0, rev = false): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end || this.nodes.length === 0) return out;
    if (!rev) {
      for (let n = this.seekNode(start); n < this.nodes.length; n++) {
        const node = this.nodes[n]!;
        for (let i = node.lowerBound(start); i < node.entries.length; i++) {
          const entry = node.entries[i]!;
          if (entry.id > end) return out;
          if (entry.deleted) continue;
          out.push(entry);
          if (count && out.length === count) return out;
        }
      }
    } else {
      for (let n = this.seekNode(end); n >= 0; n--) {
        const node = this.nodes[n]!;
        for (let i = node.lowerBound(end + 1n) - 1; i >= 0; i--) {
          const entry = node.entries[i]!;
          if (entry.id < start) return out;
          if (entry.deleted) continue;
          out.push(entry);
          if (count && out.length === count) return out;
        }
      }
    }
    return out;
  }

  /** The live entry with this ID, if any. */
  get(id: StreamId): StreamEntry | undefined {
    return this.range(id, id, 1)[0];
  }

  /** The last live ID (streamLastValidID); MIN_ID when the stream is empty. */
  lastValidId(): StreamId {
    return this.range(MIN_ID, MAX_ID, 1, true)[0]?.id ?? MIN_ID;
  }

  /** The first live ID, or MAX_ID when empty (streamGetEdgeID). */
  private firstLiveId(): StreamId {
    return this.range(MIN_ID, MAX_ID, 1)[0]?.id ?? MAX_ID;
  }

  /** XDEL of one ID: flags it deleted, or drops its node when it was the node's last live entry. */
  deleteEntry(id: StreamId): boolean {
    if (this.nodes.length === 0) return false;
    const n = this.seekNode(id);
    const node = this.nodes[n]!;
    const i = node.lowerBound(id);
    const entry = node.entries[i];
    if (entry === undefined || entry.id !== id || entry.deleted) return false;
    if (node.live === 1) {
      for (const e of node.entries) if (!e.deleted) this.entryMemory -= entryBytes(e.fields);
      this.nodes.splice(n, 1);
    } else {
      entry.deleted = true;
      node.live--;
      node.deletedCount++;
      this.entryMemory -= entryBytes(entry.fields);
    }
    this.length--;
    return true;
  }

  /** XDEL's bookkeeping after deleting `ids` (max deleted ID, first ID). */
  noteDeleted(ids: StreamId[]): void {
    let firstGone = false;
    for (const id of ids) {
      if (id === this.firstId) firstGone = true;
      if (id > this.maxDeletedId) this.maxDeletedId = id;
    }
    if (this.length === 0) this.firstId = MIN_ID;
    else if (firstGone) this.firstId = this.firstLiveId();
  }

  /**
   * streamTrim: MAXLEN (`maxlen`) or MINID (`minid`), exact or approximate (whole nodes only),
   * with LIMIT (`limit`, 0 for none). Returns how many entries it removed.
   */
  trim(
    strategy: 'maxlen' | 'minid',
    maxlen: bigint,
    minid: StreamId,
    approx: boolean,
    limit: bigint,
  ): number {
    let deleted = 0;
    while (this.nodes.length > 0) {
      if (strategy === 'maxlen' && BigInt(this.length) <= maxlen) break;
      const node = this.nodes[0]!;
      const entries = node.live;
      if (limit && BigInt(deleted + entries) > limit) break;
      const removeNode =
        strategy === 'maxlen' ? BigInt(this.length - entries) >= maxlen : node.lastId < minid;
      if (removeNode) {
        for (const e of node.entries) if (!e.deleted) this.entryMemory -= entryBytes(e.fields);
        this.nodes.shift();
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      // Mark entries inside this node deleted until the condition holds; the node stays.
      for (const entry of node.entries) {
        const stop = strategy === 'maxlen' ? BigInt(this.length) <= maxlen : entry.id >= minid;
        if (stop) break;
        if (!entry.deleted) {
          entry.deleted = true;
          node.live--;
          node.deletedCount++;
          this.length--;
          deleted++;
          this.entryMemory -= entryBytes(entry.fields);
        }
      }
      break;
    }
    if (deleted) this.firstId = this.length === 0 ? MIN_ID : this.firstLiveId();
    return deleted;
  }

  /** streamRangeHasTombstones(s, start, NULL). */
  hasTombstonesFrom(start: StreamId): boolean {
    if (this.length === 0 || this.maxDeletedId === MIN_ID) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the read counter of `id`, or -1 if unknown. */
  estimateEntriesRead(id: StreamId): bigint {
    if (this.entriesAdded === 0n) return 0n;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return INVALID_ENTRIES_READ;
    if (this.maxDeletedId === MIN_ID || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - BigInt(this.length);
      if (id === this.firstId) return this.entriesAdded - BigInt(this.length) + 1n;
    }
    return INVALID_ENTRIES_READ;
  }

  /** streamCGLag: the group's lag, or undefined when it cannot be known. */
  lag(group: ConsumerGroup): bigint | undefined {
    if (this.entriesAdded === 0n) return 0n;
    if (group.entriesRead !== INVALID_ENTRIES_READ && !this.hasTombstonesFrom(group.lastId)) {
      return this.entriesAdded - group.entriesRead;
    }
    const read = this.estimateEntriesRead(group.lastId);
    return read === INVALID_ENTRIES_READ ? undefined : this.entriesAdded - read;
  }

  /** Groups in Redis's radix-tree order (bytewise by name). */
  sortedGroups(): ConsumerGroup[] {
    return [...this.groups.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }

  toSnapshot(): StreamSnapshot {
    return {
      lastId: formatId(this.lastId),
      firstId: formatId(this.firstId),
      maxDeletedId: formatId(this.maxDeletedId),
      entriesAdded: this.entriesAdded.toString(),
      nodes: this.nodes.map((node) => ({
        master: formatId(node.masterId),
        fields: node.masterFields,
        entries: node.entries.map((e) => [formatId(e.id), e.deleted ? 1 : 0, ...e.fields]),
      })),
      groups: this.sortedGroups().map((group) => ({
        name: group.name,
        lastId: formatId(group.lastId),
        entriesRead: group.entriesRead.toString(),
        consumers: group.sortedConsumers().map((c) => [c.name, c.seenTime]),
        pel: [...group.pel.from(MIN_ID)].map(([id, nack]) => [
          formatId(id),
          nack.deliveryTime,
          nack.deliveryCount,
          nack.consumer?.name ?? null,
        ]),
      })),
    };
  }
}

interface StreamSnapshot {
  lastId: string;
  firstId: string;
  maxDeletedId: string;
  entriesAdded: string;
  nodes: { master: string; fields: string[]; entries: (string | number)[][] }[];
  groups: {
    name: string;
    lastId: string;
    entriesRead: string;
    consumers: (string | number)[][];
    pel: (string | number | null)[][];
  }[];
}

/** Rebuilds a stream from its `toSnapshot()` data (engine/restorers.ts lists every type's). */
export function restoreStream(data: unknown): StreamValue {
  const snap = data as StreamSnapshot;
  const stream = new StreamValue();
  for (const n of snap.nodes) {
    const node = new StreamNode(unformatId(n.master), n.fields);
    for (const [id, deleted, ...fields] of n.entries) {
      node.append(unformatId(id as string), fields as string[]);
      if (deleted) {
        node.entries[node.entries.length - 1]!.deleted = true;
        node.live--;
        node.deletedCount++;
      }
    }
    stream.adoptNode(node);
  }
  stream.lastId = unformatId(snap.lastId);
  stream.firstId = unformatId(snap.firstId);
  stream.maxDeletedId = unformatId(snap.maxDeletedId);
  stream.entriesAdded = BigInt(snap.entriesAdded);
  for (const g of snap.groups) {
    const group = new ConsumerGroup(g.name, unformatId(g.lastId), BigInt(g.entriesRead));
    for (const [name, seen] of g.consumers) {
      group.consumers.set(name as string, new Consumer(name as string, seen as number));
    }
    for (const [id, time, count, owner] of g.pel) {
      const consumer = owner === null ? undefined : group.consumers.get(owner as string);
      const nack: Nack = {
        deliveryTime: time as number,
        deliveryCount: count as number,
        consumer,
      };
      const key = unformatId(id as string);
      group.pel.tryInsert(key, nack);
      consumer?.pel.tryInsert(key, nack);
    }
    stream.groups.set(group.name, group);
  }
  return stream;
}

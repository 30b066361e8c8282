// A stream in Redis's RDB format, for DUMP and RESTORE (commands/dump.ts holds the framing).
//
// Redis 7.0 writes RDB_TYPE_STREAM_LISTPACKS_2 (19): every node of the radix tree as its 16-byte
// key and its listpack, byte for byte; then the length, last ID, first ID, max deleted ID and
// entries added; then each consumer group (name, last ID, entries read, its PEL with delivery
// times and counts, and its consumers with their seen time and the IDs they own). The node
// listpacks are rebuilt here from what a StreamNode keeps (master ID and fields, every entry
// with its deleted flag), in the layout of t_stream.c's streamAppendItem, so a small stream
// dumps to exactly Redis's bytes (Redis LZF-compresses a listpack when that saves space; we
// never do, so a larger stream dumps to different bytes that Redis still RESTOREs).
//
// RESTORE also reads Redis 5-6.2's type 15 (no first/max-deleted IDs, no read counters) and
// Redis 7.2's type 21 (consumers also carry an active time).

import {
  BadFormat,
  listpack,
  listpackEntry,
  need,
  type Reader,
  readListpack,
  type Writer,
} from './commands/dump.ts';
import { parseInt64 } from './parse.ts';
import {
  Consumer,
  ConsumerGroup,
  INVALID_ENTRIES_READ,
  idMs,
  idSeq,
  makeId,
  type Nack,
  type StreamId,
  StreamNode,
  StreamValue,
} from './stream.ts';

export const TYPE_STREAM_LISTPACKS = 15;
export const TYPE_STREAM_LISTPACKS_2 = 19;
export const TYPE_STREAM_LISTPACKS_3 = 21;

/** rdbSaveLen for a 64-bit value (an ID half, a counter, -1 as 2^64-1). */
function writeLen64(w: Writer, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  if (u <= 0xffffffffn) {
    w.len(Number(u));
    return;
  }
  const b = Buffer.alloc(9);
  b[0] = 0x81;
  b.writeBigUInt64BE(u, 1);
  w.raw(b);
}

function readLen64(r: Reader): bigint {
  const first = r.byte();
  const type = first >> 6;
  if (type === 0) return BigInt(first & 0x3f);
  if (type === 1) return BigInt(((first & 0x3f) << 8) | r.byte());
  if (first === 0x80) return BigInt(r.bytes(4).readUInt32BE(0));
  if (first === 0x81) return r.bytes(8).readBigUInt64BE(0);
  throw new BadFormat();
}

function idKey(id: StreamId): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(idMs(id), 0);
  b.writeBigUInt64BE(idSeq(id), 8);
  return b;
}

function keyId(b: Buffer): StreamId {
  need(b.length === 16);
  return makeId(b.readBigUInt64BE(0), b.readBigUInt64BE(8));
}

function writeId(w: Writer, id: StreamId): void {
  writeLen64(w, idMs(id));
  writeLen64(w, idSeq(id));
}

function readId(r: Reader): StreamId {
  const ms = readLen64(r);
  return makeId(ms, readLen64(r));
}

/** rdbSaveMillisecondTime / rdbLoadMillisecondTime: an int64, little-endian. */
function writeTime(w: Writer, ms: number): void {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(Math.trunc(ms)), 0);
  w.raw(b);
}

function readTime(r: Reader): number {
  return Number(r.bytes(8).readBigInt64LE(0));
}

function int64Text(v: bigint): string {
  return BigInt.asIntN(64, v).toString();
}

/** A node's listpack as streamAppendItem left it (see the file comment). */
export function nodeListpack(node: StreamNode): Buffer {
  const items: string[] = [
    String(node.live),
    String(node.deletedCount),
    String(node.masterFields.length),
    ...node.masterFields,
    '0',
  ];
  const masterMs = idMs(node.masterId);
  const masterSeq = idSeq(node.masterId);
  for (const entry of node.entries) {
    const numfields = entry.fields.length / 2;
    let same = numfields === node.masterFields.length;
    for (let i = 0; same && i < numfields; i++) same = entry.fields[i * 2] === node.masterFields[i];
    items.push(
      String((entry.deleted ? 1 : 0) | (same ? 2 : 0)),
      int64Text(idMs(entry.id) - masterMs),
      int64Text(idSeq(entry.id) - masterSeq),
    );
    if (!same) items.push(String(numfields));
    for (let i = 0; i < numfields; i++) {
      if (!same) items.push(entry.fields[i * 2]!);
      items.push(entry.fields[i * 2 + 1]!);
    }
    items.push(String(numfields + 3 + (same ? 0 : numfields + 1)));
  }
  return listpack(items.map(listpackEntry));
}

export function writeStream(w: Writer, stream: StreamValue): void {
  w.byte(TYPE_STREAM_LISTPACKS_2);
  w.len(stream.nodes.length);
  for (const node of stream.nodes) {
    w.string(idKey(node.masterId));
    w.string(nodeListpack(node));
  }
  w.len(stream.length);
  writeId(w, stream.lastId);
  writeId(w, stream.firstId);
  writeId(w, stream.maxDeletedId);
  writeLen64(w, stream.entriesAdded);
  const groups = stream.sortedGroups();
  w.len(groups.length);
  for (const group of groups) {
    w.string(group.name);
    writeId(w, group.lastId);
    writeLen64(w, group.entriesRead);
    w.len(group.pel.size);
    for (const [id, nack] of group.pel.from(0n)) {
      w.raw(idKey(id));
      writeTime(w, nack.deliveryTime);
      w.len(nack.deliveryCount);
    }
    const consumers = group.sortedConsumers();
    w.len(consumers.length);
    for (const consumer of consumers) {
      w.string(consumer.name);
      writeTime(w, consumer.seenTime);
      w.len(consumer.pel.size);
      for (const [id] of consumer.pel.from(0n)) w.raw(idKey(id));
    }
  }
}

function integer(text: string): bigint {
  const n = parseInt64(text);
  need(n !== undefined);
  return n;
}

/** Rebuilds a node from its key and listpack, checking it is a well-formed stream listpack. */
function readNode(key: Buffer, blob: Buffer): StreamNode {
  const masterId = keyId(key);
  const items = readListpack(blob);
  let p = 0;
  const next = (): string => {
    need(p < items.length);
    return items[p++]!;
  };
  const live = integer(next());
  const deleted = integer(next());
  const masterCount = Number(integer(next()));
  need(masterCount >= 0 && masterCount <= items.length);
  const masterFields: string[] = [];
  for (let i = 0; i < masterCount; i++) masterFields.push(next());
  need(next() === '0');
  const node = new StreamNode(masterId, masterFields);
  let seenLive = 0n;
  let seenDeleted = 0n;
  let previous: StreamId | undefined;
  while (p < items.length) {
    const flags = Number(integer(next()));
    need(flags >= 0 && flags <= 3);
    const ms = BigInt.asUintN(64, idMs(masterId) + integer(next()));
    const seq = BigInt.asUintN(64, idSeq(masterId) + integer(next()));
    const id = makeId(ms, seq);
    need(previous === undefined || id > previous);
    need(id >= masterId);
    previous = id;
    const same = (flags & 2) !== 0;
    const numfields = same ? masterCount : Number(integer(next()));
    need(numfields >= 0 && numfields <= items.length);
    const fields: string[] = [];
    for (let i = 0; i < numfields; i++) {
      fields.push(same ? masterFields[i]! : next());
      fields.push(next());
    }
    need(integer(next()) === BigInt(numfields + 3 + (same ? 0 : numfields + 1)));
    node.append(id, fields);
    if (flags & 1) {
      node.entries[node.entries.length - 1]!.deleted = true;
      node.live--;
      node.deletedCount++;
      seenDeleted++;
    } else {
      seenLive++;
    }
  }
  need(seenLive === live && seenDeleted === deleted && node.entries.length > 0);
  return node;
}

export function readStream(r: Reader, type: number): StreamValue {
  const stream = new StreamValue();
  const nodes = r.len();
  for (let i = 0; i < nodes; i++) {
    const key = r.string();
    const node = readNode(key, r.string());
    const last = stream.nodes[stream.nodes.length - 1];
    need(last === undefined || node.masterId > last.lastId);
    stream.adoptNode(node);
  }
  need(BigInt(r.len()) === BigInt(stream.length));
  stream.lastId = readId(r);
  if (type === TYPE_STREAM_LISTPACKS) {
    // Redis 5-6.2 kept no first ID, tombstone high mark or counters: Redis derives them so.
    stream.firstId = stream.length ? stream.range(0n, (1n << 128n) - 1n, 1)[0]!.id : 0n;
    stream.entriesAdded = BigInt(stream.length);
  } else {
    stream.firstId = readId(r);
    stream.maxDeletedId = readId(r);
    stream.entriesAdded = readLen64(r);
  }
  need(stream.length === 0 || stream.lastValidId() <= stream.lastId);
  const groups = r.len();
  for (let g = 0; g < groups; g++) {
    const name = r.string().toString('latin1');
    const lastId = readId(r);
    let entriesRead =
      type === TYPE_STREAM_LISTPACKS
        ? stream.estimateEntriesRead(lastId)
        : BigInt.asIntN(64, readLen64(r));
    if (entriesRead < 0n) entriesRead = INVALID_ENTRIES_READ;
    need(!stream.groups.has(name));
    const group = new ConsumerGroup(name, lastId, entriesRead);
    const pelSize = r.len();
    for (let i = 0; i < pelSize; i++) {
      const id = keyId(r.bytes(16));
      const deliveryTime = readTime(r);
      const nack: Nack = { deliveryTime, deliveryCount: r.len(), consumer: undefined };
      need(group.pel.tryInsert(id, nack));
    }
    const consumers = r.len();
    for (let c = 0; c < consumers; c++) {
      const consumer = new Consumer(r.string().toString('latin1'), readTime(r));
      if (type === TYPE_STREAM_LISTPACKS_3) readTime(r); // active-time (Redis 7.2): not kept
      need(!group.consumers.has(consumer.name));
      group.consumers.set(consumer.name, consumer);
      const owned = r.len();
      for (let i = 0; i < owned; i++) {
        const id = keyId(r.bytes(16));
        const nack = group.pel.get(id);
        // Every ID a consumer owns is in the group's PEL, owned by no one else.
        need(nack !== undefined && nack.consumer === undefined);
        nack.consumer = consumer;
        need(consumer.pel.tryInsert(id, nack));
      }
    }
    for (const [, nack] of group.pel.from(0n)) need(nack.consumer !== undefined);
    stream.groups.set(name, group);
  }
  return stream;
}

// Bitmaps: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, with Redis 7.0's replies,
// argument order and error texts (src/bitops.c). A bitmap is an ordinary string value (a latin1
// JS string, one char per byte), so GET, SETRANGE and APPEND see the same bytes as in Redis;
// bit 0 is the most significant bit of the first byte.
//
// Size limit: Redis refuses a bit offset whose byte is at or past proto-max-bulk-len (512 MB by
// default). Here the limit is proto-max-bulk-len (CONFIG) but at most 64 MB (MAX_BITMAP_BYTES):
// SETBIT/GETBIT/BITFIELD offsets from 2^29 bits up get Redis's own "ERR bit offset is not an
// integer or out of range" (what Redis answers with `proto-max-bulk-len 64mb`), without
// allocating anything. Redis's 512 MB would not fit anyway: V8's longest string is just under
// 2^29 characters, and a 512 MB bitmap is no laptop's friend. Under a maxmemory limit, growing a
// bitmap is a write like SETRANGE (the memory accounting applies).
//
// Cost: Redis changes a bit in place; a JS string cannot change. Rebuilding the whole string on
// every SETBIT measured 5 ms per write on an 8 MB bitmap (and 42 us per write while growing one
// to 200 KB). So the bitmaps written last keep a Buffer copy (BitmapCache below) and the stored
// value is a rope (a V8 cons string) of 32 KB chunk strings: a write re-creates only the chunk it
// touched and re-links the chunks, about O(size / 32 KB) and no copy of the rest. A GET
// flattens the rope once (memcpy speed). Bit reads use the Buffer when the key is cached.

import { ERRORS, fail, latin1, type Reply } from '../../protocol/reply.ts';
import type { Database } from '../database.ts';
import { markRawString } from '../encoding.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';
import { checkGrowth } from '../evict.ts';
import { parseInt64 } from '../parse.ts';
import { keyword } from './collections.ts';
import { configValue } from './config.ts';

/** This engine's proto-max-bulk-len for bit offsets, in bytes (see the header). */
export const MAX_BITMAP_BYTES = 64 * 1024 * 1024;

const BIT_OFFSET_ERROR = 'ERR bit offset is not an integer or out of range';
const BITFIELD_TYPE_ERROR =
  'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/**
 * The byte limit for bit offsets: proto-max-bulk-len as CONFIG has it (Redis's own check), but
 * never more than MAX_BITMAP_BYTES.
 */
function offsetLimit(ctx: CommandContext): number {
  const configured = Number(configValue(ctx.engine, 'proto-max-bulk-len') ?? MAX_BITMAP_BYTES);
  return Number.isFinite(configured) ? Math.min(configured, MAX_BITMAP_BYTES) : MAX_BITMAP_BYTES;
}

/** getBitOffsetFromArgument: a bit offset, `#n` meaning n*bits when `bits` is given (BITFIELD). */
function bitOffset(ctx: CommandContext, arg: Buffer, bits = 0): number {
  let text = latin1(arg);
  const hash = bits > 0 && text.startsWith('#');
  if (hash) text = text.slice(1);
  let n = parseInt64(text);
  if (n === undefined) fail(BIT_OFFSET_ERROR);
  if (hash) n *= BigInt(bits);
  if (n < 0n || n >> 3n >= BigInt(offsetLimit(ctx))) fail(BIT_OFFSET_ERROR);
  return Number(n);
}

// ---------------------------------------------------------------------------------------------
// The write cache

const CHUNK = 32 * 1024;
/** Shared by every all-zero chunk: a sparse bitmap costs one Buffer, not two copies of zeros. */
const ZERO_CHUNK = '\0'.repeat(CHUNK);
/** Bitmaps kept per database (least recently written first out): each costs its size again. */
const CACHE_KEYS = 8;

interface CachedBitmap {
  /** The exact string stored at the key when this was last written (identity checked). */
  str: string;
  /** The same bytes, with spare capacity at the end. */
  buf: Buffer;
  len: number;
  /** str as CHUNK-sized pieces; str is their concatenation. */
  chunks: string[];
}

const caches = new WeakMap<Database, Map<string, CachedBitmap>>();

/** The cached copy of `key` if it still holds exactly `value` (a read never fills the cache). */
function cachedFor(db: Database, key: string, value: string): CachedBitmap | undefined {
  const entry = caches.get(db)?.get(key);
  // Same object: O(1). A different string with equal bytes is still a valid hit.
  return entry !== undefined && entry.str === value ? entry : undefined;
}

/** A writable copy of `current` (the value at `key`), grown with zeros to `minLen` bytes. */
function writable(
  db: Database,
  key: string,
  current: string | undefined,
  minLen: number,
): CachedBitmap {
  // maxmemory: growth that cannot fit answers OOM before anything is allocated (evict.ts).
  checkGrowth(db, minLen - (current?.length ?? 0));
  let map = caches.get(db);
  if (map === undefined) {
    map = new Map();
    caches.set(db, map);
  }
  let entry = current === undefined ? undefined : cachedFor(db, key, current);
  map.delete(key);
  if (entry === undefined) {
    const base = current ?? '';
    const buf = Buffer.alloc(Math.max(minLen, base.length));
    buf.write(base, 0, 'latin1');
    const chunks: string[] = [];
    for (let at = 0; at < base.length; at += CHUNK) chunks.push(base.slice(at, at + CHUNK));
    entry = { str: base, buf, len: base.length, chunks };
  }
  if (map.size >= CACHE_KEYS) map.delete(map.keys().next().value as string);
  map.set(key, entry);
  if (minLen > entry.len) grow(entry, minLen);
  return entry;
}

function grow(entry: CachedBitmap, len: number): void {
  if (len > entry.buf.length) {
    // Doubling capacity: SETBIT at increasing offsets reallocates O(log n) times.
    const buf = Buffer.alloc(Math.min(Math.max(len, entry.buf.length * 2), MAX_BITMAP_BYTES + 8));
    entry.buf.copy(buf, 0, 0, entry.len);
    entry.buf = buf;
  }
  const oldLen = entry.len;
  entry.len = len;
  // The old last chunk (if partial) gets its zeros; new chunks are the shared zero chunk.
  const firstChanged = Math.floor(oldLen / CHUNK);
  for (let k = firstChanged; k * CHUNK < len; k++) {
    const from = k * CHUNK;
    const to = Math.min(len, from + CHUNK);
    entry.chunks[k] =
      from >= oldLen
        ? to - from === CHUNK
          ? ZERO_CHUNK
          : ZERO_CHUNK.slice(0, to - from)
        : chunkText(entry, k);
  }
}

function chunkText(entry: CachedBitmap, k: number): string {
  return entry.buf.toString('latin1', k * CHUNK, Math.min(entry.len, (k + 1) * CHUNK));
}

/** Stores the cached bytes at `key` after bytes [from, to] changed (or after growth). */
function commit(db: Database, key: string, entry: CachedBitmap, from: number, to: number): void {
  for (
    let k = Math.floor(from / CHUNK);
    k <= Math.floor(to / CHUNK) && k * CHUNK < entry.len;
    k++
  ) {
    entry.chunks[k] = chunkText(entry, k);
  }
  let str = entry.chunks[0] ?? '';
  for (let k = 1; k < entry.chunks.length; k++) str += entry.chunks[k];
  entry.str = str;
  db.set(key, str, true);
}

/** The bytes of `value` for reading: the cached Buffer when there is one (no flattening). */
function readable(db: Database, key: string, value: string): Buffer | string {
  const entry = cachedFor(db, key, value);
  return entry === undefined ? value : entry.buf.subarray(0, entry.len);
}

function byteAt(bytes: Buffer | string, i: number): number {
  return typeof bytes === 'string' ? bytes.charCodeAt(i) : bytes[i]!;
}

function setbit(ctx: CommandContext, argv: Buffer[]): Reply {
  const offset = bitOffset(ctx, argv[2]!);
  const bitError = 'ERR bit is not an integer or out of range';
  const on = parseInt64(argv[3]!);
  if (on === undefined || (on !== 0n && on !== 1n)) fail(bitError);
  const key = latin1(argv[1]!);
  const current = ctx.db.lookupString(key);
  const byte = offset >> 3;
  const entry = writable(ctx.db, key, current, byte + 1);
  const old = entry.buf[byte]!;
  const mask = 1 << (7 - (offset & 7));
  const wasSet = (old & mask) !== 0;
  const grew = current === undefined || current.length !== entry.len;
  if (grew || wasSet !== (on === 1n)) {
    entry.buf[byte] = on === 1n ? old | mask : old & ~mask;
    commit(ctx.db, key, entry, byte, byte);
  }
  // Redis unshares the string for SETBIT, changed or not: OBJECT ENCODING says raw.
  markRawString(ctx.engine, ctx.session.dbIndex, key);
  return wasSet ? 1 : 0;
}

function getbit(ctx: CommandContext, argv: Buffer[]): Reply {
  const offset = bitOffset(ctx, argv[2]!);
  const key = latin1(argv[1]!);
  const value = ctx.db.lookupString(key);
  if (value === undefined) return 0;
  const byte = offset >> 3;
  if (byte >= value.length) return 0;
  return (byteAt(readable(ctx.db, key, value), byte) >> (7 - (offset & 7))) & 1;
}

function popcount(bytes: Buffer | string, from: number, to: number): number {
  let count = 0;
  if (typeof bytes === 'string') {
    for (let i = from; i <= to; i++) count += POPCOUNT[bytes.charCodeAt(i)]!;
  } else {
    for (let i = from; i <= to; i++) count += POPCOUNT[bytes[i]!]!;
  }
  return count;
}

/** A long long argument (getLongLongFromObjectOrReply). */
function int64(arg: Buffer): bigint {
  const n = parseInt64(arg);
  if (n === undefined) fail(ERRORS.notInteger);
  return n;
}

/** BYTE or BIT, the optional unit of BITCOUNT and BITPOS ranges. */
function isBitUnit(arg: Buffer): boolean {
  const unit = keyword(arg);
  if (unit === 'bit') return true;
  if (unit === 'byte') return false;
  fail(ERRORS.syntax);
}

interface ByteRange {
  start: number;
  end: number;
  /** Bits of the first / last byte outside a BIT range (Redis's *_neg_mask). */
  firstMask: number;
  lastMask: number;
}

/** Redis's conversion of [start, end] (negatives from the end) to clamped byte positions. */
function byteRange(start: bigint, end: bigint, length: number, isBit: boolean): ByteRange {
  const total = BigInt(isBit ? length * 8 : length);
  if (start < 0n) start += total;
  if (end < 0n) end += total;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= total) end = total - 1n;
  let s = Number(start);
  let e = Number(end);
  let firstMask = 0;
  let lastMask = 0;
  if (isBit && s <= e) {
    firstMask = ~((1 << (8 - (s & 7))) - 1) & 0xff;
    lastMask = (1 << (7 - (e & 7))) - 1;
    s >>= 3;
    e >>= 3;
  }
  return { start: s, end: e, firstMask, lastMask };
}

function bitcount(ctx: CommandContext, argv: Buffer[]): Reply {
  // Redis 7.0 looks the key up before it reads the range: a missing key answers 0 whatever the
  // other arguments are (7.2 changed this order).
  const key = latin1(argv[1]!);
  const value = ctx.db.lookupString(key);
  if (value === undefined) return 0;
  let range: ByteRange;
  if (argv.length === 4 || argv.length === 5) {
    const start = int64(argv[2]!);
    const end = int64(argv[3]!);
    const isBit = argv.length === 5 && isBitUnit(argv[4]!);
    if (start < 0n && end < 0n && start > end) return 0;
    range = byteRange(start, end, value.length, isBit);
  } else if (argv.length === 2) {
    range = { start: 0, end: value.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    fail(ERRORS.syntax);
  }
  const { start, end, firstMask, lastMask } = range;
  if (start > end) return 0;
  const bytes = readable(ctx.db, key, value);
  let count = popcount(bytes, start, end);
  if (firstMask !== 0) count -= POPCOUNT[byteAt(bytes, start) & firstMask]!;
  if (lastMask !== 0) count -= POPCOUNT[byteAt(bytes, end) & lastMask]!;
  return count;
}

/**
 * redisBitpos: the position of the first `bit` in `bytes` (byte values), or -1 when looking
 * for a 1 and there is none, or bytes*8 when looking for a 0 and there is none (the string is
 * taken as zero-padded on the right).
 */
function firstBit(bytes: ArrayLike<number>, bit: number): number {
  const skip = bit === 1 ? 0 : 0xff;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === skip) continue;
    const x = bit === 1 ? b : ~b & 0xff;
    return i * 8 + Math.clz32(x) - 24;
  }
  return bit === 1 ? -1 : bytes.length * 8;
}

function bytesOf(bytes: Buffer | string, from: number, count: number): ArrayLike<number> {
  return typeof bytes === 'string'
    ? Buffer.from(bytes.slice(from, from + count), 'latin1')
    : bytes.subarray(from, from + count);
}

/**
 * The same walk as Redis's BITPOS: the first byte with its out-of-range bits masked, then the
 * middle bytes, then the last byte masked, stopping at the first hit. Returns the position
 * relative to `start` and the byte count of the part it stopped in.
 */
function walkBitpos(
  src: Buffer | string,
  bit: number,
  from: number,
  end: number,
  firstMask: number,
  lastMask: number,
): { pos: number; start: number; bytes: number } {
  let start = from;
  let bytes = end - start + 1;
  let pos: number;
  if (firstMask !== 0) {
    let tmp = bit ? byteAt(src, start) & ~firstMask : byteAt(src, start) | firstMask;
    if (lastMask !== 0 && bytes === 1) tmp = bit ? tmp & ~lastMask : tmp | lastMask;
    pos = firstBit([tmp & 0xff], bit);
    if (bytes === 1 || (pos !== -1 && pos !== 8)) return { pos, start, bytes };
    start++;
    bytes--;
  }
  const middle = bytes - (lastMask !== 0 ? 1 : 0);
  if (middle > 0) {
    pos = firstBit(bytesOf(src, start, middle), bit);
    if (bytes === middle || (pos !== -1 && pos !== middle * 8)) return { pos, start, bytes };
    start += middle;
    bytes -= middle;
  }
  const last = bit ? byteAt(src, end) & ~lastMask : byteAt(src, end) | lastMask;
  return { pos: firstBit([last & 0xff], bit), start, bytes };
}

function bitpos(ctx: CommandContext, argv: Buffer[]): Reply {
  const bitArg = parseInt64(argv[2]!);
  if (bitArg === undefined) fail(ERRORS.notInteger);
  if (bitArg !== 0n && bitArg !== 1n) fail('ERR The bit argument must be 1 or 0.');
  const bit = Number(bitArg);
  // Redis 7.0: a missing key is an infinite run of zeros, before the range is even parsed.
  const key = latin1(argv[1]!);
  const value = ctx.db.lookupString(key);
  if (value === undefined) return bit === 1 ? -1 : 0;
  let range: ByteRange;
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = int64(argv[3]!);
    const isBit = argv.length === 6 && isBitUnit(argv[5]!);
    let end: bigint;
    if (argv.length >= 5) {
      end = int64(argv[4]!);
      endGiven = true;
    } else {
      end = isBit ? BigInt(value.length * 8 + 7) : BigInt(value.length - 1);
    }
    range = byteRange(start, end, value.length, isBit);
  } else if (argv.length === 3) {
    range = { start: 0, end: value.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    fail(ERRORS.syntax);
  }
  let { start } = range;
  const { end, firstMask, lastMask } = range;
  if (start > end) return -1;
  const src = readable(ctx.db, key, value);
  const found = walkBitpos(src, bit, start, end, firstMask, lastMask);
  start = found.start;
  const { pos, bytes } = found;
  if (endGiven && bit === 0 && pos === bytes * 8) return -1;
  return pos === -1 ? -1 : pos + start * 8;
}

type BitOp = 'and' | 'or' | 'xor' | 'not' | 'diff' | 'diff1' | 'andor' | 'one';
const BITOPS = new Set<string>(['and', 'or', 'xor', 'not', 'diff', 'diff1', 'andor', 'one']);

function bitop(ctx: CommandContext, argv: Buffer[]): Reply {
  const name = keyword(argv[1]!);
  if (!BITOPS.has(name)) fail(ERRORS.syntax);
  const op = name as BitOp;
  if (op === 'not' && argv.length !== 4)
    fail('ERR BITOP NOT must be called with a single source key.');
  // DIFF, DIFF1, ANDOR and ONE are Redis 8.2's; Redis 7.0 answers a syntax error for them.
  if ((op === 'diff' || op === 'diff1' || op === 'andor') && argv.length < 5) {
    fail(`ERR BITOP ${op.toUpperCase()} must be called with at least two source keys.`);
  }
  const sources: Buffer[] = [];
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const value = ctx.db.lookupString(latin1(argv[j]!));
    const buf = Buffer.from(value ?? '', 'latin1');
    sources.push(buf);
    if (buf.length > maxlen) maxlen = buf.length;
  }
  const target = latin1(argv[2]!);
  if (maxlen === 0) {
    ctx.db.delete(target);
    return 0;
  }
  const res = Buffer.alloc(maxlen);
  const first = sources[0]!;
  const at = (buf: Buffer, i: number) => (i < buf.length ? buf[i]! : 0);
  for (let i = 0; i < maxlen; i++) {
    let out = at(first, i);
    if (op === 'not') {
      out = ~out & 0xff;
    } else if (op === 'diff' || op === 'diff1' || op === 'andor') {
      let others = 0;
      for (let k = 1; k < sources.length; k++) others |= at(sources[k]!, i);
      out = op === 'diff' ? out & ~others : op === 'diff1' ? ~out & others : out & others;
    } else if (op === 'one') {
      let common = 0;
      for (let k = 1; k < sources.length; k++) {
        const b = at(sources[k]!, i);
        common |= out & b;
        out ^= b;
      }
      out &= ~common;
    } else {
      for (let k = 1; k < sources.length; k++) {
        const b = at(sources[k]!, i);
        out = op === 'and' ? out & b : op === 'or' ? out | b : out ^ b;
      }
    }
    res[i] = out & 0xff;
  }
  ctx.db.set(target, res.toString('latin1'));
  markRawString(ctx.engine, ctx.session.dbIndex, target); // a new raw string object in Redis
  return maxlen;
}

// ---------------------------------------------------------------------------------------------
// BITFIELD

type Overflow = 'wrap' | 'sat' | 'fail';

interface FieldOp {
  opcode: 'get' | 'set' | 'incrby';
  offset: number;
  value: bigint;
  overflow: Overflow;
  bits: number;
  signed: boolean;
}

/** getBitfieldTypeFromArgument: i1..i64 or u1..u63. */
function fieldType(arg: Buffer): { signed: boolean; bits: number } {
  const text = latin1(arg);
  const sign = text[0];
  if (sign !== 'i' && sign !== 'u') fail(BITFIELD_TYPE_ERROR);
  // C reads the digits up to a NUL byte (strlen), then string2ll.
  const digits = text.slice(1).split('\0')[0]!;
  const n = parseInt64(digits);
  const signed = sign === 'i';
  if (n === undefined || n < 1n || n > (signed ? 64n : 63n)) fail(BITFIELD_TYPE_ERROR);
  return { signed, bits: Number(n) };
}

/** Reads `bits` bits at bit `offset` as an unsigned integer (bytes past the end read as 0). */
function readBits(bytes: Buffer | string, offset: number, bits: number): bigint {
  let out = 0n;
  for (let j = 0; j < bits; j++) {
    const pos = offset + j;
    const byte = pos >> 3;
    const b = byte < bytes.length ? (byteAt(bytes, byte) >> (7 - (pos & 7))) & 1 : 0;
    out = (out << 1n) | BigInt(b);
  }
  return out;
}

function writeBits(buf: Buffer, offset: number, bits: number, value: bigint): void {
  for (let j = 0; j < bits; j++) {
    const bit = Number((value >> BigInt(bits - 1 - j)) & 1n);
    const pos = offset + j;
    const byte = pos >> 3;
    const shift = 7 - (pos & 7);
    buf[byte] = (buf[byte]! & ~(1 << shift)) | (bit << shift);
  }
}

function toSigned(u: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, u);
}

/**
 * Redis's check{Signed,Unsigned}BitfieldOverflow: the value to store (wrapped or saturated) and
 * whether it overflowed. `value + incr` is computed exactly here, so the checks are direct.
 */
function fitField(
  value: bigint,
  incr: bigint,
  bits: number,
  signed: boolean,
  overflow: Overflow,
): { result: bigint; overflowed: boolean } {
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const sum = value + incr;
  if (sum >= min && sum <= max) return { result: sum, overflowed: false };
  if (overflow === 'sat') return { result: sum > max ? max : min, overflowed: true };
  // WRAP (and FAIL, which does not store): the sum modulo 2^64, then cut to `bits`.
  const wrapped64 = BigInt.asUintN(64, sum);
  const result = signed ? BigInt.asIntN(bits, wrapped64) : BigInt.asUintN(bits, wrapped64);
  return { result, overflowed: true };
}

function bitfield(ctx: CommandContext, argv: Buffer[], readOnlyCommand: boolean): Reply {
  const ops: FieldOp[] = [];
  let overflow: Overflow = 'wrap';
  let readonly = true;
  let highestWrite = -1;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = keyword(argv[j]!);
    let opcode: FieldOp['opcode'];
    if (sub === 'get' && remaining >= 2) opcode = 'get';
    else if (sub === 'set' && remaining >= 3) opcode = 'set';
    else if (sub === 'incrby' && remaining >= 3) opcode = 'incrby';
    else if (sub === 'overflow' && remaining >= 1) {
      const kind = keyword(argv[++j]!);
      if (kind !== 'wrap' && kind !== 'sat' && kind !== 'fail') {
        fail('ERR Invalid OVERFLOW type specified');
      }
      overflow = kind;
      continue;
    } else fail(ERRORS.syntax);
    const { signed, bits } = fieldType(argv[j + 1]!);
    const offset = bitOffset(ctx, argv[j + 2]!, bits);
    let value = 0n;
    if (opcode !== 'get') {
      readonly = false;
      highestWrite = Math.max(highestWrite, offset + bits - 1);
      value = int64(argv[j + 3]!);
    }
    ops.push({ opcode, offset, value, overflow, bits, signed });
    j += opcode === 'get' ? 2 : 3;
  }
  const key = latin1(argv[1]!);
  const current = ctx.db.lookupString(key);
  if (readonly) {
    const bytes = current === undefined ? '' : readable(ctx.db, key, current);
    return ops.map((op) => {
      const u = readBits(bytes, op.offset, op.bits);
      return fieldReply(op.signed ? toSigned(u, op.bits) : u);
    });
  }
  if (readOnlyCommand) fail('ERR BITFIELD_RO only supports the GET subcommand');
  // Redis creates (or zero-pads) the string before running the ops, even when every write then
  // fails with OVERFLOW FAIL.
  const entry = writable(ctx.db, key, current, (highestWrite >> 3) + 1);
  const buf = entry.buf.subarray(0, entry.len);
  const grew = current === undefined || current.length !== entry.len;
  let changedFrom = grew ? (current?.length ?? 0) : Number.POSITIVE_INFINITY;
  let changedTo = grew ? entry.len - 1 : -1;
  const replies: Reply[] = [];
  for (const op of ops) {
    const raw = readBits(buf, op.offset, op.bits);
    const old = op.signed ? toSigned(raw, op.bits) : raw;
    if (op.opcode === 'get') {
      replies.push(fieldReply(old));
      continue;
    }
    const fit =
      op.opcode === 'incrby'
        ? fitField(old, op.value, op.bits, op.signed, op.overflow)
        : // Redis stores an unsigned SET value as a uint64 first: -1 is 2^64-1 (and saturates high).
          fitField(
            op.signed ? op.value : BigInt.asUintN(64, op.value),
            0n,
            op.bits,
            op.signed,
            op.overflow,
          );
    if (fit.overflowed && op.overflow === 'fail') {
      replies.push(null);
      continue;
    }
    const stored = BigInt.asUintN(op.bits, fit.result);
    if (stored !== raw) {
      writeBits(buf, op.offset, op.bits, stored);
      changedFrom = Math.min(changedFrom, op.offset >> 3);
      changedTo = Math.max(changedTo, (op.offset + op.bits - 1) >> 3);
    }
    replies.push(fieldReply(op.opcode === 'incrby' ? fit.result : old));
  }
  if (changedTo >= 0) commit(ctx.db, key, entry, changedFrom, changedTo);
  if (changedTo >= 0 || current !== undefined) markRawString(ctx.engine, ctx.session.dbIndex, key);
  return replies;
}

function fieldReply(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

export const bitmapCommands: CommandSpec[] = [
  { name: 'setbit', arity: 4, write: true, handler: setbit },
  { name: 'getbit', arity: 3, handler: getbit },
  { name: 'bitcount', arity: -2, handler: bitcount },
  { name: 'bitpos', arity: -3, handler: bitpos },
  { name: 'bitop', arity: -4, write: true, handler: bitop },
  { name: 'bitfield', arity: -2, write: true, handler: (ctx, argv) => bitfield(ctx, argv, false) },
  { name: 'bitfield_ro', arity: -2, handler: (ctx, argv) => bitfield(ctx, argv, true) },
];

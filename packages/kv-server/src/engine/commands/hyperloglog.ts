// HyperLogLog: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, with Redis's own algorithm and bytes
// (src/hyperloglog.c), so PFCOUNT gives Redis's number and GET gives Redis's string:
//
// - MurmurHash64A (seed 0xadc83b19) of the element; the low 14 bits pick one of 16384
//   registers, the run of zeros above them (plus one) is the register's candidate value.
// - A 16-byte header "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, and the last
//   cardinality as a little-endian uint64 whose top bit means "stale".
// - Sparse encoding: ZERO (00xxxxxx: 1-64 zero registers), XZERO (01xxxxxx yyyyyyyy: up to
//   16384), VAL (1vvvvvxx: 1-4 registers of value 1-32), edited in place exactly as Redis does
//   (split an opcode, then merge equal neighbours among the next 5 opcodes), so the same
//   commands produce the same bytes. It turns dense (12304 bytes, 6 bits per register) past
//   hll-sparse-max-bytes (3000) or when a register needs a value above 32.
// - The estimate is Ertl's improved estimator (hllTau / hllSigma), as Redis 5+.
//
// Values are ordinary strings (latin1 JS strings): each command works on a Buffer copy of at
// most 12304 bytes and stores it back.

import { bulk, fail, latin1, OK, type Reply, SimpleString } from '../../protocol/reply.ts';
import type { Database } from '../database.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';
import { keyword } from './collections.ts';

const HLL_P = 14;
const HLL_Q = 64 - HLL_P;
const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
const HLL_HDR_SIZE = 16;
const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS * HLL_BITS + 7) / 8);
const HLL_DENSE = 0;
const HLL_SPARSE = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
/** Redis's hll-sparse-max-bytes default. */
const HLL_SPARSE_MAX_BYTES = 3000;
// 0.5 / ln(2). Redis writes 0.721347520444481703680, which rounds to this double.
const HLL_ALPHA_INF = 0.7213475204444817;

const INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

// ---------------------------------------------------------------------------------------------
// Hashing

const M64 = 0xc6a4a7935bd1e995n;
const MASK64 = (1n << 64n) - 1n;

/** MurmurHash64A, endian-neutral as in Redis (little-endian 8-byte blocks). */
export function murmurHash64A(key: Buffer, seed: number): bigint {
  const len = key.length;
  let h = (BigInt(seed) ^ ((BigInt(len) * M64) & MASK64)) & MASK64;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = key.readBigUInt64LE(i);
    k = (k * M64) & MASK64;
    k ^= k >> 47n;
    k = (k * M64) & MASK64;
    h ^= k;
    h = (h * M64) & MASK64;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let i = rest - 1; i >= 0; i--) h ^= BigInt(key[blocks + i]!) << BigInt(8 * i);
    h = (h * M64) & MASK64;
  }
  h ^= h >> 47n;
  h = (h * M64) & MASK64;
  h ^= h >> 47n;
  return h;
}

/** hllPatLen: the register index and the length of the 000..1 pattern for `element`. */
function patLen(element: Buffer): { index: number; count: number } {
  const hash = murmurHash64A(element, 0xadc83b19);
  const index = Number(hash & BigInt(HLL_P_MASK));
  // The 50 bits above the index, with bit 50 set so the run of zeros stops there: below 2^53,
  // so a JS number holds it exactly.
  const rest = Number((hash >> BigInt(HLL_P)) | (1n << BigInt(HLL_Q)));
  const low = rest % 2 ** 32;
  const tz = low !== 0 ? ctz32(low) : 32 + ctz32(Math.floor(rest / 2 ** 32));
  return { index, count: 1 + tz };
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

// ---------------------------------------------------------------------------------------------
// Dense registers (6 bits each, LSB first)

function denseGet(r: Buffer, regnum: number): number {
  const byte = HLL_HDR_SIZE + ((regnum * HLL_BITS) >> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const b0 = r[byte]!;
  const b1 = byte + 1 < r.length ? r[byte + 1]! : 0;
  return ((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseSet(r: Buffer, regnum: number, val: number): void {
  const byte = HLL_HDR_SIZE + ((regnum * HLL_BITS) >> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const fb8 = 8 - fb;
  r[byte] = (r[byte]! & ~(HLL_REGISTER_MAX << fb)) | ((val << fb) & 0xff);
  // The last register's high bits would land in the byte after the string (C's sds NUL).
  if (byte + 1 < r.length) {
    r[byte + 1] = (r[byte + 1]! & ~(HLL_REGISTER_MAX >> fb8)) | (val >> fb8);
  }
}

// ---------------------------------------------------------------------------------------------
// The HLL value: a byte array that can grow (sparse edits insert bytes).

class Hll {
  /** The whole value while sparse (edits insert and remove bytes)... */
  sparse: number[] | undefined;
  /** ...or the whole value while dense (fixed size, edited in place). */
  dense: Buffer | undefined;
  /**
   * The byte just past a sparse value: C's sds NUL slot, which Redis reads as the second byte
   * of an XZERO opcode cut by the value's end. It is 0, except after an edit of such a cut
   * opcode: Redis then writes its new opcodes over it (see `editSparse`), and later reads see
   * that byte, in the same command or, through `tails`, in the next ones on the key.
   */
  tail = 0;

  constructor(bytes: number[] | Buffer) {
    if (Buffer.isBuffer(bytes)) this.dense = bytes;
    else this.sparse = bytes;
  }

  static fromString(value: string): Hll {
    if (value.charCodeAt(4) === HLL_DENSE) return new Hll(Buffer.from(value, 'latin1'));
    const bytes = new Array<number>(value.length);
    for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
    return new Hll(bytes);
  }

  /** createHLLObject: sparse, XZERO:16384, cardinality 0. */
  static empty(): Hll {
    const bytes = [0x48, 0x59, 0x4c, 0x4c, HLL_SPARSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let left = HLL_REGISTERS; left > 0; ) {
      const run = Math.min(SPARSE_XZERO_MAX_LEN, left);
      bytes.push(0x40 | ((run - 1) >> 8), (run - 1) & 0xff);
      left -= run;
    }
    return new Hll(bytes);
  }

  toString(): string {
    if (this.dense !== undefined) return this.dense.toString('latin1');
    return Buffer.from(this.sparse!).toString('latin1');
  }

  get encoding(): number {
    return this.dense !== undefined ? HLL_DENSE : HLL_SPARSE;
  }

  header(i: number): number {
    return this.dense !== undefined ? this.dense[i]! : this.sparse![i]!;
  }

  setHeader(i: number, value: number): void {
    if (this.dense !== undefined) this.dense[i] = value;
    else this.sparse![i] = value;
  }

  invalidateCache(): void {
    this.setHeader(15, this.header(15) | 0x80);
  }
}

/** isHLLObjectOrReply. */
function checkHll(value: string): void {
  if (value.length < HLL_HDR_SIZE || !value.startsWith('HYLL')) fail(NOT_HLL);
  const encoding = value.charCodeAt(4);
  if (encoding > HLL_SPARSE) fail(NOT_HLL);
  if (encoding === HLL_DENSE && value.length !== HLL_DENSE_SIZE) fail(NOT_HLL);
}

/**
 * Walks the sparse opcodes: calls `run(first, length, value)` for each; false when the
 * encoding is corrupt (a run past the last register, or not exactly 16384 registers).
 */
function walkSparse(
  bytes: number[],
  tail: number,
  run: (first: number, length: number, value: number) => void,
): boolean {
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < bytes.length) {
    const op = bytes[p]!;
    let length: number;
    let value = 0;
    if ((op & 0xc0) === 0) {
      length = (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      length = (((op & 0x3f) << 8) | (bytes[p + 1] ?? tail)) + 1;
      p += 2;
    } else {
      length = (op & 0x3) + 1;
      value = ((op >> 2) & 0x1f) + 1;
      p++;
    }
    if (idx + length > HLL_REGISTERS) return false;
    run(idx, length, value);
    idx += length;
  }
  return idx === HLL_REGISTERS;
}

/** hllSparseToDense: false when the sparse encoding is corrupt. */
function toDense(hll: Hll): boolean {
  const sparse = hll.sparse;
  if (sparse === undefined) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  for (let i = 0; i < HLL_HDR_SIZE; i++) dense[i] = sparse[i]!;
  dense[4] = HLL_DENSE;
  const ok = walkSparse(sparse, hll.tail, (first, length, value) => {
    if (value === 0) return;
    for (let i = 0; i < length; i++) denseSet(dense, first + i, value);
  });
  if (!ok) return false;
  hll.dense = dense;
  hll.sparse = undefined;
  return true;
}

function isZero(op: number): boolean {
  return (op & 0xc0) === 0;
}
function isXZero(op: number): boolean {
  return (op & 0xc0) === 0x40;
}
function isVal(op: number): boolean {
  return (op & 0x80) !== 0;
}
function valValue(op: number): number {
  return ((op >> 2) & 0x1f) + 1;
}
function valLen(op: number): number {
  return (op & 0x3) + 1;
}
function valOp(value: number, length: number): number {
  return ((value - 1) << 2) | (length - 1) | 0x80;
}
function zeroOps(length: number): number[] {
  return length > SPARSE_ZERO_MAX_LEN
    ? [0x40 | ((length - 1) >> 8), (length - 1) & 0xff]
    : [length - 1];
}

/** hllSparseSet: 1 when a register changed, 0 when not, -1 when the encoding is corrupt. */
function sparseSet(hll: Hll, index: number, count: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(hll, index, count);
  const b = hll.sparse!;
  let p = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < b.length) {
    const op = b[p]!;
    let oplen = 1;
    if (isZero(op)) span = (op & 0x3f) + 1;
    else if (isVal(op)) span = valLen(op);
    else {
      span = (((op & 0x3f) << 8) | (b[p + 1] ?? hll.tail)) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= b.length) return -1;
  const op = b[p]!;
  const runlen = isZero(op)
    ? (op & 0x3f) + 1
    : isXZero(op)
      ? (((op & 0x3f) << 8) | (b[p + 1] ?? hll.tail)) + 1
      : valLen(op);

  const edit = editSparse(hll, p, op, index, count, first, span, runlen);
  if (edit === 'unchanged') return 0;
  if (edit === 'promote') return promote(hll, index, count);
  mergeVals(hll, prev >= 0 ? prev : HLL_HDR_SIZE);
  hll.invalidateCache();
  return 1;
}

/**
 * Steps 2 and 3 of hllSparseSet: update the opcode at `p` that covers register `index` in
 * place, or split it into up to three opcodes.
 */
function editSparse(
  hll: Hll,
  p: number,
  op: number,
  index: number,
  count: number,
  first: number,
  span: number,
  runlen: number,
): 'unchanged' | 'updated' | 'promote' {
  const b = hll.sparse!;
  const zero = isZero(op);
  const xzero = isXZero(op);
  if (!zero && !xzero) {
    if (valValue(op) >= count) return 'unchanged';
    if (runlen === 1) {
      b[p] = valOp(count, 1);
      return 'updated';
    }
  }
  if (zero && runlen === 1) {
    b[p] = valOp(count, 1);
    return 'updated';
  }
  const last = first + span - 1;
  const seq: number[] = [];
  if (zero || xzero) {
    if (index !== first) seq.push(...zeroOps(index - first));
    seq.push(valOp(count, 1));
    if (index !== last) seq.push(...zeroOps(last - index));
  } else {
    const cur = valValue(op);
    if (index !== first) seq.push(valOp(cur, index - first));
    seq.push(valOp(count, 1));
    if (index !== last) seq.push(valOp(cur, last - index));
  }
  const oldlen = xzero ? 2 : 1;
  const delta = seq.length - oldlen;
  if (delta > 0 && b.length + delta > HLL_SPARSE_MAX_BYTES) return 'promote';
  // Redis moves what follows the opcode by `delta`, sets the length to length + delta (its
  // sdsIncrLen writes a NUL just past it), then copies the new opcodes over the old one's
  // place. An XZERO cut by the value's end counts 2 bytes all the same: the length grows one
  // byte less than the opcodes written, and the last of them lands in the NUL's slot, where
  // later reads of a cut XZERO find it.
  const length = b.length + delta;
  b.splice(p, oldlen, ...seq);
  hll.tail = b.length > length ? b[length]! : 0;
  b.length = length;
  return 'updated';
}

/** Step 4: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from `from`. */
function mergeVals(hll: Hll, from: number): void {
  const b = hll.sparse!;
  let q = from;
  let scan = 5;
  while (q < b.length && scan-- > 0) {
    const o = b[q]!;
    if (isXZero(o)) {
      q += 2;
      continue;
    }
    if (isZero(o)) {
      q++;
      continue;
    }
    if (q + 1 < b.length && isVal(b[q + 1]!)) {
      const v1 = valValue(o);
      const v2 = valValue(b[q + 1]!);
      if (v1 === v2) {
        const len = valLen(o) + valLen(b[q + 1]!);
        if (len <= SPARSE_VAL_MAX_LEN) {
          b[q + 1] = valOp(v1, len);
          b.splice(q, 1);
          // Redis's memmove brings the byte past the end in, then sdsIncrLen(-1) NULs it.
          hll.tail = 0;
          continue;
        }
      }
    }
    q++;
  }
}

function promote(hll: Hll, index: number, count: number): number {
  if (!toDense(hll)) return -1;
  denseSet(hll.dense!, index, count);
  return 1;
}

/** hllAdd: 1 when the element changed a register, 0 when not, -1 when corrupt. */
function add(hll: Hll, element: Buffer): number {
  const { index, count } = patLen(element);
  const dense = hll.dense;
  if (dense !== undefined) {
    if (count <= denseGet(dense, index)) return 0;
    denseSet(dense, index, count);
    return 1;
  }
  return sparseSet(hll, index, count);
}

// ---------------------------------------------------------------------------------------------
// Counting

function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (zPrime !== z);
  return z / 3;
}

/** hllCount from a histogram of register values. */
function estimate(histogram: number[]): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - (histogram[HLL_Q + 1] ?? 0)) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histogram[j] ?? 0;
    z *= 0.5;
  }
  z += m * sigma((histogram[0] ?? 0) / m);
  // llroundl: halves away from zero (the value is positive).
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** The register values of a (checked) HLL, or undefined when its sparse encoding is corrupt. */
function registers(hll: Hll): Uint8Array | undefined {
  const out = new Uint8Array(HLL_REGISTERS);
  const dense = hll.dense;
  if (dense !== undefined) {
    for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(dense, i);
    return out;
  }
  const ok = walkSparse(hll.sparse!, hll.tail, (first, length, value) => {
    if (value !== 0) out.fill(value, first, first + length);
  });
  return ok ? out : undefined;
}

function countRegisters(regs: Uint8Array): number {
  const histogram = new Array<number>(64).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[regs[i]!]!++;
  return estimate(histogram);
}

// ---------------------------------------------------------------------------------------------
// Commands

/**
 * The byte an edit left past a stored sparse value (Hll.tail), by database and key, with the
 * value it came with. Redis keeps that byte in memory after the string until the string is
 * rewritten, and its next HLL command on the key reads it; so it is kept here while the key
 * holds that same value (any other write drops it, as Redis's writes that re-terminate the
 * string do). Only values cut inside an XZERO opcode by SETRANGE or APPEND ever have one.
 */
const tails = new WeakMap<Database, Map<string, { value: string; tail: number }>>();
/** Entries kept per database at most (hostile clients could make many such values). */
const TAILS_MAX = 1024;

function loadHll(db: Database, key: string, value: string): Hll {
  const hll = Hll.fromString(value);
  const kept = tails.get(db)?.get(key);
  if (kept !== undefined && kept.value === value && hll.sparse !== undefined) hll.tail = kept.tail;
  return hll;
}

function storeHll(ctx: CommandContext, key: string, hll: Hll, quietly = false): void {
  const value = hll.toString();
  if (quietly) ctx.db.rewriteQuietly(key, value);
  else ctx.db.set(key, value, true);
  let byKey = tails.get(ctx.db);
  if (hll.tail === 0 || hll.sparse === undefined) {
    byKey?.delete(key);
    return;
  }
  if (byKey === undefined) {
    byKey = new Map();
    tails.set(ctx.db, byKey);
  }
  if (byKey.size >= TAILS_MAX) byKey.clear();
  byKey.set(key, { value, tail: hll.tail });
}

function lookupHll(ctx: CommandContext, key: string): Hll | undefined {
  const value = ctx.db.lookupString(key);
  if (value === undefined) return undefined;
  checkHll(value);
  return loadHll(ctx.db, key, value);
}

function pfadd(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = latin1(argv[1]!);
  let hll = lookupHll(ctx, key);
  let updated = 0;
  if (hll === undefined) {
    hll = Hll.empty();
    updated++;
  }
  for (let j = 2; j < argv.length; j++) {
    const result = add(hll, argv[j]!);
    if (result === -1) {
      // Redis edits the value in place: what the elements before this one changed stays,
      // though the key is not signalled as modified.
      if (updated > 0) storeHll(ctx, key, hll, true);
      fail(INVALID_HLL);
    }
    updated += result;
  }
  if (updated > 0) {
    hll.invalidateCache();
    storeHll(ctx, key, hll);
  }
  return updated > 0 ? 1 : 0;
}

function readCard(hll: Hll): bigint {
  let card = 0n;
  for (let i = 7; i >= 0; i--) card = (card << 8n) | BigInt(hll.header(8 + i));
  return card;
}

function pfcount(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const hll = lookupHll(ctx, latin1(argv[j]!));
      if (hll === undefined) continue;
      const regs = registers(hll);
      if (regs === undefined) fail(INVALID_HLL);
      for (let i = 0; i < HLL_REGISTERS; i++) if (regs[i]! > max[i]!) max[i] = regs[i]!;
    }
    return countRegisters(max);
  }
  const key = latin1(argv[1]!);
  const hll = lookupHll(ctx, key);
  if (hll === undefined) return 0;
  if ((hll.header(15) & 0x80) === 0) {
    const card = readCard(hll);
    return card <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(card) : card;
  }
  const regs = registers(hll);
  if (regs === undefined) fail(INVALID_HLL);
  const card = countRegisters(regs);
  // The cache is part of the value: Redis writes it back (and signals the key as modified).
  let c = BigInt(card);
  for (let i = 0; i < 8; i++) {
    hll.setHeader(8 + i, Number(c & 0xffn));
    c >>= 8n;
  }
  storeHll(ctx, key, hll);
  return card;
}

function pfmerge(ctx: CommandContext, argv: Buffer[]): Reply {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const hll = lookupHll(ctx, latin1(argv[j]!));
    if (hll === undefined) continue;
    if (hll.encoding === HLL_DENSE) useDense = true;
    const regs = registers(hll);
    if (regs === undefined) fail(INVALID_HLL);
    for (let i = 0; i < HLL_REGISTERS; i++) if (regs[i]! > max[i]!) max[i] = regs[i]!;
  }
  const key = latin1(argv[1]!);
  const existing = ctx.db.lookupString(key);
  const hll = existing === undefined ? Hll.empty() : loadHll(ctx.db, key, existing);
  if (useDense && !toDense(hll)) fail(INVALID_HLL);
  for (let i = 0; i < HLL_REGISTERS; i++) {
    if (max[i] === 0) continue;
    // A sparse target may turn dense on the way (promote), as in Redis.
    const dense = hll.dense;
    if (dense !== undefined) {
      if (max[i]! > denseGet(dense, i)) denseSet(dense, i, max[i]!);
    } else {
      sparseSet(hll, i, max[i]!);
    }
  }
  hll.invalidateCache();
  storeHll(ctx, key, hll);
  return OK;
}

function pfdebug(ctx: CommandContext, argv: Buffer[]): Reply {
  const sub = keyword(argv[1]!);
  const name = latin1(argv[1]!);
  const key = latin1(argv[2]!);
  const value = ctx.db.lookupString(key);
  if (value === undefined) fail('ERR The specified key does not exist');
  checkHll(value);
  const hll = loadHll(ctx.db, key, value);
  const arity = () => {
    if (argv.length !== 3) fail(`ERR Wrong number of arguments for the '${name}' subcommand`);
  };
  if (sub === 'getreg') {
    arity();
    if (hll.encoding === HLL_SPARSE) {
      if (!toDense(hll)) fail(INVALID_HLL);
      storeHll(ctx, key, hll);
    }
    const dense = hll.dense!;
    const out: Reply[] = [];
    for (let i = 0; i < HLL_REGISTERS; i++) out.push(denseGet(dense, i));
    return out;
  }
  if (sub === 'decode') {
    arity();
    if (hll.encoding !== HLL_SPARSE) fail('ERR HLL encoding is not sparse');
    const parts: string[] = [];
    let p = HLL_HDR_SIZE;
    const b = hll.sparse!;
    while (p < b.length) {
      const op = b[p]!;
      if (isZero(op)) {
        parts.push(`z:${(op & 0x3f) + 1}`);
        p++;
      } else if (isXZero(op)) {
        parts.push(`Z:${(((op & 0x3f) << 8) | (b[p + 1] ?? hll.tail)) + 1}`);
        p += 2;
      } else {
        parts.push(`v:${valValue(op)},${valLen(op)}`);
        p++;
      }
    }
    return bulk(parts.join(' '));
  }
  if (sub === 'encoding') {
    arity();
    return new SimpleString(hll.encoding === HLL_DENSE ? 'dense' : 'sparse');
  }
  if (sub === 'todense') {
    arity();
    if (hll.encoding !== HLL_SPARSE) return 0;
    if (!toDense(hll)) fail(INVALID_HLL);
    storeHll(ctx, key, hll);
    return 1;
  }
  fail(`ERR Unknown PFDEBUG subcommand '${name}'`);
}

/** PFSELFTEST: the register access test of Redis (set and read back random registers). */
function pfselftest(): Reply {
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  const expected = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < 20; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(Math.random() * 64);
      expected[i] = r;
      denseSet(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, i);
      if (val !== expected[i]) {
        fail(`ERR TESTFAILED Register ${i} should be ${expected[i]} but is ${val}`);
      }
    }
  }
  return OK;
}

export const hyperloglogCommands: CommandSpec[] = [
  { name: 'pfadd', arity: -2, write: true, handler: pfadd },
  // PFCOUNT may write the cached cardinality back, as in Redis (where it is flagged write too).
  { name: 'pfcount', arity: -2, handler: pfcount },
  { name: 'pfmerge', arity: -2, write: true, handler: pfmerge },
  { name: 'pfdebug', arity: 3, write: true, handler: pfdebug },
  { name: 'pfselftest', arity: 1, handler: pfselftest },
];

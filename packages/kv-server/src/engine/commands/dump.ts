// DUMP and RESTORE in Redis's own format (src/rdb.c, cluster.c): one value serialised as in an
// RDB file, then the RDB version (2 bytes, little-endian) and a CRC-64 (Jones polynomial,
// reflected, 8 bytes little-endian) of everything before it.
//
// DUMP writes what Redis 7.0 writes (RDB version 10): strings (as small integers when they are
// one), lists as a quicklist of listpacks (type 18), sets as an intset (11) or a plain set (2),
// sorted sets as a listpack (17) or a skiplist dump with binary scores (5), hashes as a listpack
// (16) or a plain hash (4), picking the compact form exactly when Redis would keep one. It never
// LZF-compresses (Redis's compressor is not deterministic enough to copy byte for byte), so a
// long compressible value dumps to different, larger bytes than Redis's; Redis RESTOREs them.
//
// RESTORE reads those, Redis 7.2+'s listpack sets (type 20, RDB 11), LZF-compressed strings,
// and what older Redis versions write: the plain list (1), the text-score zset (3), and the
// ziplist encodings of Redis < 7.0 (10 list, 12 zset, 13 hash, 14 quicklist of ziplists); not
// zipmaps (Redis 2.x) or module types ("ERR Bad data format"). Streams: see stream-rdb.ts.
// Hashes with field TTLs (Redis 7.4's RDB 12 types) are refused by DUMP rather than losing
// their TTLs.

import { ERRORS, fail, latin1, OK, type Reply } from '../../protocol/reply.ts';
import type { Value } from '../database.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';
import { formatDouble, parseInt64, parseStrtod } from '../parse.ts';
import { StreamValue } from '../stream.ts';
import {
  readStream,
  TYPE_STREAM_LISTPACKS,
  TYPE_STREAM_LISTPACKS_2,
  TYPE_STREAM_LISTPACKS_3,
  writeStream,
} from '../stream-rdb.ts';
import { keyword } from './collections.ts';
import { HashValue } from './hashes.ts';
import { ListValue } from './lists.ts';
import { SetValue } from './sets.ts';
import { ZSetValue } from './zsets.ts';

const RDB_VERSION = 10;
/** The newest payload version RESTORE accepts (Redis 7.2's 11 adds only listpack sets). */
const RDB_VERSION_MAX_READ = 11;

const TYPE_STRING = 0;
const TYPE_LIST = 1;
const TYPE_SET = 2;
const TYPE_ZSET = 3;
const TYPE_HASH = 4;
const TYPE_ZSET_2 = 5;
const TYPE_SET_INTSET = 11;
const TYPE_LIST_ZIPLIST = 10;
const TYPE_ZSET_ZIPLIST = 12;
const TYPE_HASH_ZIPLIST = 13;
const TYPE_LIST_QUICKLIST = 14;
const TYPE_HASH_LISTPACK = 16;
const TYPE_ZSET_LISTPACK = 17;
const TYPE_LIST_QUICKLIST_2 = 18;
const TYPE_SET_LISTPACK = 20;

const QUICKLIST_NODE_PLAIN = 1;
const QUICKLIST_NODE_PACKED = 2;
/** Redis's list-max-listpack-size -2: 8 KB per quicklist node. */
const LIST_NODE_MAX_BYTES = 8192;

const BAD_FORMAT = 'ERR Bad data format';

// ---------------------------------------------------------------------------------------------
// CRC-64 Jones (Redis's crc64.c), table-driven on two 32-bit halves

const CRC_LO = new Uint32Array(256);
const CRC_HI = new Uint32Array(256);
{
  // The reflected form of the polynomial 0xad93d23594c935a9.
  const polyHi = 0x95ac9329;
  const polyLo = 0xac4bc9b5;
  for (let i = 0; i < 256; i++) {
    let hi = 0;
    let lo = i;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi >>>= 1;
      if (carry) {
        lo = (lo ^ polyLo) >>> 0;
        hi = (hi ^ polyHi) >>> 0;
      }
    }
    CRC_LO[i] = lo;
    CRC_HI[i] = hi;
  }
}

/** crc64(0, bytes) as 8 little-endian bytes. */
export function crc64(bytes: Uint8Array): Buffer {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < bytes.length; i++) {
    const idx = (lo ^ bytes[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ CRC_LO[idx]!) >>> 0;
    hi = ((hi >>> 8) ^ CRC_HI[idx]!) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32LE(lo, 0);
  out.writeUInt32LE(hi, 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

export class Writer {
  private readonly parts: Buffer[] = [];

  byte(b: number): void {
    this.parts.push(Buffer.from([b]));
  }

  raw(buf: Buffer): void {
    this.parts.push(buf);
  }

  /** A tag byte, then `size` bytes that `write` fills from offset 1. */
  private tagged(tag: number, size: number, write: (b: Buffer) => void): void {
    const b = Buffer.alloc(1 + size);
    b[0] = tag;
    write(b);
    this.raw(b);
  }

  /** rdbSaveLen. */
  len(n: number): void {
    if (n < 64) this.byte(n);
    else if (n < 16384) this.raw(Buffer.from([0x40 | (n >> 8), n & 0xff]));
    else if (n <= 0xffffffff) this.tagged(0x80, 4, (b) => b.writeUInt32BE(n, 1));
    else this.tagged(0x81, 8, (b) => b.writeBigUInt64BE(BigInt(n), 1));
  }

  /** rdbSaveRawString without LZF: a small integer as INT8/16/32, else length + bytes. */
  string(s: string | Buffer): void {
    const buf = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    if (buf.length <= 11) {
      const n = parseInt64(buf.toString('latin1'));
      if (n !== undefined && n >= -(2n ** 31n) && n < 2n ** 31n) {
        const v = Number(n);
        if (v >= -128 && v <= 127) this.raw(Buffer.from([0xc0, v & 0xff]));
        else if (v >= -32768 && v <= 32767) this.tagged(0xc1, 2, (b) => b.writeInt16LE(v, 1));
        else this.tagged(0xc2, 4, (b) => b.writeInt32LE(v, 1));
        return;
      }
    }
    this.len(buf.length);
    this.raw(buf);
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** One listpack entry (lpEncode...), integers in their smallest integer form. */
export function listpackEntry(s: string): Buffer {
  let enc: Buffer;
  const n = s.length <= 20 ? parseInt64(s) : undefined;
  if (n !== undefined) {
    const v = n;
    if (v >= 0n && v <= 127n) enc = Buffer.from([Number(v)]);
    else if (v >= -4096n && v <= 4095n) {
      const u = Number(v < 0n ? v + 8192n : v);
      enc = Buffer.from([0xc0 | (u >> 8), u & 0xff]);
    } else if (v >= -32768n && v <= 32767n) {
      enc = Buffer.alloc(3);
      enc[0] = 0xf1;
      enc.writeInt16LE(Number(v), 1);
    } else if (v >= -8388608n && v <= 8388607n) {
      enc = Buffer.alloc(4);
      enc[0] = 0xf2;
      enc.writeIntLE(Number(v), 1, 3);
    } else if (v >= -2147483648n && v <= 2147483647n) {
      enc = Buffer.alloc(5);
      enc[0] = 0xf3;
      enc.writeInt32LE(Number(v), 1);
    } else {
      enc = Buffer.alloc(9);
      enc[0] = 0xf4;
      enc.writeBigInt64LE(v, 1);
    }
  } else {
    const bytes = Buffer.from(s, 'latin1');
    const len = bytes.length;
    let head: Buffer;
    if (len < 64) head = Buffer.from([0x80 | len]);
    else if (len < 4096) head = Buffer.from([0xe0 | (len >> 8), len & 0xff]);
    else {
      head = Buffer.alloc(5);
      head[0] = 0xf0;
      head.writeUInt32LE(len, 1);
    }
    enc = Buffer.concat([head, bytes]);
  }
  return Buffer.concat([enc, backlen(enc.length)]);
}

/** lpEncodeBacklen: the entry length, 7 bits per byte, readable from the right. */
function backlen(l: number): Buffer {
  if (l <= 127) return Buffer.from([l]);
  if (l < 16383) return Buffer.from([l >> 7, (l & 127) | 128]);
  if (l < 2097151) return Buffer.from([l >> 14, ((l >> 7) & 127) | 128, (l & 127) | 128]);
  if (l < 268435455) {
    return Buffer.from([l >> 21, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128]);
  }
  return Buffer.from([
    Math.floor(l / 2 ** 28),
    ((l >> 21) & 127) | 128,
    ((l >> 14) & 127) | 128,
    ((l >> 7) & 127) | 128,
    (l & 127) | 128,
  ]);
}

export function listpack(entries: Buffer[]): Buffer {
  const body = Buffer.concat(entries);
  const header = Buffer.alloc(6);
  header.writeUInt32LE(6 + body.length + 1, 0);
  header.writeUInt16LE(Math.min(entries.length, 65535), 4);
  return Buffer.concat([header, body, Buffer.from([0xff])]);
}

/** A listpack score: an integer when it is one, else Redis's %.17g text. */
function scoreText(score: number): string {
  return formatDouble(score);
}

function intsetBlob(members: string[]): Buffer {
  const values = members.map((m) => BigInt(m)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of values) {
    if (v < -32768n || v > 32767n) width = Math.max(width, 4);
    if (v < -2147483648n || v > 2147483647n) width = 8;
  }
  const blob = Buffer.alloc(8 + width * values.length);
  blob.writeUInt32LE(width, 0);
  blob.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => {
    if (width === 2) blob.writeInt16LE(Number(v), 8 + i * 2);
    else if (width === 4) blob.writeInt32LE(Number(v), 8 + i * 4);
    else blob.writeBigInt64LE(v, 8 + i * 8);
  });
  return blob;
}

function serialize(value: Value): Buffer {
  const w = new Writer();
  if (typeof value === 'string') {
    w.byte(TYPE_STRING);
    w.string(value);
  } else if (value instanceof ListValue) {
    w.byte(TYPE_LIST_QUICKLIST_2);
    const nodes: Buffer[][] = [];
    let current: Buffer[] = [];
    let size = 7;
    for (const element of value.slice(0, value.size)) {
      const entry = listpackEntry(element);
      if (current.length > 0 && size + entry.length > LIST_NODE_MAX_BYTES) {
        nodes.push(current);
        current = [];
        size = 7;
      }
      current.push(entry);
      size += entry.length;
    }
    if (current.length > 0) nodes.push(current);
    w.len(nodes.length);
    for (const node of nodes) {
      w.len(QUICKLIST_NODE_PACKED);
      w.string(listpack(node));
    }
  } else if (value instanceof SetValue) {
    const members = [...value.values()];
    if (value.intset) {
      w.byte(TYPE_SET_INTSET);
      w.string(intsetBlob(members));
    } else {
      w.byte(TYPE_SET);
      w.len(members.length);
      for (const m of members) w.string(m);
    }
  } else if (value instanceof ZSetValue) {
    const entries = [...value.values()];
    if (value.compact) {
      w.byte(TYPE_ZSET_LISTPACK);
      const items: Buffer[] = [];
      for (const e of entries)
        items.push(listpackEntry(e.member), listpackEntry(scoreText(e.score)));
      w.string(listpack(items));
    } else {
      w.byte(TYPE_ZSET_2);
      w.len(entries.length);
      // Redis walks its skip list from the tail: greatest score first.
      for (let i = entries.length - 1; i >= 0; i--) {
        const e = entries[i]!;
        w.string(e.member);
        const d = Buffer.alloc(8);
        d.writeDoubleLE(e.score, 0);
        w.raw(d);
      }
    }
  } else if (value instanceof HashValue) {
    if ((value.fieldExpires?.size ?? 0) > 0) {
      fail(
        'ERR DUMP of a hash with field TTLs needs RDB 12 (Redis 7.4), which this server does not write',
      );
    }
    if (value.compact) {
      w.byte(TYPE_HASH_LISTPACK);
      const items: Buffer[] = [];
      for (const [f, v] of value.fields) items.push(listpackEntry(f), listpackEntry(v));
      w.string(listpack(items));
    } else {
      w.byte(TYPE_HASH);
      w.len(value.fields.size);
      for (const [f, v] of value.fields) {
        w.string(f);
        w.string(v);
      }
    }
  } else if (value instanceof StreamValue) {
    writeStream(w, value);
  } else {
    fail(`ERR DUMP of a ${value.typeName} value is not supported by this server`);
  }
  const body = w.done();
  const version = Buffer.from([RDB_VERSION & 0xff, RDB_VERSION >> 8]);
  const withVersion = Buffer.concat([body, version]);
  return Buffer.concat([withVersion, crc64(withVersion)]);
}

// ---------------------------------------------------------------------------------------------
// Reading

export class BadFormat extends Error {}

export function need(ok: boolean): asserts ok {
  if (!ok) throw new BadFormat();
}

export class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  byte(): number {
    need(this.pos < this.buf.length);
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    need(n >= 0 && this.pos + n <= this.buf.length);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** rdbLoadLenByRef: [length, isEncoded]. */
  lenEnc(): [number, boolean] {
    const first = this.byte();
    const type = first >> 6;
    if (type === 3) return [first & 0x3f, true];
    if (type === 0) return [first & 0x3f, false];
    if (type === 1) return [((first & 0x3f) << 8) | this.byte(), false];
    if (first === 0x80) return [this.bytes(4).readUInt32BE(0), false];
    if (first === 0x81) {
      const n = this.bytes(8).readBigUInt64BE(0);
      need(n <= BigInt(Number.MAX_SAFE_INTEGER));
      return [Number(n), false];
    }
    throw new BadFormat();
  }

  len(): number {
    const [n, encoded] = this.lenEnc();
    need(!encoded);
    return n;
  }

  /** rdbGenericLoadStringObject. */
  string(): Buffer {
    const [n, encoded] = this.lenEnc();
    if (!encoded) return Buffer.from(this.bytes(n));
    if (n === 0) return Buffer.from(String(this.bytes(1).readInt8(0)), 'latin1');
    if (n === 1) return Buffer.from(String(this.bytes(2).readInt16LE(0)), 'latin1');
    if (n === 2) return Buffer.from(String(this.bytes(4).readInt32LE(0)), 'latin1');
    if (n === 3) {
      const clen = this.len();
      const len = this.len();
      return lzfDecompress(this.bytes(clen), len);
    }
    throw new BadFormat();
  }
}

/** liblzf's lzf_decompress, with bounds checks. */
function lzfDecompress(input: Buffer, outLen: number): Buffer {
  need(outLen <= 512 * 1024 * 1024);
  const out = Buffer.alloc(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    let ctrl = input[ip++]!;
    if (ctrl < 32) {
      ctrl++;
      need(op + ctrl <= outLen && ip + ctrl <= input.length);
      input.copy(out, op, ip, ip + ctrl);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) {
        need(ip < input.length);
        len += input[ip++]!;
      }
      need(ip < input.length);
      ref -= input[ip++]!;
      len += 2;
      need(op + len <= outLen && ref >= 0);
      for (let k = 0; k < len; k++) out[op++] = out[ref++]!;
    }
  }
  need(op === outLen);
  return out;
}

/** The entries of a listpack blob, each as a latin1 string. */
export function readListpack(blob: Buffer): string[] {
  need(blob.length >= 7);
  need(blob.readUInt32LE(0) === blob.length && blob[blob.length - 1] === 0xff);
  const out: string[] = [];
  let p = 6;
  for (;;) {
    need(p < blob.length);
    const b = blob[p]!;
    if (b === 0xff) break;
    let value: string;
    let size: number;
    if ((b & 0x80) === 0) {
      value = String(b & 0x7f);
      size = 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      need(p + 1 + len <= blob.length);
      value = blob.toString('latin1', p + 1, p + 1 + len);
      size = 1 + len;
    } else if ((b & 0xe0) === 0xc0) {
      need(p + 1 < blob.length);
      let v = ((b & 0x1f) << 8) | blob[p + 1]!;
      if (v >= 4096) v -= 8192;
      value = String(v);
      size = 2;
    } else if ((b & 0xf0) === 0xe0) {
      need(p + 1 < blob.length);
      const len = ((b & 0x0f) << 8) | blob[p + 1]!;
      need(p + 2 + len <= blob.length);
      value = blob.toString('latin1', p + 2, p + 2 + len);
      size = 2 + len;
    } else if (b === 0xf0) {
      need(p + 5 <= blob.length);
      const len = blob.readUInt32LE(p + 1);
      need(p + 5 + len <= blob.length);
      value = blob.toString('latin1', p + 5, p + 5 + len);
      size = 5 + len;
    } else if (b === 0xf1) {
      need(p + 3 <= blob.length);
      value = String(blob.readInt16LE(p + 1));
      size = 3;
    } else if (b === 0xf2) {
      need(p + 4 <= blob.length);
      value = String(blob.readIntLE(p + 1, 3));
      size = 4;
    } else if (b === 0xf3) {
      need(p + 5 <= blob.length);
      value = String(blob.readInt32LE(p + 1));
      size = 5;
    } else if (b === 0xf4) {
      need(p + 9 <= blob.length);
      value = String(blob.readBigInt64LE(p + 1));
      size = 9;
    } else throw new BadFormat();
    out.push(value);
    p += size + backlen(size).length;
  }
  return out;
}

/** The entries of a ziplist blob (Redis < 7.0's compact encoding), each as a latin1 string. */
function readZiplist(blob: Buffer): string[] {
  need(blob.length >= 11 && blob.readUInt32LE(0) === blob.length && blob[blob.length - 1] === 0xff);
  const out: string[] = [];
  let p = 10;
  for (;;) {
    need(p < blob.length);
    if (blob[p] === 0xff) break;
    // prevlen: one byte, or 0xFE and four more.
    p += blob[p] === 0xfe ? 5 : 1;
    need(p < blob.length);
    const b = blob[p]!;
    const top = b >> 6;
    let value: string;
    if (top === 0 || top === 1 || b === 0x80) {
      let len: number;
      if (top === 0) {
        len = b & 0x3f;
        p += 1;
      } else if (top === 1) {
        need(p + 1 < blob.length);
        len = ((b & 0x3f) << 8) | blob[p + 1]!;
        p += 2;
      } else {
        need(p + 5 <= blob.length);
        len = blob.readUInt32BE(p + 1);
        p += 5;
      }
      need(p + len <= blob.length);
      value = blob.toString('latin1', p, p + len);
      p += len;
    } else if (b === 0xc0) {
      need(p + 3 <= blob.length);
      value = String(blob.readInt16LE(p + 1));
      p += 3;
    } else if (b === 0xd0) {
      need(p + 5 <= blob.length);
      value = String(blob.readInt32LE(p + 1));
      p += 5;
    } else if (b === 0xe0) {
      need(p + 9 <= blob.length);
      value = String(blob.readBigInt64LE(p + 1));
      p += 9;
    } else if (b === 0xf0) {
      need(p + 4 <= blob.length);
      value = String(blob.readIntLE(p + 1, 3));
      p += 4;
    } else if (b === 0xfe) {
      need(p + 2 <= blob.length);
      value = String(blob.readInt8(p + 1));
      p += 2;
    } else if (b >= 0xf1 && b <= 0xfd) {
      value = String((b & 0x0f) - 1);
      p += 1;
    } else throw new BadFormat();
    out.push(value);
  }
  return out;
}

function readIntset(blob: Buffer): string[] {
  need(blob.length >= 8);
  const width = blob.readUInt32LE(0);
  const count = blob.readUInt32LE(4);
  need((width === 2 || width === 4 || width === 8) && blob.length === 8 + width * count);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    out.push(
      width === 2
        ? String(blob.readInt16LE(at))
        : width === 4
          ? String(blob.readInt32LE(at))
          : String(blob.readBigInt64LE(at)),
    );
  }
  return out;
}

/** A listpack score: Redis's d2string text ("inf", "-inf", "%.17g"), read back as zzlStrtod. */
function readScore(listpackText: string): number {
  const d = parseStrtod(listpackText);
  need(d !== undefined && !Number.isNaN(d));
  return d;
}

function deserialize(payload: Buffer): Value {
  const r = new Reader(payload.subarray(0, payload.length - 10));
  const type = r.byte();
  let value: Value;
  if (type === TYPE_STRING) {
    value = latin1(r.string());
  } else if (type === TYPE_LIST) {
    const n = r.len();
    const items: string[] = [];
    for (let i = 0; i < n; i++) items.push(latin1(r.string()));
    value = new ListValue(items);
  } else if (type === TYPE_LIST_ZIPLIST) {
    const items = readZiplist(r.string());
    need(items.length > 0);
    value = new ListValue(items);
  } else if (type === TYPE_LIST_QUICKLIST) {
    const nodes = r.len();
    const items: string[] = [];
    for (let i = 0; i < nodes; i++) items.push(...readZiplist(r.string()));
    need(items.length > 0);
    value = new ListValue(items);
  } else if (type === TYPE_LIST_QUICKLIST_2) {
    const nodes = r.len();
    const items: string[] = [];
    for (let i = 0; i < nodes; i++) {
      const container = r.len();
      const blob = r.string();
      if (container === QUICKLIST_NODE_PLAIN) items.push(latin1(blob));
      else {
        need(container === QUICKLIST_NODE_PACKED);
        const entries = readListpack(blob);
        need(entries.length > 0);
        items.push(...entries);
      }
    }
    need(items.length > 0);
    value = new ListValue(items);
  } else if (type === TYPE_SET) {
    const n = r.len();
    const members: string[] = [];
    for (let i = 0; i < n; i++) members.push(latin1(r.string()));
    value = new SetValue(members);
  } else if (type === TYPE_SET_INTSET) {
    value = new SetValue(readIntset(r.string()));
  } else if (type === TYPE_SET_LISTPACK) {
    value = new SetValue(readListpack(r.string()));
  } else if (type === TYPE_ZSET || type === TYPE_ZSET_2) {
    const n = r.len();
    const zset = new ZSetValue();
    for (let i = 0; i < n; i++) {
      const member = latin1(r.string());
      let score: number;
      if (type === TYPE_ZSET_2) score = r.bytes(8).readDoubleLE(0);
      else {
        const len = r.byte();
        if (len === 253) score = Number.NaN;
        else if (len === 254) score = Number.POSITIVE_INFINITY;
        else if (len === 255) score = Number.NEGATIVE_INFINITY;
        else score = Number(r.bytes(len).toString('latin1'));
      }
      need(!Number.isNaN(score));
      zset.set(member, score);
    }
    value = zset;
  } else if (type === TYPE_ZSET_LISTPACK || type === TYPE_ZSET_ZIPLIST) {
    const blob = r.string();
    const entries = type === TYPE_ZSET_LISTPACK ? readListpack(blob) : readZiplist(blob);
    need(entries.length % 2 === 0);
    const zset = new ZSetValue();
    for (let i = 0; i < entries.length; i += 2) zset.set(entries[i]!, readScore(entries[i + 1]!));
    value = zset;
  } else if (type === TYPE_HASH) {
    const n = r.len();
    const pairs: [string, string][] = [];
    for (let i = 0; i < n; i++) pairs.push([latin1(r.string()), latin1(r.string())]);
    value = new HashValue(pairs);
  } else if (type === TYPE_HASH_LISTPACK || type === TYPE_HASH_ZIPLIST) {
    const blob = r.string();
    const entries = type === TYPE_HASH_LISTPACK ? readListpack(blob) : readZiplist(blob);
    need(entries.length % 2 === 0);
    const pairs: [string, string][] = [];
    for (let i = 0; i < entries.length; i += 2) pairs.push([entries[i]!, entries[i + 1]!]);
    const hash = new HashValue(pairs);
    // Redis 7.0 converts a ziplist hash to a listpack and only checks the entry count, so long
    // values stay in the listpack.
    if (type === TYPE_HASH_ZIPLIST) hash.compact = hash.size <= 128;
    value = hash;
  } else if (
    type === TYPE_STREAM_LISTPACKS ||
    type === TYPE_STREAM_LISTPACKS_2 ||
    type === TYPE_STREAM_LISTPACKS_3
  ) {
    value = readStream(r, type);
  } else throw new BadFormat();
  need(r.remaining === 0);
  if (typeof value !== 'string') need(value.size > 0);
  return value;
}

/** verifyDumpPayload: version not newer than we read, and the CRC-64 matches. */
function verifyPayload(payload: Buffer): boolean {
  if (payload.length < 10) return false;
  const footer = payload.subarray(payload.length - 10);
  const version = footer[0]! | (footer[1]! << 8);
  if (version > RDB_VERSION_MAX_READ) return false;
  return crc64(payload.subarray(0, payload.length - 8)).equals(footer.subarray(2));
}

// ---------------------------------------------------------------------------------------------
// Commands

function dump(ctx: CommandContext, argv: Buffer[]): Reply {
  const value = ctx.db.lookup(latin1(argv[1]!));
  if (value === undefined) return null;
  return serialize(value);
}

function restore(ctx: CommandContext, argv: Buffer[]): Reply {
  let replace = false;
  let absttl = false;
  let idle = -1n;
  let freq = -1n;
  for (let j = 4; j < argv.length; j++) {
    const opt = keyword(argv[j]!);
    const more = argv.length - j - 1;
    if (opt === 'replace') replace = true;
    else if (opt === 'absttl') absttl = true;
    else if (opt === 'idletime' && more >= 1 && freq === -1n) {
      const n = parseInt64(argv[++j]!);
      if (n === undefined) fail(ERRORS.notInteger);
      if (n < 0n) fail('ERR Invalid IDLETIME value, must be >= 0');
      idle = n;
    } else if (opt === 'freq' && more >= 1 && idle === -1n) {
      const n = parseInt64(argv[++j]!);
      if (n === undefined) fail(ERRORS.notInteger);
      if (n < 0n || n > 255n) fail('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = n;
    } else fail(ERRORS.syntax);
  }
  const key = latin1(argv[1]!);
  if (!replace && ctx.db.exists(key)) fail('BUSYKEY Target key name already exists.');
  let ttl = parseInt64(argv[2]!);
  if (ttl === undefined) fail(ERRORS.notInteger);
  if (ttl < 0n) fail('ERR Invalid TTL value, must be >= 0');
  const payload = argv[3]!;
  if (!verifyPayload(payload)) fail('ERR DUMP payload version or checksum are wrong');
  let value: Value;
  try {
    value = deserialize(payload);
  } catch (error) {
    if (error instanceof BadFormat || error instanceof RangeError) fail(BAD_FORMAT);
    throw error;
  }
  if (replace) ctx.db.delete(key);
  const now = ctx.db.now();
  if (ttl !== 0n && !absttl) ttl += BigInt(now);
  // A TTL already in the past: Redis answers OK and stores nothing (the old key is gone).
  if (ttl !== 0n && ttl <= BigInt(now)) return OK;
  ctx.db.set(key, value);
  if (ttl !== 0n) ctx.db.setExpire(key, Number(ttl));
  // objectSetLRUOrLFU: IDLETIME sets the LRU clock back, FREQ the LFU counter (whichever the
  // maxmemory-policy uses).
  const access = ctx.engine.memory.restoredAccess(Number(idle), Number(freq));
  if (access !== undefined) ctx.db.setAccess(key, access);
  return OK;
}

export const dumpCommands: CommandSpec[] = [
  { name: 'dump', arity: 2, handler: dump },
  { name: 'restore', arity: -4, write: true, handler: restore },
];

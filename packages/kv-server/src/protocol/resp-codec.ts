// RESP2 and RESP3, the Redis wire protocol: a streaming decoder (bytes in, commands or replies
// out) and the matching encoders. The server side decodes commands and encodes replies (in the
// protocol each connection chose with HELLO); the forwarding client does the opposite. Both
// sides map to the engine's `Reply` types, so a reply read from a real Redis keeps its exact
// type (status vs bulk string, nil vs null array, map, set, double) on the way through.
//
// Every length a peer declares is checked against limits before anything is buffered for it,
// so a `$999999999999` header is a protocol error, never a huge allocation. Nothing is ever
// allocated from a declared size either: a `*1048576` header costs nothing until the elements
// arrive, and the bytes held for a command grow only as its bytes do (`heldBytes`).

import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NULL_ARRAY,
  OK,
  PushReply,
  type Reply,
  SetReply,
  SimpleString,
  toResp2,
  VerbatimReply,
} from './reply.ts';

export interface RespLimits {
  /** Largest bulk string a peer may declare (Redis's proto-max-bulk-len: 512 MB). */
  maxBulkLength: number;
  /** Largest array a peer may declare. */
  maxArrayLength: number;
  /** Longest inline command line (Redis: 64 KB). */
  maxInlineLength: number;
  /** Total bytes of the arguments of one command (the server's query-buffer limit is lower). */
  maxCommandBytes: number;
  /** Nesting depth of reply arrays (client side only). */
  maxDepth: number;
}

export const DEFAULT_RESP_LIMITS: RespLimits = {
  maxBulkLength: 512 * 1024 * 1024,
  maxArrayLength: 1024 * 1024,
  maxInlineLength: 64 * 1024,
  maxCommandBytes: 1024 * 1024 * 1024,
  maxDepth: 64,
};

/** Limits for a connection that has not sent AUTH yet when a password is set (as Redis does). */
export const UNAUTHENTICATED_RESP_LIMITS: RespLimits = {
  maxBulkLength: 16 * 1024,
  maxArrayLength: 10,
  maxInlineLength: 16 * 1024,
  maxCommandBytes: 64 * 1024,
  maxDepth: 1,
};

/** The peer broke the protocol; the message is the Redis error text to send before closing. */
export class RespProtocolError extends Error {}

const CR = 13;
const LF = 10;

/**
 * What one parsed argument costs beyond its bytes (a Buffer view and its slot in argv), counted
 * in `heldBytes` so a command of a million empty arguments is not "6 MB" but what it really holds.
 */
export const ARG_OVERHEAD_BYTES = 96;

/** Signals "not enough bytes yet"; `need` is a lower bound on the total bytes required. */
class Incomplete {
  need = 0;
}
const INCOMPLETE = new Incomplete();

/** Where the line read by the last successful `shortInt` ends (the index of its CR). */
let SHORT_END = 0;

/**
 * The common case of a length line: 1 to 9 decimal digits then CRLF, at `from`. Returns the
 * number (and sets SHORT_END), or -1 for anything else (a sign, more digits, a missing or
 * incomplete line end), which the caller then reads the general, checked way.
 */
function shortInt(buf: Buffer, from: number): number {
  let n = 0;
  let i = from;
  const limit = Math.min(buf.length - 1, from + 9);
  for (; i < limit; i++) {
    const c = buf[i]!;
    if (c === CR) break;
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  if (i === from || i >= limit || buf[i] !== CR || buf[i + 1] !== LF) return -1;
  SHORT_END = i;
  return n;
}

/**
 * Buffers incoming bytes and parses whole messages out of them. Parsing is resumable: each
 * complete element is consumed as soon as it is read and the subclass keeps the partial
 * message, so a message spread over many reads costs linear time. `need` skips parsing (and
 * copying) until enough bytes are there, so a large bulk string costs one copy, not one per read.
 */
abstract class Decoder<T> {
  limits: RespLimits;
  protected buf: Buffer = Buffer.alloc(0);
  protected pos = 0;
  private pending: Buffer[] = [];
  protected pendingBytes = 0;
  protected need = 0;

  /** Limits not given keep their DEFAULT_RESP_LIMITS value. */
  constructor(limits: Partial<RespLimits> = {}) {
    this.limits = { ...DEFAULT_RESP_LIMITS, ...limits };
  }

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.pos >= this.buf.length && this.pendingBytes === 0) {
      this.buf = chunk;
      this.pos = 0;
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }

  /** The next whole message, or undefined until more bytes arrive. Throws RespProtocolError. */
  next(): T | undefined {
    if (this.bufferedBytes < this.need) return undefined;
    if (this.pendingBytes > 0) this.merge();
    if (this.pos >= this.buf.length) return undefined;
    try {
      const value = this.parse(this.buf, this.pos);
      this.need = 0;
      return value;
    } catch (error) {
      if (error instanceof Incomplete) {
        this.need = error.need - this.pos;
        return undefined;
      }
      throw error;
    }
  }

  protected merge(): void {
    const rest = this.buf.subarray(this.pos);
    this.buf = Buffer.concat([rest, ...this.pending], rest.length + this.pendingBytes);
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  protected abstract parse(buf: Buffer, start: number): T;

  /** Moves past a parsed element: it will not be parsed again. */
  protected consume(end: number): void {
    this.pos = end;
  }

  /** Index of the CR of the line starting at `from`; incomplete when the line has no end yet. */
  protected lineEnd(buf: Buffer, from: number, maxLength: number, what = 'inline request'): number {
    const end = buf.indexOf(CR, from);
    if (end === -1 || end + 1 >= buf.length) {
      if (buf.length - from > maxLength) throw this.tooLongLine(what);
      INCOMPLETE.need = buf.length + 1;
      throw INCOMPLETE;
    }
    if (end - from > maxLength) throw this.tooLongLine(what);
    return end;
  }

  /** Redis's texts: "too big inline request", "too big mbulk count string", "too big bulk count string". */
  protected tooLongLine(what = 'inline request'): RespProtocolError {
    return new RespProtocolError(`ERR Protocol error: too big ${what}`);
  }

  /** Parses the signed integer in buf[from, end); NaN when it is not one. */
  protected int(buf: Buffer, from: number, end: number): number {
    let i = from;
    let negative = false;
    if (buf[i] === 45 /* - */) {
      negative = true;
      i++;
    }
    if (i === end || end - i > 18) return Number.NaN;
    let n = 0;
    for (; i < end; i++) {
      const c = buf[i]! - 48;
      if (c < 0 || c > 9) return Number.NaN;
      n = n * 10 + c;
    }
    return negative ? -n : n;
  }

  /** Reads `len` bytes of bulk data at `from` followed by CRLF; returns the end index. */
  protected bulkEnd(buf: Buffer, from: number, len: number): number {
    const end = from + len;
    if (end + 2 > buf.length) {
      INCOMPLETE.need = end + 2;
      throw INCOMPLETE;
    }
    if (buf[end] !== CR || buf[end + 1] !== LF) {
      throw new RespProtocolError('ERR Protocol error: bulk string not terminated by CRLF');
    }
    return end + 2;
  }
}

/** The most arguments `peek()` reads (MSET of 10 keys has 21); longer commands take `next()`. */
export const MAX_PEEK_ARGS = 64;

/**
 * Server side: decodes client commands, each an array of bulk strings (`*2\r\n$3\r\nGET...`) or
 * an inline line (`GET key\r\n`, what telnet and `redis-cli` scripts send). Empty inline lines
 * are skipped, as Redis does.
 */
export class CommandDecoder extends Decoder<Buffer[]> {
  /** The multibulk command being read, when it spans several reads. */
  private argv: Buffer[] | undefined;
  /** How many arguments its header announced: a promise, not an allocation. */
  private expected = 0;
  private argBytes = 0;
  /** [start, end) of each argument `peek()` found, in `peekBuffer`. */
  readonly spans = new Int32Array(2 * MAX_PEEK_ARGS);
  private peekEnd = 0;

  /** Bytes this connection holds: unparsed input plus the arguments of a half-read command. */
  get heldBytes(): number {
    return this.bufferedBytes + (this.argv === undefined ? 0 : this.argBytes);
  }

  /** Whether part of a command has arrived and the rest has not. */
  get partial(): boolean {
    return this.argv !== undefined || this.bufferedBytes > 0;
  }

  protected parse(buf: Buffer, start: number): Buffer[] {
    let pos = start;
    if (this.argv === undefined) {
      if (buf[pos] !== 42 /* * */) return this.parseInline(buf, pos);
      // The usual header (`*3\r\n`): digits read in place, no search for the line end.
      let count = shortInt(buf, pos + 1);
      let headerEnd = SHORT_END;
      if (count < 0) {
        headerEnd = this.lineEnd(buf, pos + 1, 32, 'mbulk count string');
        count = this.int(buf, pos + 1, headerEnd);
        if (Number.isNaN(count) || count > this.limits.maxArrayLength) {
          throw new RespProtocolError('ERR Protocol error: invalid multibulk length');
        }
      } else if (count > this.limits.maxArrayLength) {
        throw new RespProtocolError('ERR Protocol error: invalid multibulk length');
      }
      pos = headerEnd + 2;
      this.consume(pos);
      // `*0` and `*-1` are valid and mean "nothing": the caller skips empty commands.
      if (count <= 0) return [];
      // Grown one argument at a time as they arrive (as Redis does): `new Array(count)` would
      // let ten bytes (`*1048576\r\n`) reserve megabytes.
      this.argv = [];
      this.expected = count;
      this.argBytes = 0;
    }
    const argv = this.argv;
    const maxBulk = this.limits.maxBulkLength;
    const maxCommand = this.limits.maxCommandBytes;
    const length = buf.length;
    while (argv.length < this.expected) {
      if (pos >= length) {
        INCOMPLETE.need = pos + 1;
        throw INCOMPLETE;
      }
      if (buf[pos] !== 36 /* $ */) {
        const got = String.fromCharCode(buf[pos]!);
        throw new RespProtocolError(`ERR Protocol error: expected '$', got '${got}'`);
      }
      let len = shortInt(buf, pos + 1);
      let lenEnd = SHORT_END;
      if (len < 0) {
        lenEnd = this.lineEnd(buf, pos + 1, 32, 'bulk count string');
        len = this.int(buf, pos + 1, lenEnd);
        if (Number.isNaN(len) || len < 0) {
          throw new RespProtocolError('ERR Protocol error: invalid bulk length');
        }
      }
      if (len > maxBulk) throw new RespProtocolError('ERR Protocol error: invalid bulk length');
      // The arguments read so far are held, not buffered: bound their total too. Counted once
      // the argument has arrived (this line is parsed again until then), by what it holds.
      const argCost = len + ARG_OVERHEAD_BYTES;
      if (this.argBytes + argCost > maxCommand) {
        throw new RespProtocolError('ERR Protocol error: command too large');
      }
      const dataStart = lenEnd + 2;
      const end = dataStart + len;
      if (end + 2 > length) {
        INCOMPLETE.need = end + 2;
        throw INCOMPLETE;
      }
      if (buf[end] !== CR || buf[end + 1] !== LF) {
        throw new RespProtocolError('ERR Protocol error: bulk string not terminated by CRLF');
      }
      pos = end + 2;
      // A view, not a copy: Buffer.from(arrayBuffer, offset, length) is subarray without its
      // argument checks (this runs for every argument of every command).
      argv.push(Buffer.from(buf.buffer, buf.byteOffset + dataStart, len));
      this.argBytes += argCost;
      this.consume(pos);
    }
    this.argv = undefined;
    return argv;
  }

  /**
   * The fast lane's read (resp/fast-lane.ts): when the next command is an array of at most
   * MAX_PEEK_ARGS bulk strings already whole in the buffer, with the usual short length lines,
   * returns how many arguments it has and puts their [start, end) offsets into `spans` (of
   * `peekBuffer`), without making a Buffer per argument or consuming anything. Returns 0 for
   * anything else (a partial or inline command, an argument spread over reads, a limit,
   * malformed input): `next()` then reads it, with its errors, exactly as before. A peeked command the
   * caller runs is consumed with `skipPeeked()`; one it declines is simply read by `next()`.
   */
  peek(): number {
    if (this.argv !== undefined) return 0;
    if (this.pendingBytes !== 0) {
      // What `next()` would do first: join the reads once enough bytes are there.
      if (this.bufferedBytes < this.need) return 0;
      this.merge();
    }
    const buf = this.buf;
    const length = buf.length;
    let pos = this.pos;
    if (pos >= length || buf[pos] !== 42 /* * */) return 0;
    const count = shortInt(buf, pos + 1);
    if (count <= 0 || count > MAX_PEEK_ARGS || count > this.limits.maxArrayLength) return 0;
    pos = SHORT_END + 2;
    const maxBulk = this.limits.maxBulkLength;
    const maxCommand = this.limits.maxCommandBytes;
    const spans = this.spans;
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      if (pos >= length || buf[pos] !== 36 /* $ */) return 0;
      const len = shortInt(buf, pos + 1);
      if (len < 0 || len > maxBulk) return 0;
      bytes += len + ARG_OVERHEAD_BYTES;
      if (bytes > maxCommand) return 0;
      const start = SHORT_END + 2;
      const end = start + len;
      if (end + 2 > length || buf[end] !== CR || buf[end + 1] !== LF) return 0;
      spans[2 * i] = start;
      spans[2 * i + 1] = end;
      pos = end + 2;
    }
    this.peekEnd = pos;
    return count;
  }

  /** Where the arguments `peek()` found are (a view of the read buffer: valid until `push`). */
  get peekBuffer(): Buffer {
    return this.buf;
  }

  /** Consumes the command `peek()` just found. */
  skipPeeked(): void {
    this.pos = this.peekEnd;
    this.need = 0;
  }

  private parseInline(buf: Buffer, start: number): Buffer[] {
    const nl = buf.indexOf(LF, start);
    if (nl === -1) {
      if (buf.length - start > this.limits.maxInlineLength) throw this.tooLongLine();
      INCOMPLETE.need = buf.length + 1;
      throw INCOMPLETE;
    }
    if (nl - start > this.limits.maxInlineLength) throw this.tooLongLine();
    const lineEnd = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    this.consume(nl + 1);
    return splitInlineArgs(buf.subarray(start, lineEnd).toString('latin1')).map((arg) =>
      Buffer.from(arg, 'latin1'),
    );
  }
}

/**
 * Splits an inline command like Redis's sdssplitargs: words separated by spaces, "double
 * quoted" words with \n \r \t \b \a \\ \" \xHH escapes, 'single quoted' words with \'.
 */
export function splitInlineArgs(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: string | undefined) =>
    c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
  while (true) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return args;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    while (true) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined)
          throw new RespProtocolError('ERR Protocol error: unbalanced quotes in request');
        if (c === '\\' && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          current += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          current +=
            e === 'n'
              ? '\n'
              : e === 'r'
                ? '\r'
                : e === 't'
                  ? '\t'
                  : e === 'b'
                    ? '\b'
                    : e === 'a'
                      ? '\x07'
                      : e;
        } else if (c === '"') {
          // A closing quote must be followed by a space or the end of the line.
          if (i + 1 < n && !isSpace(line[i + 1])) {
            throw new RespProtocolError('ERR Protocol error: unbalanced quotes in request');
          }
          inDouble = false;
          i++;
          break;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (c === undefined)
          throw new RespProtocolError('ERR Protocol error: unbalanced quotes in request');
        if (c === '\\' && line[i + 1] === "'") {
          current += "'";
          i++;
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) {
            throw new RespProtocolError('ERR Protocol error: unbalanced quotes in request');
          }
          inSingle = false;
          i++;
          break;
        } else {
          current += c;
        }
      } else {
        if (c === undefined || isSpace(c)) break;
        if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      i++;
    }
    args.push(current);
  }
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /[0-9a-fA-F]/.test(c);
}

/** What an aggregate being filled becomes once complete (RESP3 adds maps, sets and pushes). */
type AggregateKind = 'array' | 'map' | 'set' | 'push';

function aggregate(kind: AggregateKind, items: Reply[]): Reply {
  if (kind === 'array') return items;
  if (kind === 'set') return new SetReply(items);
  if (kind === 'push') return new PushReply(items);
  const entries: [Reply, Reply][] = [];
  for (let i = 0; i < items.length; i += 2) entries.push([items[i]!, items[i + 1]!]);
  return new MapReply(entries);
}

/**
 * Client side: decodes server replies of every RESP2 and RESP3 type into `Reply` values (a
 * forwarding connection that sent HELLO 3 gets maps, sets, doubles ... and passes them on).
 */
export class ReplyDecoder extends Decoder<Reply> {
  /** Aggregates being filled, outermost first, when a reply spans several reads. */
  private readonly open: { items: Reply[]; remaining: number; kind: AggregateKind }[] = [];

  protected parse(buf: Buffer, start: number): Reply {
    let pos = start;
    for (;;) {
      if (pos >= buf.length) {
        INCOMPLETE.need = pos + 1;
        throw INCOMPLETE;
      }
      const type = buf[pos];
      const lineEnd = this.lineEnd(buf, pos + 1, this.limits.maxInlineLength);
      let next = lineEnd + 2;
      let value: Reply;
      switch (type) {
        case 43 /* + */:
          value = new SimpleString(buf.toString('latin1', pos + 1, lineEnd));
          break;
        case 45 /* - */:
          value = new ErrorReply(buf.toString('latin1', pos + 1, lineEnd));
          break;
        case 58 /* : */:
          {
            const text = buf.toString('latin1', pos + 1, lineEnd);
            if (!/^-?\d+$/.test(text))
              throw new RespProtocolError('Protocol error: invalid integer');
            const n = Number(text);
            value = Number.isSafeInteger(n) ? n : BigInt(text);
            break;
          }
        case 36 /* $ */:
          {
            const len = this.int(buf, pos + 1, lineEnd);
            if (len === -1) {
              value = null;
              break;
            }
            if (Number.isNaN(len) || len < 0 || len > this.limits.maxBulkLength) {
              throw new RespProtocolError('Protocol error: invalid bulk length');
            }
            const end = this.bulkEnd(buf, next, len);
            // Copy: a slice would pin the whole receive buffer in memory.
            value = Buffer.from(buf.subarray(next, next + len));
            next = end;
            break;
          }
        case 42 /* * */:
        case 37 /* % */:
        case 126 /* ~ */:
        case 62 /* > */:
          {
            const kind: AggregateKind =
              type === 42 ? 'array' : type === 37 ? 'map' : type === 126 ? 'set' : 'push';
            const declared = this.int(buf, pos + 1, lineEnd);
            const count = kind === 'map' ? declared * 2 : declared;
            if (Number.isNaN(count) || count < -1 || count > this.limits.maxArrayLength) {
              throw new RespProtocolError('Protocol error: invalid multibulk length');
            }
            if (count === -1 && kind === 'array') value = NULL_ARRAY;
            else if (count === -1) throw new RespProtocolError('Protocol error: invalid length');
            else if (count === 0) value = aggregate(kind, []);
            else {
              if (this.open.length >= this.limits.maxDepth) {
                throw new RespProtocolError('Protocol error: nesting too deep');
              }
              this.open.push({ items: [], remaining: count, kind });
              pos = next;
              this.consume(pos);
              continue;
            }
            break;
          }
        case 95 /* _ */:
          value = null;
          break;
        case 35 /* # */:
          {
            const text = buf.toString('latin1', pos + 1, lineEnd);
            if (text !== 't' && text !== 'f')
              throw new RespProtocolError('Protocol error: invalid boolean');
            value = new BoolReply(text === 't', text === 't' ? 1 : 0);
            break;
          }
        case 44 /* , */:
          {
            // The text is kept as sent, so passing the double on changes no byte.
            const text = buf.toString('latin1', pos + 1, lineEnd);
            const n = text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
            value = new DoubleReply(
              text === 'nan' || text === '-nan' ? Number.NaN : n,
              Buffer.from(text, 'latin1'),
            );
            break;
          }
        case 40 /* ( */:
          {
            const text = buf.toString('latin1', pos + 1, lineEnd);
            if (!/^-?\d+$/.test(text))
              throw new RespProtocolError('Protocol error: invalid big number');
            value = BigInt(text);
            break;
          }
        case 61 /* = */:
        case 33 /* ! */:
          {
            const len = this.int(buf, pos + 1, lineEnd);
            if (Number.isNaN(len) || len < 0 || len > this.limits.maxBulkLength) {
              throw new RespProtocolError('Protocol error: invalid bulk length');
            }
            const end = this.bulkEnd(buf, next, len);
            if (type === 33) value = new ErrorReply(buf.toString('latin1', next, next + len));
            else {
              // `=len\r\ntxt:...`: a three-letter format, a colon, then the text.
              value = new VerbatimReply(
                Buffer.from(buf.subarray(next + 4, next + len)),
                buf.toString('latin1', next, next + 3),
              );
            }
            next = end;
            break;
          }
        default:
          throw new RespProtocolError(
            `Protocol error: unexpected reply type byte ${JSON.stringify(String.fromCharCode(type!))}`,
          );
      }
      pos = next;
      this.consume(pos);
      // Put the value in the array it belongs to; a completed array is a value in turn.
      for (;;) {
        const top = this.open[this.open.length - 1];
        if (top === undefined) return value;
        top.items.push(value);
        if (--top.remaining > 0) break;
        this.open.pop();
        value = aggregate(top.kind, top.items);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Node's Buffer#latin1Write (what `write(s, at, 'latin1')` ends in, after its checks). */
interface Latin1Writing {
  latin1Write(text: string, offset: number, length: number): number;
}

/** A batch buffer's first size; it doubles as a batch needs (replies are copied into it). */
const FIRST_BATCH_BYTES = 512;
/** A batch buffer grown past this is dropped once written, not kept for the next batch. */
const KEPT_BATCH_BYTES = 64 * 1024;
/** Bulk strings this long or longer are not copied into the batch: they go out as they are. */
const COPY_LIMIT = 16 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Encodes replies into one Buffer, reused from batch to batch, so a pipeline of N replies
 * becomes one socket write with no string built and no Buffer allocated for it. Large bulk
 * strings are kept as the Buffers they are (one copy, at the end, if there is anything else).
 *
 * `takeForSocket` lends a view of the buffer: the bytes in it are left alone (later replies go
 * after them) until `reclaim()` says the socket is done with them.
 */
export class ReplyWriter {
  private buf: Buffer = EMPTY;
  /** Where the bytes not yet taken start; before it, bytes lent to the socket. */
  private start = 0;
  private pos = 0;
  /** Finished pieces, when a large bulk string made the batch more than one buffer. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** 3 after HELLO 3: RESP3 types go out as themselves, not in their RESP2 form. */
  protocol: 2 | 3 = 2;

  get length(): number {
    return this.partsBytes + this.pos - this.start;
  }

  write(reply: Reply): void {
    if (reply === OK) {
      this.room(5);
      const buf = this.buf;
      const pos = this.pos;
      buf[pos] = 43; // +OK\r\n
      buf[pos + 1] = 79;
      buf[pos + 2] = 75;
      buf[pos + 3] = CR;
      buf[pos + 4] = LF;
      this.pos = pos + 5;
    } else if (reply instanceof Buffer) {
      this.bulk(reply);
    } else if (typeof reply === 'number') {
      this.line(58 /* : */, reply);
    } else if (reply === null) {
      this.text(this.protocol === 3 ? '_\r\n' : '$-1\r\n');
    } else if (reply instanceof SimpleString) {
      this.status(43 /* + */, reply.value);
    } else if (reply instanceof ErrorReply) {
      this.status(45 /* - */, reply.message);
    } else if (Array.isArray(reply)) {
      this.line(42 /* * */, reply.length);
      for (const item of reply) this.write(item);
    } else if (typeof reply === 'bigint') {
      this.text(`:${reply}\r\n`);
    } else if (reply === NULL_ARRAY) {
      this.text(this.protocol === 3 ? '_\r\n' : '*-1\r\n');
    } else if (this.protocol === 2) {
      // A RESP3 type on a RESP2 connection: its RESP2 form.
      this.write(toResp2(reply));
    } else if (reply instanceof MapReply) {
      this.line(37 /* % */, reply.entries.length);
      for (const [k, v] of reply.entries) {
        this.write(k);
        this.write(v);
      }
    } else if (reply instanceof SetReply || reply instanceof PushReply) {
      this.line(reply instanceof SetReply ? 126 /* ~ */ : 62 /* > */, reply.items.length);
      for (const item of reply.items) this.write(item);
    } else if (reply instanceof DoubleReply) {
      // Redis 7.0 prints a double the same way in both protocols (`%.17g`, `inf`, `-inf`): the
      // RESP2 bulk text is the RESP3 double's text.
      this.text(',');
      this.bytes(reply.resp2);
      this.text('\r\n');
    } else if (reply instanceof BoolReply) {
      this.text(reply.value ? '#t\r\n' : '#f\r\n');
    } else if (reply instanceof VerbatimReply) {
      this.text(`=${reply.text.length + 4}\r\n${reply.format}:`);
      this.bytes(reply.text);
      this.text('\r\n');
    }
  }

  /**
   * A bulk string reply from a stored (latin1) string, as `write(bulk(value))` encodes it but
   * without the Buffer in between (GET's reply in the fast lane).
   */
  writeBulkString(value: string): void {
    const length = value.length;
    if (length >= COPY_LIMIT) {
      this.bulk(Buffer.from(value, 'latin1'));
      return;
    }
    this.line(36 /* $ */, length);
    this.room(length + 2);
    this.text(value);
    const buf = this.buf;
    buf[this.pos] = CR;
    buf[this.pos + 1] = LF;
    this.pos += 2;
  }

  /** Writes raw, already-encoded bytes. */
  writeRaw(bytes: Buffer): void {
    this.bytes(bytes);
  }

  /**
   * Everything written so far, as one Buffer (usually a view of the reused batch buffer: call
   * `reclaim()` once the socket no longer holds it). The writer is empty afterwards.
   */
  takeForSocket(): Buffer {
    if (this.parts.length === 0) {
      const out = this.buf.subarray(this.start, this.pos);
      this.start = this.pos;
      return out;
    }
    this.endPart();
    const out =
      this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsBytes);
    this.parts = [];
    this.partsBytes = 0;
    return out;
  }

  /** The socket has written everything it was given: the batch buffer can be reused. */
  reclaim(): void {
    if (this.start !== this.pos || this.parts.length > 0) return;
    this.start = 0;
    this.pos = 0;
    if (this.buf.length > KEPT_BATCH_BYTES) this.buf = EMPTY;
  }

  /** Everything written so far as a Buffer of its own; the writer is empty afterwards. */
  take(): Buffer {
    const out = this.takeForSocket();
    const owned = out.buffer === this.buf.buffer ? Buffer.from(out) : out;
    this.reclaim();
    return owned;
  }

  /** Makes room for `n` more bytes after `pos`, in a new buffer when this one is full. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const pending = this.pos - this.start;
    // Doubling stops at KEPT_BATCH_BYTES: past it only what is pending sets the size. A client
    // that reads slowly never lets reclaim() run, and unbounded doubling would then grow the
    // buffer with everything ever written to it, not with what it holds.
    const size = Math.max(
      FIRST_BATCH_BYTES,
      Math.min(this.buf.length * 2, KEPT_BATCH_BYTES),
      (pending + n) * 2,
    );
    const next = Buffer.allocUnsafeSlow(size);
    // The lent bytes stay in the old buffer (the socket may still hold it); the pending ones move.
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = pending;
  }

  /** `prefix`, the integer `n`, CRLF: `:12\r\n`, `*3\r\n`, `$5\r\n`. */
  private line(prefix: number, n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.text(`${String.fromCharCode(prefix)}${n}\r\n`);
      return;
    }
    this.room(24);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = prefix;
    if (n < 0) {
      buf[pos++] = 45; // -
      n = -n;
    }
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    for (let i = pos + digits - 1; i >= pos; i--) {
      buf[i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    pos += digits;
    buf[pos] = CR;
    buf[pos + 1] = LF;
    this.pos = pos + 2;
  }

  private bulk(reply: Buffer): void {
    const length = reply.length;
    this.line(36 /* $ */, length);
    this.bytes(reply);
    this.room(2);
    this.buf[this.pos] = CR;
    this.buf[this.pos + 1] = LF;
    this.pos += 2;
  }

  /** Copies `bytes` in, or keeps a large one as a part of its own. */
  private bytes(bytes: Buffer): void {
    const length = bytes.length;
    if (length >= COPY_LIMIT) {
      this.endPart();
      this.parts.push(bytes);
      this.partsBytes += length;
      return;
    }
    this.room(length);
    const buf = this.buf;
    const pos = this.pos;
    if (length <= 16) for (let i = 0; i < length; i++) buf[pos + i] = bytes[i]!;
    else buf.set(bytes, pos);
    this.pos = pos + length;
  }

  /** A status or error line: the text made one line, as Redis sends it. */
  private status(prefix: number, text: string): void {
    this.room(1);
    this.buf[this.pos++] = prefix;
    this.text(oneLine(text));
    this.text('\r\n');
  }

  /** A JS string, one byte per char (latin1, as the stored strings are). */
  private text(text: string): void {
    const length = text.length;
    this.room(length);
    const buf = this.buf;
    const pos = this.pos;
    if (length <= 16) {
      for (let i = 0; i < length; i++) buf[pos + i] = text.charCodeAt(i);
    } else {
      (buf as unknown as Latin1Writing).latin1Write(text, pos, length);
    }
    this.pos = pos + length;
  }

  /** The bytes since `start` become a finished part (a large bulk string follows them). */
  private endPart(): void {
    if (this.pos === this.start) return;
    const part = this.buf.subarray(this.start, this.pos);
    this.parts.push(part);
    this.partsBytes += part.length;
    this.start = this.pos;
  }
}

/** A status or error line cannot contain CR or LF: they would end it early. */
function oneLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]+/g, ' ') : text;
}

/** Encodes one reply (convenience for tests and one-off writes). */
export function encodeReply(reply: Reply): Buffer {
  const writer = new ReplyWriter();
  writer.write(reply);
  return writer.take();
}

/** Encodes one reply as a RESP3 connection gets it. */
export function encodeResp3(reply: Reply): Buffer {
  const writer = new ReplyWriter();
  writer.protocol = 3;
  writer.write(reply);
  return writer.take();
}

/**
 * Encodes a command as an array of bulk strings, the form every Redis server accepts
 * (`*2\r\n$4\r\nINCR\r\n$3\r\nkey\r\n`), into one Buffer with one copy of each argument: a
 * Buffer per header and a Buffer.concat were most of a forwarded command's encoding cost.
 */
export function encodeCommand(argv: readonly (Buffer | string | number)[]): Buffer {
  const args = argv.every(Buffer.isBuffer)
    ? (argv as readonly Buffer[])
    : argv.map((arg) => (Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), 'utf8')));
  let size = 3 + digits(args.length);
  for (const arg of args) size += 5 + digits(arg.length) + arg.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(`*${args.length}\r\n`, 0, 'latin1');
  for (const arg of args) {
    at += out.write(`$${arg.length}\r\n`, at, 'latin1');
    at += arg.copy(out, at);
    out[at++] = 13;
    out[at++] = 10;
  }
  return out;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length;
}

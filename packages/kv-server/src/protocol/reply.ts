// The values a command returns, one type per RESP2 reply type. The RESP and REST surfaces each
// encode these their own way; the engine never knows which surface asked.

/** `+OK` style status reply. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/** `-ERR ...` reply. `message` is the whole text Redis sends, prefix included (`WRONGTYPE ...`). */
export class ErrorReply {
  constructor(readonly message: string) {}
}

/** `*-1`: the null array (EXEC aborted by WATCH, for example). */
export const NULL_ARRAY: unique symbol = Symbol('NULL_ARRAY');

// RESP3 reply types. A RESP2 connection (and REST JSON) gets each in its RESP2 form, as Redis
// sends it: a map as a flat [k1, v1, k2, v2] array, a set as an array, a double as a bulk
// string, a boolean as the integer 1 or 0 (or nil for false where Redis says so), a verbatim
// string as a bulk string, a push as an array.

/** `%`: a map. Entries keep the order in which Redis sends them. */
export class MapReply {
  constructor(readonly entries: [Reply, Reply][]) {}
}

/** `~`: a set (SMEMBERS, SINTER ... in RESP3). */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}

/**
 * `,`: a double (ZSCORE, INCRBYFLOAT in RESP3 ...). `resp2` is the exact bulk string Redis sends
 * to a RESP2 client (its formatting differs by command), so RESP2 replies stay byte-exact.
 */
export class DoubleReply {
  constructor(
    readonly value: number,
    readonly resp2: Buffer,
  ) {}
}

/** `#`: a boolean. `resp2` is what RESP2 gets instead (1/0, or null). */
export class BoolReply {
  constructor(
    readonly value: boolean,
    readonly resp2: number | null,
  ) {}
}

/** `=`: a verbatim string (INFO, CLIENT LIST ... in RESP3), `txt` format. RESP2: a bulk string. */
export class VerbatimReply {
  constructor(
    readonly text: Buffer,
    readonly format = 'txt',
  ) {}
}

/** `>`: an out-of-band push (pub/sub messages, invalidations). RESP2: an array. */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}

/**
 * Integer replies are `number` while safe, `bigint` beyond 2^53 (Redis integers are int64).
 * Bulk strings are `Buffer` (binary-safe); `null` is the nil bulk string `$-1` (RESP3 `_`).
 */
export type Reply =
  | SimpleString
  | ErrorReply
  | number
  | bigint
  | Buffer
  | null
  | typeof NULL_ARRAY
  | Reply[]
  | MapReply
  | SetReply
  | DoubleReply
  | BoolReply
  | VerbatimReply
  | PushReply;

/** The RESP2 form of a RESP3-only reply type (one level; arrays are converted by the caller). */
export function toResp2(reply: Reply): Reply {
  if (reply instanceof MapReply) {
    const flat: Reply[] = [];
    for (const [k, v] of reply.entries) flat.push(k, v);
    return flat;
  }
  if (reply instanceof SetReply || reply instanceof PushReply) return reply.items;
  if (reply instanceof DoubleReply) return reply.resp2;
  if (reply instanceof BoolReply) return reply.resp2;
  if (reply instanceof VerbatimReply) return reply.text;
  return reply;
}

/**
 * A command that answers nothing at all (MONITOR sent again by a monitor, as in Redis; a
 * forwarding connection in relay mode): the RESP surface writes nothing for it.
 */
export const NO_REPLY: SimpleString = new SimpleString('kv-server: no reply');

export const OK = new SimpleString('OK');
export const QUEUED = new SimpleString('QUEUED');

export function bulk(value: string): Buffer {
  // Stored strings are latin1 ("binary") JS strings: one char per byte, so this is lossless.
  // A short one is copied char by char into a pooled Buffer: Buffer.from's encoding lookup and
  // native write cost more than the copy (GET answers with this).
  const length = value.length;
  if (length > 32) return Buffer.from(value, 'latin1');
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = value.charCodeAt(i);
  return buf;
}

/** Node's Buffer#latin1Slice: what `toString('latin1')` ends in, after its checks and lookups. */
interface Latin1Slicing {
  latin1Slice(start: number, end: number): string;
}
const hasLatin1Slice =
  typeof (Buffer.prototype as unknown as Partial<Latin1Slicing>).latin1Slice === 'function';

/**
 * An argument as a latin1 string (how keys, fields and string values are stored). Every key
 * and value goes through here: the direct call skips toString's argument checks and encoding
 * lookup (~20% of this conversion).
 */
export function latin1(arg: Buffer): string {
  // Short ones (SET's "xxx", a counter, a field) are made in JS: String.fromCharCode with the
  // bytes as arguments costs a quarter of the native call for a 3-byte value, same string.
  const fromCharCode = String.fromCharCode;
  switch (arg.length) {
    case 0:
      return '';
    case 1:
      return fromCharCode(arg[0]!);
    case 2:
      return fromCharCode(arg[0]!, arg[1]!);
    case 3:
      return fromCharCode(arg[0]!, arg[1]!, arg[2]!);
    case 4:
      return fromCharCode(arg[0]!, arg[1]!, arg[2]!, arg[3]!);
    case 5:
      return fromCharCode(arg[0]!, arg[1]!, arg[2]!, arg[3]!, arg[4]!);
    case 6:
      return fromCharCode(arg[0]!, arg[1]!, arg[2]!, arg[3]!, arg[4]!, arg[5]!);
    case 7:
      return fromCharCode(arg[0]!, arg[1]!, arg[2]!, arg[3]!, arg[4]!, arg[5]!, arg[6]!);
    case 8:
      return fromCharCode(arg[0]!, arg[1]!, arg[2]!, arg[3]!, arg[4]!, arg[5]!, arg[6]!, arg[7]!);
  }
  return hasLatin1Slice
    ? (arg as unknown as Latin1Slicing).latin1Slice(0, arg.length)
    : arg.toString('latin1');
}

/**
 * An argument as C's `%s` prints it inside an error text: up to the first NUL byte. (Redis
 * formats user input into errors this way, and then turns CR/LF into spaces.)
 */
export function cText(arg: Buffer): string {
  const s = arg.toString('latin1');
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}

/** Error texts never contain CR or LF (they would break RESP); Redis replaces them by spaces. */
function sanitize(message: string): string {
  return /[\r\n]/.test(message) ? message.replace(/[\r\n]/g, ' ') : message;
}

export function err(message: string): ErrorReply {
  return new ErrorReply(sanitize(message));
}

/** Thrown inside command handlers to stop with an error reply; `execute` turns it into a reply. */
export class CommandError extends Error {
  constructor(readonly reply: ErrorReply) {
    super(reply.message);
  }
}

export function fail(message: string): never {
  throw new CommandError(err(message));
}

// The error texts Redis 7 uses, word for word: learners read them, and the differential suite
// compares them against a real Redis.
export const ERRORS = {
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  syntax: 'ERR syntax error',
  noSuchKey: 'ERR no such key',
  overflow: 'ERR increment or decrement would overflow',
  outOfRange: 'ERR index out of range',
} as const;

/**
 * The bytes [s, e) of `b` as a latin1 string, as latin1() makes one of an argument Buffer, for
 * the fast lanes that run commands from a request's bytes without argument Buffers (REST's in
 * engine/backend.ts, RESP's in resp/fast-lane.ts): up to 16 bytes (most keys) by one
 * String.fromCharCode call with the bytes as arguments, ~40% cheaper than the native slice or
 * than building the string up, and a flat string (a key is hashed next).
 */
export function latin1At(b: Buffer, s: number, e: number): string {
  const f = String.fromCharCode;
  switch (e - s) {
    case 0:
      return '';
    case 1:
      return f(b[s]!);
    case 2:
      return f(b[s]!, b[s + 1]!);
    case 3:
      return f(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8:
      return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    case 9:
      return f(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
        b[s + 8]!,
      );
    case 10:
      return f(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
        b[s + 8]!,
        b[s + 9]!,
      );
    case 11:
      return f(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
        b[s + 8]!,
        b[s + 9]!,
        b[s + 10]!,
      );
    case 12:
      return f(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
        b[s + 8]!,
        b[s + 9]!,
        b[s + 10]!,
        b[s + 11]!,
      );
    case 13:
      return f(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
        b[s + 8]!,
        b[s + 9]!,
        b[s + 10]!,
        b[s + 11]!,
        b[s + 12]!,
      );
    case 14:
      return f(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
        b[s + 8]!,
        b[s + 9]!,
        b[s + 10]!,
        b[s + 11]!,
        b[s + 12]!,
        b[s + 13]!,
      );
    case 15:
      return f(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
        b[s + 8]!,
        b[s + 9]!,
        b[s + 10]!,
        b[s + 11]!,
        b[s + 12]!,
        b[s + 13]!,
        b[s + 14]!,
      );
    case 16:
      return f(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
        b[s + 8]!,
        b[s + 9]!,
        b[s + 10]!,
        b[s + 11]!,
        b[s + 12]!,
        b[s + 13]!,
        b[s + 14]!,
        b[s + 15]!,
      );
  }
  return hasLatin1Slice
    ? (b as unknown as Latin1Slicing).latin1Slice(s, e)
    : b.toString('latin1', s, e);
}

// The common request bodies, read without JSON.parse: `["INCR","key",5]` for `POST /` and
// `[["SET","a","1"],["GET","a"]]` for `/pipeline` and `/multi-exec`. Each argument becomes a view
// of the body's own bytes (no string, no copy) when its JSON text is exactly those bytes: a
// string of printable ASCII without escapes, or an integer written as JavaScript would print it.
// Anything else (escapes, non-ASCII, fractions, booleans, errors of any kind) parses as 0
// commands, and the caller takes the JSON.parse path, which gives the same argv or the exact
// error.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** Digits in an integer that is certainly a safe one, printed back the same. */
const MAX_DIGITS = 15;

/** Position after JSON whitespace from `i`. */
function skip(body: Buffer, i: number): number {
  for (; i < body.length; i++) {
    const c = body[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
  }
  return i;
}

/**
 * Command names (the first argument) seen recently, as Buffers of their own: a command's name
 * is the same few bytes request after request, so it is looked up (direct-mapped by a hash of
 * its bytes, compared byte by byte) instead of made a new view each time. Names are copied
 * into the cache, never kept as views, so a cached name holds no request body alive.
 */
const NAME_SLOTS = 64;
const MAX_NAME = 16;
const names: (Buffer | undefined)[] = new Array(NAME_SLOTS).fill(undefined);

function nameAt(body: Buffer, start: number, stop: number): Buffer {
  const n = stop - start;
  if (n > MAX_NAME) return body.subarray(start, stop);
  let hash = n;
  for (let i = start; i < stop; i++) hash = (hash * 31 + body[i]!) | 0;
  const slot = (hash ^ (hash >>> 7)) & (NAME_SLOTS - 1);
  const hit = names[slot];
  if (hit !== undefined && hit.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (hit[i] !== body[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  const copy = Buffer.from(body.subarray(start, stop));
  names[slot] = copy;
  return copy;
}

/**
 * The last parse, as spans of the body: `SPANS` holds each argument's [start, end) pair, and
 * command i's arguments are the pairs FIRST[i] to FIRST[i + 1] - 1. Module state, read right
 * after the parse, synchronously: the engine's fast lane (engine/backend.ts) runs commands from
 * these offsets with no argument Buffer at all; argvAt/argvsOf make the Buffers otherwise.
 * They grow for a large body (8 bytes an argument, far less than the Buffer each had before)
 * and go back to their first size at the next parse, so one huge request holds nothing after.
 */
const SPANS_AT_FIRST = 2 * 1024;
const FIRST_AT_FIRST = 257;
export let SPANS = new Int32Array(SPANS_AT_FIRST);
export let FIRST = new Int32Array(FIRST_AT_FIRST);
let args = 0;
let commands = 0;

/** Room for one more argument (its pair) and one more command in SPANS and FIRST. */
function grow(): void {
  if (2 * args + 2 > SPANS.length) {
    const more = new Int32Array(2 * SPANS.length);
    more.set(SPANS);
    SPANS = more;
  }
  if (commands + 2 > FIRST.length) {
    const more = new Int32Array(2 * FIRST.length);
    more.set(FIRST);
    FIRST = more;
  }
}

/** Where a parse stopped: the position after the value. */
let end = 0;

/** A non-empty array of simple arguments starting at `i` (its `[`): spans recorded, sets `end`. */
function command(body: Buffer, i: number): boolean {
  if (body[i] !== OPEN) return false;
  const from = args;
  FIRST[commands] = from;
  i = skip(body, i + 1);
  for (;;) {
    if (2 * args + 2 > SPANS.length || commands + 2 > FIRST.length) grow();
    const c = body[i];
    let start: number;
    if (c === QUOTE) {
      start = ++i;
      for (;;) {
        const b = body[i];
        if (b === undefined || b < 0x20 || b >= 0x80 || b === BACKSLASH) return false;
        if (b === QUOTE) break;
        i++;
      }
      SPANS[2 * args] = start;
      SPANS[2 * args + 1] = i;
      args++;
      i++;
    } else if (c !== undefined && (c === MINUS || (c >= ZERO && c <= NINE))) {
      start = i;
      if (c === MINUS) i++;
      const first = i;
      while (i < body.length && body[i]! >= ZERO && body[i]! <= NINE) i++;
      const digits = i - first;
      // `0`, or no leading zero; not `-0` (JavaScript prints it `0`); few enough digits.
      if (digits === 0 || digits > MAX_DIGITS) return false;
      if (body[first] === ZERO && (digits > 1 || c === MINUS)) return false;
      SPANS[2 * args] = start;
      SPANS[2 * args + 1] = i;
      args++;
    } else {
      return false;
    }
    i = skip(body, i);
    if (body[i] === COMMA) {
      i = skip(body, i + 1);
      continue;
    }
    if (body[i] !== CLOSE) return false;
    end = i + 1;
    commands++;
    FIRST[commands] = args;
    return true;
  }
}

/**
 * Parses a body holding one command (`batch` false) or a non-empty array of commands into
 * SPANS/FIRST; returns how many commands, 0 when the body is not in the simple subset (see the
 * file comment).
 */
export function parseSpans(body: Buffer, batch: boolean): number {
  args = 0;
  commands = 0;
  if (SPANS.length > SPANS_AT_FIRST) SPANS = new Int32Array(SPANS_AT_FIRST);
  if (FIRST.length > FIRST_AT_FIRST) FIRST = new Int32Array(FIRST_AT_FIRST);
  let i = skip(body, 0);
  if (!batch) return command(body, i) && skip(body, end) === body.length ? 1 : 0;
  if (body[i] !== OPEN) return 0;
  i = skip(body, i + 1);
  for (;;) {
    if (!command(body, i)) return 0;
    i = skip(body, end);
    if (body[i] === COMMA) {
      i = skip(body, i + 1);
      continue;
    }
    if (body[i] !== CLOSE) return 0;
    return skip(body, i + 1) === body.length ? commands : 0;
  }
}

/** Command `index` of the last parseSpans as Buffers: its name cached, the rest views of `body`. */
export function argvAt(body: Buffer, index: number): Buffer[] {
  const from = FIRST[index]!;
  const to = FIRST[index + 1]!;
  const argv: Buffer[] = [nameAt(body, SPANS[2 * from]!, SPANS[2 * from + 1]!)];
  for (let a = from + 1; a < to; a++) argv.push(body.subarray(SPANS[2 * a]!, SPANS[2 * a + 1]!));
  return argv;
}

/** The last parseSpans's `count` commands as Buffers. */
export function argvsOf(body: Buffer, count: number): Buffer[][] {
  const argvs: Buffer[][] = [];
  for (let c = 0; c < count; c++) argvs.push(argvAt(body, c));
  return argvs;
}

// The common request bodies, read without JSON.parse: `["INCR","key",5]` for `POST /` and
// `[["SET","a","1"],["GET","a"]]` for `/pipeline` and `/multi-exec`. Each argument becomes a view
// of the body's own bytes (no string, no copy) when its JSON text is exactly those bytes: a
// string of printable ASCII without escapes, or an integer written as JavaScript would print it.
// Anything else (escapes, non-ASCII, fractions, booleans, errors of any kind) returns undefined,
// and the caller takes the JSON.parse path, which gives the same argv or the exact error.

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

/** Where a parse stopped: the position after the value, -1 when not in the simple subset. */
let end = 0;

/** A non-empty array of simple arguments starting at `i` (its `[`); sets `end`. */
function command(body: Buffer, i: number): Buffer[] | undefined {
  if (body[i] !== OPEN) return undefined;
  const argv: Buffer[] = [];
  i = skip(body, i + 1);
  for (;;) {
    const c = body[i];
    let start: number;
    if (c === QUOTE) {
      start = ++i;
      for (;;) {
        const b = body[i];
        if (b === undefined || b < 0x20 || b >= 0x80 || b === BACKSLASH) return undefined;
        if (b === QUOTE) break;
        i++;
      }
      argv.push(argv.length === 0 ? nameAt(body, start, i) : body.subarray(start, i));
      i++;
    } else if (c !== undefined && (c === MINUS || (c >= ZERO && c <= NINE))) {
      start = i;
      if (c === MINUS) i++;
      const first = i;
      while (i < body.length && body[i]! >= ZERO && body[i]! <= NINE) i++;
      const digits = i - first;
      // `0`, or no leading zero; not `-0` (JavaScript prints it `0`); few enough digits.
      if (digits === 0 || digits > MAX_DIGITS) return undefined;
      if (body[first] === ZERO && (digits > 1 || c === MINUS)) return undefined;
      argv.push(body.subarray(start, i));
    } else {
      return undefined;
    }
    i = skip(body, i);
    if (body[i] === COMMA) {
      i = skip(body, i + 1);
      continue;
    }
    if (body[i] !== CLOSE) return undefined;
    end = i + 1;
    return argv;
  }
}

/** The argv of a body holding one command, or undefined (see the file comment). */
export function fastCommand(body: Buffer): Buffer[] | undefined {
  const argv = command(body, skip(body, 0));
  return argv !== undefined && skip(body, end) === body.length ? argv : undefined;
}

/** The argvs of a body holding a non-empty array of commands, or undefined. */
export function fastBatch(body: Buffer): Buffer[][] | undefined {
  let i = skip(body, 0);
  if (body[i] !== OPEN) return undefined;
  const argvs: Buffer[][] = [];
  i = skip(body, i + 1);
  for (;;) {
    const argv = command(body, i);
    if (argv === undefined) return undefined;
    argvs.push(argv);
    i = skip(body, end);
    if (body[i] === COMMA) {
      i = skip(body, i + 1);
      continue;
    }
    if (body[i] !== CLOSE) return undefined;
    return skip(body, i + 1) === body.length ? argvs : undefined;
  }
}

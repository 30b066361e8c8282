// Number parsing and formatting exactly as Redis 7 does it, so replies and error texts match a
// real server byte for byte. Arguments arrive as Buffers; stored strings are latin1 JS strings.

import { ERRORS, fail } from '../protocol/reply.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function text(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('latin1');
}

/**
 * `/^(0|-?[1-9][0-9]*)$/.test(s)`, by a loop over the chars: the regex was a visible share of
 * every INCR and integer argument.
 */
export function isIntegerText(s: string): boolean {
  const n = s.length;
  let i = n > 0 && s.charCodeAt(0) === 45 ? 1 : 0; // an optional '-'
  if (i === n) return false;
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1; // "0" alone: no leading zero, no "-0"
  if (first < 49 || first > 57) return false;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Redis's `string2ll`: an optional '-', then digits with no leading zero (a lone "0" is fine),
 * within int64. No '+', no spaces, no "-0". Returns undefined when the text is not such a number.
 */
export function parseInt64(value: Buffer | string): bigint | undefined {
  const s = text(value);
  if (!isIntegerText(s)) return undefined;
  if (s.length < 16) return BigInt(s);
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * The same rules, as a JS number (exact up to 2^53; beyond that only the magnitude matters to
 * the callers: indexes, counts and timeouts are clamped anyway).
 */
export function parseInteger(value: Buffer | string): number | undefined {
  const s = text(value);
  if (s.length < 16) return isIntegerText(s) ? Number(s) : undefined;
  const n = parseInt64(s);
  return n === undefined ? undefined : Number(n);
}

/** An integer argument, or the reply Redis gives for a bad one (`ERR value is not an integer...`). */
export function integerArg(value: Buffer | string, message: string = ERRORS.notInteger): number {
  const n = parseInteger(value);
  if (n === undefined) fail(message);
  return n;
}

/** An int64 argument as a bigint, for arithmetic that must not lose precision (INCRBY). */
export function int64Arg(value: Buffer | string, message: string = ERRORS.notInteger): bigint {
  const n = parseInt64(value);
  if (n === undefined) fail(message);
  return n;
}

/** Integer replies: a number while it is exact, a bigint beyond (the Reply contract). */
export function integerReply(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

// ---------------------------------------------------------------------------------------------
// Floats. Redis reads them with C's strtod/strtold and then refuses: a leading space, trailing
// garbage, NaN, and values that overflow (or underflow to zero) with ERANGE. strtod accepts more
// than JS's Number(): "inf", "infinity", hex floats ("0x1p3"), "5." and ".5".

/** An exact reading of a float literal: sign * mant * base^exp, or an infinity. */
type Literal =
  | { kind: 'finite'; negative: boolean; mant: bigint; exp: number; base: 2 | 10 }
  | { kind: 'inf'; negative: boolean };

const DECIMAL = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/;
const INF = /^([+-]?)(inf|infinity)$/i;

function readLiteral(s: string): Literal | undefined {
  if (s.length === 0) return undefined;
  const inf = INF.exec(s);
  if (inf) return { kind: 'inf', negative: inf[1] === '-' };
  const hex = HEX.exec(s);
  if (hex) {
    const int = hex[2] ?? '';
    const frac = hex[3] ?? '';
    if (int.length + frac.length === 0) return undefined;
    // strtod reads "0x" with no digits as the number 0 followed by garbage: refused either way.
    const exp = Number(hex[4] ?? '0') - 4 * frac.length;
    return {
      kind: 'finite',
      negative: hex[1] === '-',
      mant: BigInt(`0x${int}${frac}`),
      exp,
      base: 2,
    };
  }
  const dec = DECIMAL.exec(s);
  if (!dec) return undefined;
  const int = dec[2] ?? '';
  const frac = dec[3] ?? '';
  if (int.length + frac.length === 0) return undefined;
  const expText = dec[4] ?? '0';
  // Absurd exponents: clamp them (the value is 0 or infinite either way, as strtod finds).
  const exp = Math.max(-1e6, Math.min(1e6, Number(expText))) - frac.length;
  return {
    kind: 'finite',
    negative: dec[1] === '-',
    mant: BigInt(`${int}${frac}` || '0'),
    exp,
    base: 10,
  };
}

/**
 * The common score, `[+-]digits[.digits]` with at least one digit and at most 20 chars, read
 * without the regexes and BigInt of `readLiteral` (ZADD's cost was mostly those): such a text
 * can neither overflow nor underflow, and `Number()` rounds it correctly, as strtod does.
 * Undefined for anything else, which the full reading then takes.
 */
function plainDecimal(s: string): number | undefined {
  const n = s.length;
  if (n === 0 || n > 20) return undefined;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) i = 1; // '-' or '+'
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return undefined;
  }
  return digits === 0 ? undefined : Number(s);
}

/**
 * Redis's `getDoubleFromObject`: the double a string holds, or undefined (which callers turn
 * into `ERR value is not a valid float` or their own message).
 */
export function parseDouble(value: Buffer | string): number | undefined {
  const s = text(value);
  const plain = plainDecimal(s);
  if (plain !== undefined) return plain;
  if (s.length === 0 || s.includes('\0')) return undefined;
  const lit = readLiteral(s);
  if (lit === undefined) return undefined;
  if (lit.kind === 'inf') return lit.negative ? -Infinity : Infinity;
  let d: number;
  if (lit.base === 10) {
    d = Number(s);
  } else {
    const r = roundBinary(lit.mant, lit.exp, 2, DOUBLE);
    if (r === 'inf') return undefined;
    d = Number(r.mant) * 2 ** (r.exp + 600) * 2 ** -600;
    if (lit.negative) d = -d;
  }
  // ERANGE: overflow, or underflow all the way to zero from a nonzero literal.
  if (!Number.isFinite(d)) return undefined;
  if (d === 0 && lit.mant !== 0n) return undefined;
  return d;
}

/**
 * C's `strtod` as Redis's score ranges use it (ZRANGEBYSCORE, ZCOUNT...: `eptr[0] != '\0'` is the
 * only check): the text stops at the first NUL byte, leading whitespace is skipped, overflow
 * reads as ±inf and underflow as 0, an empty text is 0; NaN and trailing garbage are refused.
 */
export function parseStrtod(value: Buffer | string): number | undefined {
  let s = text(value);
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  if (s === '') return 0;
  const stripped = s.replace(/^[ \t\n\v\f\r]+/, '');
  const lit = readLiteral(stripped);
  if (lit === undefined) return undefined;
  if (lit.kind === 'inf') return lit.negative ? -Infinity : Infinity;
  if (lit.base === 10) return Number(stripped);
  const r = roundBinary(lit.mant, lit.exp, 2, DOUBLE);
  const d = r === 'inf' ? Infinity : Number(r.mant) * 2 ** (r.exp + 600) * 2 ** -600;
  return lit.negative ? -d : d;
}

/**
 * Redis's `addReplyDouble` (7.0): integers print as integers, the rest as C's `%.17g`; the
 * infinities as "inf" / "-inf"; zero (either sign) as "0".
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return '0';
  if (Number.isInteger(d) && Math.abs(d) < 4503599627370496) return String(d);
  return formatG17(d);
}

/** C's `printf("%.17g", d)` for a finite nonzero double. */
export function formatG17(d: number): string {
  const [digits = '', expText = '0'] = Math.abs(d).toExponential(16).split('e');
  const exp = Number(expText);
  const sign = d < 0 ? '-' : '';
  const mantissa = digits.replace('.', '');
  if (exp < -4 || exp >= 17) {
    const m = stripZeros(`${mantissa[0]}.${mantissa.slice(1)}`);
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}${stripZeros(`0.${'0'.repeat(-exp - 1)}${mantissa}`)}`;
  const int = mantissa.slice(0, exp + 1);
  const frac = mantissa.slice(exp + 1);
  return `${sign}${frac ? stripZeros(`${int}.${frac}`) : int}`;
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

// ---------------------------------------------------------------------------------------------
// INCRBYFLOAT and HINCRBYFLOAT compute in C's `long double` (x87 80-bit: a 64-bit mantissa) and
// print with "%.17Lf" minus trailing zeros. A JS double gives different digits (0.1 + 0.2), so
// the arithmetic is emulated exactly with BigInts.

interface BinaryFormat {
  precision: number;
  /** Exponent of the lowest mantissa bit of the smallest subnormal. */
  minExp: number;
  /** Values at or beyond 2^maxExp overflow. */
  maxExp: number;
}

const DOUBLE: BinaryFormat = { precision: 53, minExp: -1074, maxExp: 1024 };
const LONG_DOUBLE: BinaryFormat = { precision: 64, minExp: -16445, maxExp: 16384 };

/** mant * 2^exp, mant < 2^precision. Zero is mant 0. */
interface Binary {
  mant: bigint;
  exp: number;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds num/den (positive, exact) to the nearest representable value, ties to even. */
function roundRational(num: bigint, den: bigint, format: BinaryFormat): Binary | 'inf' {
  if (num === 0n) return { mant: 0n, exp: 0 };
  let exp = bitLength(num) - bitLength(den) - format.precision;
  // Make 2^(p-1) <= num / den / 2^exp < 2^p.
  const scaled = (e: number): [bigint, bigint] =>
    e >= 0 ? [num, den << BigInt(e)] : [num << BigInt(-e), den];
  let [n, d] = scaled(exp);
  if (n / d >= 1n << BigInt(format.precision)) {
    exp++;
    [n, d] = scaled(exp);
  }
  if (exp < format.minExp) {
    exp = format.minExp;
    [n, d] = scaled(exp);
  }
  let q = n / d;
  const r = n - q * d;
  if (2n * r > d || (2n * r === d && (q & 1n) === 1n)) q++;
  if (q === 1n << BigInt(format.precision)) {
    q >>= 1n;
    exp++;
  }
  if (exp + format.precision > format.maxExp) return 'inf';
  return { mant: q, exp };
}

function roundBinary(
  mant: bigint,
  exp: number,
  base: 2 | 10,
  format: BinaryFormat,
): Binary | 'inf' {
  if (base === 2) {
    return exp >= 0
      ? roundRational(mant << BigInt(exp), 1n, format)
      : roundRational(mant, 1n << BigInt(-exp), format);
  }
  return exp >= 0
    ? roundRational(mant * 10n ** BigInt(exp), 1n, format)
    : roundRational(mant, 10n ** BigInt(-exp), format);
}

/** A signed long double. */
interface LongDouble {
  negative: boolean;
  value: Binary | 'inf';
}

/** Redis's `string2ld` (strtold), or undefined for what Redis refuses. */
function parseLongDouble(value: Buffer | string): LongDouble | undefined {
  const s = text(value);
  // Redis checks strtold consumed every byte, so an embedded NUL byte is refused.
  if (s.length === 0 || s.length >= 5120 || s.includes('\0')) return undefined;
  const lit = readLiteral(s);
  if (lit === undefined) return undefined;
  if (lit.kind === 'inf') return { negative: lit.negative, value: 'inf' };
  const rounded = roundBinary(lit.mant, lit.exp, lit.base, LONG_DOUBLE);
  if (rounded === 'inf') return undefined;
  if (rounded.mant === 0n && lit.mant !== 0n) return undefined;
  return { negative: lit.negative, value: rounded };
}

function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.value === 'inf' || b.value === 'inf') {
    if (a.value === 'inf' && b.value === 'inf' && a.negative !== b.negative) {
      return { negative: false, value: 'inf' }; // NaN in C; both are refused the same way
    }
    return a.value === 'inf' ? a : b;
  }
  const exp = Math.min(a.value.exp, b.value.exp);
  const sa = (a.value.mant << BigInt(a.value.exp - exp)) * (a.negative ? -1n : 1n);
  const sb = (b.value.mant << BigInt(b.value.exp - exp)) * (b.negative ? -1n : 1n);
  const sum = sa + sb;
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  const value =
    exp >= 0
      ? roundRational(magnitude << BigInt(exp), 1n, LONG_DOUBLE)
      : roundRational(magnitude, 1n << BigInt(-exp), LONG_DOUBLE);
  return { negative, value };
}

/** C's "%.17Lf" with trailing zeros (and a lone "-" on zero) removed: Redis's LD_STR_HUMAN. */
function formatLongDouble(x: LongDouble): string {
  if (x.value === 'inf') return x.negative ? '-inf' : 'inf';
  const { mant, exp } = x.value;
  const scale = 10n ** 17n;
  let q: bigint;
  if (exp >= 0) {
    q = (mant << BigInt(exp)) * scale;
  } else {
    const n = mant * scale;
    const d = 1n << BigInt(-exp);
    q = n / d;
    const r = n - q * d;
    if (2n * r > d || (2n * r === d && (q & 1n) === 1n)) q++;
  }
  const int = (q / scale).toString();
  const frac = (q % scale).toString().padStart(17, '0').replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return x.negative && body !== '0' ? `-${body}` : body;
}

/** Whether Redis reads `value` as a long double (HINCRBYFLOAT checks its increment first). */
export function isLongDouble(value: Buffer | string): boolean {
  return parseLongDouble(value) !== undefined;
}

/**
 * INCRBYFLOAT's arithmetic: `current` (undefined = missing key = 0) plus `increment`, as the
 * string Redis stores and replies. Fails with Redis's errors: `currentNotFloat` when the stored
 * value is not a float (HINCRBYFLOAT: `ERR hash value is not a float`), `ERR value is not a
 * valid float` for the increment, `ERR increment would produce NaN or Infinity`.
 */
export function incrByFloat(
  current: string | undefined,
  increment: Buffer | string,
  currentNotFloat: string = ERRORS.notFloat,
): string {
  const base: LongDouble | undefined =
    current === undefined
      ? { negative: false, value: { mant: 0n, exp: 0 } }
      : parseLongDouble(current);
  if (base === undefined) fail(currentNotFloat);
  const incr = parseLongDouble(increment);
  if (incr === undefined) fail(ERRORS.notFloat);
  const sum = addLongDouble(base, incr);
  if (sum.value === 'inf') fail('ERR increment would produce NaN or Infinity');
  return formatLongDouble(sum);
}

// C's printf for doubles (%e %f %g, flags, width, precision) as glibc prints them: Lua 5.1 and
// the C libraries Redis links format numbers this way (tostring is %.14g, redis.call arguments
// %.17g). JS's toExponential/toFixed round exact ties away from zero; glibc rounds them to even.

/** Whether the digit string `all` (every significant digit of x) is an exact tie at `keep`. */
function tieToEvenDown(all: string, keep: number): boolean {
  if (all[keep] !== '5' || !/^0*$/.test(all.slice(keep + 1))) return false;
  const previous = keep > 0 ? Number(all[keep - 1]) : 0;
  return previous % 2 === 0;
}

/** x (finite, >= 0) rounded to `p` significant digits: the digits and the decimal exponent. */
function roundSignificant(x: number, p: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0'.repeat(p), exp: 0 };
  const [m2, e2] = x.toExponential(p - 1).split('e') as [string, string];
  // An exact tie shows as a 5 in the next digit; only then is the exact expansion needed.
  if (!x.toExponential(p).split('e')[0]!.endsWith('5')) {
    return { digits: m2.replace('.', ''), exp: Number(e2) };
  }
  const exact = x.toExponential(100);
  const [m, e] = exact.split('e') as [string, string];
  const all = m.replace('.', '');
  if (tieToEvenDown(all, p)) return { digits: all.slice(0, p), exp: Number(e) };
  return { digits: m2.replace('.', ''), exp: Number(e2) };
}

/** x (finite, >= 0) with `q` digits after the point, as %f. */
function fixed(x: number, q: number): string {
  if (x >= 1e21) {
    // An integer: its exact digits.
    const whole = BigInt(x).toString();
    return q > 0 ? `${whole}.${'0'.repeat(q)}` : whole;
  }
  const rounded = x.toFixed(q);
  if (!x.toFixed(q + 1).endsWith('5')) return rounded;
  const exact = x.toFixed(100);
  const [int, frac] = exact.split('.') as [string, string];
  const digits = int + frac;
  if (tieToEvenDown(digits, int.length + q)) {
    const kept = frac.slice(0, q);
    return q > 0 ? `${int}.${kept}` : int;
  }
  return rounded;
}

function exponential(x: number, prec: number, upper: boolean): string {
  const { digits, exp } = roundSignificant(x, prec + 1);
  const mantissa = prec > 0 ? `${digits[0]}.${digits.slice(1)}` : digits[0]!;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${mantissa}${upper ? 'E' : 'e'}${e}`;
}

/** One printf conversion of a number: `flags` from [-+ #0], width, precision (-1 = default). */
export function cformat(n: number, conv: string, flags = '', width = 0, precision = -1): string {
  // The common case, an integer with no more digits than %g keeps: its own digits.
  if ((conv === 'g' || conv === 'G') && flags === '' && width === 0 && Number.isInteger(n)) {
    const p = precision < 0 ? 6 : precision === 0 ? 1 : precision;
    if (Math.abs(n) < 10 ** p && !Object.is(n, -0)) return String(n);
  }
  const upper = conv === 'E' || conv === 'G' || conv === 'F';
  const negative = n < 0 || Object.is(n, -0) || (Number.isNaN(n) && conv !== '');
  let body: string;
  if (Number.isNaN(n)) body = 'nan';
  else if (!Number.isFinite(n)) body = 'inf';
  else {
    const x = Math.abs(n);
    const lower = conv.toLowerCase();
    const prec = precision < 0 ? 6 : precision;
    if (lower === 'f') body = fixed(x, prec);
    else if (lower === 'e') body = exponential(x, prec, upper);
    else {
      const p = prec === 0 ? 1 : prec;
      const { exp } = roundSignificant(x, p);
      body = exp < p && exp >= -4 ? fixed(x, p - 1 - exp) : exponential(x, p - 1, upper);
      if (!flags.includes('#') && body.includes('.')) {
        const [mant, e] = body.split(/(?=[eE])/) as [string, string | undefined];
        body = mant.replace(/0+$/, '').replace(/\.$/, '') + (e ?? '');
      }
    }
  }
  if (upper) body = body.toUpperCase();
  const sign = negative ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const total = sign.length + body.length;
  if (total >= width) return sign + body;
  if (flags.includes('-')) return sign + body + ' '.repeat(width - total);
  if (flags.includes('0') && Number.isFinite(n)) return sign + '0'.repeat(width - total) + body;
  return ' '.repeat(width - total) + sign + body;
}

/** C's `%.14g` (Lua 5.1's tostring, lua-cjson). NaN prints as glibc prints 0/0 on x86: -nan. */
export function formatG14(n: number): string {
  return cformat(n, 'g', '', 0, 14);
}

/** C's `%.17g`: how redis.call turns a Lua number argument into a string. */
export function formatG17(n: number): string {
  return cformat(n, 'g', '', 0, 17);
}

// Number formatting shared by the Lua VM set-up and the libraries.

/** C's `%.14g` (what Lua 5.1 and lua-cjson print numbers with). */
export function formatG14(n: number): string {
  if (Number.isNaN(n)) return n > 0 ? 'nan' : '-nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  let text = n.toPrecision(14);
  // toPrecision picks exponent form for exp >= 14 as %g does; below -4 %g switches, JS at -7.
  let [mantissa, e] = text.split('e') as [string, string | undefined];
  let exponent = e === undefined ? exp : Number(e);
  if (e === undefined && (exponent < -4 || exponent >= 14)) {
    text = n.toExponential(13);
    [mantissa, e] = text.split('e') as [string, string];
    exponent = Number(e);
  }
  if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
  if (e === undefined) return mantissa;
  const sign = exponent < 0 ? '-' : '+';
  const digits = String(Math.abs(exponent)).padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

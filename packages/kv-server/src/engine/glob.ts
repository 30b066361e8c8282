// Redis's `stringmatchlen` (util.c, 7.0), ported line by line so KEYS and the SCAN family match
// exactly the keys a real server would: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`. Pattern and
// subject are latin1 strings (one char per byte). Like C's `char`, bytes >= 0x80 compare as
// negative numbers inside ranges.

function signedByte(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 128 ? c - 256 : c;
}

export function globMatch(pattern: string, subject: string): boolean {
  if (pattern === '*') return true;
  return matchAt(pattern, 0, pattern.length, subject, 0, subject.length, { skipLonger: false }, 0);
}

function matchAt(
  pat: string,
  p: number,
  pl: number,
  str: string,
  s: number,
  sl: number,
  state: { skipLonger: boolean },
  nesting: number,
): boolean {
  // Protection against abusive patterns, as in Redis.
  if (nesting > 1000) return false;
  while (pl > 0 && sl > 0) {
    const c = pat[p];
    if (c === '*') {
      while (pl > 0 && pat[p + 1] === '*') {
        p++;
        pl--;
      }
      if (pl === 1) return true;
      while (sl > 0) {
        if (matchAt(pat, p + 1, pl - 1, str, s, sl, state, nesting + 1)) return true;
        if (state.skipLonger) return false;
        s++;
        sl--;
      }
      // No match for the rest of the pattern from anywhere in the rest of the string: an
      // earlier '*' matching more would not help either.
      state.skipLonger = true;
      return false;
    }
    if (c === '?') {
      s++;
      sl--;
    } else if (c === '[') {
      p++;
      pl--;
      const not = pat[p] === '^';
      if (not) {
        p++;
        pl--;
      }
      let match = false;
      for (;;) {
        if (pat[p] === '\\' && pl >= 2) {
          p++;
          pl--;
          if (pat[p] === str[s]) match = true;
        } else if (pat[p] === ']') {
          break;
        } else if (pl === 0) {
          p--;
          pl++;
          break;
        } else if (pl >= 3 && pat[p + 1] === '-') {
          let start = signedByte(pat, p);
          let end = signedByte(pat, p + 2);
          const ch = signedByte(str, s);
          if (start > end) [start, end] = [end, start];
          p += 2;
          pl -= 2;
          if (ch >= start && ch <= end) match = true;
        } else if (pat[p] === str[s]) {
          match = true;
        }
        p++;
        pl--;
      }
      if (not) match = !match;
      if (!match) return false;
      s++;
      sl--;
    } else {
      if (c === '\\' && pl >= 2) {
        p++;
        pl--;
      }
      if (pat[p] !== str[s]) return false;
      s++;
      sl--;
    }
    p++;
    pl--;
    if (sl === 0) {
      while (pat[p] === '*') {
        p++;
        pl--;
      }
      break;
    }
  }
  return pl === 0 && sl === 0;
}

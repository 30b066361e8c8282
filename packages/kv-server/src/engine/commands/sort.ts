// SORT and SORT_RO (src/sort.c), COPY and TOUCH, with Redis 7.0's replies and errors.
//
// SORT reads a list, set or sorted set; BY and GET patterns replace the first `*` with the
// element (`#` is the element itself, `key->field` reads a hash field); a BY pattern without
// `*` means "do not sort" (the collection's own order). Numbers are read as C's strtod does;
// ALPHA compares bytes (strcoll in the "C" locale Redis runs in by default). STORE writes a
// list and answers its length.

import { bulk, ERRORS, fail, latin1, type Reply } from '../../protocol/reply.ts';
import type { Database, Value } from '../database.ts';
import { type CommandContext, type CommandSpec, DATABASE_COUNT } from '../engine.ts';
import { parseInt64, parseInteger, parseStrtod } from '../parse.ts';
import { collectionRestorers } from '../restorers.ts';
import { keyword } from './collections.ts';
import { trackFieldExpiry } from './hash-expiry.ts';
import type { HashValue } from './hashes.ts';
import { ListValue } from './lists.ts';
import type { SetValue } from './sets.ts';
import type { ZSetValue } from './zsets.ts';

/** The text of a C string: up to the first NUL byte (strchr/strstr see no further). */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}

/** lookupKeyByPattern: the string (or hash field) the pattern names for `element`, if any. */
function lookupByPattern(db: Database, pattern: string, element: string): string | undefined {
  const c = cString(pattern);
  if (c === '#') return element;
  const star = c.indexOf('*');
  if (star < 0) return undefined;
  const arrow = c.indexOf('->', star + 1);
  let field: string | undefined;
  let keyPart = pattern;
  if (arrow >= 0 && arrow + 2 < c.length) {
    field = pattern.slice(arrow + 2);
    keyPart = pattern.slice(0, arrow);
  }
  const key = keyPart.slice(0, star) + element + keyPart.slice(star + 1);
  const value = db.lookup(key);
  if (value === undefined) return undefined;
  if (field !== undefined) {
    if (typeof value === 'string' || value.typeName !== 'hash') return undefined;
    return (value as HashValue).fields.get(field);
  }
  return typeof value === 'string' ? value : undefined;
}

const DBL_MIN = 2.2250738585072014e-308;

/** strtod with Redis's checks: trailing garbage, ERANGE (overflow or underflow) and NaN fail. */
function sortScore(text: string): number | undefined {
  const d = parseStrtod(text);
  if (d === undefined || Number.isNaN(d)) return undefined;
  const literal = cString(text).trim();
  if (!Number.isFinite(d) && !/^[+-]?inf(inity)?$/i.test(literal)) return undefined;
  if (d !== 0 && Math.abs(d) < DBL_MIN) return undefined;
  if (d === 0 && /[1-9]/.test(literal.replace(/[eE].*$/, '').replace(/^0[xX]/, '')))
    return undefined;
  return d;
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Redis's pqsort (src/pqsort.c: Bentley & McIlroy's quicksort that only recurses into the parts
 * overlapping [lrange, rrange]), ported index for index so equal keys land where Redis puts them.
 */
export function pqsort<T>(
  v: T[],
  cmp: (a: T, b: T) => number,
  lrange: number,
  rrange: number,
): void {
  const swap = (i: number, j: number) => {
    const t = v[i]!;
    v[i] = v[j]!;
    v[j] = t;
  };
  const vecswap = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const c = (i: number, j: number) => cmp(v[i]!, v[j]!);
  const med3 = (a: number, b: number, d: number) =>
    c(a, b) < 0 ? (c(b, d) < 0 ? b : c(a, d) < 0 ? d : a) : c(b, d) > 0 ? b : c(a, d) < 0 ? a : d;
  const insertion = (a: number, n: number) => {
    for (let pm = a + 1; pm < a + n; pm++) {
      for (let pl = pm; pl > a && c(pl - 1, pl) > 0; pl--) swap(pl, pl - 1);
    }
  };
  const outside = (lo: number, count: number) => {
    const hi = lo + count - 1;
    return (lrange < lo && rrange < lo) || (lrange > hi && rrange > hi);
  };
  const run = (a0: number, n0: number): void => {
    let a = a0;
    let n = n0;
    for (;;) {
      let swapped = false;
      if (n < 7) {
        insertion(a, n);
        return;
      }
      let pm = a + Math.floor(n / 2);
      if (n > 7) {
        let pl = a;
        let pn = a + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          pl = med3(pl, pl + d, pl + 2 * d);
          pm = med3(pm - d, pm, pm + d);
          pn = med3(pn - 2 * d, pn - d, pn);
        }
        pm = med3(pl, pm, pn);
      }
      swap(a, pm);
      let pa = a + 1;
      let pb = a + 1;
      let pc = a + n - 1;
      let pd = a + n - 1;
      for (;;) {
        while (pb <= pc) {
          const r = c(pb, a);
          if (r > 0) break;
          if (r === 0) {
            swapped = true;
            swap(pa, pb);
            pa++;
          }
          pb++;
        }
        while (pb <= pc) {
          const r = c(pc, a);
          if (r < 0) break;
          if (r === 0) {
            swapped = true;
            swap(pc, pd);
            pd--;
          }
          pc--;
        }
        if (pb > pc) break;
        swap(pb, pc);
        swapped = true;
        pb++;
        pc--;
      }
      if (!swapped) {
        insertion(a, n);
        return;
      }
      const pn = a + n;
      let r = Math.min(pa - a, pb - pa);
      vecswap(a, pb - r, r);
      r = Math.min(pd - pc, pn - pd - 1);
      vecswap(pb, pn - r, r);
      r = pb - pa;
      if (r > 1 && !outside(a, r)) run(a, r);
      r = pd - pc;
      if (r > 1) {
        a = pn - r;
        n = r;
        if (!outside(a, n)) continue;
      }
      return;
    }
  };
  run(0, v.length);
}

interface SortItem {
  element: string;
  score: number;
  /** The BY value for ALPHA BY (undefined: the key was missing). */
  cmp: string | undefined;
}

function sortCommand(ctx: CommandContext, argv: Buffer[], readonly: boolean): Reply {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | undefined;
  let storeKey: string | undefined;
  const gets: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = keyword(argv[j]!);
    if (opt === 'asc') desc = false;
    else if (opt === 'desc') desc = true;
    else if (opt === 'alpha') alpha = true;
    else if (opt === 'limit' && left >= 2) {
      const start = parseInteger(argv[j + 1]!);
      const count = parseInteger(argv[j + 2]!);
      if (start === undefined || count === undefined) fail(ERRORS.notInteger);
      limitStart = start;
      limitCount = count;
      j += 2;
    } else if (!readonly && opt === 'store' && left >= 1) {
      storeKey = latin1(argv[j + 1]!);
      j++;
    } else if (opt === 'by' && left >= 1) {
      sortby = latin1(argv[j + 1]!);
      if (!cString(sortby).includes('*')) dontsort = true;
      j++;
    } else if (opt === 'get' && left >= 1) {
      gets.push(latin1(argv[j + 1]!));
      j++;
    } else fail(ERRORS.syntax);
  }

  const value = ctx.db.lookup(latin1(argv[1]!));
  if (
    value !== undefined &&
    (typeof value === 'string' ||
      (value.typeName !== 'list' && value.typeName !== 'set' && value.typeName !== 'zset'))
  ) {
    fail(ERRORS.wrongType);
  }
  const kind = value === undefined ? 'list' : (value as Exclude<Value, string>).typeName;
  // A set has no order of its own: with STORE, BY nosort sorts ALPHA so the stored list does not
  // depend on the hash table (Redis does the same, for replication).
  if (dontsort && kind === 'set' && storeKey !== undefined) {
    dontsort = false;
    alpha = true;
    sortby = undefined;
  }
  const elements = collectionElements(value, kind, dontsort, desc);
  const vectorlen = elements.length;
  let start = Math.max(0, limitStart);
  let end = limitCount < 0 ? vectorlen - 1 : start + limitCount - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  const items: SortItem[] = elements.map((element) => ({ element, score: 0, cmp: undefined }));
  let conversionError = false;
  if (!dontsort) {
    for (const item of items) {
      let byval: string | undefined;
      if (sortby !== undefined) {
        byval = lookupByPattern(ctx.db, sortby, item.element);
        if (byval === undefined) continue;
      } else byval = item.element;
      if (alpha) {
        if (sortby !== undefined) item.cmp = byval;
      } else {
        const score = sortScore(byval);
        if (score === undefined) conversionError = true;
        else item.score = score;
      }
    }
    const sign = desc ? -1 : 1;
    const compare = (a: SortItem, b: SortItem): number => {
      let cmp: number;
      if (!alpha) {
        cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element);
      } else if (sortby !== undefined) {
        if (a.cmp === undefined || b.cmp === undefined) {
          cmp = a.cmp === b.cmp ? 0 : a.cmp === undefined ? -1 : 1;
        } else cmp = compareBytes(a.cmp, b.cmp);
      } else cmp = compareBytes(a.element, b.element);
      return sign * cmp;
    };
    // Redis sorts a BY pattern with a LIMIT by its partial quicksort, whose order for equal
    // keys differs from a full sort; otherwise glibc's qsort, a stable merge sort like JS's.
    if (sortby !== undefined && (start !== 0 || end !== vectorlen - 1)) {
      pqsort(items, compare, start, end);
    } else items.sort(compare);
  }
  if (conversionError) fail("ERR One or more scores can't be converted into double");

  const picked = end >= start ? items.slice(start, end + 1) : [];
  if (storeKey === undefined) {
    const out: Reply[] = [];
    for (const item of picked) {
      if (gets.length === 0) out.push(bulk(item.element));
      for (const pattern of gets) {
        const got = lookupByPattern(ctx.db, pattern, item.element);
        out.push(got === undefined ? null : bulk(got));
      }
    }
    return out;
  }
  const stored: string[] = [];
  for (const item of picked) {
    if (gets.length === 0) stored.push(item.element);
    for (const pattern of gets) stored.push(lookupByPattern(ctx.db, pattern, item.element) ?? '');
  }
  if (stored.length > 0) ctx.db.set(storeKey, new ListValue(stored));
  else ctx.db.delete(storeKey);
  return stored.length;
}

/**
 * The elements to sort. With `dontsort`, lists and sorted sets come in their own order (DESC:
 * reversed, as Redis walks them backwards); sets in Redis 7.0's order for an intset (ascending
 * numbers) or the insertion order of this engine's hash table (Redis's is its own).
 */
function collectionElements(
  value: Value | undefined,
  kind: string,
  dontsort: boolean,
  desc: boolean,
): string[] {
  if (value === undefined) return [];
  let out: string[];
  if (kind === 'list') out = (value as ListValue).slice(0, (value as ListValue).size);
  else if (kind === 'zset') out = [...(value as ZSetValue).values()].map((e) => e.member);
  else {
    const set = value as SetValue;
    out = [...set.values()];
    if (set.intset) out.sort((a, b) => Number(a) - Number(b));
  }
  if (dontsort && desc && kind !== 'set') out.reverse();
  return out;
}

// ---------------------------------------------------------------------------------------------
// COPY and TOUCH

/** A deep copy of a value: strings are immutable; collections go through their snapshot form. */
export function cloneValue(value: Value): Value {
  if (typeof value === 'string') return value;
  const restore = collectionRestorers.get(value.typeName);
  if (restore === undefined) fail(`ERR cannot copy a value of type ${value.typeName}`);
  // Round-trip through JSON so no array or object is shared between the two copies.
  return restore(JSON.parse(JSON.stringify(value.toSnapshot())));
}

function copy(ctx: CommandContext, argv: Buffer[]): Reply {
  let replace = false;
  let dst = ctx.db;
  for (let j = 3; j < argv.length; j++) {
    const opt = keyword(argv[j]!);
    if (opt === 'replace') replace = true;
    else if (opt === 'db' && j + 1 < argv.length) {
      const n = parseInt64(argv[j + 1]!);
      if (n === undefined) fail(ERRORS.notInteger);
      if (n < -(2n ** 31n) || n >= 2n ** 31n) {
        fail('ERR value is out of range, value must between -2147483648 and 2147483647');
      }
      if (n < 0n || n >= BigInt(DATABASE_COUNT)) fail('ERR DB index is out of range');
      dst = ctx.engine.databases[Number(n)]!;
      j++;
    } else fail(ERRORS.syntax);
  }
  const key = latin1(argv[1]!);
  const newkey = latin1(argv[2]!);
  if (dst === ctx.db && key === newkey) fail('ERR source and destination objects are the same');
  const value = ctx.db.lookup(key);
  if (value === undefined) return 0;
  const expiresAt = ctx.db.getExpire(key);
  if (dst.exists(newkey)) {
    if (!replace) return 0;
    dst.delete(newkey);
  }
  const copied = cloneValue(value);
  dst.set(newkey, copied);
  if (expiresAt !== undefined) dst.setExpire(newkey, expiresAt, false);
  trackFieldExpiry(dst, newkey, copied);
  return 1;
}

function touch(ctx: CommandContext, argv: Buffer[]): Reply {
  let count = 0;
  for (let j = 1; j < argv.length; j++) if (ctx.db.exists(latin1(argv[j]!))) count++;
  return count;
}

export const sortCommands: CommandSpec[] = [
  { name: 'sort', arity: -2, write: true, handler: (ctx, argv) => sortCommand(ctx, argv, false) },
  { name: 'sort_ro', arity: -2, handler: (ctx, argv) => sortCommand(ctx, argv, true) },
  { name: 'copy', arity: -3, write: true, handler: copy },
  { name: 'touch', arity: -2, handler: touch },
];

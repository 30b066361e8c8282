// Cursors for SCAN, HSCAN, SSCAN and ZSCAN.
//
// Redis walks its hash table in reverse-binary bucket order so a cursor survives rehashing. Our
// keyspace and collections are JS Maps/Sets, whose iterators already survive any insertion or
// deletion (ECMAScript guarantees a live iterator visits every entry present for the whole
// walk exactly once, and skips deleted ones). So a cursor is simply a handle to a live iterator.
// Handles are bounded (oldest dropped first) and expire when idle, so abandoned scans cannot leak
// memory; a dropped or made-up cursor restarts the walk, which SCAN's contract allows (elements
// may be returned more than once).

import { bulk, cText, ERRORS, fail, type Reply } from '../protocol/reply.ts';
import { parseInt64 } from './parse.ts';

export interface ScanOptions {
  /** Glob pattern (latin1), undefined for "everything" (Redis skips matching for a lone `*`). */
  match: string | undefined;
  count: number;
  /** SCAN's TYPE filter, lower-cased; never set for HSCAN/SSCAN/ZSCAN. */
  type: string | undefined;
}

/**
 * Redis parses the cursor with strtoul: digits with an optional sign, no leading space, within
 * 64 bits ("" reads as 0, "-1" wraps). Returns the cursor as a canonical decimal string.
 */
export function parseScanCursor(arg: Buffer): string {
  // strtoul reads a C string: it stops at a NUL byte.
  const s = cText(arg);
  const m = /^([+-]?)([0-9]*)$/.exec(s);
  if (!m || (m[1] !== '' && m[2] === '')) fail('ERR invalid cursor');
  const n = BigInt(m[2] || '0');
  if (n >= 2n ** 64n) fail('ERR invalid cursor');
  const value = m[1] === '-' && n !== 0n ? 2n ** 64n - n : n;
  return value.toString();
}

/** The options after the cursor (`argv[start]` on): MATCH, COUNT, and TYPE when `allowType`. */
export function parseScanOptions(argv: Buffer[], start: number, allowType: boolean): ScanOptions {
  const options: ScanOptions = { match: undefined, count: 10, type: undefined };
  for (let i = start; i < argv.length; i += 2) {
    // Option names compare as C strings (strcasecmp): up to a NUL byte.
    const name = cText(argv[i]!).toLowerCase();
    const value = argv[i + 1];
    if (value === undefined) fail(ERRORS.syntax);
    if (name === 'count') {
      // COUNT is read as a C long: any int64 is a number, then < 1 is a syntax error.
      const count = parseInt64(value);
      if (count === undefined) fail(ERRORS.notInteger);
      if (count < 1n) fail(ERRORS.syntax);
      options.count = Number(count);
    } else if (name === 'match') {
      const pattern = value.toString('latin1');
      options.match = pattern === '*' ? undefined : pattern;
    } else if (name === 'type' && allowType) {
      options.type = cText(value).toLowerCase();
    } else {
      fail(ERRORS.syntax);
    }
  }
  return options;
}

/** `[cursor, [elements...]]`, the reply of every SCAN variant. */
export function scanReply(cursor: string, elements: Buffer[]): Reply {
  return [bulk(cursor), elements];
}

/** What a SCAN variant answers for a missing key. */
export function emptyScanReply(): Reply {
  return [bulk('0'), []];
}

interface Handle {
  owner: object;
  iterator: Iterator<unknown>;
  usedAt: number;
}

export class ScanCursors {
  private readonly handles = new Map<string, Handle>();
  private nextId = 1;

  constructor(
    private readonly limit = 1000,
    private readonly idleMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The next batch of at most `count` items of the walk over `owner` that `cursor` continues
   * ("0", or an unknown cursor, starts one with `open()`). The returned cursor is "0" when the
   * walk is complete.
   */
  step<T>(
    owner: object,
    cursor: string,
    count: number,
    open: () => Iterator<T>,
  ): { cursor: string; items: T[] } {
    const now = this.now();
    this.dropIdle(now);
    let iterator: Iterator<T> | undefined;
    const handle = cursor === '0' ? undefined : this.handles.get(cursor);
    if (handle !== undefined && handle.owner === owner) {
      this.handles.delete(cursor);
      iterator = handle.iterator as Iterator<T>;
    } else {
      iterator = open();
    }
    const items: T[] = [];
    while (items.length < count) {
      const next = iterator.next();
      if (next.done) return { cursor: '0', items };
      items.push(next.value);
    }
    const id = String(this.nextId++);
    this.handles.set(id, { owner, iterator, usedAt: now });
    if (this.handles.size > this.limit) {
      const oldest = this.handles.keys().next().value;
      if (oldest !== undefined) this.handles.delete(oldest);
    }
    return { cursor: id, items };
  }

  /** Forget every handle (FLUSHALL). */
  clear(): void {
    this.handles.clear();
  }

  get size(): number {
    return this.handles.size;
  }

  private dropIdle(now: number): void {
    for (const [id, handle] of this.handles) {
      // Insertion order is usage order: stop at the first recent one.
      if (now - handle.usedAt < this.idleMs) break;
      this.handles.delete(id);
    }
  }
}

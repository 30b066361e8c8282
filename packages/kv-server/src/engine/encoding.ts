// Redis's object encodings (OBJECT ENCODING), by Redis 7.0's rules: a string is `int` (a
// canonical 64-bit integer of up to 20 chars), `embstr` (up to 44 bytes) or `raw`, and becomes
// `raw` for good once APPEND or SETRANGE changes it in place (Redis unshares it); a list is a
// `quicklist`; a hash and a sorted set are a `listpack` until they pass 128 entries or a 64-byte
// element, then `hashtable` / `skiplist` for good (the collections keep that one-way `compact`
// flag); a set is an `intset` while all members are integers and at most 512, then `hashtable`.

import type { Value } from './database.ts';
import type { Engine } from './engine.ts';

const EMBSTR_MAX = 44;

/** Redis's string2l: a canonical integer (no sign on 0, no leading zeros) within a long. */
export function isLongString(s: string): boolean {
  if (s.length === 0 || s.length > 20) return false;
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return false;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/**
 * Keys (`db:key`) whose string was changed in place. Any other write, a delete or an expiry of
 * the key clears its mark (through engine.keyListeners, which fire before the mark is set).
 */
const rawMarks = new WeakMap<Engine, Set<string>>();

function marksOf(engine: Engine): Set<string> {
  let marks = rawMarks.get(engine);
  if (marks === undefined) {
    const created = new Set<string>();
    marks = created;
    rawMarks.set(engine, created);
    engine.keyListeners.push((db, key) => {
      if (created.size > 0) created.delete(`${db}:${key}`);
    });
  }
  return marks;
}

/** APPEND to an existing string, SETRANGE: the string is `raw` from now on. */
export function markRawString(engine: Engine, db: number, key: string): void {
  marksOf(engine).add(`${db}:${key}`);
}

/** FLUSHDB / FLUSHALL / SWAPDB: the marks of those keys go with them. */
export function forgetRawStrings(engine: Engine): void {
  rawMarks.get(engine)?.clear();
}

export function encodingOf(value: Value, engine?: Engine, db?: number, key?: string): string {
  if (typeof value === 'string') {
    if (engine !== undefined && rawMarks.get(engine)?.has(`${db}:${key}`)) return 'raw';
    if (isLongString(value)) return 'int';
    return value.length <= EMBSTR_MAX ? 'embstr' : 'raw';
  }
  const flags = value as { compact?: boolean; intset?: boolean };
  switch (value.typeName) {
    case 'list':
      return 'quicklist';
    case 'hash':
      return flags.compact === false ? 'hashtable' : 'listpack';
    case 'zset':
      return flags.compact === false ? 'skiplist' : 'listpack';
    case 'set':
      return flags.intset === false ? 'hashtable' : 'intset';
    default:
      return value.typeName;
  }
}

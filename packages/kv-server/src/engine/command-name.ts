// A command's lowercase name from its argv[0] bytes, without a Buffer-to-string decode each
// time. Every command's name is read by several layers (the RESP server, the connection
// handler, runCommand, scripting, Engine.execute); under redis-benchmark -P 16 the decode
// (Buffer#toString -> slice -> latin1Slice, then toLowerCase) was ~14% of the server's busy
// time. Names are few, so a small direct-mapped cache of recent names, checked byte by byte,
// answers almost every call with no allocation. It is fixed-size: junk names evict, never grow it.

const SLOTS = 256;
const MAX_CACHED_LENGTH = 24;
const cache: (string | undefined)[] = new Array(SLOTS).fill(undefined);

/** `buf.toString('latin1').toLowerCase()`, exactly, cached for short names. */
export function commandName(buf: Buffer): string {
  const n = buf.length;
  if (n === 0 || n > MAX_CACHED_LENGTH) return buf.toString('latin1').toLowerCase();
  let hash = n;
  for (let i = 0; i < n; i++) {
    let c = buf[i]!;
    if (c >= 65 && c <= 90) c += 32; // ASCII A-Z: what toLowerCase does to them
    hash = (hash * 31 + c) | 0;
  }
  const slot = (hash ^ (hash >>> 8)) & (SLOTS - 1);
  const hit = cache[slot];
  if (hit !== undefined && hit.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      let c = buf[i]!;
      if (c >= 65 && c <= 90) c += 32;
      // A byte toLowerCase changes other than A-Z (latin1 accented capitals) never matches a
      // cached name's own lowercase char, so such names always take the exact slow path.
      if (hit.charCodeAt(i) !== c) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  const name = buf.toString('latin1').toLowerCase();
  cache[slot] = name;
  return name;
}

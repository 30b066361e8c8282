// Key design. Every key says what it holds and in which shape: `v2:article:<slug>` is the second
// format of an article's copy. A deploy that changes the format bumps the prefix, and the new
// code never reads what the old code wrote (the old keys expire on their own). A group of keys
// that must go together (every list page) carries a generation number in its keys: bumping the
// generation is one INCR, and the whole group is gone for readers at once, with no KEYS, no SCAN
// and no DEL of a pattern.

import type { Redis as ValkeyClient } from 'iovalkey';

// #region names
/** The shape of what we store. Change it when the stored format changes. */
export const KEY_VERSION = 'v2';

export const articleKey = (slug: string) => `${KEY_VERSION}:article:${slug}`;
// #endregion names

// #region group
/**
 * A group of keys invalidated together. `key(part)` names one member under the current
 * generation; `invalidate()` moves to the next generation in one INCR. Members of older
 * generations are never read again and leave by their TTL: give every member one.
 */
export function createKeyGroup(client: ValkeyClient, name: string) {
  const generationKey = `${KEY_VERSION}:${name}:generation`;
  return {
    async key(part: string): Promise<string> {
      const generation = (await client.get(generationKey)) ?? '0';
      return `${KEY_VERSION}:${name}:g${generation}:${part}`;
    },
    /** Every member at once: one command, whatever the size of the group. */
    invalidate: () => client.incr(generationKey),
  };
}
// #endregion group

// #region scan
/**
 * Every key matching `pattern`, read with SCAN a batch at a time. KEYS answers the same in one
 * command, but the server does nothing else while it walks the whole keyspace; between two SCAN
 * calls other clients' commands run. (SCAN may return a key twice: hence the Set.)
 */
export async function scanKeys(client: ValkeyClient, pattern: string, count = 1000) {
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    for (const key of keys) found.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...found];
}
// #endregion scan

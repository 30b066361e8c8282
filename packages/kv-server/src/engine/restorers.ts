// The registry of collection restorers: how each collection type is rebuilt from its
// `toSnapshot()` data. Snapshot loading and SORT ... STORE / COPY (a deep copy) use it. It is
// built here from each family's exported restorer, not filled in as a side effect of importing
// the families, so the `satisfies` below fails to compile when a type is added without one.

import { restoreHash } from './commands/hashes.ts';
import { restoreList } from './commands/lists.ts';
import { restoreSet } from './commands/sets.ts';
import { restoreZSet } from './commands/zsets.ts';
import type { Collection } from './database.ts';
import { restoreStream } from './stream.ts';

type Restorer = (data: unknown) => Collection;

const byType = {
  hash: restoreHash,
  list: restoreList,
  set: restoreSet,
  zset: restoreZSet,
  stream: restoreStream,
} satisfies Record<Collection['typeName'], Restorer>;

/** Type name -> restorer. A Map, so a type name read from a file never reaches Object's prototype. */
export const collectionRestorers: ReadonlyMap<string, Restorer> = new Map(Object.entries(byType));

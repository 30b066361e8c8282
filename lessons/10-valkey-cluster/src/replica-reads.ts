// Reads from replicas, and what they cost. A primary answers a write as soon as it has applied
// it, and sends it to its replicas afterwards (asynchronous replication): a read sent to a
// replica after the write was acknowledged can still find the old value. How often, and for how
// long? Writers count up one key as fast as they can; a reader asks the primary and a replica
// at the same moment and compares, and also compares the replica with the last count the primary
// acknowledged.

export interface StalenessReport {
  rounds: number;
  /** Replica reads that saw less than the primary said at the same moment (or had acknowledged). */
  staleReads: number;
  /** For those: how many acknowledged writes the replica was missing (the most seen). */
  maxWritesBehind: number;
  /** For those: how long until the replica had caught up, in ms (median and longest). */
  medianCatchUpMs: number;
  maxCatchUpMs: number;
}

// #region staleness
export async function measureStaleness({
  incr,
  readFromPrimary,
  readFromReplica,
  rounds = 200,
  writers = 4,
}: {
  /** INCR of the key, through the primary: answers the new count. */
  incr: () => Promise<number>;
  /** GET of the same key, from its primary. */
  readFromPrimary: () => Promise<string | null>;
  /** GET of the same key, from a replica. */
  readFromReplica: () => Promise<string | null>;
  rounds?: number;
  writers?: number;
}): Promise<StalenessReport> {
  let acknowledged = 0; // the highest count the primary has answered
  let running = true;
  const writing = Array.from({ length: writers }, async () => {
    while (running) acknowledged = Math.max(acknowledged, await incr());
  });
  const catchUps: number[] = [];
  let maxWritesBehind = 0;
  for (let round = 0; round < rounds; round++) {
    const acknowledgedBefore = acknowledged;
    const sent = performance.now();
    // Both reads leave together: the replica's answer is stale if it is below the primary's.
    const [primary, seen] = (await Promise.all([readFromPrimary(), readFromReplica()])).map(Number);
    const expected = Math.max(acknowledgedBefore, primary ?? 0);
    if ((seen ?? 0) >= expected) continue;
    maxWritesBehind = Math.max(maxWritesBehind, expected - (seen ?? 0));
    while (Number((await readFromReplica()) ?? 0) < expected) {} // until it has caught up
    catchUps.push(performance.now() - sent);
  }
  running = false;
  await Promise.all(writing);
  catchUps.sort((a, b) => a - b);
  return {
    rounds,
    staleReads: catchUps.length,
    maxWritesBehind,
    medianCatchUpMs: catchUps[Math.floor(catchUps.length / 2)] ?? 0,
    maxCatchUpMs: catchUps.at(-1) ?? 0,
  };
}
// #endregion staleness

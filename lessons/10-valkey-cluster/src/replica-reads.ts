// Reads from replicas, and what they cost. A primary answers a write as soon as it has applied
// it, and sends it to its replicas afterwards (asynchronous replication): a read sent to a
// replica right after the write can still find the old value. How often, and for how long?

export interface StalenessReport {
  rounds: number;
  /** Reads from a replica, sent right after the write was acknowledged, that saw the old value. */
  staleReads: number;
  /** For those: how long until the replica had the new value, in ms (median and longest). */
  medianCatchUpMs: number;
  maxCatchUpMs: number;
}

// #region staleness
export async function measureStaleness({
  write,
  readFromReplica,
  rounds = 200,
}: {
  write: (value: string) => Promise<unknown>;
  readFromReplica: () => Promise<string | null>;
  rounds?: number;
}): Promise<StalenessReport> {
  const catchUps: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const value = String(round);
    await write(value); // acknowledged by the primary
    const written = performance.now();
    if ((await readFromReplica()) === value) continue; // the replica was already there
    while ((await readFromReplica()) !== value) {} // read again until it is
    catchUps.push(performance.now() - written);
  }
  catchUps.sort((a, b) => a - b);
  return {
    rounds,
    staleReads: catchUps.length,
    medianCatchUpMs: catchUps[Math.floor(catchUps.length / 2)] ?? 0,
    maxCatchUpMs: catchUps.at(-1) ?? 0,
  };
}
// #endregion staleness

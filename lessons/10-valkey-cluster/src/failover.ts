// A failover under load, measured from the app's side. Workers count views with INCR, each on
// its own key, one command after the other, while `kill()` takes a primary down. INCR answers
// the new count, so every reply says whether writes were lost: after 41 comes 42; a 38 means the
// new primary (the old replica) never got three writes the old one had acknowledged.

export interface FailoverOptions {
  /** One worker per key; put some on the primary that will be killed. */
  keys: string[];
  /** The write: INCR through the app's client. */
  incr(key: string): Promise<number>;
  /** A read through the app (the wiki), which must keep answering throughout. */
  read(): Promise<unknown>;
  /** Takes the primary down; called after `warmupMs` of load. */
  kill(): Promise<void> | void;
  /** Called after the kill until it answers true (the replica took over), then `cooldownMs` more. */
  recovered(): Promise<boolean>;
  warmupMs?: number;
  cooldownMs?: number;
  /** Gives up waiting for `recovered` after this long. */
  timeoutMs?: number;
}

export interface FailoverReport {
  /** The longest time no write to `key` was acknowledged, for the key where it was longest. */
  gapSeconds: number;
  /** The key of that longest gap. */
  gapKey: string;
  writes: number;
  /** Writes the client gave up on (it retries first; these are what the app would see fail). */
  failedWrites: number;
  /** Acknowledged writes the new primary never had: the replica had not received them yet. */
  lostWrites: number;
  reads: number;
  failedReads: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// #region measure
export async function measureFailover(options: FailoverOptions): Promise<FailoverReport> {
  const { keys, incr, read, warmupMs = 1000, cooldownMs = 1000, timeoutMs = 30_000 } = options;
  let running = true;
  const report = { writes: 0, failedWrites: 0, lostWrites: 0, reads: 0, failedReads: 0 };
  const gaps = new Map<string, number>();

  async function writer(key: string) {
    let lastCount: number | undefined;
    let lastAck = performance.now();
    while (running) {
      report.writes++;
      try {
        const count = await incr(key);
        const now = performance.now();
        gaps.set(key, Math.max(gaps.get(key) ?? 0, now - lastAck));
        lastAck = now;
        // Nobody else writes this key: the count goes up by one per acknowledged INCR, unless
        // the server that answers now lacks some the old primary acknowledged.
        if (lastCount !== undefined && count <= lastCount)
          report.lostWrites += lastCount + 1 - count;
        lastCount = count;
      } catch {
        report.failedWrites++;
        await sleep(100);
      }
    }
  }

  async function reader() {
    while (running) {
      report.reads++;
      await read().catch(() => report.failedReads++);
    }
  }

  const workers = [...keys.map(writer), reader()];
  await sleep(warmupMs);
  await options.kill();
  const killedAt = performance.now();
  while (!(await options.recovered().catch(() => false))) {
    if (performance.now() - killedAt > timeoutMs) break;
    await sleep(100);
  }
  await sleep(cooldownMs);
  running = false;
  await Promise.all(workers);

  const [gapKey = '', gapMs = 0] = [...gaps].sort((a, b) => b[1] - a[1])[0] ?? [];
  return { ...report, gapSeconds: gapMs / 1000, gapKey };
}
// #endregion measure

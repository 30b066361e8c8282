// A clock for what only needs to be about right: Date.now() read every 100 ms by an unref'd
// timer instead of on every command. Reading the system clock costs 150-230 ns on this kind of
// VM (no vDSO fast path), more than a whole GET's engine work: the LRU clock was read per
// command, CLIENT LIST's last-interaction time per read. Redis does the same: its LRU clock and
// `lastinteraction` come from values its serverCron refreshes (hz 10), not from a clock call.
// Expiry times still read the real clock.

/** How stale the coarse clock may be, in ms (Redis's default hz 10: serverCron every 100 ms). */
export const COARSE_CLOCK_MS = 100;

let coarseMs = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Date.now(), at most COARSE_CLOCK_MS old. The timer starts at the first call. */
export function coarseNow(): number {
  if (timer === undefined) {
    timer = setInterval(() => {
      coarseMs = Date.now();
    }, COARSE_CLOCK_MS);
    timer.unref();
    coarseMs = Date.now();
  }
  return coarseMs;
}

// The clock a test stack's kv-servers read (their `now` option): the system's, plus whatever
// the file has let pass with useTestStack().passTime. Only those servers see the moved time.

export interface MovableClock {
  /** Date.now(), moved on by every move() so far. */
  now(): number;
  /** Moves the clock `ms` on, at once. */
  move(ms: number): void;
}

export function movableClock(): MovableClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    move(ms) {
      offset += checkedMs(ms);
    },
  };
}

/** `ms`, if it is a time that can pass: finite and not negative. */
export function checkedMs(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`passTime(${ms}): time only moves on, by a finite number of ms`);
  }
  return ms;
}

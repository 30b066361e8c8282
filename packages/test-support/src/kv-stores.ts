// A test file's key-value stores on the embedded stack: two kv-servers (engine), one serving
// REST and one RESP, so the Upstash and Valkey endpoints are separate stores as they are in
// services mode (Redis and Valkey). Both read one clock: the system's, plus whatever the file
// has let pass with useTestStack().passTime. Only those servers see the moved time.

import { type KvServer, startKvServer } from '@workshop/kv-server';

export interface MovableClock {
  /** Date.now(), moved on by every move() so far. */
  now(): number;
  /** Moves the clock `ms` on, at once. */
  move(ms: number): void;
}

function movableClock(): MovableClock {
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

export interface KvStores {
  /** Serves REST only (the Upstash endpoint). */
  upstash: KvServer;
  /** Serves RESP only (the Valkey endpoint). */
  valkey: KvServer;
  clock: MovableClock;
}

/** Starts the two stores on free ports, with a clock of their own. */
export async function startKvStores(): Promise<KvStores> {
  const clock = movableClock();
  const [upstash, valkey] = await Promise.all([
    startKvServer({ restPort: 0, respPort: false, now: clock.now }),
    startKvServer({ restPort: 0, respPort: 0, now: clock.now }),
  ]);
  return { upstash, valkey, clock };
}

// The synchronized expiry, measured. `keys` copies are written at the same moment with the same
// TTL (or a jittered one); then readers ask for all of them every `roundMs`, and every copy found
// missing is "loaded from the database" and written back. The busiest round is the spike the
// database would see.

import type { Redis as ValkeyClient } from 'iovalkey';
import { jitteredTtl } from './jitter.ts';

export async function measureExpirySpike(
  client: ValkeyClient,
  {
    keys,
    ttlMs,
    spread,
    roundMs,
    rounds,
  }: {
    keys: number;
    ttlMs: number;
    /** 0: every copy gets ttlMs; 0.5: between half of it and all of it. */
    spread: number;
    roundMs: number;
    rounds: number;
  },
) {
  const prefix = `spike:${spread}:${Date.now()}:`;
  const names = Array.from({ length: keys }, (_, i) => `${prefix}${i}`);
  const write = (names: string[]) => {
    const pipeline = client.pipeline();
    for (const name of names) pipeline.set(name, 'copy', 'PX', jitteredTtl(ttlMs, spread));
    return pipeline.exec();
  };
  await write(names); // the warm-up: everything cached at once
  const loadsPerRound: number[] = [];
  const start = Date.now();
  for (let round = 1; round <= rounds; round++) {
    await new Promise((resolve) => setTimeout(resolve, start + round * roundMs - Date.now()));
    const values = await client.mget(...names);
    const missing = names.filter((_, i) => values[i] === null);
    loadsPerRound.push(missing.length); // each one a query to the database
    if (missing.length > 0) await write(missing);
  }
  await client.del(...names);
  return { loadsPerRound, busiest: Math.max(...loadsPerRound) };
}

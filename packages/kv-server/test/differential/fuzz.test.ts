// Every command the engine knows, with seeded random arguments, engine vs real Redis: error
// precedence, argument parsing and edge values must all agree. Commands whose effect is random
// or depends on the clock are left out, and so are the ones that would leave database 15
// (SELECT, FLUSHALL). FUZZ_SEED replays one run.

import { it } from 'vitest';
import { fuzzSteps } from './fuzz-args.ts';
import { describeDifferential, useDifferential } from './harness.ts';

const diff = useDifferential();

// FUZZ_SEED=<n> replays one run; FUZZ_SEEDS=<count> tries that many fresh seeds (a soak run).
const replay = process.env.FUZZ_SEED;
const fresh = Number(process.env.FUZZ_SEEDS ?? 1);
const base = Date.now() % 1_000_000_007;
const seeds = replay
  ? [Number(replay)]
  : [101, 202, ...Array.from({ length: fresh }, (_, i) => base + i)];

describeDifferential('differential: every command with random arguments', () => {
  for (const seed of seeds) {
    it(`seed ${seed} (replay: FUZZ_SEED=${seed})`, () => diff.expectSame(fuzzSteps(seed, 3000)));
  }
});

// Seeded random command sequences over every family at once, engine vs real Redis. Keys are
// shared between families (RENAME moves a hash onto a list's name...), so type errors, expiry and
// transactions mix with everything. Each run uses a few fixed seeds plus one fresh seed; the
// seed is in the test name and printed. Replay one with DIFF_SEED=<seed>.

import { it } from 'vitest';
import { HASH_KEYS, randomHashCommand } from './generators-hashes.ts';
import { LIST_KEYS, randomListCommand } from './generators-lists.ts';
import { randomSetCommand, SET_KEYS } from './generators-sets.ts';
import { int, pick, type Rng, seededRng } from './generators-shared.ts';
import { randomKeyspaceCommand, randomStringCommand, STRING_KEYS } from './generators-strings.ts';
import { randomZSetCommand, ZSET_KEYS } from './generators-zsets.ts';
import { closeInteger, describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

const ALL_KEYS = [
  ...new Set<string>([...STRING_KEYS, ...HASH_KEYS, ...LIST_KEYS, ...SET_KEYS, ...ZSET_KEYS]),
];

const FAMILIES: ((rng: Rng) => Step)[] = [
  (rng) => randomStringCommand(rng),
  randomHashCommand,
  randomListCommand,
  randomSetCommand,
  randomZSetCommand,
  (rng) => randomKeyspaceCommand(rng, ALL_KEYS),
];

function isExact(step: Step): boolean {
  return step.compare === undefined || step.compare === 'exact';
}

/** `count` random steps; now and then a MULTI ... EXEC block of exactly-comparable commands. */
export function mixedSequence(seed: number, count: number): Step[] {
  const rng = seededRng(seed);
  const steps: Step[] = [{ cmd: ['SET', 'str', 'a string'] }];
  while (steps.length < count) {
    if (rng() < 0.03) {
      steps.push({ cmd: ['MULTI'] });
      const size = int(rng, 0, 6);
      while (steps.length < count && size > 0 && steps.at(-1)?.cmd[0] !== 'EXEC') {
        const next = pick(rng, FAMILIES)(rng);
        if (isExact(next)) steps.push(next);
        if (rng() < 1 / size) break;
      }
      steps.push({ cmd: [rng() < 0.9 ? 'EXEC' : 'DISCARD'] });
      continue;
    }
    steps.push(pick(rng, FAMILIES)(rng));
  }
  // Final state of every key, whatever its type (errors compare too).
  for (const key of ALL_KEYS) {
    steps.push(
      { cmd: ['TYPE', key] },
      { cmd: ['GET', key] },
      { cmd: ['HGETALL', key] },
      { cmd: ['LRANGE', key, '0', '-1'] },
      { cmd: ['SMEMBERS', key], compare: 'unordered' },
      { cmd: ['ZRANGE', key, '0', '-1', 'WITHSCORES'] },
      { cmd: ['TTL', key], compare: closeInteger(1) },
    );
  }
  steps.push({ cmd: ['DBSIZE'] }, { cmd: ['KEYS', '*'], compare: 'unordered' });
  return steps;
}

// DIFF_SEED=<n> replays one seed; DIFF_SEEDS=<count> tries that many fresh seeds (a soak run).
const replay = process.env.DIFF_SEED;
const fresh = Number(process.env.DIFF_SEEDS ?? 1);
const base = Date.now() % 1_000_000_007;
const seeds = replay
  ? [Number(replay)]
  : [11, 22, 33, 44, 55, ...Array.from({ length: fresh }, (_, i) => base + i)];

describeDifferential('differential: random sequences over every family', () => {
  for (const seed of seeds) {
    it(`seed ${seed} (replay: DIFF_SEED=${seed})`, async () => {
      console.log(`differential random sequence: DIFF_SEED=${seed}`);
      await diff.expectSame(mixedSequence(seed, 1500));
    });
  }
});

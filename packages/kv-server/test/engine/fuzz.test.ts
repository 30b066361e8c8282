// Every command with random arguments: the engine always answers with a reply (an error is
// fine), never throws, never reports an internal error. Seeded; FUZZ_SEED replays one run.

import { describe, expect, it } from 'vitest';
import { ErrorReply } from '../../src/protocol/reply.ts';
import { fuzzArgs } from '../differential/fuzz-args.ts';
import { seededRng } from '../differential/generators-shared.ts';
import { engineFixture } from './helpers.ts';

describe('fuzz: random arguments for every command', () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_007);
  it(`never throws and never fails internally (FUZZ_SEED=${seed})`, () => {
    const rng = seededRng(seed);
    const { engine, raw } = engineFixture();
    const names = engine.commandNames().filter((n) => n !== 'quit');
    const problems: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const name = names[Math.floor(rng() * names.length)] as string;
      const args = fuzzArgs(rng);
      const label = `${name} ${args.map(String).join(' ')}`;
      try {
        const reply = raw(name, ...args);
        if (reply instanceof ErrorReply && reply.message.includes('internal error')) {
          problems.push(`${label}: ${reply.message}`);
        }
      } catch (error) {
        problems.push(`${label}: threw ${(error as Error).message}`);
      }
      // Keep some data around so commands meet existing keys of every type.
      if (i % 500 === 0) {
        raw('SET', 'str', 'v');
        raw('HSET', 'h', 'f', 'v');
        raw('RPUSH', 'l', 'a', 'b');
        raw('SADD', 's', 'a', '1');
        raw('ZADD', 'z', '1', 'a', '2', 'b');
      }
    }
    expect(problems).toEqual([]);
  });
});

// Every command with random arguments: the engine always answers with a reply (an error is
// fine), never throws, never reports an internal error. Seeded; FUZZ_SEED replays one run.

import { describe, expect, it } from 'vitest';
import { ErrorReply } from '../../src/engine/reply.ts';
import { seededRng } from '../differential/generators-shared.ts';
import { engineFixture } from './helpers.ts';

const ARGS = [
  '',
  '0',
  '1',
  '-1',
  '2',
  '10',
  '-100',
  '3.5',
  '-0',
  '+1',
  '1e3',
  'inf',
  '-inf',
  'nan',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '18446744073709551616',
  'k',
  'k2',
  'h',
  'l',
  's',
  'z',
  'str',
  '*',
  '?',
  '[',
  '\\',
  'NX',
  'XX',
  'GT',
  'LT',
  'CH',
  'INCR',
  'EX',
  'PX',
  'EXAT',
  'PXAT',
  'KEEPTTL',
  'GET',
  'PERSIST',
  'COUNT',
  'MATCH',
  'TYPE',
  'LIMIT',
  'WITHSCORES',
  'BYSCORE',
  'BYLEX',
  'REV',
  'LEFT',
  'RIGHT',
  'BEFORE',
  'AFTER',
  'RANK',
  'MAXLEN',
  '(1',
  '[a',
  '-',
  '+',
  '(',
  'ASYNC',
  'string',
  'hash',
  'x'.repeat(300),
];

describe('fuzz: random arguments for every command', () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_007);
  it(`never throws and never fails internally (FUZZ_SEED=${seed})`, () => {
    const rng = seededRng(seed);
    const { engine, raw } = engineFixture();
    const names = engine.commandNames().filter((n) => n !== 'quit');
    const binary = Buffer.from([0, 0xff, 0x80, 10, 13]);
    const problems: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const name = names[Math.floor(rng() * names.length)] as string;
      const argc = Math.floor(rng() * 7);
      const args: (string | Buffer)[] = [];
      for (let j = 0; j < argc; j++) {
        args.push(rng() < 0.05 ? binary : (ARGS[Math.floor(rng() * ARGS.length)] as string));
      }
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

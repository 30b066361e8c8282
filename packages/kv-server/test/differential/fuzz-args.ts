// Arguments for the fuzz tests: numbers at every int64/float edge, option words of every
// command, glob and range syntax, a long value and raw bytes.

import { createEngine } from '../../src/engine/index.ts';
import { BLOCKING_POPS, SUBSCRIBE_COMMANDS } from '../../src/protocol/command-groups.ts';
import { type Rng, seededRng } from './generators-shared.ts';
import { type Compare, closeInteger, type Step } from './harness.ts';

export const FUZZ_ARGS: readonly (string | Buffer)[] = [
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
  Buffer.from([0, 0xff, 0x80, 10, 13]),
  // C-string edges: Redis reads some arguments only up to a NUL byte.
  Buffer.from('NX\0x', 'latin1'),
  Buffer.from('1\0', 'latin1'),
  Buffer.from('count\0', 'latin1'),
  ' 1',
  '1 ',
];

/** 0 to 6 arguments drawn from FUZZ_ARGS. */
export function fuzzArgs(rng: Rng): (string | Buffer)[] {
  return Array.from(
    { length: Math.floor(rng() * 7) },
    () => FUZZ_ARGS[Math.floor(rng() * FUZZ_ARGS.length)] as string | Buffer,
  );
}

const EXCLUDED = new Set<string>([
  'select',
  'flushall',
  'quit',
  'time',
  'info',
  'randomkey',
  'scan',
  'hscan',
  'sscan',
  'zscan',
  'spop',
  'srandmember',
  'hrandfield',
  'zrandmember',
  // Server-wide or connection state of the shared Redis: MOVE and SWAPDB would reach the
  // databases other suites use, CLIENT PAUSE/KILL/REPLY the harness's own connection; COMMAND
  // lists the engine's table (smaller than Redis's); OBJECT IDLETIME of a shared integer is
  // whenever any key last used it.
  'move',
  'swapdb',
  'client',
  'command',
  'object',
  // XADD ... * takes its ID from the clock: the two servers' milliseconds can differ (stream IDs
  // have their own differential suite, with explicit IDs).
  'xadd',
  // Relative TTLs as short as 1 ms: which side sees the key expire would be a race.
  'expire',
  'pexpire',
  'setex',
  'psetex',
  // Newer than the Redis 7.0 this suite runs against (tested in test/engine/streams.test.ts).
  'xdelex',
  'xackdel',
  // Hash-field expiry is Redis 7.4+ (tested against its documented replies in test/engine).
  'hexpire',
  'hpexpire',
  'hexpireat',
  'hpexpireat',
  'httl',
  'hpttl',
  'hexpiretime',
  'hpexpiretime',
  'hpersist',
  'hgetex',
  'hsetex',
  'hgetdel',
  // They change the connection itself (subscribed context, RESP version, db 0 after RESET) or
  // would wait forever: a random "0" is an infinite timeout.
  ...SUBSCRIBE_COMMANDS,
  'monitor',
  'reset',
  ...BLOCKING_POPS,
  'xread',
  'xreadgroup',
  // Server-wide state of the shared Redis that other suites rely on: CONFIG SET would change
  // its settings (encodings, limits), FUNCTION/SCRIPT FLUSH its libraries, COPY ... DB n and
  // PUBLISH/PUBSUB reach other suites' databases and channels.
  'config',
  'function',
  'script',
  'copy',
  'publish',
  'spublish',
  'pubsub',
  // Lua compile errors are worded by the VM (fengari's Lua 5.3 vs Redis's 5.1): scripts have
  // their own differential suite with well-formed scripts (test/differential/scripting.test.ts).
  'eval',
  'eval_ro',
  'evalsha',
  'evalsha_ro',
  'fcall',
  'fcall_ro',
  // Sizes are this engine's own estimate (MEMORY USAGE) and DUMP does not LZF-compress.
  'memory',
  'dump',
  'restore',
  'pfselftest',
]);
const UNORDERED: Record<string, Compare> = {
  keys: 'unordered',
  smembers: 'unordered',
  sinter: 'unordered',
  sunion: 'unordered',
  sdiff: 'unordered',
  hkeys: 'unordered',
  hvals: 'unordered',
  hgetall: 'pairs-unordered',
  ttl: closeInteger(1),
  pttl: closeInteger(1000),
  expiretime: closeInteger(1),
  pexpiretime: closeInteger(1000),
};

/**
 * `count` random commands over every engine command except EXCLUDED, with the store refilled
 * now and then so commands meet keys of every type.
 */
export function fuzzSteps(seed: number, count: number): Step[] {
  const rng = seededRng(seed);
  const names = createEngine()
    .commandNames()
    .filter((n) => !EXCLUDED.has(n))
    .sort();
  const steps: Step[] = [];
  let inMulti = false;
  const setup: Step[] = [
    { cmd: ['SET', 'str', 'v'] },
    { cmd: ['HSET', 'h', 'f', 'v'] },
    { cmd: ['RPUSH', 'l', 'a', 'b'] },
    { cmd: ['SADD', 's', 'a', '1'] },
    { cmd: ['ZADD', 'z', '1', 'a', '2', 'b'] },
  ];
  while (steps.length < count) {
    if (steps.length % 300 === 0) steps.push(...setup);
    const name = names[Math.floor(rng() * names.length)] as string;
    const args = fuzzArgs(rng);
    // SET/GETEX with a relative TTL: the same race as EXPIRE.
    // And with EXAT/PXAT in the past, Redis keeps the key (DBSIZE counts it) until its expiry
    // cycle, every 100 ms, happens to sweep it.
    const relative = args.some((a) => typeof a === 'string' && /^(ex|px|exat|pxat)$/i.test(a));
    if ((name === 'set' || name === 'getex') && relative) continue;
    const compare = UNORDERED[name];
    // Inside MULTI the reply comes back inside EXEC's array, compared exactly: only commands
    // whose replies compare exactly may be queued.
    if (inMulti && compare !== undefined) continue;
    if (name === 'multi' && args.length === 0) inMulti = true;
    if (name === 'exec' || (name === 'discard' && args.length === 0)) inMulti = false;
    steps.push(
      compare === undefined ? { cmd: [name, ...args] } : { cmd: [name, ...args], compare },
    );
  }
  return steps;
}

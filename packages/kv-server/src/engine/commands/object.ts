// OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP, as Redis 7.0 answers them. The encoding
// names follow 7.0's rules: a string is `int` (a canonical 64-bit integer of up to 20 chars),
// `embstr` (up to 44 bytes) or `raw`; a list is a `quicklist`; a hash and a sorted set are a
// `listpack` until they pass 128 entries or a 64-byte field/member/value, then `hashtable` /
// `skiplist` for good (the collections keep that one-way `compact` flag); a set is an `intset`
// while all members are integers and there are at most 512, then `hashtable` for good.
// A string APPEND or SETRANGE changed in place is `raw` whatever its length (encoding.ts).

import { bulk, fail, latin1, type Reply, SimpleString } from '../../protocol/reply.ts';
import { encodingOf, isLongString } from '../encoding.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';

/** Redis's OBJ_SHARED_INTEGERS: small integers are shared objects with this refcount. */
const SHARED_INTEGERS = 10_000;
const SHARED_REFCOUNT = 2147483647;

const HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

const SWITCHING =
  'Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

function object(ctx: CommandContext, argv: Buffer[]): Reply {
  const sub = latin1(argv[1]!).toLowerCase();
  if (sub === 'help' && argv.length === 2) return HELP.map((line) => new SimpleString(line));
  const subcommands = ['encoding', 'refcount', 'idletime', 'freq'];
  if (!subcommands.includes(sub) && sub !== 'help') {
    fail(`ERR unknown subcommand '${latin1(argv[1]!).slice(0, 128)}'. Try OBJECT HELP.`);
  }
  if (argv.length !== 3) fail(`ERR wrong number of arguments for 'object|${sub}' command`);
  const key = latin1(argv[2]!);
  // OBJECT never counts as an access (Redis's LOOKUP_NOTOUCH).
  const value = ctx.db.peek(key);
  if (value === undefined) return null;
  const memory = ctx.db.memory;
  switch (sub) {
    case 'encoding':
      return bulk(encodingOf(value, ctx.engine, ctx.session.dbIndex, key));
    case 'refcount':
      // Shared small integers exist only while no LRU/LFU policy needs per-object access data.
      return typeof value === 'string' &&
        isLongString(value) &&
        Number(value) >= 0 &&
        Number(value) < SHARED_INTEGERS &&
        !memory.policy.includes('lru') &&
        !memory.lfu
        ? SHARED_REFCOUNT
        : 1;
    case 'idletime':
      if (memory.lfu) {
        fail(`ERR An LFU maxmemory policy is selected, idle time not tracked. ${SWITCHING}`);
      }
      return Math.floor(memory.idleMs(ctx.db.accessOf(key)!) / 1000);
    default:
      if (!memory.lfu) {
        fail(
          `ERR An LFU maxmemory policy is not selected, access frequency not tracked. ${SWITCHING}`,
        );
      }
      return memory.lfuDecay(ctx.db.accessOf(key)!);
  }
}

export const objectCommands: CommandSpec[] = [{ name: 'object', arity: -2, handler: object }];

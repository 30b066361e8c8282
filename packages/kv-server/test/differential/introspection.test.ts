// COMMAND INFO / DOCS / GETKEYS and databases, engine vs real Redis (RESP2 via the harness;
// the RESP3 forms are in resp3.test.ts).

import { expect, it } from 'vitest';
import type { Reply } from '../../src/protocol/reply.ts';
import { describeDifferential, show, useDifferential } from './harness.ts';

const diff = useDifferential();

/**
 * Redis keeps a command's subcommands in a dict whose hash seed is random per process, so
 * COMMAND INFO lists them in an order that changes each time Redis starts: compare the
 * subcommand entries (arrays named `container|sub`) as a set, everything else exactly.
 */
function canonical(reply: Reply): unknown {
  const shown = show(reply);
  const sortEntries = (value: unknown): unknown => {
    if (!Array.isArray(value)) return value;
    const items = value.map(sortEntries);
    const isSubcommand = (item: unknown) =>
      Array.isArray(item) && typeof item[0] === 'string' && /^\$".+\|/.test(item[0]);
    return items.length > 0 && items.every(isSubcommand)
      ? items.map((item) => JSON.stringify(item)).sort()
      : items;
  };
  return sortEntries(shown);
}

const subcommandsUnordered = (engine: Reply, redis: Reply) => {
  expect(canonical(engine)).toEqual(canonical(redis));
};

describeDifferential('differential: COMMAND', () => {
  it('INFO and DOCS of commands the engine has are Redis 7.0s own', () =>
    diff.expectSame([
      {
        cmd: [
          'COMMAND',
          'INFO',
          'get',
          'set',
          'zunionstore',
          'hgetall',
          'nope',
          'client',
          'command',
        ],
        compare: subcommandsUnordered,
      },
      ['COMMAND', 'DOCS', 'get', 'set', 'zadd', 'nope'],
      ['COMMAND', 'DOCS', 'nope'],
      ['COMMAND', 'DOCS', 'client|list', 'object|encoding', 'client|nope'],
      ['COMMAND', 'INFO', 'client|kill', 'object|freq', 'get|x'],
      ['COMMAND', 'NOPE'],
      ['COMMAND', 'COUNT', 'x'],
    ]));

  it('GETKEYS and GETKEYSANDFLAGS follow the key specs', () =>
    diff.expectSame([
      ['COMMAND', 'GETKEYS', 'get', 'a'],
      ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'],
      ['COMMAND', 'GETKEYS', 'zunionstore', 'd', '2', 'x', 'y', 'WEIGHTS', '1', '2'],
      ['COMMAND', 'GETKEYS', 'lmpop', '2', 'l1', 'l2', 'LEFT'],
      ['COMMAND', 'GETKEYS', 'object', 'encoding', 'k'],
      ['COMMAND', 'GETKEYS', 'get'],
      ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'ping', 'x'],
      ['COMMAND', 'GETKEYS', 'nope', 'x'],
      ['COMMAND', 'GETKEYS', 'zunionstore', 'd', 'x', 'a'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b', 'GET'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'lmove', 'a', 'b', 'LEFT', 'RIGHT'],
    ]));
});

describeDifferential('differential: CLIENT errors', () => {
  it('unknown subcommands, arities and option errors read as in Redis', () =>
    diff.expectSame([
      ['CLIENT', 'FOO'],
      ['CLIENT', 'ID', 'x'],
      ['CLIENT', 'CACHING'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'PAUSE', '10', 'NONE'],
      ['CLIENT', 'PAUSE', 'x'],
      ['CLIENT', 'PAUSE', '-1'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'maybe'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'ab'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'KILL', 'ID', '0'],
      ['CLIENT', 'KILL', 'TYPE', 'robot'],
      ['CLIENT', 'KILL', '1.1.1.1:1'],
      ['CLIENT', 'KILL', 'USER', 'nobody'],
      ['CLIENT', 'LIST', 'TYPE', 'robot'],
      ['CLIENT', 'LIST', 'ID', 'x'],
      ['CLIENT', 'REPLY', 'maybe'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'UNBLOCK', '1', 'maybe'],
      ['CLIENT', 'UNBLOCK', '999999'],
      ['CLIENT', 'SETNAME', 'a b'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'HELP'],
    ]));
});

describeDifferential('differential: databases', () => {
  it('SELECT MOVE SWAPDB errors', () =>
    diff.expectSame([
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', 'x'],
      ['SELECT', '99999999999'],
      ['SET', 'k', 'v'],
      // 9 (the client matrix's database) exists on both sides and is flushed before use.
      ['MOVE', 'k', '9'],
      ['SELECT', '9'],
      ['DEL', 'k'],
      ['MOVE', 'k', '16'],
      ['MOVE', 'k', 'x'],
      ['MOVE', 'missing', '3'],
      ['SWAPDB', '0', 'x'],
      ['SWAPDB', 'x', '0'],
      ['SWAPDB', '0', '16'],
      ['SWAPDB', '-1', '0'],
    ]));
});

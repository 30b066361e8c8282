// Stream commands, engine vs real Redis 7: IDs and their errors, trimming (including where `~`
// stops at Redis's node boundaries), consumer groups and their pending lists, XINFO, and seeded
// random sequences. Replay a random one with DIFF_SEED=<seed>.

import { expect, it } from 'vitest';
import { int, pick, randomSequence, scanUnordered, seededRng } from './generators-shared.ts';
import {
  pendingClose,
  randomStreamCommand,
  streamFinalState,
  timesClose,
} from './generators-streams.ts';
import { describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

function adds(key: string, count: number, from = 1, value = 'v'): Step[] {
  return Array.from({ length: count }, (_, i) => ({
    cmd: ['XADD', key, `${from + i}-1`, 'f', value],
  }));
}

const AUTO_ID = /^\d+-\d+$/;

describeDifferential('differential: streams', () => {
  it('XADD IDs: explicit, ms-*, 0-0, smaller, exhausted, invalid forms', () =>
    diff.expectSame([
      ['XADD', 's', '1-1', 'f', 'v'],
      ['XADD', 's', '1-1', 'f', 'v'],
      ['XADD', 's', '1-0', 'f', 'v'],
      ['XADD', 's', '1-*', 'f', 'v'],
      ['XADD', 's', '1-*', 'f', 'v'],
      ['XADD', 's', '0-*', 'f', 'v'],
      ['XADD', 's', '5', 'f', 'v'],
      ['XADD', 's', '5-*', 'a', '1', 'b', '2'],
      ['XADD', 's', '0-0', 'f', 'v'],
      ['XADD', 'new', '0-0', 'f', 'v'],
      ['XADD', 'new2', '0-*', 'f', 'v'],
      ['EXISTS', 'new'],
      ['XADD', 's', '-', 'f', 'v'],
      ['XADD', 's', '+', 'f', 'v'],
      ['XADD', 's', '6-', 'f', 'v'],
      ['XADD', 's', '-6', 'f', 'v'],
      ['XADD', 's', '6-1-1', 'f', 'v'],
      ['XADD', 's', '18446744073709551616-1', 'f', 'v'],
      ['XADD', 's', ' 7', 'f', 'v'],
      ['XADD', 's', '+8-1', 'f', 'v'],
      ['XADD', 's', '009-01', 'f', 'v'],
      ['XADD', 's', '10- 1', 'f', 'v'],
      ['XADD', 's', '11--1', 'f', 'v'],
      ['XADD', 's', 'x'.repeat(200), 'f', 'v'],
      ['XADD', 's', '12-1', 'f'],
      ['XADD', 's', '12-1', 'f', 'v', 'g'],
      ['XADD', 's', '18446744073709551615-18446744073709551614', 'f', 'v'],
      ['XADD', 's', '18446744073709551615-*', 'f', 'v'],
      ['XADD', 's', '18446744073709551615-*', 'f', 'v'],
      ['XADD', 's', '*', 'f', 'v'],
      ['XLEN', 's'],
      ['XRANGE', 's', '-', '+'],
      ['XLEN', 'nokey'],
      ['SET', 'str', 'x'],
      ['XADD', 'str', '1-1', 'f', 'v'],
      ['XLEN', 'str'],
      ['XADD', 'nomk', 'NOMKSTREAM', '*', 'f', 'v'],
      ['EXISTS', 'nomk'],
      ['XADD', 's', 'NOMKSTREAM'],
      ['TYPE', 's'],
      ['OBJECT', 'ENCODING', 's'],
      { cmd: ['SCAN', '0', 'TYPE', 'stream'], compare: scanUnordered(false) },
    ]));

  it('XADD * picks the time and then the next sequence', async () => {
    const { engine, redis } = await diff.runOnBoth([
      ['XADD', 'auto', '*', 'f', 'v'],
      ['XADD', 'auto', '*', 'f', 'v'],
      ['XADD', 'auto', 'MAXLEN', '1', '*', 'f', 'v'],
      ['XLEN', 'auto'],
    ]);
    for (const replies of [engine, redis]) {
      for (const reply of replies.slice(0, 3)) {
        expect(Buffer.isBuffer(reply) && AUTO_ID.test(reply.toString())).toBe(true);
      }
      expect(replies[3]).toBe(1);
      const ms = (replies[0] as Buffer).toString().split('-')[0];
      expect(Math.abs(Number(ms) - Date.now())).toBeLessThan(10_000);
    }
  });

  it('XADD and XTRIM options: MAXLEN, MINID, =, ~, LIMIT and their errors', () =>
    diff.expectSame([
      ...adds('s', 10),
      ['XADD', 's', 'MAXLEN', '5', '11-1', 'f', 'v'],
      ['XRANGE', 's', '-', '+'],
      ['XADD', 's', 'MAXLEN', '=', '4', '12-1', 'f', 'v'],
      ['XADD', 's', 'MINID', '10', '13-1', 'f', 'v'],
      ['XRANGE', 's', '-', '+'],
      ['XADD', 's', 'MAXLEN', '-1', '*', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', 'x', '*', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'f', 'v'],
      ['XADD', 's', 'LIMIT', '10', '*', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', 'LIMIT', '10', '*', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1', '*', 'f', 'v'],
      ['XADD', 's', 'MINID', '-1', '*', 'f', 'v'],
      ['XADD', 's', 'MINID', '~', '+', '*', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '~', '*', 'f', 'v'],
      ['XADD', 's', 'maxlen', '~', '2', 'limit', '0', '20-1', 'f', 'v'],
      ['XLEN', 's'],
      ['XTRIM', 's'],
      ['XTRIM', 's', 'foo'],
      ['XTRIM', 's', 'MAXLEN'],
      ['XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '1'],
      ['XTRIM', 's', 'FOO', '1'],
      ['XTRIM', 's', 'MAXLEN', '1', 'NOMKSTREAM'],
      ['XTRIM', 'nokey', 'MAXLEN', '1'],
      ['XTRIM', 's', 'MAXLEN', '=', '3'],
      ['XTRIM', 's', 'MINID', '13'],
      ['XTRIM', 's', 'MINID', '(13'],
      ['XRANGE', 's', '-', '+'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XLEN', 's'],
      ['EXISTS', 's'],
      ['XINFO', 'STREAM', 's'],
    ]));

  it('MAXLEN ~ and MINID ~ drop whole nodes of 100 entries, as Redis', () =>
    diff.expectSame([
      ...adds('s', 250),
      ['XADD', 's', 'MAXLEN', '~', '200', '251-1', 'f', 'v'],
      ['XLEN', 's'],
      ['XADD', 's', 'MAXLEN', '~', '120', '252-1', 'f', 'v'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '10'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '10'],
      ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '60'],
      ['XLEN', 's'],
      ...adds('t', 230),
      ['XDEL', 't', '5-1', '150-1'],
      ['XTRIM', 't', 'MINID', '~', '150'],
      ['XLEN', 't'],
      ['XTRIM', 't', 'MINID', '~', '250'],
      ['XLEN', 't'],
      ['XINFO', 'STREAM', 't'],
      ['XTRIM', 't', 'MINID', '~', '250', 'LIMIT', '0'],
      ['XLEN', 't'],
    ]));

  it('nodes also end at 4096 bytes: big values fill a node before 100 entries', () =>
    diff.expectSame([
      ...adds('big', 120, 1, 'x'.repeat(100)),
      ['XTRIM', 'big', 'MAXLEN', '~', '50'],
      ['XLEN', 'big'],
      ['XINFO', 'STREAM', 'big'],
      ...adds('mixed', 60, 1, '12345'),
      ...Array.from({ length: 60 }, (_, i) => ({
        cmd: ['XADD', 'mixed', `${100 + i}-1`, 'other', 'y'.repeat(i * 3), 'n', String(i * 1000)],
      })),
      ['XTRIM', 'mixed', 'MAXLEN', '~', '30'],
      ['XLEN', 'mixed'],
      ['XINFO', 'STREAM', 'mixed'],
    ]));

  it('XINFO radix-tree-keys and -nodes as nodes come and go', () => {
    const steps: Step[] = [];
    // IDs spread over many magnitudes, so node keys share prefixes of every length.
    for (let i = 1; i <= 1200; i++) {
      const ms = i < 600 ? i : i * 7919 + (i % 3) * 2 ** 40;
      steps.push({ cmd: ['XADD', 's', `${ms}-${i % 5}`, 'f', String(i)] });
    }
    const info = { cmd: ['XINFO', 'STREAM', 's'] };
    steps.push(info);
    // Empty whole nodes from the middle, then trim from the front.
    for (let i = 301; i <= 400; i++) {
      const ms = i < 600 ? i : i * 7919 + (i % 3) * 2 ** 40;
      steps.push({ cmd: ['XDEL', 's', `${ms}-${i % 5}`] });
    }
    steps.push(info, { cmd: ['XTRIM', 's', 'MAXLEN', '~', '700'] }, info);
    steps.push({ cmd: ['XTRIM', 's', 'MAXLEN', '=', '333'] }, info);
    steps.push({ cmd: ['XTRIM', 's', 'MAXLEN', '0'] }, info);
    return diff.expectSame(steps);
  });

  it('XDEL, tombstones and XRANGE/XREVRANGE with exclusive ranges and COUNT', () =>
    diff.expectSame([
      ...adds('s', 6),
      ['XDEL', 's', '2-1', '2-1', '9-9'],
      ['XDEL', 's', 'x'],
      ['XDEL', 'nokey', 'x'],
      ['XRANGE', 's', '-', '+'],
      ['XRANGE', 's', '(1-1', '(5-1'],
      ['XRANGE', 's', '(1', '5'],
      ['XRANGE', 's', '3', '3'],
      ['XRANGE', 's', '5', '3'],
      ['XREVRANGE', 's', '+', '-'],
      ['XREVRANGE', 's', '(6-1', '(1-1', 'COUNT', '2'],
      ['XRANGE', 's', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT', '-3'],
      ['XRANGE', 'nokey', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT'],
      ['XRANGE', 's', '-', '+', 'LIMIT', '1'],
      ['XRANGE', 's', '(-', '+'],
      ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'],
      ['XRANGE', 's', '-', '(0-0'],
      ['XRANGE', 's', '(', '+'],
      ['XRANGE', 's', 'x', '+'],
      ['XREVRANGE', 's', 'x', '+'],
      ['XDEL', 's', '1-1', '3-1', '4-1', '5-1', '6-1'],
      ['XLEN', 's'],
      ['EXISTS', 's'],
      ['XRANGE', 's', '-', '+'],
      ['XINFO', 'STREAM', 's'],
      ['XADD', 's', '3-1', 'f', 'v'],
    ]));

  it('XREAD: several streams, $, COUNT, and argument errors', () =>
    diff.expectSame([
      ...adds('a', 3),
      ...adds('b', 2, 5),
      ['XREAD', 'STREAMS', 'a', 'b', '0', '0'],
      ['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '1', '5-1'],
      ['XREAD', 'STREAMS', 'a', 'nokey', '$', '0'],
      ['XREAD', 'STREAMS', 'a', '3-1'],
      ['XREAD', 'STREAMS', 'a'],
      ['XREAD', 'STREAMS', 'a', 'b', '0'],
      ['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', '-1', 'STREAMS', 'a', '0'],
      ['XREAD', 'FOO', 'STREAMS', 'a', '0'],
      ['XREAD', 'a', '0'],
      ['XREAD', 'STREAMS', 'a', '>'],
      ['XREAD', 'STREAMS', 'a', '+'],
      ['XREAD', 'STREAMS', 'a', '-'],
      ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
      ['XREAD', 'NOACK', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'],
      ['SET', 'str', 'x'],
      ['XREAD', 'STREAMS', 'a', 'str', '0', '0'],
      ['XDEL', 'a', '3-1'],
      ['XREAD', 'STREAMS', 'a', '2-1'],
      ['XREAD', 'STREAMS', 'a', '2'],
    ]));

  it('XGROUP: CREATE (MKSTREAM, ENTRIESREAD, $), SETID, DESTROY, consumers, errors', () =>
    diff.expectSame([
      ['XGROUP', 'CREATE', 's', 'g', '$'],
      ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
      ['TYPE', 's'],
      ['XLEN', 's'],
      ...adds('s', 3),
      ['XGROUP', 'CREATE', 's', 'g0', '0'],
      ['XGROUP', 'CREATE', 's', 'g1', '1-1'],
      ['XGROUP', 'CREATE', 's', 'g2', '1-5'],
      ['XGROUP', 'CREATE', 's', 'g3', '$', 'ENTRIESREAD', '2'],
      ['XGROUP', 'CREATE', 's', 'g4', '-'],
      ['XGROUP', 'CREATE', 's', 'g4', '+'],
      ['XGROUP', 'CREATE', 's', 'g4', '0', 'ENTRIESREAD', '-2'],
      ['XGROUP', 'CREATE', 's', 'g4', '0', 'ENTRIESREAD', 'x'],
      ['XGROUP', 'CREATE', 's', 'g4', '0', 'FOO'],
      ['XGROUP', 'CREATE', 's', 'g4', '0', 'ENTRIESREAD'],
      ['XGROUP', 'CREATE', 's', 'g4', '0', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 's'],
      ['XGROUP', 'FOO', 's', 'g'],
      ['XGROUP'],
      ['XGROUP', 'HELP'],
      ['XGROUP', 'help', 'x'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g0', '2-1'],
      ['XGROUP', 'SETID', 's', 'g1', '$', 'ENTRIESREAD', '3'],
      ['XGROUP', 'SETID', 's', 'g2', '-'],
      ['XGROUP', 'SETID', 's', 'nog', '0'],
      ['XGROUP', 'SETID', 's', 'g2', '0', 'MKSTREAM'],
      ['XGROUP', 'SETID', 's', 'g2', '0', 'ENTRIESREAD'],
      ['XGROUP', 'SETID', 'nokey', 'g2', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g0', 'alice'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g0', 'alice'],
      ['XGROUP', 'CREATECONSUMER', 's', 'nog', 'alice'],
      ['XGROUP', 'DELCONSUMER', 's', 'g0', 'alice'],
      ['XGROUP', 'DELCONSUMER', 's', 'g0', 'alice'],
      ['XGROUP', 'DELCONSUMER', 's', 'nog', 'alice'],
      ['XGROUP', 'DESTROY', 's', 'g3'],
      ['XGROUP', 'DESTROY', 's', 'g3'],
      ['XGROUP', 'DESTROY', 'nokey', 'g3'],
      ['SET', 'str', 'x'],
      ['XGROUP', 'CREATE', 'str', 'g', '$', 'MKSTREAM'],
      ['XINFO', 'GROUPS', 's'],
    ]));

  it('XREADGROUP, the PEL, XACK and XPENDING', () =>
    diff.expectSame([
      ...adds('s', 5),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '1-1'],
      ['XPENDING', 's', 'g'],
      { cmd: ['XPENDING', 's', 'g', '-', '+', '10'], compare: pendingClose(1000) },
      { cmd: ['XPENDING', 's', 'g', '-', '+', '10', 'bob'], compare: pendingClose(1000) },
      ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'],
      ['XPENDING', 's', 'g', 'IDLE', '100000000', '-', '+', '10'],
      ['XPENDING', 's', 'g', 'IDLE', '1', '-', '+'],
      ['XPENDING', 's', 'g', '-', '+'],
      ['XPENDING', 's', 'g', '-', '+', 'x'],
      ['XPENDING', 's', 'g', '(1-1', '(5-1', '0'],
      { cmd: ['XPENDING', 's', 'g', '(1-1', '(5-1', '5'], compare: pendingClose(1000) },
      ['XPENDING', 's', 'nog'],
      ['XPENDING', 'nokey', 'g'],
      ['XACK', 's', 'g', '1-1', '1-1', '9-9'],
      ['XACK', 's', 'g', 'x'],
      ['XACK', 's', 'nog', 'x'],
      ['XACK', 'nokey', 'g', '1-1'],
      ['XDEL', 's', '3-1'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0'],
      ['XPENDING', 's', 'g'],
      ['XADD', 's', '6-1', 'f', 'v'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'STREAMS', 's', '>'],
      ['XPENDING', 's', 'g'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'bob'],
      ['XPENDING', 's', 'g'],
      ['XINFO', 'GROUPS', 's'],
      { cmd: ['XINFO', 'CONSUMERS', 's', 'g'], compare: timesClose(1000) },
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$'],
      ['XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'x'],
    ]));

  it('XCLAIM and XAUTOCLAIM: FORCE, JUSTID, RETRYCOUNT, LASTID, deleted entries', () =>
    diff.expectSame([
      ...adds('s', 6),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'bob', '0', '1-1', '2-1'],
      ['XCLAIM', 's', 'g', 'bob', '100000000', '3-1'],
      ['XCLAIM', 's', 'g', 'bob', '0', '3-1', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'bob', '0', '4-1', 'RETRYCOUNT', '7'],
      ['XCLAIM', 's', 'g', 'bob', '0', '9-1', 'FORCE'],
      ['XCLAIM', 's', 'g', 'carol', '0', '9-1'],
      ['XCLAIM', 's', 'g', 'bob', '0', '5-1', 'LASTID', '99-1', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'bob', '0', '5-1', 'TIME', '1000', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'bob', 'x', '5-1'],
      ['XCLAIM', 's', 'g', 'bob', '0', '5-1', 'IDLE', 'x'],
      ['XCLAIM', 's', 'g', 'bob', '0', '5-1', 'TIME', 'x'],
      ['XCLAIM', 's', 'g', 'bob', '0', '5-1', 'RETRYCOUNT', 'x'],
      ['XCLAIM', 's', 'g', 'bob', '0', '5-1', 'LASTID', 'x'],
      ['XCLAIM', 's', 'g', 'bob', '0', '5-1', 'FOO'],
      ['XCLAIM', 's', 'nog', 'bob', '0', '5-1'],
      ['XCLAIM', 'nokey', 'g', 'bob', '0', '5-1'],
      ['XINFO', 'GROUPS', 's'],
      ['XDEL', 's', '2-1'],
      ['XCLAIM', 's', 'g', 'dave', '0', '2-1', '1-1'],
      ['XPENDING', 's', 'g'],
      ['XDEL', 's', '4-1'],
      ['XAUTOCLAIM', 's', 'g', 'erin', '0', '0', 'COUNT', '2'],
      ['XAUTOCLAIM', 's', 'g', 'erin', '0', '(3-1'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '0', '-', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '100000000', '-'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '0', '-', 'COUNT', '0'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '0', '-', 'COUNT', 'x'],
      ['XAUTOCLAIM', 's', 'g', 'frank', 'x', '-'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '0', 'x'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '0', '-', 'FOO'],
      ['XAUTOCLAIM', 's', 'nog', 'frank', '0', '-'],
      ['XAUTOCLAIM', 'nokey', 'g', 'frank', '0', '-'],
      ['XPENDING', 's', 'g'],
      { cmd: ['XINFO', 'CONSUMERS', 's', 'g'], compare: timesClose(1000) },
    ]));

  it('XINFO STREAM (FULL, COUNT), lag and entries-read, XSETID', () =>
    diff.expectSame([
      ...adds('s', 5),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XDEL', 's', '4-1'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      { cmd: ['XINFO', 'STREAM', 's', 'FULL'], compare: timesClose(1000) },
      { cmd: ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1'], compare: timesClose(1000) },
      { cmd: ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'], compare: timesClose(1000) },
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
      ['XINFO', 'STREAM', 's', 'FULL', 'FOO', '1'],
      ['XINFO', 'STREAM', 's', 'FOO'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'],
      ['XINFO', 'STREAM', 'nokey'],
      ['XINFO', 'GROUPS', 'nokey'],
      ['XINFO', 'CONSUMERS', 's', 'nog'],
      ['XINFO', 'FOO', 's'],
      ['XINFO', 'HELP'],
      ['XINFO'],
      ['XSETID', 's', '1-1'],
      ['XSETID', 's', '6-1', 'ENTRIESADDED', '2'],
      ['XSETID', 's', '6-1', 'ENTRIESADDED', '-1'],
      ['XSETID', 's', '6-1', 'MAXDELETEDID', '7-1'],
      ['XSETID', 's', '6-1', 'MAXDELETEDID', '1-1'],
      ['XSETID', 's', '6-1', 'FOO'],
      ['XSETID', 'nokey', '6-1'],
      ['XSETID', 's', '10-1', 'ENTRIESADDED', '20', 'MAXDELETEDID', '8-1'],
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'GROUPS', 's'],
      ['XADD', 's', '9-1', 'f', 'v'],
      ['XADD', 's', '11-*', 'f', 'v'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XINFO', 'STREAM', 's'],
      ['XSETID', 's', '0-1'],
    ]));

  it('COPY copies a stream whole: entries, tombstones, groups and PELs, independent after', () =>
    diff.expectSame([
      ...adds('s', 4),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XDEL', 's', '3-1'],
      ['COPY', 's', 's2'],
      { cmd: ['XINFO', 'STREAM', 's2', 'FULL'], compare: timesClose(1000) },
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's2', '>'],
      ['XADD', 's2', '9-1', 'f', 'v'],
      ['XPENDING', 's', 'g'],
      ['XPENDING', 's2', 'g'],
      ['XINFO', 'GROUPS', 's'],
      ['XINFO', 'GROUPS', 's2'],
      ['COPY', 's', 's2'],
      ['COPY', 's', 's2', 'REPLACE'],
      ['XLEN', 's2'],
      ['XTRIM', 's2', 'MAXLEN', '~', '0'],
      ['XLEN', 's2'],
    ]));

  it('WATCH sees the stream commands that change a stream, and not the others', () => {
    const setup: Step[] = [
      ...adds('s', 4),
      { cmd: ['XGROUP', 'CREATE', 's', 'g', '0'] },
      { cmd: ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 's', '>'] },
    ];
    // Redis 7.0 signals only what changes entries; consumer-group state and XSETID do not count.
    const probes: string[][] = [
      ['XADD', 's', '10-1', 'f', 'v'],
      ['XDEL', 's', '9-9'],
      ['XDEL', 's', '4-1'],
      ['XTRIM', 's', 'MAXLEN', '100'],
      ['XTRIM', 's', 'MAXLEN', '1'],
      ['XADD', 's', '11-1', 'f', 'v'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'new', 'NOACK', 'STREAMS', 's', '>'],
      ['XACK', 's', 'g', '1-1'],
      ['XACK', 's', 'g', '9-9'],
      ['XCLAIM', 's', 'g', 'd', '0', '2-1'],
      ['XCLAIM', 's', 'g', 'd', '0', '9-9'],
      ['XAUTOCLAIM', 's', 'g', 'd', '0', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'e'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'e'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 's', 'g2', '0'],
      ['XGROUP', 'DESTROY', 's', 'g2'],
      ['XGROUP', 'CREATE', 'fresh', 'g', '$', 'MKSTREAM'],
      ['XSETID', 's', '99-1'],
      ['XRANGE', 's', '-', '+'],
      ['XPENDING', 's', 'g'],
      ['XINFO', 'GROUPS', 's'],
    ];
    const steps: Step[] = [...setup];
    for (const probe of probes) {
      steps.push(
        { cmd: ['WATCH', probe[0] === 'XGROUP' ? probe[2]! : probe[1]!], conn: 1 },
        { cmd: probe },
        { cmd: ['MULTI'], conn: 1 },
        { cmd: ['PING'], conn: 1 },
        { cmd: ['EXEC'], conn: 1 },
      );
    }
    return diff.expectSame(steps);
  });

  it('random node boundaries: field sizes, numbers, XDEL and ~ trims (seeded)', async () => {
    const fresh = Number(process.env.DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
    for (const seed of [11, 12, fresh]) {
      const rng = seededRng(seed);
      const steps: Step[] = [];
      const names = ['f', 'field', 'a', 'b', 'longer-field-name'];
      let ms = 1;
      for (let i = 0; i < 700; i++) {
        const r = rng();
        if (r < 0.8) {
          ms += int(rng, 0, 3) === 0 ? int(rng, 1, 5_000_000) : 1;
          const fields: string[] = [];
          const n = int(rng, 1, 4);
          for (let f = 0; f < n; f++) {
            const kind = rng();
            const value =
              kind < 0.3
                ? String(int(rng, -100000, 100000) * (rng() < 0.2 ? 100000 : 1))
                : 'v'.repeat(int(rng, 0, rng() < 0.1 ? 5000 : 120));
            fields.push(pick(rng, names), value);
          }
          steps.push({ cmd: ['XADD', 's', `${ms}-${int(rng, 0, 3)}`, ...fields] });
        } else if (r < 0.9) {
          steps.push({ cmd: ['XDEL', 's', `${int(rng, 1, ms)}-${int(rng, 0, 3)}`] });
        } else if (r < 0.97) {
          const limit = rng() < 0.3 ? ['LIMIT', String(int(rng, 0, 300))] : [];
          steps.push(
            rng() < 0.5
              ? { cmd: ['XTRIM', 's', 'MAXLEN', '~', String(int(rng, 0, 400)), ...limit] }
              : { cmd: ['XTRIM', 's', 'MINID', '~', String(int(rng, 1, ms)), ...limit] },
          );
        } else {
          steps.push({ cmd: ['XINFO', 'STREAM', 's'] });
        }
      }
      steps.push({ cmd: ['XINFO', 'STREAM', 's'] }, { cmd: ['XRANGE', 's', '-', '+'] });
      try {
        await diff.expectSame(steps);
        // Redis LZF-compresses these listpacks: RESTORE reads them, and Redis reads ours.
        const fromRedis = await diff.redis.call('DUMP', 's');
        const fromEngine = diff.engine.execute(diff.session(), [
          Buffer.from('DUMP'),
          Buffer.from('s'),
        ]);
        if (Buffer.isBuffer(fromRedis) && Buffer.isBuffer(fromEngine)) {
          await diff.expectSame([
            ['RESTORE', 'r', '0', fromRedis],
            ['RESTORE', 'e', '0', fromEngine],
            ['XINFO', 'STREAM', 'r', 'FULL', 'COUNT', '0'],
            ['XINFO', 'STREAM', 'e', 'FULL', 'COUNT', '0'],
            ['XTRIM', 'r', 'MAXLEN', '~', '50'],
            ['XINFO', 'STREAM', 'r'],
          ]);
        }
      } catch (error) {
        throw new Error(`seed ${seed}: ${(error as Error).message}`);
      }
      await diff.redis.call('FLUSHDB');
      diff.engine.execute(diff.session(), [Buffer.from('FLUSHDB')]);
    }
  }, 60_000);

  it("DUMP of a small stream is Redis's bytes; each side RESTOREs the other's DUMP", async () => {
    // No consumers here: their seen time would differ between the two clocks.
    await diff.expectSame([
      ['XADD', 's', '1-1', 'f', 'v'],
      ['XADD', 's', '2-1', 'f', '12345', 'g', '-7'],
      [
        'XADD',
        's',
        '5000000000-0',
        'f',
        'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      ],
      ['XDEL', 's', '2-1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 's', '777', '$', 'ENTRIESREAD', '3'],
      ['DUMP', 's'],
      ['XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM'],
      ['DUMP', 'e'],
    ]);
    // A bigger stream with consumers and pending entries: Redis LZF-compresses its listpacks,
    // so the bytes differ, but each side must restore the other's payload to the same stream.
    const build: Step[] = [];
    for (let i = 1; i <= 150; i++) build.push({ cmd: ['XADD', 'big', `${i}-0`, 'f', `v${i}`] });
    build.push(
      { cmd: ['XDEL', 'big', '7-0', '120-0'] },
      { cmd: ['XGROUP', 'CREATE', 'big', 'g', '0'] },
      { cmd: ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 'big', '>'] },
      { cmd: ['XCLAIM', 'big', 'g', 'bob', '0', '2-0', 'TIME', '1000', 'RETRYCOUNT', '4'] },
    );
    await diff.runOnBoth(build);
    const fromRedis = (await diff.redis.call('DUMP', 'big')) as Buffer;
    const fromEngine = diff.engine.execute(diff.session(), [
      Buffer.from('DUMP'),
      Buffer.from('big'),
    ]);
    expect(Buffer.isBuffer(fromEngine)).toBe(true);
    await diff.expectSame([
      { cmd: ['RESTORE', 'r1', '0', fromRedis] },
      { cmd: ['RESTORE', 'r2', '0', fromEngine as Buffer] },
      { cmd: ['XINFO', 'STREAM', 'r1', 'FULL'], compare: timesClose(1000) },
      { cmd: ['XINFO', 'STREAM', 'r2', 'FULL'], compare: timesClose(1000) },
      { cmd: ['XADD', 'r1', 'MAXLEN', '~', '60', '200-0', 'f', 'v'] },
      { cmd: ['XLEN', 'r1'] },
      { cmd: ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'r2', '0'] },
      { cmd: ['RESTORE', 'r3', '0', Buffer.concat([fromRedis.subarray(0, 20), Buffer.alloc(3)])] },
    ]);
  });

  it('random stream command sequences (fixed seeds and one fresh seed)', async () => {
    const fresh = Number(process.env.DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, fresh]) {
      const steps = randomSequence(seed, 300, randomStreamCommand, streamFinalState());
      try {
        await diff.expectSame(steps);
        // Each side's DUMP of what the sequence left, RESTOREd on both sides: the same stream.
        for (const key of ['s1', 's2']) {
          const fromRedis = await diff.redis.call('DUMP', key);
          const fromEngine = diff.engine.execute(diff.session(), [
            Buffer.from('DUMP'),
            Buffer.from(key),
          ]);
          if (!Buffer.isBuffer(fromRedis) || !Buffer.isBuffer(fromEngine)) continue;
          await diff.expectSame([
            ['RESTORE', `${key}-r`, '0', fromRedis],
            ['RESTORE', `${key}-e`, '0', fromEngine],
            ['XINFO', 'STREAM', `${key}-r`, 'FULL', 'COUNT', '0'],
            ['XINFO', 'STREAM', `${key}-e`, 'FULL', 'COUNT', '0'],
          ]);
        }
      } catch (error) {
        throw new Error(`seed ${seed}: ${(error as Error).message}`);
      }
      await diff.redis.call('FLUSHDB');
      diff.engine.execute(diff.session(), [Buffer.from('FLUSHDB')]);
    }
  }, 60_000);
});

// Streams in the engine, without a real Redis: the replies the differential suite checks against
// Redis 7.0 (the numbers here were taken from it), plus what needs a clock the test controls
// (idle times, XCLAIM/XAUTOCLAIM min-idle), blocking XREAD/XREADGROUP, RESP3 maps, snapshots
// and the memory estimate.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientInfo } from '../../src/engine/clients.ts';
import { createEngine } from '../../src/engine/index.ts';
import { runCommand } from '../../src/engine/run-command.ts';
import { loadSnapshot, saveSnapshot } from '../../src/engine/snapshot.ts';
import type { StreamValue } from '../../src/engine/stream.ts';
import { nodeListpack } from '../../src/engine/stream-rdb.ts';
import { MapReply, type Reply } from '../../src/protocol/reply.ts';
import { show } from '../differential/harness.ts';
import { engineFixture } from './helpers.ts';

function addMany(run: (...argv: string[]) => unknown, key: string, count: number): void {
  for (let i = 1; i <= count; i++) run('XADD', key, `${i}-1`, 'f', 'v');
}

describe('streams', () => {
  it('XADD, XLEN, XRANGE, XREVRANGE, XDEL and their errors', () => {
    const { run } = engineFixture();
    expect(run('XADD', 's', '1-1', 'a', '1', 'b', '2')).toBe('$"1-1"');
    expect(run('XADD', 's', '1-*', 'a', '3')).toBe('$"1-2"');
    expect(run('XADD', 's', '1-2', 'a', '3')).toBe(
      '-ERR The ID specified in XADD is equal or smaller than the target stream top item',
    );
    expect(run('XADD', 's', '0-0', 'a', '3')).toBe(
      '-ERR The ID specified in XADD must be greater than 0-0',
    );
    expect(run('XADD', 's', '1-x', 'a', '3')).toBe(
      '-ERR Invalid stream ID specified as stream command argument',
    );
    expect(run('XADD', 's', '2-1', 'a')).toBe("-ERR wrong number of arguments for 'xadd' command");
    expect(run('XADD', 'none', 'NOMKSTREAM', '*', 'a', '1')).toBe('$nil');
    expect(run('XLEN', 's')).toBe(':2');
    expect(run('XRANGE', 's', '-', '+')).toEqual([
      ['$"1-1"', ['$"a"', '$"1"', '$"b"', '$"2"']],
      ['$"1-2"', ['$"a"', '$"3"']],
    ]);
    expect(run('XREVRANGE', 's', '+', '(1-2')).toEqual([]);
    expect(run('XRANGE', 's', '-', '+', 'COUNT', '0')).toBe('*nil');
    expect(run('XDEL', 's', '1-1', '7-7')).toBe(':1');
    // A stream stays when its last entry goes (unlike lists, sets ...).
    expect(run('XDEL', 's', '1-2')).toBe(':1');
    expect(run('EXISTS', 's')).toBe(':1');
    expect(run('TYPE', 's')).toBe('+stream');
    expect(run('SCAN', '0', 'TYPE', 'stream')).toEqual(['$"0"', ['$"s"']]);
    run('SET', 'str', 'x');
    expect(run('XLEN', 'str')).toBe(
      '-WRONGTYPE Operation against a key holding the wrong kind of value',
    );
  });

  it('MAXLEN ~ drops only whole nodes of 100 entries (numbers from Redis 7.0)', () => {
    const { run } = engineFixture();
    addMany(run, 's', 250);
    run('XADD', 's', 'MAXLEN', '~', '200', '251-1', 'f', 'v');
    expect(run('XLEN', 's')).toBe(':251');
    run('XADD', 's', 'MAXLEN', '~', '120', '252-1', 'f', 'v');
    expect(run('XLEN', 's')).toBe(':152');
    const info = run('XINFO', 'STREAM', 's') as unknown[];
    expect(info.slice(0, 6)).toEqual([
      '$"length"',
      ':152',
      '$"radix-tree-keys"',
      ':2',
      '$"radix-tree-nodes"',
      ':6',
    ]);
    expect(run('XTRIM', 's', 'MAXLEN', '=', '3')).toBe(':149');
    expect(run('XRANGE', 's', '-', '+', 'COUNT', '1')).toEqual([['$"250-1"', ['$"f"', '$"v"']]]);
  });

  it('consumer groups: deliver, pending, ack, and claims by idle time', () => {
    const { run, clock } = engineFixture();
    addMany(run, 's', 3);
    expect(run('XGROUP', 'CREATE', 's', 'g', '0')).toBe('+OK');
    expect(run('XGROUP', 'CREATE', 's', 'g', '0')).toBe(
      '-BUSYGROUP Consumer Group name already exists',
    );
    expect(run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>')).toEqual([
      [
        '$"s"',
        [
          ['$"1-1"', ['$"f"', '$"v"']],
          ['$"2-1"', ['$"f"', '$"v"']],
        ],
      ],
    ]);
    clock.now += 5000;
    expect(run('XPENDING', 's', 'g')).toEqual([':2', '$"1-1"', '$"2-1"', [['$"alice"', '$"2"']]]);
    expect(run('XPENDING', 's', 'g', '-', '+', '10')).toEqual([
      ['$"1-1"', '$"alice"', ':5000', ':1'],
      ['$"2-1"', '$"alice"', ':5000', ':1'],
    ]);
    expect(run('XINFO', 'CONSUMERS', 's', 'g')).toEqual([
      ['$"name"', '$"alice"', '$"pending"', ':2', '$"idle"', ':5000'],
    ]);
    // Idle 5 s: a claim asking for 6 s gets nothing, one asking for 4 s gets the entry.
    expect(run('XCLAIM', 's', 'g', 'bob', '6000', '1-1')).toEqual([]);
    expect(run('XCLAIM', 's', 'g', 'bob', '4000', '1-1', 'JUSTID')).toEqual(['$"1-1"']);
    expect(run('XAUTOCLAIM', 's', 'g', 'bob', '4000', '0')).toEqual([
      '$"0-0"',
      [['$"2-1"', ['$"f"', '$"v"']]],
      [],
    ]);
    expect(run('XPENDING', 's', 'g', '-', '+', '10')).toEqual([
      ['$"1-1"', '$"bob"', ':0', ':1'],
      ['$"2-1"', '$"bob"', ':0', ':2'],
    ]);
    expect(run('XACK', 's', 'g', '1-1', '2-1', '3-1')).toBe(':2');
    expect(run('XINFO', 'GROUPS', 's')).toEqual([
      [
        '$"name"',
        '$"g"',
        '$"consumers"',
        ':2',
        '$"pending"',
        ':0',
        '$"last-delivered-id"',
        '$"2-1"',
        '$"entries-read"',
        ':2',
        '$"lag"',
        ':1',
      ],
    ]);
    // An entry deleted while pending: XAUTOCLAIM reports it in its third element.
    run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    run('XDEL', 's', '3-1');
    expect(run('XAUTOCLAIM', 's', 'g', 'bob', '0', '0')).toEqual(['$"0-0"', [], ['$"3-1"']]);
  });

  it("DELCONSUMER drops exactly that consumer's pending entries from the group", () => {
    const { run } = engineFixture();
    addMany(run, 's', 2000);
    run('XGROUP', 'CREATE', 's', 'g', '0');
    for (let i = 0; i < 400; i++) {
      run('XREADGROUP', 'GROUP', 'g', i % 3 ? 'a' : 'b', 'COUNT', '5', 'STREAMS', 's', '>');
    }
    expect(run('XGROUP', 'DELCONSUMER', 's', 'g', 'a')).toBe(':1330');
    const pending = run('XPENDING', 's', 'g') as unknown[];
    expect(pending.slice(0, 3)).toEqual([':670', '$"1-1"', '$"2000-1"']);
    expect(pending[3]).toEqual([['$"b"', '$"670"']]);
    expect(run('XPENDING', 's', 'g', '-', '+', '2', 'b')).toEqual([
      ['$"1-1"', '$"b"', ':0', ':1'],
      ['$"2-1"', '$"b"', ':0', ':1'],
    ]);
  });

  it('XDELEX and XACKDEL (Redis 8.2): KEEPREF, DELREF, ACKED, per-ID codes, errors', () => {
    const { run } = engineFixture();
    const two = () => {
      run('DEL', 's');
      run('XADD', 's', '1-0', 'f', 'v');
      run('XADD', 's', '2-0', 'f', 'v');
      run('XGROUP', 'CREATE', 's', 'g1', '0');
      run('XGROUP', 'CREATE', 's', 'g2', '0');
      run('XREADGROUP', 'GROUP', 'g1', 'c1', 'STREAMS', 's', '>');
      run('XREADGROUP', 'GROUP', 'g2', 'c2', 'STREAMS', 's', '>');
    };
    const none = [':0', '$nil', '$nil', '*nil'];
    expect(run('XACKDEL', 'nokey', 'g', 'IDS', '2', '1-1', '2-2')).toEqual([':-1', ':-1']);
    // ACKED: an entry another group still has pending stays (2) until that group acks it too.
    two();
    expect(run('XACKDEL', 's', 'g1', 'ACKED', 'IDS', '2', '1-0', '2-0')).toEqual([':2', ':2']);
    expect(run('XLEN', 's')).toBe(':2');
    expect(run('XPENDING', 's', 'g1')).toEqual(none);
    expect(run('XACKDEL', 's', 'g2', 'ACKED', 'IDS', '2', '1-0', '2-0')).toEqual([':1', ':1']);
    expect(run('XLEN', 's')).toBe(':0');
    // KEEPREF (the default): deleted, the other group's references stay.
    two();
    expect(run('XACKDEL', 's', 'g1', 'IDS', '2', '1-0', '2-0')).toEqual([':1', ':1']);
    expect(run('XPENDING', 's', 'g2')).toEqual([':2', '$"1-0"', '$"2-0"', [['$"c2"', '$"2"']]]);
    expect(run('XACKDEL', 's', 'g2', 'KEEPREF', 'IDS', '2', '1-0', '2-0')).toEqual([':1', ':1']);
    // DELREF: deleted and dropped from every group's PEL.
    two();
    expect(run('XACKDEL', 's', 'g1', 'DELREF', 'IDS', '2', '1-0', '2-0')).toEqual([':1', ':1']);
    expect(run('XPENDING', 's', 'g2')).toEqual(none);
    expect(run('XACKDEL', 's', 'g2', 'DELREF', 'IDS', '2', '1-0', '2-0')).toEqual([':-1', ':-1']);
    // XDELEX ACKED: a group that has not been delivered that far yet also keeps an entry.
    run('DEL', 's');
    for (let i = 1; i <= 3; i++) run('XADD', 's', `${i}-0`, 'f', 'v');
    run('XGROUP', 'CREATE', 's', 'early', '1-0');
    run('XGROUP', 'CREATE', 's', 'late', '3-0');
    expect(run('XDELEX', 's', 'ACKED', 'IDS', '2', '1-0', '2-0')).toEqual([':1', ':2']);
    run('XGROUP', 'DESTROY', 's', 'early');
    expect(run('XDELEX', 's', 'IDS', '2', '2-0', '9-0', 'ACKED')).toEqual([':1', ':-1']);
    expect(run('XDELEX', 's', 'IDS', '1', '3-0')).toEqual([':1']);
    const info = run('XINFO', 'STREAM', 's') as unknown[];
    expect(info[info.indexOf('$"max-deleted-entry-id"') + 1]).toBe('$"3-0"');
    expect(info[info.indexOf('$"length"') + 1]).toBe(':0');
    for (const [args, error] of [
      [['IDS', '0', '1-1'], 'Number of IDs must be a positive integer'],
      [['IDS', 'abc', '1-1'], 'Number of IDs must be a positive integer'],
      [['IDS', '3', '1-1', '2-2'], 'The `numids` parameter must match the number of arguments'],
      [['IDS', '1', '1-1', '2-2'], 'syntax error'],
      [['KEEPREF', 'DELREF', 'IDS', '1', '1-1'], 'syntax error'],
      [['IDS', '1', 'x'], 'Invalid stream ID specified as stream command argument'],
    ] as const) {
      expect(run('XACKDEL', 's', 'g', ...args)).toBe(`-ERR ${error}`);
    }
    expect(run('XDELEX', 's', 'IDS')).toBe("-ERR wrong number of arguments for 'xdelex' command");
  });

  it('XINFO and XREAD reply with maps on a RESP3 connection', () => {
    const engine = createEngine();
    const session = engine.createSession();
    session.client = new ClientInfo(1, '127.0.0.1:1', '127.0.0.1:2');
    session.client.protocol = 3;
    const run = (...argv: string[]) =>
      engine.execute(
        session,
        argv.map((a) => Buffer.from(a)),
      );
    run('XADD', 's', '1-1', 'f', 'v');
    const info = run('XINFO', 'STREAM', 's');
    expect(info).toBeInstanceOf(MapReply);
    expect((info as MapReply).entries.map(([k]) => (k as Buffer).toString())).toEqual([
      'length',
      'radix-tree-keys',
      'radix-tree-nodes',
      'last-generated-id',
      'max-deleted-entry-id',
      'entries-added',
      'recorded-first-entry-id',
      'groups',
      'first-entry',
      'last-entry',
    ]);
    const read = run('XREAD', 'STREAMS', 's', '0');
    expect(read).toBeInstanceOf(MapReply);
    expect(show((read as MapReply).entries[0]![1])).toEqual([['$"1-1"', ['$"f"', '$"v"']]]);
  });

  it('XREAD BLOCK and XREADGROUP BLOCK wait for new entries', async () => {
    const engine = createEngine();
    const conn = (id: number) => {
      const session = engine.createSession();
      session.client = new ClientInfo(id, '127.0.0.1:1', '127.0.0.1:2');
      return (...argv: string[]) => {
        const reply = runCommand(
          engine,
          session,
          argv.map((a) => Buffer.from(a)),
        );
        return reply instanceof Promise ? reply.then((r: Reply) => show(r)) : show(reply);
      };
    };
    const reader = conn(1);
    const grouper = conn(2);
    const writer = conn(3);
    writer('XADD', 's', '1-1', 'f', 'old');
    writer('XGROUP', 'CREATE', 's', 'g', '$');
    const waiting = reader('XREAD', 'BLOCK', '0', 'STREAMS', 'other', 's', '$', '$');
    const groupWaiting = grouper(
      'XREADGROUP',
      'GROUP',
      'g',
      'c',
      'BLOCK',
      '0',
      'STREAMS',
      's',
      '>',
    );
    expect(waiting).toBeInstanceOf(Promise);
    expect(groupWaiting).toBeInstanceOf(Promise);
    // A write that adds nothing after the IDs does not wake them.
    writer('XDEL', 's', '1-1');
    writer('XADD', 's', '2-1', 'f', 'new');
    expect(await waiting).toEqual([['$"s"', [['$"2-1"', ['$"f"', '$"new"']]]]]);
    expect(await groupWaiting).toEqual([['$"s"', [['$"2-1"', ['$"f"', '$"new"']]]]]);
    expect(writer('XPENDING', 's', 'g')).toEqual([':1', '$"2-1"', '$"2-1"', [['$"c"', '$"1"']]]);
    // A timeout answers nil; inside MULTI, BLOCK does not wait at all.
    expect(await reader('XREAD', 'BLOCK', '20', 'STREAMS', 's', '$')).toBe('*nil');
    writer('MULTI');
    writer('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    expect(writer('EXEC')).toEqual(['*nil']);
    // A group destroyed while a client waits on it: the client gets an error.
    const orphan = grouper('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    writer('XGROUP', 'DESTROY', 's', 'g');
    writer('XADD', 's', '3-1', 'f', 'v');
    expect(await orphan).toBe(
      '-NOGROUP the consumer group this client was blocked on no longer exists',
    );
    // XREADGROUP's key deleted, or replaced by another type, under a waiting client (as 7.0);
    // XREAD keeps waiting and is served by a stream created again under the same name.
    writer('XGROUP', 'CREATE', 's', 'g2', '$');
    const deleted = grouper('XREADGROUP', 'GROUP', 'g2', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    const plain = reader('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    writer('DEL', 's');
    expect(await deleted).toBe('-UNBLOCKED the stream key no longer exists');
    writer('SET', 's', 'x');
    writer('DEL', 's');
    writer('XADD', 's', '9-1', 'f', 'again');
    expect(await plain).toEqual([['$"s"', [['$"9-1"', ['$"f"', '$"again"']]]]]);
    // FLUSHDB and FLUSHALL end an XREADGROUP wait the same way; a BLPOP waiting alongside
    // finds nothing to pop and keeps waiting.
    for (const flush of [['FLUSHDB'], ['FLUSHALL']]) {
      writer('XGROUP', 'CREATE', 's', 'g3', '$', 'MKSTREAM');
      const flushed = grouper('XREADGROUP', 'GROUP', 'g3', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
      const popper = reader('BLPOP', 'l', '0');
      writer(...flush);
      expect(await flushed).toBe('-UNBLOCKED the stream key no longer exists');
      writer('RPUSH', 'l', 'after');
      expect(await popper).toEqual(['$"l"', '$"after"']);
    }
    expect(reader('XREAD', 'BLOCK', '-1', 'STREAMS', 's', '$')).toBe('-ERR timeout is negative');
  });

  describe('snapshots and memory', () => {
    const dirs: string[] = [];
    afterEach(() => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    it('a snapshot keeps entries, tombstones, node boundaries and groups', async () => {
      const source = engineFixture();
      addMany(source.run, 's', 150);
      source.run('XDEL', 's', '2-1', '120-1');
      source.run('XGROUP', 'CREATE', 's', 'g', '0');
      source.run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>');
      source.run('XGROUP', 'CREATECONSUMER', 's', 'g', 'idle-bob');
      source.run('XADD', 's', '151-1', Buffer.from([0, 0xff, 10]), Buffer.from([0xc3, 0x28, 0]));
      source.run('XSETID', 's', '200-0', 'ENTRIESADDED', '300');
      const dir = mkdtempSync(join(tmpdir(), 'kv-stream-'));
      dirs.push(dir);
      const file = join(dir, 'kv.snapshot');
      await saveSnapshot(source.engine, file);
      const target = engineFixture();
      loadSnapshot(target.engine, file);
      const binary = (engine: typeof target) => engine.raw('XRANGE', 's', '151-1', '151-1');
      expect(binary(target)).toEqual(binary(source));
      expect((binary(target) as Buffer[][][])[0]![1]![0]!.equals(Buffer.from([0, 0xff, 10]))).toBe(
        true,
      );
      for (const cmd of [
        ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'],
        ['XINFO', 'GROUPS', 's'],
        ['XPENDING', 's', 'g', '-', '+', '10'],
        ['XADD', 's', 'MAXLEN', '~', '60', '*', 'f', 'v'],
        ['XLEN', 's'],
      ]) {
        expect(target.run(...cmd), cmd.join(' ')).toEqual(source.run(...cmd));
      }
    });

    it('DUMP/RESTORE round-trips a stream; node listpacks are as long as Redis counts them', () => {
      const { run, raw, engine } = engineFixture();
      for (let i = 1; i <= 260; i++) {
        run('XADD', 's', `${i * 1000}-${i % 3}`, i % 4 ? 'f' : 'other', 'v'.repeat(i % 50));
      }
      run('XDEL', 's', '5000-2', '250000-1');
      run('XGROUP', 'CREATE', 's', 'g', '0');
      run('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '4', 'STREAMS', 's', '>');
      const stream = engine.db.lookup('s') as StreamValue;
      // The size that decides node boundaries is the size of the listpack DUMP writes.
      for (const node of stream.nodes) expect(nodeListpack(node).length).toBe(node.bytes);
      const payload = raw('DUMP', 's') as Buffer;
      expect(run('RESTORE', 'copy', '0', payload)).toBe('+OK');
      for (const cmd of [
        ['XINFO', 'STREAM', '%', 'FULL', 'COUNT', '0'],
        ['XPENDING', '%', 'g', '-', '+', '10'],
        ['XTRIM', '%', 'MAXLEN', '~', '100'],
        ['XLEN', '%'],
      ]) {
        const on = (key: string) => run(...cmd.map((a) => (a === '%' ? key : a)));
        expect(on('copy'), cmd.join(' ')).toEqual(on('s'));
      }
      expect(
        run('RESTORE', 'bad', '0', Buffer.concat([payload.subarray(0, 30), payload.subarray(-10)])),
      ).toBe('-ERR DUMP payload version or checksum are wrong');
    });

    it('the memory estimate follows entries in and out', () => {
      const { run, engine } = engineFixture();
      const usage = () => (engine.db.lookup('s') as StreamValue).memoryUsage();
      run('XADD', 's', '1-1', 'f', 'v');
      const one = usage();
      addMany(run, 's', 1000);
      const many = usage();
      expect(many).toBeGreaterThan(one + 1000 * 100);
      run('XTRIM', 's', 'MAXLEN', '0');
      expect(usage()).toBeLessThan(one + 200);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { engineFixture } from './helpers.ts';

describe('bitmaps', () => {
  it("BITOP's Redis 8.2 operations DIFF, DIFF1, ANDOR and ONE", () => {
    const { run } = engineFixture();
    run('SET', 'x', Buffer.from([0b11110000, 0xff]));
    run('SET', 'a', Buffer.from([0b10100000]));
    run('SET', 'b', Buffer.from([0b00011000]));
    expect(run('BITOP', 'DIFF', 'd', 'x', 'a', 'b')).toBe(':2');
    expect(run('GET', 'd')).toBe(`$${JSON.stringify(String.fromCharCode(0b01000000, 0xff))}`);
    run('BITOP', 'DIFF1', 'd', 'x', 'a', 'b');
    expect(run('GET', 'd')).toBe(`$${JSON.stringify(String.fromCharCode(0b00001000, 0))}`);
    run('BITOP', 'ANDOR', 'd', 'x', 'a', 'b');
    expect(run('GET', 'd')).toBe(`$${JSON.stringify(String.fromCharCode(0b10110000, 0))}`);
    run('SET', 'c', Buffer.from([0b10000001]));
    run('BITOP', 'ONE', 'd', 'a', 'b', 'c');
    expect(run('GET', 'd')).toBe(`$${JSON.stringify(String.fromCharCode(0b00111001))}`);
    expect(run('BITOP', 'DIFF', 'd', 'x')).toBe(
      '-ERR BITOP DIFF must be called with at least two source keys.',
    );
    expect(run('BITOP', 'andor', 'd', 'x')).toBe(
      '-ERR BITOP ANDOR must be called with at least two source keys.',
    );
  });

  it('refuses offsets past the 64 MB limit without allocating, and allows the last bit below it', () => {
    const { run } = engineFixture();
    const before = process.memoryUsage().rss;
    for (const offset of ['4294967295', '8589934592', '536870912']) {
      expect(run('SETBIT', 'big', offset, '1')).toBe(
        '-ERR bit offset is not an integer or out of range',
      );
      expect(run('BITFIELD', 'big', 'SET', 'u8', offset, '1')).toBe(
        '-ERR bit offset is not an integer or out of range',
      );
    }
    // `#` offsets are multiplied by the width first: #2^26 of u8 is 2^29 bits, one too far.
    expect(run('BITFIELD', 'big', 'SET', 'u8', `#${2 ** 26}`, '1')).toBe(
      '-ERR bit offset is not an integer or out of range',
    );
    expect(run('EXISTS', 'big')).toBe(':0');
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
    expect(run('SETBIT', 'big', String(2 ** 29 - 1), '1')).toBe(':0');
    expect(run('STRLEN', 'big')).toBe(`:${2 ** 26}`);
    expect(run('GETBIT', 'big', String(2 ** 29 - 1))).toBe(':1');
    expect(run('BITCOUNT', 'big', '-1', '-1')).toBe(':1');
  });

  it('keeps the cached copy in step with other writers of the same key', () => {
    const { run } = engineFixture();
    for (let i = 0; i < 100; i++) run('SETBIT', 'k', String(i * 9), '1');
    expect(run('BITCOUNT', 'k')).toBe(':100');
    run('SETRANGE', 'k', '0', Buffer.from([0xff]));
    expect(run('GETBIT', 'k', '1')).toBe(':1');
    expect(run('SETBIT', 'k', '2', '0')).toBe(':1');
    expect(run('BITCOUNT', 'k', '0', '0')).toBe(':7');
    run('SET', 'k', 'abc');
    expect(run('SETBIT', 'k', '0', '1')).toBe(':0');
    expect(run('GET', 'k')).toBe('$"\u00e1bc"');
    run('DEL', 'k');
    expect(run('SETBIT', 'k', '70000', '1')).toBe(':0');
    expect(run('STRLEN', 'k')).toBe(':8751');
    expect(run('BITCOUNT', 'k')).toBe(':1');
    run('APPEND', 'k', 'z');
    expect(run('BITFIELD', 'k', 'GET', 'u8', `#8751`)).toEqual([':122']);
  });

  it('a write on a large bitmap does not copy it whole (8 MB: 2000 SETBITs well under a second)', () => {
    const { raw, run } = engineFixture();
    run('SETBIT', 'huge', String(8 * 1024 * 1024 * 8 - 1), '1');
    // CPU time, not wall time: a busy machine can pause the process for longer than the loop
    // takes, but copying 8 MB 2000 times costs seconds of CPU whatever else runs.
    const started = process.cpuUsage();
    for (let i = 0; i < 2000; i++) {
      raw('SETBIT', 'huge', String(i * 997), '1');
      raw('GETBIT', 'huge', String(i * 991));
    }
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(1000);
    expect(run('BITCOUNT', 'huge')).toBe(':2001');
  });

  it('follows a lower proto-max-bulk-len, as Redis does', () => {
    const { run } = engineFixture();
    expect(run('CONFIG', 'SET', 'proto-max-bulk-len', '1mb')).toBe('+OK');
    expect(run('SETBIT', 'b', String(8 * 1024 * 1024), '1')).toBe(
      '-ERR bit offset is not an integer or out of range',
    );
    expect(run('SETBIT', 'b', String(8 * 1024 * 1024 - 1), '1')).toBe(':0');
    expect(run('STRLEN', 'b')).toBe(`:${1024 * 1024}`);
  });
});

import { describe, expect, it } from 'vitest';
import { crc64 } from '../../src/engine/commands/dump.ts';
import { engineFixture } from './helpers.ts';

describe('DUMP / RESTORE', () => {
  it("uses Redis's CRC-64 (Jones)", () => {
    expect(crc64(Buffer.from('123456789')).readBigUInt64LE(0)).toBe(0xe9c6d914c4b8d9can);
  });

  it('round-trips every type inside the engine, TTL included', () => {
    const { run, raw, clock } = engineFixture();
    run('SET', 's', 'x'.repeat(50));
    run('RPUSH', 'l', ...Array.from({ length: 3000 }, (_, i) => `item${i}`));
    run('SADD', 'set', 'a', 'b');
    run('ZADD', 'z', '1.5', 'm', '-inf', 'n');
    run('HSET', 'h', 'f', 'v');
    for (const key of ['s', 'l', 'set', 'z', 'h']) {
      const payload = raw('DUMP', key) as Buffer;
      expect(run('RESTORE', `${key}2`, '1000', payload)).toBe('+OK');
    }
    expect(run('LRANGE', 'l2', '2998', '-1')).toEqual(['$"item2998"', '$"item2999"']);
    expect(run('ZRANGE', 'z2', '0', '-1', 'WITHSCORES')).toEqual([
      '$"n"',
      '$"-inf"',
      '$"m"',
      '$"1.5"',
    ]);
    expect(run('PTTL', 'h2')).toBe(':1000');
    clock.now += 1000;
    expect(run('EXISTS', 's2', 'l2', 'set2', 'z2', 'h2')).toBe(':0');
  });

  it('refuses a hash with field TTLs and garbage payloads', () => {
    const { run } = engineFixture();
    run('HSET', 'h', 'f', 'v');
    run('HEXPIRE', 'h', '100', 'FIELDS', '1', 'f');
    expect(String(run('DUMP', 'h'))).toMatch(/^-ERR DUMP of a hash with field TTLs/);
    expect(run('RESTORE', 'x', '0', Buffer.alloc(12, 1))).toBe(
      '-ERR DUMP payload version or checksum are wrong',
    );
  });
});

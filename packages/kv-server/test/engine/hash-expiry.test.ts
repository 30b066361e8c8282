// Hash-field expiry (Redis 7.4 / 8.0). Neither Redis 7.0 nor Valkey 8 has these commands, so
// they are checked here against their documented replies and Redis 7.4's error texts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, saveSnapshot } from '../../src/engine/snapshot.ts';
import { engineFixture } from './helpers.ts';

describe('hash-field expiry', () => {
  it('argument errors, in Redis 7.4 order', () => {
    const { run } = engineFixture();
    run('HSET', 'h', 'a', '1', 'b', '2');
    run('SET', 'str', 'v');
    for (const cmd of ['HEXPIRE', 'HPEXPIRE', 'HEXPIREAT', 'HPEXPIREAT']) {
      expect(run(cmd, 'str', 'abc', 'FIELDS', '1', 'a')).toBe(
        '-WRONGTYPE Operation against a key holding the wrong kind of value',
      );
      expect(run(cmd, 'h', 'abc', 'FIELDS', '1', 'a')).toBe(
        '-ERR value is not an integer or out of range',
      );
      expect(run(cmd, 'h', '-1', 'FIELDS', '1', 'a')).toBe(
        '-ERR invalid expire time, must be >= 0',
      );
      expect(run(cmd, 'h', '100', 'FIELDS', '2', 'a')).toBe(
        '-ERR The `numfields` parameter must match the number of arguments',
      );
      expect(run(cmd, 'h', '100', 'FIELDS', '1', 'a', 'b')).toBe(
        '-ERR The `numfields` parameter must match the number of arguments',
      );
      for (const n of ['0', '-1', 'x']) {
        expect(run(cmd, 'h', '100', 'FIELDS', n, 'a')).toBe(
          '-ERR Parameter `numFields` should be greater than 0',
        );
      }
      expect(run(cmd, 'h', '100', 'NOPE', '1', 'a')).toBe(
        '-ERR Mandatory argument FIELDS is missing or not at the right position',
      );
      expect(run(cmd, 'h', '100', 'NX', 'XX', 'FIELDS', '1', 'a')).toBe(
        '-ERR Mandatory argument FIELDS is missing or not at the right position',
      );
    }
    for (const cmd of ['HTTL', 'HPTTL', 'HEXPIRETIME', 'HPEXPIRETIME', 'HPERSIST']) {
      expect(run(cmd, 'h', 'FIELDS', '2', 'a')).toBe(
        '-ERR The `numfields` parameter must match the number of arguments',
      );
      expect(run(cmd, 'h', 'FIELDS', '0', 'a')).toBe(
        '-ERR Number of fields must be a positive integer',
      );
      expect(run(cmd, 'h', 'NOPE', '1', 'a')).toBe(
        '-ERR Mandatory argument FIELDS is missing or not at the right position',
      );
    }
    expect(run('HPEXPIREAT', 'h', '70368744177663', 'FIELDS', '1', 'a')).toEqual([':1']);
    expect(run('HPEXPIREAT', 'h', '70368744177664', 'FIELDS', '1', 'a')).toBe(
      "-ERR invalid expire time in 'hpexpireat' command",
    );
    expect(run('HEXPIRE', 'h', '1000000000000', 'FIELDS', '1', 'a')).toBe(
      "-ERR invalid expire time in 'hexpire' command",
    );
    expect(run('HEXPIRE', 'h', '100', 'FIELDS', '1')).toBe(
      "-ERR wrong number of arguments for 'hexpire' command",
    );
    expect(run('HEXPIRE', 'nokey', '100', 'FIELDS', '2', 'a', 'b')).toEqual([':-2', ':-2']);
    expect(run('HTTL', 'nokey', 'FIELDS', '1', 'a')).toEqual([':-2']);
  });

  it('NX / XX / GT / LT, per-field codes, and past times delete', () => {
    const { run, clock } = engineFixture();
    run('HSET', 'm', 'a', '1', 'b', '2', 'c', '3');
    const far = clock.now + 3_600_000;
    run('HPEXPIREAT', 'm', String(far), 'FIELDS', '1', 'a');
    expect(run('HEXPIRE', 'm', '100', 'NX', 'FIELDS', '4', 'a', 'b', 'nosuch', 'c')).toEqual([
      ':0',
      ':1',
      ':-2',
      ':1',
    ]);
    expect(run('HPEXPIREAT', 'm', String(far + 1000), 'GT', 'FIELDS', '1', 'a')).toEqual([':1']);
    expect(run('HPEXPIREAT', 'm', String(far), 'GT', 'FIELDS', '1', 'a')).toEqual([':0']);
    expect(run('HPEXPIREAT', 'm', String(far), 'LT', 'FIELDS', '1', 'a')).toEqual([':1']);
    expect(run('HPEXPIRETIME', 'm', 'FIELDS', '1', 'a')).toEqual([`:${far}`]);
    run('HSET', 'k', 'f', 'v');
    expect(run('HEXPIRE', 'k', '100', 'XX', 'FIELDS', '1', 'f')).toEqual([':0']);
    expect(run('HEXPIRE', 'k', '100', 'GT', 'FIELDS', '1', 'f')).toEqual([':0']);
    expect(run('HTTL', 'k', 'FIELDS', '1', 'f')).toEqual([':-1']);
    expect(run('HEXPIREAT', 'k', '1', 'NX', 'FIELDS', '1', 'f')).toEqual([':2']);
    expect(run('EXISTS', 'k')).toBe(':0');
    run('HSET', 'e', 'f', 'v');
    expect(run('HPEXPIREAT', 'e', String(clock.now), 'FIELDS', '1', 'f')).toEqual([':2']);
    expect(run('HEXPIREAT', 'm', '1', 'FIELDS', '2', 'b', 'zz')).toEqual([':2', ':-2']);
    expect(run('HLEN', 'm')).toBe(':2');
  });

  it('HTTL rounds up, HPERSIST codes, HSET clears and HINCRBY keeps a TTL', () => {
    const { run, clock } = engineFixture();
    run('HSET', 'k', 'a', '1', 'n', '5');
    const deadline = clock.now + 100_400;
    expect(run('HPEXPIREAT', 'k', String(deadline), 'FIELDS', '2', 'a', 'n')).toEqual([':1', ':1']);
    expect(run('HEXPIRETIME', 'k', 'FIELDS', '1', 'a')).toEqual([
      `:${Math.floor((deadline + 999) / 1000)}`,
    ]);
    expect(run('HPTTL', 'k', 'FIELDS', '1', 'a')).toEqual([':100400']);
    expect(run('HTTL', 'k', 'FIELDS', '3', 'a', 'zz', 'a')).toEqual([':101', ':-2', ':101']);
    expect(run('HINCRBY', 'k', 'n', '1')).toBe(':6');
    expect(run('HINCRBYFLOAT', 'k', 'n', '0.5')).toBe('$"6.5"');
    expect(run('HPTTL', 'k', 'FIELDS', '1', 'n')).toEqual([':100400']);
    expect(run('HSETNX', 'k', 'n', '0')).toBe(':0');
    expect(run('HSET', 'k', 'n', '7')).toBe(':0');
    expect(run('HTTL', 'k', 'FIELDS', '1', 'n')).toEqual([':-1']);
    expect(run('HPERSIST', 'k', 'FIELDS', '3', 'a', 'n', 'zz')).toEqual([':1', ':-1', ':-2']);
    expect(run('HPERSIST', 'k', 'FIELDS', '1', 'a')).toEqual([':-1']);
    run('HEXPIRE', 'k', '10', 'FIELDS', '1', 'n');
    run('HDEL', 'k', 'n');
    run('HSET', 'k', 'n', '1');
    expect(run('HTTL', 'k', 'FIELDS', '1', 'n')).toEqual([':-1']);
  });

  it('lazy expiry hides expired fields from every read and removes an emptied hash', () => {
    const { run, clock } = engineFixture();
    run('HSET', 'k', 'a', '1', 'b', '2', 'c', '3');
    expect(run('HPEXPIRE', 'k', '250', 'FIELDS', '2', 'a', 'b')).toEqual([':1', ':1']);
    expect(run('HLEN', 'k')).toBe(':3');
    clock.now += 250;
    expect(run('HGET', 'k', 'a')).toBe('$nil');
    expect(run('HLEN', 'k')).toBe(':1');
    expect(run('HMGET', 'k', 'a', 'b', 'c')).toEqual(['$nil', '$nil', '$"3"']);
    expect(run('HGETALL', 'k')).toEqual(['$"c"', '$"3"']);
    expect(run('HTTL', 'k', 'FIELDS', '2', 'a', 'b')).toEqual([':-2', ':-2']);
    run('HSET', 'scan', 'x', '1', 'y', '2');
    run('HPEXPIRE', 'scan', '1', 'FIELDS', '1', 'x');
    clock.now += 1;
    expect(run('HSCAN', 'scan', '0')).toEqual(['$"0"', ['$"y"', '$"2"']]);
    run('HSET', 'solo', 'f', 'v');
    run('HPEXPIRE', 'solo', '200', 'FIELDS', '1', 'f');
    clock.now += 200;
    expect(run('HLEN', 'solo')).toBe(':0');
    expect(run('EXISTS', 'solo')).toBe(':0');
  });

  it('active expiry removes a hash nobody touches; a future TTL survives', () => {
    const { run, clock, engine } = engineFixture();
    run('HSET', 'act', 'a', '1');
    run('HSET', 'future', 'a', '1');
    run('HPEXPIRE', 'act', '200', 'FIELDS', '1', 'a');
    run('HEXPIRE', 'future', '600', 'FIELDS', '1', 'a');
    clock.now += 300;
    expect(run('DBSIZE')).toBe(':2');
    engine.expiryCycle();
    expect(run('DBSIZE')).toBe(':1');
    expect(run('HGET', 'future', 'a')).toBe('$"1"');
  });

  it('HGETDEL, HGETEX and HSETEX (Redis 8.0)', () => {
    const { run, clock } = engineFixture();
    run('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    expect(run('HGETDEL', 'h', 'FIELDS', '2', 'a', 'zz')).toEqual(['$"1"', '$nil']);
    expect(run('HGETDEL', 'h', 'FIELDS', '0', 'a')).toBe(
      '-ERR Number of fields must be a positive integer',
    );
    expect(run('HGETDEL', 'h', 'NOPE', '1', 'a')).toBe(
      '-ERR Mandatory argument FIELDS is missing or not at the right position',
    );
    expect(run('HGETEX', 'h', 'EX', '10', 'FIELDS', '2', 'b', 'zz')).toEqual(['$"2"', '$nil']);
    expect(run('HTTL', 'h', 'FIELDS', '1', 'b')).toEqual([':10']);
    expect(run('HGETEX', 'h', 'PERSIST', 'FIELDS', '1', 'b')).toEqual(['$"2"']);
    expect(run('HTTL', 'h', 'FIELDS', '1', 'b')).toEqual([':-1']);
    expect(run('HGETEX', 'h', 'PXAT', String(clock.now - 1), 'FIELDS', '1', 'b')).toEqual(['$"2"']);
    expect(run('HEXISTS', 'h', 'b')).toBe(':0');
    expect(run('HSETEX', 'n', 'FXX', 'FIELDS', '1', 'x', '1')).toBe(':0');
    expect(run('EXISTS', 'n')).toBe(':0');
    expect(run('HSETEX', 'n', 'FNX', 'PX', '5000', 'FIELDS', '2', 'x', '1', 'y', '2')).toBe(':1');
    expect(run('HPTTL', 'n', 'FIELDS', '2', 'x', 'y')).toEqual([':5000', ':5000']);
    expect(run('HSETEX', 'n', 'FNX', 'FIELDS', '1', 'x', '9')).toBe(':0');
    expect(run('HSETEX', 'n', 'KEEPTTL', 'FIELDS', '1', 'x', '9')).toBe(':1');
    expect(run('HPTTL', 'n', 'FIELDS', '1', 'x')).toEqual([':5000']);
    expect(run('HSETEX', 'n', 'FIELDS', '1', 'x', '10')).toBe(':1');
    expect(run('HPTTL', 'n', 'FIELDS', '1', 'x')).toEqual([':-1']);
    expect(run('HSETEX', 'n', 'FNX', 'FXX', 'FIELDS', '1', 'x', '1')).toBe(
      '-ERR Only one of FXX or FNX arguments can be specified',
    );
    expect(run('HSETEX', 'n', 'EX', '1', 'KEEPTTL', 'FIELDS', '1', 'x', '1')).toBe(
      '-ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified',
    );
    expect(run('HSETEX', 'n', 'FIELDS', '0', 'x', '1')).toBe('-ERR invalid number of fields');
    expect(run('HSETEX', 'n', 'BOGUS', 'FIELDS', '1', 'x', '1')).toBe(
      '-ERR unknown argument: BOGUS',
    );
    clock.now += 5000;
    expect(run('HGETALL', 'n')).toEqual(['$"x"', '$"10"']);
  });

  it('field TTLs survive COPY and a snapshot of the value', () => {
    const { run, clock } = engineFixture();
    run('HSET', 'src', 'a', '1', 'b', '2');
    const far = clock.now + 3_600_000;
    run('HPEXPIREAT', 'src', String(far), 'FIELDS', '1', 'a');
    expect(run('COPY', 'src', 'cp')).toBe(':1');
    expect(run('HPEXPIRETIME', 'cp', 'FIELDS', '2', 'a', 'b')).toEqual([`:${far}`, ':-1']);
    expect(run('HPERSIST', 'cp', 'FIELDS', '1', 'a')).toEqual([':1']);
    expect(run('HPEXPIRETIME', 'src', 'FIELDS', '1', 'a')).toEqual([`:${far}`]);
  });

  it('the active expiry follows a copied and a renamed hash', () => {
    const { run, clock, engine } = engineFixture();
    run('HSET', 'h', 'a', '1');
    run('HPEXPIRE', 'h', '100', 'FIELDS', '1', 'a');
    run('COPY', 'h', 'copy');
    run('RENAME', 'h', 'renamed');
    clock.now += 100;
    engine.expiryCycle(); // notices the rename, deletes the copy
    engine.expiryCycle(); // finds the renamed hash
    expect(run('DBSIZE')).toBe(':0');
  });

  it('a snapshot keeps field TTLs; the active expiry finds hashes loaded from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-hfe-'));
    try {
      const source = engineFixture();
      source.run('HSET', 'h', 'a', '1', 'b', '2');
      source.run('HSET', 'gone', 'x', '1');
      source.run('HPEXPIRE', 'h', '5000', 'FIELDS', '1', 'a');
      source.run('HPEXPIRE', 'gone', '1000', 'FIELDS', '1', 'x');
      const file = join(dir, 'snap.bin');
      await saveSnapshot(source.engine, file);
      const target = engineFixture(source.clock.now);
      loadSnapshot(target.engine, file);
      expect(target.run('HPTTL', 'h', 'FIELDS', '2', 'a', 'b')).toEqual([':5000', ':-1']);
      target.clock.now += 1000;
      target.engine.expiryCycle();
      expect(target.run('DBSIZE')).toBe(':1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

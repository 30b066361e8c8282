import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSnapshot, SnapshotError, saveSnapshot } from '../../src/engine/snapshot.ts';
import { engineFixture } from './helpers.ts';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kv-snapshot-'));
  dirs.push(dir);
  return join(dir, 'kv.snapshot');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function populated() {
  const fixture = engineFixture();
  const { run } = fixture;
  const binary = Buffer.from([0, 1, 0xff, 0x80, 10, 13, 0x22, 0x5c]);
  run('SET', binary, binary);
  run('SET', 'plain', 'héllo ✓');
  run('SET', 'ttl', 'v', 'PX', '60000');
  run('SET', 'soon', 'v', 'PX', '10');
  run('HSET', 'h', 'f1', 'v1', binary, binary);
  run('RPUSH', 'l', 'a', 'b', binary);
  run('SADD', 's', 'x', 'y', binary);
  run('ZADD', 'z', '1.5', 'a', '-inf', 'b', '2', binary);
  return { ...fixture, binary };
}

describe('snapshots', () => {
  it('round-trips every type, binary keys and values, and TTLs', async () => {
    const file = tempFile();
    const source = populated();
    expect(await saveSnapshot(source.engine, file)).toBe(8);
    // No temp file is left next to the snapshot.
    expect(readdirSync(join(file, '..'))).toEqual(['kv.snapshot']);

    const target = engineFixture(source.clock.now + 20); // 'soon' expired meanwhile
    expect(loadSnapshot(target.engine, file)).toBe(7);
    const { run } = target;
    const b = source.binary;
    expect((target.raw('GET', b) as Buffer).equals(b)).toBe(true);
    expect(run('GET', 'plain')).toEqual(source.run('GET', 'plain'));
    expect(run('PTTL', 'ttl')).toBe(':59980');
    expect(run('EXISTS', 'soon')).toBe(':0');
    for (const cmd of [
      ['HGETALL', 'h'],
      ['LRANGE', 'l', '0', '-1'],
      ['SMEMBERS', 's'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ]) {
      const theirs = source.run(...cmd);
      const ours = run(...cmd);
      if (cmd[0] === 'SMEMBERS')
        expect((ours as string[]).sort()).toEqual((theirs as string[]).sort());
      else expect(ours).toEqual(theirs);
    }
  });

  it('a missing file loads nothing; an empty engine saves a valid file', async () => {
    const file = tempFile();
    // A temp file left by a process that died mid-save is cleaned up at the next start.
    const stale = join(file, '..', '.kv.snapshot.999999999.1.tmp');
    writeFileSync(stale, 'half-written');
    const { engine } = engineFixture();
    expect(loadSnapshot(engine, file)).toBeUndefined();
    expect(readdirSync(join(file, '..'))).toEqual([]);
    expect(await saveSnapshot(engine, file)).toBe(0);
    expect(loadSnapshot(engineFixture().engine, file)).toBe(0);
  });

  it('a corrupt file throws a clear error naming the file and loads nothing', async () => {
    const file = tempFile();
    await saveSnapshot(populated().engine, file);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[Math.floor(good.length / 2)]! ^= 0x01;
    // A well-hashed file whose record claims more bytes than there are.
    const body = Buffer.concat([
      Buffer.from('WKVSNAP1'),
      Buffer.from([0, 0, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0xff, 0, 0, 0, 1]),
    ]);
    const lying = Buffer.concat([body, createHash('sha256').update(body).digest()]);
    const variants: [string, Buffer][] = [
      ['truncated', good.subarray(0, good.length - 20)],
      ['one bit flipped', flipped],
      ['empty', Buffer.alloc(0)],
      ['not a snapshot', Buffer.from('hello\n')],
      ['record past the end', lying],
    ];
    for (const [name, bytes] of variants) {
      writeFileSync(file, bytes);
      const target = engineFixture();
      let error: unknown;
      try {
        loadSnapshot(target.engine, file);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(SnapshotError);
      expect((error as Error).message, name).toContain(file);
      expect((error as Error).message, name).toMatch(/move the file away/);
      expect(target.engine.db.size, name).toBe(0);
    }
  });

  it('saves of one file started together all succeed, and the last one wins', async () => {
    const file = tempFile();
    const { engine, run } = engineFixture();
    const saves: Promise<number>[] = [];
    for (let i = 1; i <= 5; i++) {
      run('SET', `k${i}`, 'v');
      saves.push(saveSnapshot(engine, file));
    }
    expect(await Promise.all(saves)).toEqual([1, 2, 3, 4, 5]);
    expect(loadSnapshot(engineFixture().engine, file)).toBe(5);
    expect(readdirSync(join(file, '..'))).toEqual(['kv.snapshot']);
  });

  it('saving replaces the previous snapshot atomically', async () => {
    const file = tempFile();
    const { engine, run } = engineFixture();
    run('SET', 'a', '1');
    await saveSnapshot(engine, file);
    run('SET', 'b', '2');
    await saveSnapshot(engine, file);
    const target = engineFixture();
    expect(loadSnapshot(target.engine, file)).toBe(2);
  });
});

describe('snapshots of several databases', () => {
  it('keep every database; a one-database file is byte for byte the older format', async () => {
    const file = tempFile();
    const source = engineFixture();
    source.run('SET', 'k', 'db0');
    const onlyDb0 = tempFile();
    await saveSnapshot(source.engine, onlyDb0);
    // No select record when everything is in db 0: older versions read the file as before.
    expect(readFileSync(onlyDb0).includes(Buffer.from([2, 0]))).toBe(false);

    source.run('SELECT', '5');
    source.run('SET', 'k', 'db5', 'PX', '60000');
    source.run('SELECT', '15');
    source.run('HSET', 'h', 'f', 'v');
    expect(await saveSnapshot(source.engine, file)).toBe(3);

    const target = engineFixture(source.clock.now);
    expect(loadSnapshot(target.engine, file)).toBe(3);
    const { run } = target;
    expect(run('GET', 'k')).toBe('$"db0"');
    run('SELECT', '5');
    expect(run('GET', 'k')).toBe('$"db5"');
    expect(run('PTTL', 'k')).toBe(':60000');
    run('SELECT', '15');
    expect(run('HGET', 'h', 'f')).toBe('$"v"');
    expect(run('DBSIZE')).toBe(':1');
  });
});

import { describe, expect, it } from 'vitest';
import { engineFixture } from './helpers.ts';

describe('hyperloglog', () => {
  it('estimates within Redis error bounds and stays fast for 20k elements', () => {
    const { run, raw } = engineFixture();
    // CPU time, not wall time: on a busy machine the process can wait longer than it works.
    const started = process.cpuUsage();
    for (let i = 0; i < 20_000; i += 100) {
      raw('PFADD', 'h', ...Array.from({ length: 100 }, (_, j) => `user:${i + j}`));
    }
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(2000);
    const count = Number(String(run('PFCOUNT', 'h')).slice(1));
    expect(Math.abs(count - 20_000) / 20_000).toBeLessThan(0.03);
    expect(run('PFDEBUG', 'ENCODING', 'h')).toBe('+dense');
    expect(run('STRLEN', 'h')).toBe(':12304');
  });

  it('multi-key PFCOUNT does not change the keys; a single-key one caches the count', () => {
    const { run, raw } = engineFixture();
    run('PFADD', 'a', 'x', 'y');
    run('PFADD', 'b', 'y', 'z');
    const before = (raw('GET', 'a') as Buffer).toString('hex');
    expect(run('PFCOUNT', 'a', 'b')).toBe(':3');
    expect((raw('GET', 'a') as Buffer).toString('hex')).toBe(before);
    expect((raw('GET', 'a') as Buffer)[15]! & 0x80).toBe(0x80);
    expect(run('PFCOUNT', 'a')).toBe(':2');
    expect((raw('GET', 'a') as Buffer)[15]! & 0x80).toBe(0);
    expect((raw('GET', 'a') as Buffer)[8]).toBe(2);
  });

  it('PFSELFTEST passes and PFDEBUG checks its arguments', () => {
    const { run } = engineFixture();
    expect(run('PFSELFTEST')).toBe('+OK');
    run('PFADD', 'h', 'a');
    expect(run('PFDEBUG', 'GETREG', 'h')).toHaveLength(16384);
    expect(run('PFDEBUG', 'ENCODING', 'h')).toBe('+dense');
    expect(run('PFDEBUG', 'NOPE', 'h')).toBe("-ERR Unknown PFDEBUG subcommand 'NOPE'");
  });
});

import { describe, expect, it } from 'vitest';
import { engineFixture } from './helpers.ts';

describe('sort, copy, touch', () => {
  it('COPY ... DB copies into another database with its TTL, and the copy is independent', () => {
    const { run, clock } = engineFixture();
    run('RPUSH', 'l', 'a', 'b');
    run('PEXPIRE', 'l', '5000');
    expect(run('COPY', 'l', 'l', 'DB', '3')).toBe(':1');
    expect(run('COPY', 'l', 'l', 'DB', '3')).toBe(':0');
    expect(run('COPY', 'l', 'l', 'DB', '0')).toBe(
      '-ERR source and destination objects are the same',
    );
    run('RPUSH', 'l', 'c');
    run('SELECT', '3');
    expect(run('LRANGE', 'l', '0', '-1')).toEqual(['$"a"', '$"b"']);
    expect(run('PTTL', 'l')).toBe(':5000');
    clock.now += 5000;
    expect(run('EXISTS', 'l')).toBe(':0');
  });

  it('SORT STORE writes a list; TOUCH counts existing keys', () => {
    const { run } = engineFixture();
    run('SADD', 's', '3', '1', '2');
    expect(run('SORT', 's', 'DESC', 'STORE', 'out')).toBe(':3');
    expect(run('LRANGE', 'out', '0', '-1')).toEqual(['$"3"', '$"2"', '$"1"']);
    expect(run('TOUCH', 's', 'out', 'nope')).toBe(':2');
  });
});

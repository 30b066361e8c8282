import { describe, expect, it } from 'vitest';
import { NULL_ARRAY } from '../../src/protocol/reply.ts';
import { engineFixture } from './helpers.ts';

describe('sixteen databases', () => {
  it('SELECT switches the keyspace; DBSIZE and FLUSHDB are per database, FLUSHALL is not', () => {
    const { run } = engineFixture();
    run('SET', 'k', 'zero');
    expect(run('SELECT', '15')).toBe('+OK');
    expect(run('GET', 'k')).toBe('$nil');
    run('SET', 'k', 'fifteen');
    run('SET', 'k2', 'x');
    expect(run('DBSIZE')).toBe(':2');
    expect(run('SELECT', '-1')).toBe('-ERR DB index is out of range');
    expect(run('SELECT', 'x')).toBe('-ERR value is not an integer or out of range');
    expect(run('SELECT', '0')).toBe('+OK');
    expect(run('GET', 'k')).toBe('$"zero"');
    expect(run('FLUSHDB')).toBe('+OK');
    expect(run('DBSIZE')).toBe(':0');
    run('SELECT', '15');
    expect(run('DBSIZE')).toBe(':2');
    expect(run('FLUSHALL')).toBe('+OK');
    expect(run('DBSIZE')).toBe(':0');
  });

  it('MOVE keeps the TTL and refuses what Redis refuses', () => {
    const { run, engine } = engineFixture();
    run('SET', 'a', '1', 'EX', '100');
    run('SET', 'b', '2');
    expect(run('MOVE', 'a', '0')).toBe('-ERR source and destination objects are the same');
    expect(run('MOVE', 'a', '16')).toBe('-ERR DB index is out of range');
    expect(run('MOVE', 'nope', '3')).toBe(':0');
    expect(run('MOVE', 'a', '3')).toBe(':1');
    expect(run('EXISTS', 'a')).toBe(':0');
    expect(engine.databases[3]!.getExpire('a')).toBeDefined();
    run('SELECT', '3');
    expect(run('TTL', 'a')).toBe(':100');
    run('SET', 'b', 'other');
    run('SELECT', '0');
    expect(run('MOVE', 'b', '3')).toBe(':0');
    expect(run('GET', 'b')).toBe('$"2"');
  });

  it('SWAPDB swaps what each index holds and dirties WATCHes on either side', () => {
    const { run, connect } = engineFixture();
    const runOther = connect().raw;
    run('SET', 'k', 'zero');
    runOther('SELECT', '1');
    runOther('WATCH', 'k');
    expect(run('SWAPDB', '0', 'x')).toBe('-ERR invalid second DB index');
    expect(run('SWAPDB', 'x', '0')).toBe('-ERR invalid first DB index');
    expect(run('SWAPDB', '0', '16')).toBe('-ERR DB index is out of range');
    expect(run('SWAPDB', '0', '1')).toBe('+OK');
    expect(run('GET', 'k')).toBe('$nil');
    runOther('MULTI');
    runOther('GET', 'k');
    // k existed in db 0, which is now db 1: the watch in db 1 saw it change.
    expect(runOther('EXEC')).toBe(NULL_ARRAY);
  });

  it('WATCH is per database', () => {
    const { run, connect } = engineFixture();
    const runOther = connect().raw;
    run('WATCH', 'k');
    runOther('SELECT', '2');
    runOther('SET', 'k', 'in db 2');
    run('MULTI');
    run('GET', 'k');
    expect(run('EXEC')).toEqual(['$nil']);
  });
});

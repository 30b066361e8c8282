import { describe, expect, it } from 'vitest';
import { engineFixture } from './helpers.ts';

describe('server commands', () => {
  it('PING, ECHO, SELECT, QUIT', () => {
    const { run, session } = engineFixture();
    expect(run('PING')).toBe('+PONG');
    expect(run('PING', 'hi')).toBe('$"hi"');
    expect(run('ECHO', 'x')).toBe('$"x"');
    expect(run('SELECT', '0')).toBe('+OK');
    expect(run('SELECT', '16')).toBe('-ERR DB index is out of range');
    expect(session.closeRequested).toBe(false);
    expect(run('QUIT')).toBe('+OK');
    expect(session.closeRequested).toBe(true);
  });

  it('unknown commands get Redis text plus the hint', () => {
    const { run } = engineFixture();
    expect(run('NOPE', 'a', 'b')).toBe(
      "-ERR unknown command 'NOPE', with args beginning with: 'a' 'b'  Hint.",
    );
  });

  it('FLUSHDB/FLUSHALL accept ASYNC/SYNC only', () => {
    const { run } = engineFixture();
    run('SET', 'a', '1');
    expect(run('FLUSHALL', 'NOW')).toBe('-ERR syntax error');
    expect(run('FLUSHALL', 'ASYNC')).toBe('+OK');
    expect(run('DBSIZE')).toBe(':0');
  });

  it('INFO is well-formed: sections and a keyspace line', () => {
    const { raw, run } = engineFixture();
    run('SET', 'a', '1', 'EX', '10');
    run('SET', 'b', '1');
    const text = (raw('INFO') as Buffer).toString();
    expect(text).toMatch(/^# Server\r\n/);
    expect(text).toContain('redis_version:');
    expect(text).toContain('# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n');
    for (const line of text.split('\r\n'))
      expect(line === '' || line.startsWith('#') || line.includes(':')).toBe(true);
    expect((raw('INFO', 'keyspace') as Buffer).toString()).toBe(
      '# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n',
    );
  });

  it('TIME answers seconds and microseconds as bulk strings', () => {
    const { raw, clock } = engineFixture(1_700_000_000_123);
    const [s, us] = raw('TIME') as Buffer[];
    expect(String(s)).toBe(String(Math.floor(clock.now / 1000)));
    expect(Number(us)).toBeGreaterThanOrEqual(123_000);
    expect(Number(us)).toBeLessThan(124_000);
  });
});

describe('transactions', () => {
  it('queues, executes atomically, and keeps errors per command', () => {
    const { run } = engineFixture();
    expect(run('MULTI')).toBe('+OK');
    expect(run('MULTI')).toBe('-ERR MULTI calls can not be nested');
    expect(run('SET', 'a', 'x')).toBe('+QUEUED');
    expect(run('INCR', 'a')).toBe('+QUEUED');
    expect(run('EXEC')).toEqual(['+OK', '-ERR value is not an integer or out of range']);
    expect(run('EXEC')).toBe('-ERR EXEC without MULTI');
    expect(run('DISCARD')).toBe('-ERR DISCARD without MULTI');
  });

  it('a refused command aborts EXEC', () => {
    const { run } = engineFixture();
    run('MULTI');
    expect(run('GET')).toBe("-ERR wrong number of arguments for 'get' command");
    expect(run('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.');
  });

  it('WATCH: another session writing aborts with a null array; WATCH in MULTI refused', () => {
    const { run, connect } = engineFixture();
    const other = connect();
    run('SET', 'w', '1');
    run('WATCH', 'w');
    other.raw('SET', 'w', '2');
    run('MULTI');
    expect(run('WATCH', 'w')).toBe('-ERR WATCH inside MULTI is not allowed');
    run('SET', 'w', '3');
    expect(run('EXEC')).toBe('*nil');
    expect(run('GET', 'w')).toBe('$"2"');
  });

  it('WATCH: expiry of a watched key aborts; a key already expired at WATCH does not', () => {
    const { run, clock } = engineFixture();
    run('SET', 'e', '1', 'PX', '10');
    run('WATCH', 'e');
    clock.now += 10;
    run('MULTI');
    expect(run('EXEC')).toBe('*nil');
    run('SET', 'old', '1', 'PX', '10');
    clock.now += 10;
    run('WATCH', 'old');
    run('MULTI');
    expect(run('EXEC')).toEqual([]);
  });

  it('executeTransaction runs a whole MULTI/EXEC at once (the REST /multi-exec path)', () => {
    const { engine, run } = engineFixture();
    const reply = engine.executeTransaction([
      ['SET', 'a', '1'].map((a) => Buffer.from(a)),
      ['INCR', 'a'].map((a) => Buffer.from(a)),
    ]);
    expect(reply).toHaveLength(2);
    expect(run('GET', 'a')).toBe('$"2"');
  });
});

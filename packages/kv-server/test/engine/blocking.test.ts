// Blocking commands in the engine, through runCommand as the surfaces call it: FIFO wake-up,
// timeouts, MULTI/EXEC, type changes, CLIENT UNBLOCK's machinery.

import { describe, expect, it } from 'vitest';
import { blockingOf, parseTimeout } from '../../src/engine/blocking.ts';
import { ClientInfo } from '../../src/engine/clients.ts';
import { createEngine, type Engine, type Session } from '../../src/engine/index.ts';
import { leaveSession, runCommand } from '../../src/engine/run-command.ts';
import type { Reply } from '../../src/protocol/reply.ts';
import { show } from '../differential/harness.ts';

interface Conn {
  session: Session;
  /** Runs a command; a blocked one gives a promise of its readable reply. */
  run(...argv: string[]): unknown;
}

let nextId = 0;
function connect(engine: Engine): Conn {
  const session = engine.createSession(true);
  session.client = new ClientInfo(++nextId, '127.0.0.1:1', '127.0.0.1:2');
  return {
    session,
    run(...argv) {
      const reply = runCommand(
        engine,
        session,
        argv.map((a) => Buffer.from(a, 'latin1')),
      );
      return reply instanceof Promise ? reply.then((r: Reply) => show(r)) : show(reply);
    },
  };
}

/** Whether a promise has settled yet (after pending microtasks). */
async function settled(promise: unknown): Promise<boolean> {
  let done = false;
  void (promise as Promise<unknown>).then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('blocking commands', () => {
  it('answer at once when a key has data, in key order', () => {
    const engine = createEngine();
    const a = connect(engine);
    a.run('rpush', 'l2', 'x', 'y');
    expect(a.run('blpop', 'l1', 'l2', '0')).toEqual(['$"l2"', '$"x"']);
    expect(a.run('brpop', 'l1', 'l2', '0')).toEqual(['$"l2"', '$"y"']);
    a.run('zadd', 'z', '1', 'a', '2', 'b');
    expect(a.run('bzpopmax', 'z', '0')).toEqual(['$"z"', '$"b"', '$"2"']);
    expect(a.run('bzmpop', '0', '1', 'z', 'min')).toEqual(['$"z"', [['$"a"', '$"1"']]]);
    a.run('set', 's', 'v');
    expect(a.run('blpop', 's', 'l2', '0')).toEqual(
      '-WRONGTYPE Operation against a key holding the wrong kind of value',
    );
  });

  it('wake blocked clients first come, first served, after the pushing command', async () => {
    const engine = createEngine();
    const [a, b, c, pusher] = [connect(engine), connect(engine), connect(engine), connect(engine)];
    const ra = a.run('blpop', 'q', '0');
    const rb = b.run('blpop', 'other', 'q', '0');
    const rc = c.run('brpop', 'q', '0');
    expect(ra).toBeInstanceOf(Promise);
    expect(blockingOf(engine).blockedCount).toBe(3);
    // Two elements for three clients: the oldest two get one each, the third keeps waiting.
    expect(pusher.run('rpush', 'q', 'one', 'two')).toEqual(':2');
    expect(await ra).toEqual(['$"q"', '$"one"']);
    expect(await rb).toEqual(['$"q"', '$"two"']);
    expect(await settled(rc)).toBe(false);
    pusher.run('lpush', 'q', 'three');
    expect(await rc).toEqual(['$"q"', '$"three"']);
    expect(pusher.run('exists', 'q')).toEqual(':0');
  });

  it('serve after EXEC, not in the middle of the transaction', async () => {
    const engine = createEngine();
    const a = connect(engine);
    const t = connect(engine);
    const ra = a.run('blpop', 'q', '0');
    t.run('multi');
    t.run('rpush', 'q', 'x');
    t.run('llen', 'q');
    // Inside the transaction the element is still there: the waiter is served after EXEC.
    expect(t.run('exec')).toEqual([':1', ':1']);
    expect(await ra).toEqual(['$"q"', '$"x"']);
  });

  it('answer nil at once inside MULTI/EXEC', () => {
    const engine = createEngine();
    const a = connect(engine);
    a.run('multi');
    a.run('blpop', 'q', '0');
    a.run('blmove', 'q', 'd', 'left', 'right', '0');
    a.run('bzpopmin', 'z', '0');
    expect(a.run('exec')).toEqual(['*nil', '$nil', '*nil']);
  });

  it('time out with the nil reply, and parse timeouts as Redis does', async () => {
    const engine = createEngine();
    const a = connect(engine);
    const started = Date.now();
    expect(await a.run('blpop', 'q', '0.05')).toEqual('*nil');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(await a.run('brpoplpush', 'q', 'd', '0.01')).toEqual('*nil');
    expect(a.run('blpop', 'q', 'abc')).toEqual('-ERR timeout is not a float or out of range');
    expect(a.run('blpop', 'q', '-1')).toEqual('-ERR timeout is negative');
    // Longer than one timer can hold (~24.8 days): still a wait, not a timeout or forever.
    const long = a.run('blpop', 'long', '9999999');
    expect(await settled(long)).toBe(false);
    a.run('rpush', 'long', 'v');
    expect(await long).toEqual(['$"long"', '$"v"']);
    expect(parseTimeout(Buffer.from('0.0001'))).toBe(1);
    expect(parseTimeout(Buffer.from('1.5'))).toBe(1500);
    expect(parseTimeout(Buffer.from('0'))).toBe(0);
    expect(() => parseTimeout(Buffer.from(' 1'))).toThrow('not a float');
    expect(() => parseTimeout(Buffer.from('nan'))).toThrow('not a float');
    expect(() => parseTimeout(Buffer.from('inf'))).toThrow('negative');
  });

  it('keep waiting when the key turns into another type, and wake on the right one', async () => {
    const engine = createEngine();
    const a = connect(engine);
    const w = connect(engine);
    const ra = a.run('blpop', 'k', '0');
    w.run('set', 'k', 'string');
    expect(await settled(ra)).toBe(false);
    w.run('del', 'k');
    w.run('rpush', 'k', 'v');
    expect(await ra).toEqual(['$"k"', '$"v"']);
  });

  it('chain BLMOVE: an element moved to a list wakes its waiter in the same pass', async () => {
    const engine = createEngine();
    const [a, b, w] = [connect(engine), connect(engine), connect(engine)];
    const ra = a.run('blmove', 'src', 'mid', 'left', 'right', '0');
    const rb = b.run('blpop', 'mid', '0');
    w.run('rpush', 'src', 'v');
    expect(await ra).toEqual('$"v"');
    expect(await rb).toEqual(['$"mid"', '$"v"']);
    expect(w.run('exists', 'src', 'mid')).toEqual(':0');
  });

  it('wake BLMPOP and BZPOPMIN with their own reply shapes', async () => {
    const engine = createEngine();
    const [a, b, w] = [connect(engine), connect(engine), connect(engine)];
    const ra = a.run('blmpop', '0', '2', 'l1', 'l2', 'right', 'count', '5');
    const rb = b.run('bzpopmin', 'z', '0');
    w.run('rpush', 'l2', 'a', 'b', 'c');
    w.run('zadd', 'z', '3', 'm');
    expect(await ra).toEqual(['$"l2"', ['$"c"', '$"b"', '$"a"']]);
    expect(await rb).toEqual(['$"z"', '$"m"', '$"3"']);
  });

  it('unblock with CLIENT UNBLOCK semantics, and forget a closed connection', async () => {
    const engine = createEngine();
    const blocking = blockingOf(engine);
    const [a, b, c, w] = [connect(engine), connect(engine), connect(engine), connect(engine)];
    const ra = a.run('blpop', 'q', '0');
    const rb = b.run('blpop', 'q', '0');
    const rc = c.run('blpop', 'q', '0');
    expect(blocking.unblock(a.session, false)).toBe(true);
    expect(await ra).toEqual('*nil');
    expect(blocking.unblock(b.session, true)).toBe(true);
    expect(await rb).toEqual('-UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(blocking.unblock(b.session, true)).toBe(false);
    leaveSession(engine, c.session);
    w.run('rpush', 'q', 'x');
    expect(await settled(rc)).toBe(false);
    expect(w.run('llen', 'q')).toEqual(':1');
  });
});

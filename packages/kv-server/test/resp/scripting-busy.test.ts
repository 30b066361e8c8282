// A script past busy-reply-threshold does not freeze the server: other clients get BUSY (RESP
// and REST), SCRIPT KILL stops a script that has not written, UNKILLABLE protects one that has,
// and the server serves everyone again afterwards. The threshold is 100 ms here
// (KV_LUA_TIME_LIMIT_MS, read when the engine's scripting starts: set before this file's server
// starts, and put back after it, for the files that run after this one in the same worker).

import { Redis as RestRedis } from '@upstash/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startEngine, TOKEN } from '../servers.ts';

describe('busy scripts', () => {
  let running: Running;
  let a: Redis;
  let b: Redis;

  const limitBefore = process.env.KV_LUA_TIME_LIMIT_MS;
  beforeAll(async () => {
    process.env.KV_LUA_TIME_LIMIT_MS = '100';
    running = await startEngine();
    a = new Redis(running.server.respUrl!, { maxRetriesPerRequest: 0 });
    b = new Redis(running.server.respUrl!, { maxRetriesPerRequest: 0 });
  });
  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    await running?.close();
    if (limitBefore === undefined) delete process.env.KV_LUA_TIME_LIMIT_MS;
    else process.env.KV_LUA_TIME_LIMIT_MS = limitBefore;
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Waits until the server answers BUSY (the script passed the threshold). */
  const untilBusy = async () => {
    for (let i = 0; i < 200; i++) {
      const reply = await b.echo('x').catch((e: Error) => e.message);
      if (String(reply).startsWith('BUSY')) return;
      await sleep(20);
    }
    throw new Error('the script never became busy');
  };

  it('an endless loop: BUSY for others, then SCRIPT KILL, then the server serves again', async () => {
    expect(await b.script('KILL').catch((e: Error) => e.message)).toBe(
      'NOTBUSY No scripts in execution right now.',
    );
    const looping = a.eval('local x = 0 while true do x = x + 1 end', 0).catch((e: Error) => e);
    await untilBusy();
    await expect(b.ping()).rejects.toThrow(
      'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
    );
    const rest = new RestRedis({ url: running.server.restUrl, token: TOKEN });
    await expect(rest.get('k')).rejects.toThrow(/BUSY Redis is busy running a script/);
    expect(await b.script('KILL')).toBe('OK');
    const error = await looping;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/,
    );
    expect(await b.ping()).toBe('PONG');
    expect(await a.eval('return 1', 0)).toBe(1);
  });

  it('a pcall in the script cannot swallow the kill', async () => {
    const looping = a
      .eval('while true do pcall(function() while true do end end) end', 0)
      .catch((e: Error) => e);
    await untilBusy();
    expect(await b.script('KILL')).toBe('OK');
    expect(String(await looping)).toMatch(/Script killed by user/);
  });

  it('a loop where the script cannot be paused (its own coroutine, MULTI) is stopped', async () => {
    const started = Date.now();
    await expect(
      a.eval('return coroutine.wrap(function() while true do end end)()', 0),
    ).rejects.toThrow(
      /^ERR Script ran past busy-reply-threshold \(100 ms\) where kv-server cannot pause it/,
    );
    const multi = await a.multi().eval('while true do end', 0).exec();
    expect(String(multi?.[0]?.[0])).toMatch(/Script ran past busy-reply-threshold/);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(await b.ping()).toBe('PONG');
  });

  it('a script that wrote is UNKILLABLE, stays atomic, and finishes', async () => {
    await b.set('counter', '0');
    const script = `
      redis.call('INCR', 'counter')
      local t = redis.call('TIME')
      local start = t[1] * 1e6 + t[2]
      repeat
        t = redis.call('TIME')
      until t[1] * 1e6 + t[2] - start > 1500000
      return redis.call('GET', 'counter')`;
    const done = a.eval(script, 0);
    await untilBusy();
    await expect(b.script('KILL')).rejects.toThrow(
      /^UNKILLABLE Sorry the script already executed write commands/,
    );
    await expect(b.incr('counter')).rejects.toThrow(/^BUSY/);
    expect(await done).toBe('1'); // nobody else's INCR ran in between
    expect(await b.get('counter')).toBe('1');
  });
});

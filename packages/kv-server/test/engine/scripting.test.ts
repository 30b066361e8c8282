// Lua scripting in the engine: conversion rules both ways, error texts, the sandbox, the
// libraries, and read-only scripts. The same cases run against a real Redis in
// test/differential/scripting.test.ts; these pin the engine's own behaviour without services.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scriptingOf } from '../../src/engine/scripting/scripting.ts';
import { loadSnapshot, saveSnapshot } from '../../src/engine/snapshot.ts';
import { engineFixture } from './helpers.ts';

const sha = (body: string) => createHash('sha1').update(body).digest('hex');

describe('scripting: Lua -> Redis conversions', () => {
  const { run } = engineFixture();
  it('numbers truncate to integers; true is 1, false nil; a table stops at its first nil', () => {
    expect(run('EVAL', 'return 3.99', 0)).toBe(':3');
    expect(run('EVAL', 'return -3.99', 0)).toBe(':-3');
    expect(run('EVAL', 'return 1e30', 0)).toBe(':-9223372036854775808');
    expect(run('EVAL', 'return true', 0)).toBe(':1');
    expect(run('EVAL', 'return false', 0)).toBe('$nil');
    expect(run('EVAL', 'return nil', 0)).toBe('$nil');
    expect(run('EVAL', 'return {1, 2, nil, 3}', 0)).toEqual([':1', ':2']);
    expect(run('EVAL', 'return {"a", {true, false}, {ok="FINE"}, {err="MY err"}}', 0)).toEqual([
      '$"a"',
      [':1', '$nil'],
      '+FINE',
      '-MY err',
    ]);
    expect(run('EVAL', 'return redis.status_reply("PONG")', 0)).toBe('+PONG');
    expect(run('EVAL', 'return redis.error_reply("x")', 0)).toBe('-ERR x');
    expect(run('EVAL', 'return redis.error_reply("CODE msg")', 0)).toBe('-CODE msg');
  });

  it('KEYS and ARGV; big numbers stay doubles (Lua 5.1), not 32-bit integers', () => {
    expect(run('EVAL', 'return {KEYS[1], ARGV[1], #KEYS, #ARGV}', 1, 'k', 'v')).toEqual([
      '$"k"',
      '$"v"',
      ':1',
      ':1',
    ]);
    expect(run('EVAL', 'local n = 0 for i = 1, 1e6 do n = n + i end return n', 0)).toBe(
      ':500000500000',
    );
    expect(run('EVAL', 'return tostring(2^53) .. " " .. tostring(3) .. " " .. 10/4', 0)).toBe(
      '$"9.007199254741e+15 3 2.5"',
    );
    expect(run('EVAL', 'return string.format("%d|%5d|%s", 3.7, 1700000000000, 2)', 0)).toBe(
      '$"3|1700000000000|2"',
    );
    expect(run('EVAL', 'return {unpack({1, 2})}', 0)).toEqual([':1', ':2']);
    expect(run('EVAL', 'return loadstring("return 5")()', 0)).toBe(':5');
  });
});

describe('scripting: Redis -> Lua conversions', () => {
  const { run } = engineFixture();
  it('nil bulk is false, integers are numbers, status is {ok=}, errors raise or are {err=}', () => {
    run('SET', 's', 'foo');
    expect(run('EVAL', 'return type(redis.call("GET", "nokey"))', 0)).toBe('$"boolean"');
    expect(run('EVAL', 'return redis.call("INCR", "n") + 1', 0)).toBe(':2');
    expect(run('EVAL', 'return redis.call("SET", "a", "1").ok', 0)).toBe('$"OK"');
    expect(run('EVAL', 'return redis.pcall("INCR", "s").err', 0)).toBe(
      '$"ERR value is not an integer or out of range"',
    );
    expect(run('EVAL', 'return redis.call("INCR", KEYS[1])', 1, 's')).toBe(
      `-ERR value is not an integer or out of range script: ${sha('return redis.call("INCR", KEYS[1])')}, on @user_script:1.`,
    );
    run('RPUSH', 'l', 'a', 'b');
    expect(run('EVAL', 'return redis.call("LRANGE", "l", 0, -1)', 0)).toEqual(['$"a"', '$"b"']);
  });
});

describe('scripting: errors', () => {
  const { run } = engineFixture();
  it('Redis 7 texts for EVAL, EVALSHA and script errors', () => {
    expect(run('EVAL', 'return 1', 2, 'a')).toBe(
      "-ERR Number of keys can't be greater than number of args",
    );
    expect(run('EVAL', 'return 1', -1)).toBe("-ERR Number of keys can't be negative");
    expect(run('EVAL', 'return 1', 'x')).toBe('-ERR value is not an integer or out of range');
    expect(run('EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', 0)).toBe(
      '-NOSCRIPT No matching script. Please use EVAL.',
    );
    expect(run('EVAL', 'return 1 +', 0)).toBe(
      "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
    );
    expect(run('EVAL', 'error("boom")', 0)).toBe(
      `-ERR user_script:1: boom script: ${sha('error("boom")')}, on @user_script:1.`,
    );
    expect(run('EVAL', 'return redis.call("nosuch")', 0)).toMatch(
      /^-ERR Unknown Redis command called from script script: /,
    );
    expect(run('EVAL', 'return redis.call("eval", "return 1", 0)', 0)).toMatch(
      /^-ERR This Redis command is not allowed from script script: /,
    );
    expect(run('EVAL', 'return redis.call()', 0)).toMatch(
      /^-ERR Please specify at least one argument for this redis lib call script: /,
    );
    expect(run('EVAL', 'return redis.call({})', 0)).toMatch(
      /^-ERR Lua redis lib command arguments must be strings or integers script: /,
    );
  });

  it('read-only scripts: EVAL_RO and #!lua flags=no-writes', () => {
    expect(run('EVAL_RO', 'return redis.call("SET", "a", 1)', 0)).toMatch(
      /^-ERR Write commands are not allowed from read-only scripts\. script: .*, on @user_script:1\.$/,
    );
    expect(run('EVAL', '#!lua flags=no-writes\nreturn redis.call("SET", "a", 1)', 0)).toMatch(
      /on @user_script:2\.$/,
    );
    expect(run('EVAL', '#!lua flags=bogus\nreturn 1', 0)).toBe(
      '-ERR Unexpected flag in script shebang: bogus',
    );
    expect(run('EVAL', '#!lua name=x\nreturn 1', 0)).toBe(
      '-ERR Unknown lua shebang option: name=x',
    );
    expect(run('EVAL_RO', 'return redis.call("GET", "a")', 0)).toBe('$nil');
  });
});

describe('scripting: sandbox', () => {
  const { run } = engineFixture();
  it('no host access, read-only globals and libraries', () => {
    for (const name of ['os', 'io', 'require', 'loadfile', 'dofile', 'package', 'debug', 'print']) {
      expect(run('EVAL', `return ${name}`, 0)).toMatch(
        new RegExp(
          `^-ERR user_script:1: Script attempted to access nonexistent global variable '${name}' script: `,
        ),
      );
    }
    expect(run('EVAL', 'x = 1', 0)).toMatch(
      /^-ERR user_script:1: Attempt to modify a readonly table/,
    );
    expect(run('EVAL', 'string.x = 1', 0)).toMatch(/Attempt to modify a readonly table/);
    expect(run('EVAL', 'rawset(_G, "x", 1)', 0)).toMatch(/Attempt to modify a readonly table/);
    expect(run('EVAL', 'redis.call = nil', 0)).toMatch(/Attempt to modify a readonly table/);
    // One string is capped at 512 MB, before it is built.
    expect(run('EVAL', 'return string.rep("ab", 2^29)', 0)).toMatch(
      /^-ERR user_script:1: resulting string too large script: /,
    );
    // Bytecode cannot be loaded (it could break out of the VM's checks).
    expect(run('EVAL', 'return loadstring(string.dump(function() return 1 end))', 0)).toBe('$nil');
  });
});

describe('scripting: libraries', () => {
  const { run } = engineFixture();
  it('cjson, cmsgpack, bit', () => {
    expect(run('EVAL', 'return cjson.encode({1, 2, "a/b", {}, {x=true}})', 0)).toBe(
      '$"[1,2,\\"a\\\\/b\\",{},{\\"x\\":true}]"',
    );
    expect(
      run('EVAL', 'return cjson.encode(cjson.decode(ARGV[1]))', 0, '[1,2.5,null,"\\u00e9"]'),
    ).toBe(`$${JSON.stringify(Buffer.from('[1,2.5,null,"é"]').toString('latin1'))}`);
    expect(run('EVAL', 'return cjson.decode("[1,")', 0)).toMatch(
      /Expected value but found T_END at character 4/,
    );
    expect(run('EVAL', 'return cmsgpack.pack({1, 2, 3}, "ab", -1, 300, 1.5)', 0)).toBe(
      `$${JSON.stringify(Buffer.from('9301020' + '3a26162ffcd012cca3fc00000', 'hex').toString('latin1'))}`,
    );
    expect(run('EVAL', 'return {cmsgpack.unpack(cmsgpack.pack({1, {a=2}}, "x"))}', 0)).toEqual([
      [':1', []],
      '$"x"',
    ]);
    expect(
      run(
        'EVAL',
        'return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.tohex(-1), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-16, 2), bit.bnot(0), bit.tobit(2^32 + 5)}',
        0,
      ),
    ).toEqual([':15', ':3', ':2', '$"ffffffff"', ':-2147483648', ':15', ':-4', ':-1', ':5']);
  });
});

describe('scripting: cache', () => {
  const { run } = engineFixture();
  it('SCRIPT LOAD / EXISTS / FLUSH and EVALSHA', () => {
    const id = sha('return 42');
    expect(run('SCRIPT', 'LOAD', 'return 42')).toBe(`$"${id}"`);
    expect(run('EVALSHA', id, 0)).toBe(':42');
    expect(run('EVALSHA', id.toUpperCase(), 0)).toBe(':42');
    expect(run('SCRIPT', 'EXISTS', id, 'nope')).toEqual([':1', ':0']);
    expect(run('SCRIPT', 'FLUSH', 'ASYNC')).toBe('+OK');
    expect(run('SCRIPT', 'EXISTS', id)).toEqual([':0']);
    expect(run('SCRIPT', 'KILL')).toBe('-NOTBUSY No scripts in execution right now.');
    expect(run('EVAL', 'return 1', 0)).toBe(':1');
    expect(run('EVALSHA', sha('return 1'), 0)).toBe(':1');
  });

  it('EVAL inside MULTI runs at EXEC', () => {
    expect(run('MULTI')).toBe('+OK');
    expect(run('EVAL', 'return redis.call("INCR", KEYS[1])', 1, 'ctr')).toBe('+QUEUED');
    expect(run('EXEC')).toEqual([':1']);
  });
});

describe('scripting: functions', () => {
  const { run } = engineFixture();
  it('FUNCTION LOAD, FCALL, FCALL_RO, LIST, DELETE', () => {
    const lib = [
      '#!lua name=counters',
      'redis.register_function("bump", function(keys, args) return redis.call("INCRBY", keys[1], args[1]) end)',
      'redis.register_function{function_name="peek", callback=function(keys) return redis.call("GET", keys[1]) end, flags={"no-writes"}}',
    ].join('\n');
    expect(run('FUNCTION', 'LOAD', lib)).toBe('$"counters"');
    expect(run('FUNCTION', 'LOAD', lib)).toBe("-ERR Library 'counters' already exists");
    expect(run('FUNCTION', 'LOAD', 'REPLACE', lib)).toBe('$"counters"');
    expect(run('FCALL', 'bump', 1, 'c', 5)).toBe(':5');
    expect(run('FCALL_RO', 'peek', 1, 'c')).toBe('$"5"');
    expect(run('FCALL_RO', 'bump', 1, 'c', 1)).toBe(
      '-ERR Can not execute a script with write flag using *_ro command.',
    );
    expect(run('FCALL', 'nosuch', 0)).toBe('-ERR Function not found');
    expect(run('FUNCTION', 'LOAD', '#!lua name=x\nredis.call("PING")')).toBe(
      "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'",
    );
    expect(run('FUNCTION', 'LOAD', '#!lua name=spin\nwhile true do end')).toBe(
      '-ERR Error registering functions: ERR FUNCTION LOAD timeout',
    );
    expect(run('FUNCTION', 'LIST')).toHaveLength(1);
    expect(run('FUNCTION', 'DELETE', 'counters')).toBe('+OK');
    expect(run('FCALL', 'bump', 1, 'c', 5)).toBe('-ERR Function not found');
  });
});

describe('scripting: busy-reply-threshold', () => {
  const { run, engine } = engineFixture();
  it('CONFIG SET busy-reply-threshold (alias lua-time-limit) sets when scripts turn BUSY', () => {
    expect(run('CONFIG', 'GET', 'busy-reply-threshold')).toEqual([
      '$"busy-reply-threshold"',
      '$"5000"',
    ]);
    expect(run('CONFIG', 'SET', 'lua-time-limit', '250')).toBe('+OK');
    expect(run('CONFIG', 'GET', 'lua-time-limit')).toEqual(['$"lua-time-limit"', '$"250"']);
    expect(scriptingOf(engine).busyThresholdMs).toBe(250);
  });
});

describe('scripting: databases', () => {
  const { run } = engineFixture();
  it("a script runs on the caller's database; its SELECT does not change the caller's", () => {
    expect(run('SELECT', 3)).toBe('+OK');
    expect(run('SET', 'k', 'in-3')).toBe('+OK');
    expect(run('EVAL', 'return redis.call("GET", "k")', 0)).toBe('$"in-3"');
    expect(
      run(
        'EVAL',
        'redis.call("SELECT", 4) redis.call("SET", "k", "in-4") return redis.call("GET", "k")',
        0,
      ),
    ).toBe('$"in-4"');
    expect(run('GET', 'k')).toBe('$"in-3"');
    expect(run('SELECT', 4)).toBe('+OK');
    expect(run('GET', 'k')).toBe('$"in-4"');
  });
});

describe('scripting: snapshots', () => {
  it('FUNCTION libraries survive a snapshot; the EVAL script cache does not (as in Redis)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-lua-'));
    try {
      const file = join(dir, 'snap.bin');
      const first = engineFixture();
      first.run(
        'FUNCTION',
        'LOAD',
        '#!lua name=keep\nredis.register_function("twice", function(k, a) return a[1] * 2 end)',
      );
      first.run('SCRIPT', 'LOAD', 'return 1');
      first.run('SET', 'k', 'v');
      await saveSnapshot(first.engine, file);
      const second = engineFixture();
      expect(loadSnapshot(second.engine, file)).toBe(1);
      expect(second.run('FCALL', 'twice', 0, 21)).toBe(':42');
      expect(first.run('SCRIPT', 'EXISTS', sha('return 1'))).toEqual([':1']);
      expect(second.run('SCRIPT', 'EXISTS', sha('return 1'))).toEqual([':0']);
      expect(second.run('GET', 'k')).toBe('$"v"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

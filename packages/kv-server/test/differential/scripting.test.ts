// Lua scripting, engine vs real Redis 7: the conversion rules both ways, error replies (their
// texts name the script's sha and line), the sandbox, and the outputs of cjson, cmsgpack, bit
// and number formatting; then seeded random values through each of them. Replay a fuzz run with
// DIFF_SEED=<seed>. (Never `error({})` here: Redis 7.0 crashes on an error table without `err`.)

import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { int, pick, type Rng, seededRng } from './generators-shared.ts';
import {
  compareReplies,
  describeDifferential,
  type Step,
  show,
  useDifferential,
} from './harness.ts';

const diff = useDifferential();

/** Like diff.expectSame, but lists every mismatching step, not only the first. */
async function expectSame(steps: Step[]): Promise<void> {
  const { engine, redis } = await diff.runOnBoth(steps);
  const mismatches: string[] = [];
  steps.forEach((step, i) => {
    try {
      compareReplies(
        engine[i]!,
        redis[i]!,
        step.compare ?? 'exact',
        `step ${i}: ${step.cmd.join(' ')}`,
      );
    } catch {
      const shown = (r: unknown) => JSON.stringify(show(r as never));
      mismatches.push(
        `step ${i}: ${step.cmd.join(' ')}\n  engine: ${shown(engine[i])}\n  redis:  ${shown(redis[i])}`,
      );
    }
  });
  if (mismatches.length > 0 && process.env.DIFF_DUMP)
    appendFileSync(process.env.DIFF_DUMP, `${mismatches.join('\n')}\n`);
  expect(mismatches).toEqual([]);
}

const evalSteps = (bodies: string[], ...args: string[]): Step[] =>
  bodies.map((body) => ({ cmd: ['EVAL', body, '0', ...args] }));

describeDifferential('differential: scripting', () => {
  it('Lua -> Redis conversions', () =>
    expectSame(
      evalSteps([
        'return 3.99',
        'return -3.99',
        'return 0.5',
        'return -0',
        'return 2^53 + 1',
        'return 1e30',
        'return -1e30',
        'return 0/0',
        'return 1/0',
        'return true',
        'return false',
        'return nil',
        'return "str"',
        'return ""',
        'return {1, 2, nil, 3}',
        'return {nil, 1}',
        'return {}',
        'return {1, {2, {3, {"x"}}}, true, false, 4.7}',
        'return {ok = "FINE"}',
        'return {ok = "a\\r\\nb"}',
        'return {err = "CODE msg"}',
        'return {err = "plain"}',
        'return {err = "-dash first"}',
        'return {err = ""}',
        'return {err = 1}',
        'return {ok = 1}',
        'return {1, {err = "E in array"}, {ok = "S in array"}}',
        'return {a = 1, b = 2}',
        'return {double = 3.5}',
        'return redis.status_reply("PONG")',
        'return redis.error_reply("x")',
        'return redis.error_reply("-x y")',
        'return redis.error_reply("CODE msg")',
        'return redis.error_reply(1)',
        'return redis.error_reply("x").err',
        'return redis.status_reply("x").ok',
        'return function() end',
        'return 1, 2',
      ]),
    ));

  it('Redis -> Lua conversions', () =>
    expectSame([
      { cmd: ['SET', 's', 'foo'] },
      { cmd: ['RPUSH', 'l', 'a', 'b', 'c'] },
      { cmd: ['HSET', 'h', 'f', 'v'] },
      ...evalSteps([
        'return type(redis.call("GET", "nokey"))',
        'return tostring(redis.call("GET", "nokey"))',
        'return redis.call("INCR", "n") + 0.5',
        'return type(redis.call("INCR", "n"))',
        'return redis.call("SET", "a", "1").ok',
        'return type(redis.call("PING"))',
        'return redis.call("PING")',
        'return redis.pcall("INCR", "s").err',
        'return redis.pcall("INCR", "s")',
        'return redis.pcall("LPUSH", "s", "x")',
        'return redis.call("LRANGE", "l", 0, -1)',
        'return #redis.call("LRANGE", "l", 0, -1)',
        'return redis.call("HGETALL", "h")',
        'return redis.call("MGET", "s", "nokey", "s")',
        'return {redis.call("MGET", "nokey", "s")}',
        'return type(redis.call("MGET", "nokey")[1])',
        'return redis.call("EXISTS", "s", "s", "nokey")',
        'return redis.call("GET", "s") .. "!"',
        'return redis.call("INCRBYFLOAT", "f", "1.5")',
        'return redis.call("SET", "k", 12.5)',
        'return redis.call("GET", "k")',
        'return redis.call("SET", "k", 1e20)',
        'return redis.call("GET", "k")',
        'return redis.call("SET", "k", 2^53)',
        'return redis.call("GET", "k")',
        'return redis.call("SET", "k", -0.1)',
        'return redis.call("GET", "k")',
      ]),
      { cmd: ['ZADD', 'z', '1.5', 'm'] },
      { cmd: ['SADD', 'set1', 'only'] },
      ...evalSteps([
        'redis.setresp(3) return redis.call("HGETALL", "h")',
        'redis.setresp(3) return type(redis.call("HGETALL", "h").map)',
        'redis.setresp(3) return redis.call("HGETALL", "h").map.f',
        'redis.setresp(3) return redis.call("SMEMBERS", "set1")',
        'redis.setresp(3) return tostring(redis.call("SMEMBERS", "set1").set.only)',
        'redis.setresp(3) return redis.call("ZSCORE", "z", "m")',
        'redis.setresp(3) return redis.call("ZSCORE", "z", "m").double * 2',
        'redis.setresp(3) return type(redis.call("GET", "nokey"))',
        'redis.setresp(3) return redis.call("GET", "nokey")',
        'redis.setresp(3) return redis.call("INCR", "n3")',
        'redis.setresp(3) return redis.call("SET", "a", "1")',
        'redis.setresp(2) return redis.call("HGETALL", "h")',
        'return {double = 2.5}',
        'return {map = {a = 1}}',
        'return {set = {x = true}}',
      ]),
      { cmd: ['EVAL', 'return redis.call("GET", KEYS[1])', '1', 's'] },
      {
        cmd: [
          'EVAL',
          'return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}',
          '2',
          'a',
          'b',
          'c',
        ],
      },
      { cmd: ['EVAL', 'return ARGV', '0', 'x', '', 'z'] },
    ]));

  it('error replies', () =>
    expectSame([
      { cmd: ['SET', 's', 'foo'] },
      ...evalSteps([
        'return a',
        'error("boom")',
        'error("-x")',
        'error({err = "FOO bar"})',
        'error({err = "-x"})',
        'error(redis.error_reply("x"))',
        'error(nil)',
        'error("a\\nb")',
        'error("lvl", 2)',
        'local function f() error("deep") end\nf()',
        'return redis.call("nosuch")',
        'return redis.call("incr", "k", "x")',
        'return redis.call("incr", "s")',
        'return redis.call()',
        'return redis.call(1.5)',
        'return redis.call({})',
        'return redis.call("get", {})',
        'return redis.call("get", nil)',
        'return redis.pcall("nosuch")',
        'return redis.pcall()',
        'x = 1',
        'string.x = 1',
        'redis.call = 1',
        'return 1 +',
        'return "unfinished',
        'return redis.call("eval", "return 1", 0)',
        'return redis.call("multi")',
        'return redis.call("subscribe", "c")',
        'return redis.call("blpop", "l", 0)',
        'return redis.call("client", "id")',
        'return redis.call("watch", "a")',
        'return redis.call("script", "exists", "a")',
        'return redis.setresp(4)',
        'return redis.log(99, "x")',
        'return redis.log(1)',
        'return redis.sha1hex()',
        'return redis.sha1hex("abc")',
        'return os',
        'return io',
        'return require',
        'return debug',
        'return print',
        'return loadfile',
        'return dofile',
        'return package',
        'return utf8',
        'return setfenv',
        'return newproxy',
        'local t = nil; return t.x',
        'return #nil',
        'return 1 + {}',
        'return ("x"):rep(-1)',
        'return string.format("%d", {})',
        'return string.rep()',
        'return math.floor("x")',
        'return tostring()',
        'return table.concat({{}})',
        'local s = string.format("%d", {}) return s',
      ]),
      { cmd: ['EVAL', 'return 1', '2', 'a'] },
      { cmd: ['EVAL', 'return 1', '-1'] },
      { cmd: ['EVAL', 'return 1', 'x'] },
      { cmd: ['EVAL', 'return 1', '1'] },
      { cmd: ['EVAL', 'return 1'] },
      { cmd: ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'] },
      { cmd: ['EVALSHA', 'short', '0'] },
      { cmd: ['EVAL_RO', 'return redis.call("SET", "a", 1)', '0'] },
      { cmd: ['EVAL_RO', 'return redis.call("GET", "s")', '0'] },
      { cmd: ['EVAL', '#!lua flags=no-writes\nreturn redis.call("SET", "a", 1)', '0'] },
      { cmd: ['EVAL', '#!lua flags=no-writes,allow-oom\nreturn redis.call("GET", "s")', '0'] },
      { cmd: ['EVAL', '#!lua\nreturn 1', '0'] },
      { cmd: ['EVAL', '#!lua flags=\nreturn 1', '0'] },
      { cmd: ['EVAL', '#!lua flags=bogus\nreturn 1', '0'] },
      { cmd: ['EVAL', '#!lua name=x\nreturn 1', '0'] },
      { cmd: ['EVAL', '#!lua flags=no-cluster,allow-stale,allow-cross-slot-keys\nreturn 2', '0'] },
    ]));

  it('SCRIPT LOAD / EXISTS / FLUSH and EVALSHA', () =>
    expectSame([
      { cmd: ['SCRIPT', 'FLUSH'] },
      { cmd: ['SCRIPT', 'LOAD', 'return 42'] },
      { cmd: ['SCRIPT', 'EXISTS', '1fa00e76656cc152ad327c13fe365858fd7be306', 'nope'] },
      { cmd: ['EVALSHA', '1fa00e76656cc152ad327c13fe365858fd7be306', '0'] },
      { cmd: ['EVALSHA', '1FA00E76656CC152AD327C13FE365858FD7BE306', '0'] },
      { cmd: ['EVALSHA_RO', '1fa00e76656cc152ad327c13fe365858fd7be306', '0'] },
      { cmd: ['SCRIPT', 'LOAD', 'return +'] },
      { cmd: ['SCRIPT', 'FLUSH', 'ASYNC'] },
      { cmd: ['SCRIPT', 'FLUSH', 'BOGUS'] },
      { cmd: ['SCRIPT', 'EXISTS', '1fa00e76656cc152ad327c13fe365858fd7be306'] },
      { cmd: ['EVAL', 'return 7', '0'] },
      { cmd: ['EVALSHA', 'a3b3b6c1ad1f4f1f5a8b0b7fd2a7a4a5c1e8d1f0', '0'] },
      { cmd: ['SCRIPT', 'KILL'] },
      { cmd: ['SCRIPT', 'BOGUS'] },
      { cmd: ['SCRIPT', 'EXISTS'] },
      { cmd: ['SCRIPT', 'HELP'] },
      { cmd: ['MULTI'] },
      { cmd: ['EVAL', 'return redis.call("INCR", "ctr")', '0'] },
      { cmd: ['EVAL', 'return redis.call("INCR", "ctr")', '0'] },
      { cmd: ['EXEC'] },
    ]));

  it('FUNCTION LOAD / LIST / DELETE / FLUSH / STATS and FCALL, FCALL_RO', () => {
    const lib = (name: string, body: string) => `#!lua name=${name}\n${body}`;
    return expectSame([
      { cmd: ['FUNCTION', 'FLUSH'] },
      { cmd: ['FUNCTION', 'LOAD', 'return 1'] },
      { cmd: ['FUNCTION', 'LOAD', '#!lua\nreturn 1'] },
      { cmd: ['FUNCTION', 'LOAD', '#!lua name=my-lib\nreturn 1'] },
      { cmd: ['FUNCTION', 'LOAD', '#!py name=x\nreturn 1'] },
      { cmd: ['FUNCTION', 'LOAD', '#!lua name=x flags=no-writes\nreturn 1'] },
      { cmd: ['FUNCTION', 'LOAD', lib('dl', 'return 1')] },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib(
            'dl',
            'redis.register_function("echo2", function(keys, args) return {keys[1], args[1], #keys, #args} end)',
          ),
        ],
      },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib('dl', 'redis.register_function("other", function() return 1 end)'),
        ],
      },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib('dl2', 'redis.register_function("echo2", function() return 1 end)'),
        ],
      },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib(
            'dlro',
            'redis.register_function{function_name="getter", callback=function(k) return redis.call("GET", k[1]) end, flags={"no-writes"}, description="reads"}',
          ),
        ],
      },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib(
            'dlw',
            'redis.register_function("setter", function(k, a) return redis.call("SET", k[1], a[1]) end)\nredis.register_function("boom", function() error("boom") end)',
          ),
        ],
      },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'return 1 +')] },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'redis.call("PING")')] },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'local x = string')] },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'error("x")')] },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib('bad', 'redis.register_function("bad-name", function() end)'),
        ],
      },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'redis.register_function("a")')] },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'redis.register_function("a", 1)')] },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'redis.register_function()')] },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'redis.register_function{function_name="a"}')] },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib('bad', 'redis.register_function{function_name="a", callback=function() end, foo=1}'),
        ],
      },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib(
            'bad',
            'redis.register_function{function_name="a", callback=function() end, flags={"bogus"}}',
          ),
        ],
      },
      {
        cmd: [
          'FUNCTION',
          'LOAD',
          lib(
            'bad',
            'redis.register_function("a", function() end)\nredis.register_function("a", function() end)',
          ),
        ],
      },
      { cmd: ['FUNCTION', 'LOAD', lib('bad', 'x = 1')] },
      { cmd: ['FCALL', 'echo2', '1', 'k', 'v'] },
      { cmd: ['FCALL', 'echo2', '0'] },
      { cmd: ['FCALL', 'echo2', '2', 'k'] },
      { cmd: ['FCALL', 'echo2', '-1'] },
      { cmd: ['FCALL', 'nosuch', '0'] },
      { cmd: ['FCALL', 'setter', '1', 'k', 'v1'] },
      { cmd: ['FCALL_RO', 'getter', '1', 'k'] },
      { cmd: ['FCALL_RO', 'setter', '1', 'k', 'v'] },
      { cmd: ['FCALL', 'boom', '0'] },
      { cmd: ['FUNCTION', 'LIST', 'LIBRARYNAME', 'dlro'] },
      { cmd: ['FUNCTION', 'LIST', 'LIBRARYNAME', 'dl', 'WITHCODE'] },
      { cmd: ['FUNCTION', 'LIST', 'LIBRARYNAME', 'nomatch*'] },
      { cmd: ['FUNCTION', 'LIST', 'BOGUS'] },
      { cmd: ['FUNCTION', 'STATS'] },
      { cmd: ['FUNCTION', 'DELETE', 'dlw'] },
      { cmd: ['FUNCTION', 'DELETE', 'dlw'] },
      { cmd: ['FCALL', 'setter', '1', 'k', 'v'] },
      { cmd: ['FUNCTION', 'KILL'] },
      { cmd: ['FUNCTION', 'BOGUS'] },
      { cmd: ['FUNCTION', 'DELETE'] },
      { cmd: ['FUNCTION', 'FLUSH', 'BOGUS'] },
      { cmd: ['FUNCTION', 'HELP'] },
      { cmd: ['FUNCTION', 'FLUSH', 'SYNC'] },
      { cmd: ['FUNCTION', 'LIST'] },
      { cmd: ['FCALL', 'echo2', '0'] },
    ]);
  });

  it('the Lua 5.1 surface: numbers, string.format, unpack, loadstring, table and math names', () =>
    expectSame(
      evalSteps([
        'return tostring(3)',
        'return tostring(3.0)',
        'return tostring(1e15)',
        'return tostring(1e14)',
        'return tostring(123456789012345)',
        'return tostring(0.1)',
        'return tostring(1/3)',
        'return tostring(1e-5)',
        'return tostring(-2^63)',
        'return tostring(2^31 + 1)',
        'return 10 / 4 .. ""',
        'return 7 % 3 .. " " .. -7 % 3 .. " " .. 7.5 % 2',
        'return 2^10 .. ""',
        'local n = 0 for i = 1, 100000 do n = n + i end return n',
        'return 2147483647 + 1',
        'return 65536 * 65536',
        'return tonumber("0x10")',
        'return tonumber("10", 2)',
        'return tonumber("1e3")',
        'return tonumber("  12  ")',
        'return tostring(tonumber("abc"))',
        'return math.floor(3.7) .. " " .. math.ceil(3.2) .. " " .. math.floor(-3.5)',
        'return math.max(1, 5, 3) .. " " .. math.min(2, 0.5)',
        'return math.huge .. " " .. -math.huge',
        'return math.fmod(7, 3) .. " " .. math.abs(-2.5)',
        'return math.pow(2, 10)',
        'return math.mod(7, 3)',
        'return math.log10(1000)',
        'return {math.frexp(8)}',
        'return math.ldexp(0.5, 4)',
        'return string.format("%d", 3.7)',
        'return string.format("%d", -3.7)',
        'return string.format("%5d|%-5d|%05d", 42, 42, 42)',
        'return string.format("%d", 1700000000000)',
        'return string.format("%s %s", 1, 2.5)',
        'return string.format("%.3f %g %e", 1/3, 1e20, 12345.678)',
        'return string.format("%x %X %o", 255, 255, 8)',
        'return string.format("%q", "a\\nb\\"c")',
        'return string.format("%5.1s|", "abc")',
        'return string.format("100%%")',
        'return {unpack({1, 2, 3})}',
        'return select("#", unpack({1, nil, 3}))',
        'return loadstring("return 5")()',
        'return table.getn({1, 2, 3})',
        'return table.concat({1, 2, "x"}, ",")',
        'local t = {3, 1, 2} table.sort(t) return t',
        'local t = {} table.insert(t, "a") table.insert(t, 1, "b") return t',
        'return string.rep("ab", 3)',
        'return {string.byte("AB", 1, 2)}',
        'return string.char(72, 105)',
        'return {string.find("hello world", "o w")}',
        'return string.gsub("hello", "l", "L")',
        'return string.match("key:123", "%d+")',
        'return string.sub("hello", 2, -2)',
        'return string.upper("abc") .. string.lower("DEF") .. string.len("xyz")',
        'return ("%d items"):format(3)',
        'return type(coroutine.create(function() end))',
        'local co = coroutine.wrap(function() coroutine.yield(1) return 2 end) return {co(), co()}',
        'return {pcall(error, "x")}',
        'return {pcall(error, {err = "T"})}',
        'return {xpcall(function() error("y") end, function(e) return "handled: " .. e end)}',
        'return type(collectgarbage("count"))',
        'return type(gcinfo())',
        'return next({})',
        'return rawequal("a", "a")',
        'return rawget({5}, 1)',
        'return tostring(nil) .. tostring(true)',
        'return type(_G)',
      ]),
    ));

  it('cjson, cmsgpack, bit', () =>
    expectSame(
      evalSteps([
        'return cjson.encode({1, 2, "a/b", {}, {x = true}})',
        'return cjson.encode({[1] = 1, [2] = 2, [4] = 4})',
        'return cjson.encode({[1] = 1, [20] = 2})',
        'return cjson.encode("\\0\\1\\t\\n\\r\\"\\\\/\\127\\200")',
        'return cjson.encode(0.1) .. cjson.encode(1e20) .. cjson.encode(-0) .. cjson.encode(1/3)',
        'return cjson.encode(cjson.null)',
        'return cjson.encode({cjson.null, false})',
        'return cjson.encode({[1.5] = 1})',
        'return cjson.encode({[true] = 1})',
        'return cjson.encode(0/0)',
        'return cjson.encode(function() end)',
        'return cjson.encode()',
        'return cjson.encode({a = {b = {c = {}}}})',
        'return cjson.decode("[1,2.5,\\"x\\",true,false]")',
        'return type(cjson.decode("null"))',
        'return cjson.decode("{\\"a\\":{\\"b\\":[1,2]}}").a.b',
        'return cjson.decode("\\"\\\\u00e9\\\\u4e2d\\\\ud83d\\\\ude00\\"")',
        'return cjson.decode("1e2")',
        'return cjson.decode("[1,")',
        'return cjson.decode("[1 2]")',
        'return cjson.decode("{\\"a\\":1 \\"b\\":2}")',
        'local t = cjson.decode("{\\"a\\":1, \\"b\\":2}") return {t.a, t.b}',
        'return cjson.decode("{\\"a\\" 1}")',
        'return cjson.decode("")',
        'return cjson.decode("[1] x")',
        'return cjson.decode("tru")',
        'return cjson.encode(cjson.decode("[[[]]]"))',
        'return cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296)',
        'return cmsgpack.pack(-32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)',
        'return cmsgpack.pack(1.5, 0.1, -0.25, 1e300, 2^53)',
        'return cmsgpack.pack("", "abc", string.rep("x", 31), string.rep("y", 32))',
        'return cmsgpack.pack(string.rep("z", 256))',
        'return cmsgpack.pack(true, false, nil)',
        'return cmsgpack.pack({}, {1, 2}, {a = 1}, {[1] = 1, [3] = 3})',
        'return cmsgpack.pack({1, {2, {3}}})',
        'return cmsgpack.pack(function() end)',
        'return cmsgpack.pack()',
        'return {cmsgpack.unpack(cmsgpack.pack(1, "a", {1, 2}, true))}',
        'return cmsgpack.unpack(cmsgpack.pack({x = "y"})).x',
        // every fixed-width number and every sized string, array and map header, unpacked
        'return {cmsgpack.unpack(cmsgpack.pack(-33, -129, -32769, -2147483649, 200, 70000, 2^40))}',
        'local a, b = cmsgpack.unpack(cmsgpack.pack(1.5, 0.1)) return {tostring(a), tostring(b)}',
        'return {cmsgpack.unpack(cmsgpack.pack(string.rep("y", 32), string.rep("z", 300)))}',
        'return #cmsgpack.unpack(cmsgpack.pack(string.rep("w", 70000)))',
        'local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.unpack(cmsgpack.pack(t))',
        'local t = {} for i = 1, 20 do t["k" .. i] = i end return cmsgpack.unpack(cmsgpack.pack(t)).k17',
        'return cmsgpack.unpack("\\196")',
        'return cmsgpack.unpack("\\193")',
        'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}',
        'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}',
        'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}',
        'return {bit.tobit(2^32 + 5), bit.tobit(-1), bit.tobit(2^31), bit.tobit(1.5), bit.tobit(2.5)}',
        'return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(3, 1), bit.bnot(0)}',
        'return {bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-16, 2)}',
        'return {bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}',
        'return {bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(1, 12)}',
        'return bit.band()',
        'return bit.band("x")',
        'return bit.band("12", 4)',
      ]),
    ));

  it('struct', () =>
    expectSame(
      evalSteps(
        [
          'struct.pack(">I2", 258)',
          'struct.pack("<i", -2)',
          'struct.pack(">i3 <H B b", -2, 65535, 255, -1)',
          'struct.pack("!4 b i", 1, 2)',
          'struct.pack("! b d", 1, 2)',
          'struct.pack("!2 b h", 1, 2)',
          'struct.pack("s c3", "ab", "xyzw")',
          'struct.pack("c0", "abc")',
          'struct.pack("c5", "ab")',
          'struct.pack("d f", 1.5, 0.25)',
          'struct.pack(">d", -0.1)',
          'struct.pack("x b x", 7)',
          'struct.pack("l L T", -5, 5, 6)',
          'struct.pack("i16", 1)',
          'struct.pack("z", 1)',
          'struct.pack("i40", 1)',
          'struct.pack("!3 i", 1)',
          'struct.pack("i")',
          'struct.size(">i4 h")',
          'struct.size("!4 b i")',
          'struct.size("s")',
          'struct.size("c0")',
          'struct.size("z")',
          '{struct.unpack(">I2 b", "\\1\\2\\255")}',
          '{struct.unpack("s c2", "ab\\0xyz")}',
          '{struct.unpack("b c0", "\\3abcd")}',
          '{struct.unpack("i", "ab")}',
          '{struct.unpack("b", "ab", 2)}',
          '{struct.unpack("b", "ab", 0)}',
          '{struct.unpack("b", "ab", 3)}',
          '{struct.unpack("l", struct.pack("l", -5))}',
          '{struct.unpack(">i8", struct.pack(">i8", 2^53))}',
          '{struct.unpack("!4 b i", struct.pack("!4 b i", 1, -9))}',
          '{struct.unpack("d f", struct.pack("d f", 1.5, 0.1))}',
          '{struct.unpack("s", "abc")}',
          '{struct.unpack("c0", "abc")}',
          '{struct.unpack("z", "abc")}',
          '{struct.unpack("x b", "ab")}',
        ].map((e) => `return ${e}`),
      ),
    ));

  it('the sandbox keeps globals and libraries read-only', () =>
    expectSame(
      evalSteps([
        'rawset(_G, "x", 1)',
        'setmetatable(_G, {})',
        'return getmetatable(_G)',
        '_G.x = 1',
        'KEYS = 1',
        'cjson.encode = nil',
        'bit.x = 1',
        'math.pi = 3',
        'table.insert = nil',
        'local s = string s.x = 1',
        'return load(string.dump(function() return 1 end))',
        'return loadstring("x = 1")()',
        'local ok, e = pcall(function() undefined_global() end) return e',
        'return type(load("return 1"))',
      ]),
    ));
});

// ------------------------------------------------------------------- fuzz

/** A random Lua value literal (numbers, strings, booleans, nil, nested tables, ok/err tables). */
function randomValue(rng: Rng, depth = 0): string {
  const kind = int(rng, 0, depth > 2 ? 5 : 8);
  switch (kind) {
    case 0:
      return String(int(rng, -1000, 1000));
    case 1: {
      const scale = pick(rng, [1, 1e3, 1e9, 1e15, 1e18, 1e-3]);
      return String((rng() - 0.5) * 2 * scale);
    }
    case 2:
      return pick(rng, ['true', 'false', 'nil', '0.5', '-0.5', '2^53', '2^63', '-2^63', '1e300']);
    case 3:
      return JSON.stringify(pick(rng, ['', 'a', 'hello world', '12', '-3.5', 'x y z', 'é']));
    case 4:
      return `"${'x'.repeat(int(rng, 0, 40))}"`;
    case 5:
      return pick(rng, ['{ok = "S"}', '{err = "E e"}', '{err = "lower"}', '{ok = ""}']);
    default: {
      const n = int(rng, 0, 5);
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(randomValue(rng, depth + 1));
      return `{${items.join(', ')}}`;
    }
  }
}

/** A random JSON-able Lua value for cjson/cmsgpack (at most one key per map: key order differs). */
function randomData(rng: Rng, depth = 0): string {
  const kind = int(rng, 0, depth > 2 ? 4 : 6);
  switch (kind) {
    case 0:
      return String(int(rng, -70000, 70000));
    case 1:
      return String(Math.round((rng() - 0.5) * 1e6) / pick(rng, [1, 4, 10, 1000]));
    case 2:
      return pick(rng, ['true', 'false', '2^40', '-2^40', '2^32', '1e20', '0.1']);
    case 3:
      return JSON.stringify(
        pick(rng, ['', 'a/b', 'tab\t', 'q"uote', 'back\\slash', 'é', 'long '.repeat(8)]),
      );
    case 4:
      return pick(rng, ['{}', '{x = 1}']);
    case 5:
      return `{k = ${randomData(rng, depth + 1)}}`;
    default: {
      const n = int(rng, 1, 5);
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(randomData(rng, depth + 1));
      return `{${items.join(', ')}}`;
    }
  }
}

function fuzzSteps(seed: number, count: number): Step[] {
  const rng = seededRng(seed);
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const value = randomValue(rng);
    const data = randomData(rng);
    const n = randomValue(rng);
    const body = pick(rng, [
      `return ${value}`,
      `return {${value}}`,
      `return type(${value})`,
      `local v = ${n} if type(v) == "number" then return tostring(v) end return 0`,
      `local v = ${n} if type(v) == "number" then return string.format("%d", v) end return 0`,
      `return cjson.encode(${data})`,
      `return cjson.encode(cjson.decode(cjson.encode(${data})))`,
      `return cmsgpack.pack(${data})`,
      `return cmsgpack.unpack(cmsgpack.pack(${data}))`,
      `local v = ${n} if type(v) == "number" then return {bit.tobit(v), bit.tohex(v), bit.band(v, 0xffff), bit.arshift(v, 3)} end return 0`,
      `redis.call("SET", "k", ${data === '{}' ? '1' : `cjson.encode(${data})`}) return redis.call("GET", "k")`,
    ]);
    steps.push({ cmd: ['EVAL', body, '0'] });
  }
  return steps;
}

describeDifferential('differential: scripting fuzz', () => {
  const fresh = Number(process.env.DIFF_SEED ?? Math.floor(Math.random() * 1e9));
  for (const seed of [1, 2, 3, fresh]) {
    it(`random values through every conversion (seed ${seed})`, () => {
      if (seed === fresh) console.info(`scripting fuzz seed: ${seed}`);
      return expectSame(fuzzSteps(seed, 150));
    });
  }
});

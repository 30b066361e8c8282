// One Lua VM (fengari) set up as Redis 7 sets up its scripting Lua: the Lua 5.1 globals a Redis
// script expects (bridged where 5.3 differs), the `redis` API, cjson/cmsgpack/bit, no host
// access, read-only globals, and Redis's error handler. Scripts run in a coroutine with a count
// hook, so a script past the busy threshold can hand the event loop back (see Scripting).

import { createHash } from 'node:crypto';
import { BLOCKING_POPS, SUBSCRIBE_COMMANDS } from '../../protocol/command-groups.ts';
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NULL_ARRAY,
  PushReply,
  type Reply,
  SetReply,
  SimpleString,
  toResp2,
  VerbatimReply,
} from '../../protocol/reply.ts';
import type { Engine, Session } from '../engine.ts';
import { pubsubOf } from '../pubsub.ts';
import { cformat, formatG17 } from './format.ts';
import { bit, cjson, cmsgpack, registerLib, struct } from './libs.ts';
import { CIST_OAH, type LuaState, lauxlib, loadFengari, lua, lualib, toLuaString } from './lua.ts';

/** What one running script needs for redis.call and for its error texts. */
export interface RunContext {
  engine: Engine;
  /** The script's own session (the caller's db; never in MULTI). */
  session: Session;
  /** EVAL_RO / FCALL_RO, or the no-writes flag. */
  readOnly: boolean;
  /** The sha1 (EVAL) or the function name (FCALL), as error texts name it. */
  name: string;
  /** redis.setresp: how replies of redis.call are converted. */
  resp: 2 | 3;
  /** When the script started (performance.now()). */
  started: number;
  /** The script has run a write command: SCRIPT KILL must refuse (UNKILLABLE). */
  wrote: boolean;
  killed: boolean;
  /** The error a killed script ends with (SCRIPT KILL's by default). */
  killReason?: string;
  /** Since when, past the threshold, the script could not be paused. */
  stuckSince?: number;
  /** The process's RSS when the script started (the memory guard's base). */
  startRss?: number;
  /** The hook may yield to the event loop (the caller can wait for a Promise). */
  yieldable: boolean;
  /** Start of the current slice between two yields. */
  sliceStarted: number;
}

/** How long past the threshold a script that cannot be paused may go on (see hook). */
const STUCK_GRACE_MS = 1000;

/** How much a script may grow the process (RSS) before it is stopped. */
const SCRIPT_MEMORY_LIMIT = 512 * 2 ** 20;

/** Field names used on every call, converted once (to_luastring allocates). */
const NAME: Record<string, Uint8Array> = {};
function nameOf(text: string): Uint8Array {
  let cached = NAME[text];
  if (cached === undefined) {
    cached = toLuaString(text);
    NAME[text] = cached;
  }
  return cached;
}

/** Commands a script may not call, as Redis 7 flags them `noscript`. */
const NOSCRIPT = new Set<string>([
  'eval',
  'evalsha',
  'eval_ro',
  'evalsha_ro',
  'fcall',
  'fcall_ro',
  'script',
  'function',
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  ...SUBSCRIBE_COMMANDS,
  ...BLOCKING_POPS,
  'wait',
  'waitaof',
  'client',
  'hello',
  'auth',
  'reset',
  'quit',
  'monitor',
  'shutdown',
  'config',
  'debug',
  'save',
  'bgsave',
  'bgrewriteaof',
  'sync',
  'psync',
  'replconf',
  'slaveof',
  'replicaof',
  'failover',
  'acl',
]);

// Runs after the libraries are loaded: the Lua 5.1 names Lua 5.3 dropped, the removals, Redis's
// error handler, and the read-only globals. Returns the sandbox environment and the handler.
const BOOTSTRAP = `
local G = _G
local getinfo = debug.getinfo
local error, type, tostring_unused, select, setmetatable, next, rawset = error, type, tostring, select, setmetatable, next, rawset
local format, floor, ceil, huge, unpack = string.format, math.floor, math.ceil, math.huge, table.unpack
local _load = load
local numfmt, gccount, makeload = __numfmt, __gccount, __makeload
local register_function, tramp = __register_function, __tramp
G.__numfmt, G.__gccount, G.__makeload, G.__register_function, G.__tramp = nil, nil, nil, nil, nil
-- Errors raised by the wrappers below carry this marker; the handler puts the script's
-- position in its place (level 2 would name the trampoline, a JS function).
local POS = '\0pos\0'
local function fail(msg) error(POS .. msg, 0) end

-- Lua 5.1 names (Redis runs Lua 5.1): bridged to their 5.3 equivalents.
G.unpack = unpack
table.getn = function(t) return #t end
table.maxn = function(t) local m = 0 for k in next, t do if type(k) == 'number' and k > m then m = k end end return m end
math.pow = function(a, b) return a ^ b end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == huge or x == -huge then return x, 0 end
  local e = floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m = m / 2; e = e + 1 elseif math.abs(m) < 0.5 then m = m * 2; e = e - 1 end
  return m, e
end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
-- math.floor/ceil return integers in 5.3: kept as floats so later arithmetic stays double.
-- (Varargs pass "no value" through as such, and the locals are named as the originals, so
-- argument errors read as Redis's.)
math.floor = function(...) return floor(...) + 0.0 end
math.ceil = function(...) return ceil(...) + 0.0 end
-- One string is capped at 512 MB (Redis's proto-max-bulk-len): string.rep and table.concat
-- would otherwise build a gigabyte in one C call, out of reach of the memory guard.
local rep, concat = string.rep, table.concat
local STRING_MAX = 512 * 1024 * 1024
string.rep = function(...)
  local s, n, sep = ...
  if type(s) == 'string' and type(n) == 'number' and n > 0 and #s * n + (type(sep) == 'string' and #sep * (n - 1) or 0) > STRING_MAX then
    fail('resulting string too large')
  end
  return rep(...)
end
table.concat = function(...)
  local t, sep, i, j = ...
  if type(t) == 'table' then
    local total, sepn = 0, (type(sep) == 'string' and #sep or 0)
    for k = i or 1, j or #t do
      local v = t[k]
      if type(v) == 'string' then total = total + #v + sepn end
      if total > STRING_MAX then fail('resulting string too large') end
    end
  end
  return concat(...)
end
-- tostring goes through fengari's own formatting (3.0); concatenation uses the %.14g patch.
local _tostring = tostring
do
  local tostring = _tostring
  G.tostring = function(...)
    local v = ...
    if type(v) == 'number' then return v .. '' end
    return tostring(...)
  end
end
-- fengari has no collector control (the JS GC does the work): 'count' answers the Lua heap size
-- as the VM estimates it, the other options do nothing, as a script cannot tell the difference.
G.collectgarbage = function(opt)
  if opt == nil or opt == 'collect' or opt == 'step' then return 0 end
  if opt == 'count' then return gccount() end
  return 0
end
G.gcinfo = function() return floor(gccount()) end
-- %d takes any number and truncates it, as Lua 5.1's string.format does (5.3 refuses 3.5, and
-- fengari's integers are 32-bit): such a conversion is printed with %.0f of the truncated value;
-- out of the int64 range, as C's cast gives it on x86, INT64_MIN. %e %f %g print as C does
-- (numfmt); %s of a number as tostring.
string.format = function(fmt, ...)
  if type(fmt) ~= 'string' then return format(fmt, ...) end
  local n = select('#', ...)
  local args = {...}
  local i = 0
  local changed = false
  local newfmt = fmt:gsub('%%([-+ #0]*%d*)(%.?%d*)([%a%%])', function(flags, prec, conv)
    if conv == '%' then return nil end
    i = i + 1
    local v = args[i]
    if conv == 's' and type(v) == 'number' then
      args[i] = v .. ''
      changed = true
    elseif (conv == 'e' or conv == 'E' or conv == 'f' or conv == 'g' or conv == 'G') and type(v) == 'number' then
      args[i] = numfmt(v, conv, flags, prec)
      changed = true
      return '%s'
    elseif (conv == 'd' or conv == 'i') and type(v) == 'number' then
      if v ~= v or v >= 2^63 or v < -2^63 then v = -2^63 end
      args[i] = v >= 0 and floor(v) or ceil(v)
      changed = true
      return '%' .. flags .. '.0f'
    end
  end)
  if not changed then return format(fmt, ...) end
  return format(newfmt, unpack(args, 1, n))
end

-- No host access: no files, no modules, no debug.
G.dofile, G.loadfile, G.require, G.package, G.os, G.io, G.debug, G.utf8, G.print = nil, nil, nil, nil, nil, nil, nil, nil, nil

-- The wrappers written in Lua are called through a JS trampoline, so that a script's
-- \`return f()\` calls a C function, which keeps the script's frame (Redis's own functions are
-- C): errors still name the script's line.
for _, pair in next, {
  {table, 'getn'}, {table, 'maxn'}, {table, 'concat'}, {math, 'pow'}, {math, 'log10'},
  {math, 'ldexp'}, {math, 'frexp'}, {math, 'cosh'}, {math, 'sinh'}, {math, 'tanh'},
  {math, 'floor'}, {math, 'ceil'}, {string, 'rep'}, {string, 'format'}, {G, 'tostring'},
  {G, 'collectgarbage'}, {G, 'gcinfo'},
} do
  pair[1][pair[2]] = tramp(pair[1][pair[2]])
end

local protected = setmetatable({}, {__mode = 'k'})
local function readonly_error() error('Attempt to modify a readonly table', 2) end
local function readonly(t, mt)
  local proxy = setmetatable({}, {
    __index = t, __newindex = readonly_error, __metatable = mt or false,
    __pairs = function() return next, t, nil end, __len = function() return #t end,
  })
  protected[proxy] = true
  return proxy
end
-- Redis raises these two from C, without a position.
G.rawset = tramp(function(t, k, v)
  if protected[t] then error('Attempt to modify a readonly table', 0) end
  return rawset(t, k, v)
end)
G.setmetatable = tramp(function(t, mt)
  if protected[t] then error('Attempt to modify a readonly table', 0) end
  return setmetatable(t, mt)
end)
for _, name in next, {'string', 'table', 'math', 'coroutine', 'redis', 'cjson', 'cmsgpack', 'bit', 'struct'} do
  G[name] = readonly(G[name])
end
getmetatable('').__metatable = false

local env = readonly(G, {})
G._G = env
-- Lua 5.1's load takes a reader function (a JS function here, so that its argument error
-- names the script's line even from a tail call); loadstring a string. No bytecode.
G.load = makeload(_load, env)
G.loadstring = tramp(function(s, name) return _load(s, name, 't', env) end)
setmetatable(G, {__index = function(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end, __metatable = false})

-- Redis's __redis__err__handler: every error becomes a table {err=, source=, line=}.
local function handler(err)
  -- Redis takes the caller of the C function that raised; here library and bootstrap code
  -- (JS functions, this file) is skipped the same way, up to the script's own frame.
  local i
  for level = 2, 12 do
    i = getinfo(level, 'nSl')
    if i == nil or ((i.what == 'Lua' or i.what == 'main') and i.source ~= '=bootstrap') then break end
  end
  if type(err) ~= 'table' then
    local text = tostring(err)
    -- The script's position where a wrapper raised, or where a C function called by one did.
    local where = i and (i.short_src .. ':' .. i.currentline .. ': ') or ''
    if text:sub(1, 5) == POS then
      text = where .. text:sub(6)
    else
      text = text:gsub('^bootstrap:%d+: ', function() return where end)
    end
    -- Lua 5.3 words some runtime errors differently from the 5.1 Redis runs: reworded back.
    text = text:gsub("attempt to ([%a ]-) a (%a+) value %((%a+) '([^']*)'%)", "attempt to %1 %3 '%4' (a %2 value)")
    err = {err = 'ERR ' .. text}
  end
  if i then err.source = i.source; err.line = i.currentline end
  return err
end
local xpcall = xpcall
local function runner(f, h, ...) return xpcall(f, h, ...) end

-- FUNCTION libraries get an environment of their own: while FUNCTION LOAD runs their code it
-- sees only redis.register_function, redis.log and the constants (as Redis 7.0); when their
-- functions run, the same globals as EVAL scripts.
local function missing(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end
local R = G.redis
local loadredis = readonly(setmetatable({
  register_function = register_function, log = R.log,
  LOG_DEBUG = R.LOG_DEBUG, LOG_VERBOSE = R.LOG_VERBOSE, LOG_NOTICE = R.LOG_NOTICE,
  LOG_WARNING = R.LOG_WARNING, REDIS_VERSION = R.REDIS_VERSION, REDIS_VERSION_NUM = R.REDIS_VERSION_NUM,
}, {__index = missing}))
local loadapi = setmetatable({redis = loadredis}, {__index = missing})
local fenv_mt = {__index = G, __newindex = readonly_error, __metatable = {}}
local fenv = setmetatable({}, fenv_mt)
local function set_loading(on) fenv_mt.__index = on and loadapi or G end
return env, handler, runner, fenv, set_loading
`;

export interface VmOptions {
  /** busy-reply-threshold (lua-time-limit): past it a script yields to let others get BUSY. */
  busyThresholdMs: number;
  /** Lua instructions between two checks of the clock. */
  hookInstructions?: number;
  /** Length of one slice of a busy script between two yields to the event loop. */
  sliceMs?: number;
}

export class LuaVM {
  readonly L: LuaState;
  private readonly globalsRef: number;
  private readonly handlerRef: number;
  private readonly runnerRef: number;
  private readonly setLoadingRef: number;
  private readonly functionEnvRef: number;
  /** The functions a FUNCTION LOAD in progress has registered. */
  private registering: Map<string, LuaFunction> | undefined;
  private loadStarted: number | undefined;
  current: RunContext | undefined;
  /** The coroutine of a script that yielded (busy), with its registry ref. */
  private thread: { co: LuaState; ref: number } | undefined;
  private spare: { co: LuaState; ref: number } | undefined;
  private hookCalls = 0;

  constructor(private readonly options: VmOptions) {
    loadFengari();
    const L = lauxlib.luaL_newstate();
    this.L = L;
    for (const [name, open] of [
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
      ['coroutine', lualib.luaopen_coroutine],
      ['debug', lualib.luaopen_debug],
    ] as const) {
      lauxlib.luaL_requiref(L, toLuaString(name), open, 1);
      lua.lua_pop(L, 1);
    }
    // pcall/xpcall replaced: fengari's lua_pcallk never records "hooks were allowed" for an
    // error caught inside a coroutine, so after the first caught error the count hook stopped
    // firing for good (no more BUSY slices, no SCRIPT KILL). These set the bit first.
    lua.lua_pushcfunction(L, protectedCall(false));
    lua.lua_setglobal(L, toLuaString('pcall'));
    lua.lua_pushcfunction(L, protectedCall(true));
    lua.lua_setglobal(L, toLuaString('xpcall'));
    // Helpers the bootstrap takes and removes from the globals.
    lua.lua_pushcfunction(L, (T: LuaState) => {
      const n = lauxlib.luaL_checknumber(T, 1);
      const conv: string = lua.lua_tojsstring(T, 2);
      const flagsWidth = /^([-+ #0]*)(\d*)$/.exec(lua.lua_tojsstring(T, 3)) ?? ['', '', ''];
      const prec: string = lua.lua_tojsstring(T, 4);
      const precision = prec === '' ? -1 : Number(prec.slice(1) || '0');
      const text = cformat(n, conv, flagsWidth[1], Number(flagsWidth[2] || '0'), precision);
      lua.lua_pushstring(T, toLuaString(text));
      return 1;
    });
    lua.lua_setglobal(L, toLuaString('__numfmt'));
    lua.lua_pushcfunction(L, (T: LuaState) => {
      // fengari keeps no heap count; a small constant stands in (Redis reports a few dozen KB).
      lua.lua_pushnumber(T, 32);
      return 1;
    });
    lua.lua_setglobal(L, toLuaString('__gccount'));
    lua.lua_pushcfunction(L, (T: LuaState) => {
      lua.lua_pushcclosure(
        T,
        (C: LuaState) => {
          lauxlib.luaL_checktype(C, 1, lua.LUA_TFUNCTION);
          lua.lua_pushvalue(C, lua.lua_upvalueindex(1));
          lua.lua_pushvalue(C, 1);
          lua.lua_pushvalue(C, 2);
          lua.lua_pushstring(C, toLuaString('t'));
          lua.lua_pushvalue(C, lua.lua_upvalueindex(2));
          lua.lua_call(C, 4, 2);
          return 2;
        },
        2,
      );
      return 1;
    });
    lua.lua_setglobal(L, toLuaString('__makeload'));
    lua.lua_pushcfunction(L, (T: LuaState) => {
      lauxlib.luaL_checktype(T, 1, lua.LUA_TFUNCTION);
      lua.lua_pushcclosure(T, trampoline, 1);
      return 1;
    });
    lua.lua_setglobal(L, toLuaString('__tramp'));
    lua.lua_pushcfunction(L, (T: LuaState) => this.registerFunction(T));
    lua.lua_setglobal(L, toLuaString('__register_function'));
    this.installRedis();
    registerLib(L, 'cjson', cjson);
    lua.lua_getglobal(L, toLuaString('cjson'));
    lua.lua_pushlightuserdata(L, null);
    lua.lua_setfield(L, -2, toLuaString('null'));
    lua.lua_pop(L, 1);
    registerLib(L, 'cmsgpack', cmsgpack);
    registerLib(L, 'bit', bit);
    registerLib(L, 'struct', struct);

    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
    this.globalsRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    if (lauxlib.luaL_loadbuffer(L, toLuaString(BOOTSTRAP), null, toLuaString('=bootstrap')) !== 0)
      throw new Error(`Lua bootstrap: ${lua.lua_tojsstring(L, -1)}`);
    lua.lua_call(L, 0, 5);
    this.setLoadingRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.functionEnvRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.runnerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.handlerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    // New chunks get the read-only environment as their _ENV.
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
    lua.lua_sethook(
      L,
      (hl: LuaState) => this.hook(hl),
      lua.LUA_MASKCOUNT,
      options.hookInstructions ?? 1000,
    );
  }

  /** Compiles a script body; a registry ref to the function, or the compile error text. */
  compile(body: Buffer, chunkName = '@user_script'): number | string {
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, Uint8Array.from(body), null, toLuaString(chunkName)) !== 0) {
      const message: string = lua.lua_tojsstring(L, -1);
      lua.lua_pop(L, 1);
      // Lua 5.1 quotes the end-of-input token in syntax errors; 5.3 does not.
      return message.replace(/ near <eof>$/, " near '<eof>'");
    }
    return lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  release(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /**
   * Starts a compiled script with KEYS and ARGV (or, for functions, with `keys` and `args` as its
   * two arguments). Returns its reply, or undefined when it yielded (see `resume`).
   */
  start(
    ref: number,
    keys: Buffer[],
    args: Buffer[],
    context: RunContext,
    asArgs = false,
  ): Reply | undefined {
    const L = this.L;
    this.current = context;
    // A coroutine that finished cleanly is reused: a new one per call was a third of the cost.
    let thread = this.spare;
    this.spare = undefined;
    if (thread === undefined) {
      const created = lua.lua_newthread(L);
      thread = { co: created, ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX) };
    }
    this.thread = thread;
    const co = thread.co;
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, this.runnerRef);
    if (asArgs) {
      // A FUNCTION callback: runner(f, handler, keys, args).
      lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, ref);
      lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, this.handlerRef);
      pushArray(co, keys);
      pushArray(co, args);
      return this.step(4);
    } else {
      lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, this.globalsRef);
      pushArray(co, keys);
      lua.lua_setfield(co, -2, nameOf('KEYS'));
      pushArray(co, args);
      lua.lua_setfield(co, -2, nameOf('ARGV'));
      lua.lua_pop(co, 1);
      lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, ref);
    }
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, this.handlerRef);
    return this.step(2);
  }

  /**
   * Runs a library's code (FUNCTION LOAD): the functions it registered, or an error reply text.
   * `code` has its shebang line already blanked.
   */
  loadLibrary(code: Buffer): Map<string, LuaFunction> | string {
    const L = this.L;
    const ref = this.compile(code, '@user_function');
    if (typeof ref === 'string') return `ERR Error compiling function: ${ref}`;
    const top = lua.lua_gettop(L);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.handlerRef);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    this.release(ref);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.functionEnvRef);
    lua.lua_setupvalue(L, -2, 1);
    const setLoading = (on: boolean) => {
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.setLoadingRef);
      lua.lua_pushboolean(L, on);
      lua.lua_call(L, 1, 0);
    };
    const registered = new Map<string, LuaFunction>();
    this.registering = registered;
    this.loadStarted = performance.now();
    setLoading(true);
    let status: number;
    try {
      status = lua.lua_pcall(L, 0, 0, top + 1);
    } finally {
      this.registering = undefined;
      this.loadStarted = undefined;
      setLoading(false);
    }
    let failure: string | undefined;
    if (status !== lua.LUA_OK) {
      let message = 'unknown error';
      if (
        lua.lua_type(L, -1) === lua.LUA_TTABLE &&
        field(L, lua.lua_gettop(L), 'err') === lua.LUA_TSTRING
      ) {
        message = Buffer.from(lua.lua_tolstring(L, -1)).toString('latin1');
      }
      failure = `ERR Error registering functions: ${message}`;
    }
    lua.lua_settop(L, top);
    if (failure !== undefined) {
      for (const fn of registered.values()) this.release(fn.ref);
      return failure;
    }
    return registered;
  }

  /** redis.register_function(name, callback) or redis.register_function{...}. */
  private registerFunction(T: LuaState): number {
    const registered = this.registering;
    if (registered === undefined)
      raiseTable(T, 'redis.register_function can only be called on FUNCTION LOAD command');
    const argc = lua.lua_gettop(T);
    let name: string | undefined;
    let description: string | null = null;
    const flags: string[] = [];
    if (argc === 1) {
      if (lua.lua_type(T, 1) !== lua.LUA_TTABLE)
        raiseTable(
          T,
          'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).',
        );
      let callback = false;
      lua.lua_pushnil(T);
      while (lua.lua_next(T, 1) !== 0) {
        const key = lua.lua_type(T, -2) === lua.LUA_TSTRING ? lua.lua_tojsstring(T, -2) : '';
        if (key === 'function_name') {
          if (lua.lua_type(T, -1) !== lua.LUA_TSTRING)
            raiseTable(
              T,
              'function_name argument given to redis.register_function must be a string',
            );
          name = lua.lua_tojsstring(T, -1);
        } else if (key === 'callback') {
          if (lua.lua_type(T, -1) !== lua.LUA_TFUNCTION)
            raiseTable(T, 'callback argument given to redis.register_function must be a function');
          callback = true;
        } else if (key === 'description') {
          if (lua.lua_type(T, -1) !== lua.LUA_TSTRING)
            raiseTable(T, 'description argument given to redis.register_function must be a string');
          description = lua.lua_tojsstring(T, -1);
        } else if (key === 'flags') {
          if (lua.lua_type(T, -1) !== lua.LUA_TTABLE)
            raiseTable(
              T,
              'flags argument to redis.register_function must be a table representing function flags',
            );
          for (let i = 1; lua.lua_rawgeti(T, -1, i) !== lua.LUA_TNIL; i++) {
            const flag = lua.lua_type(T, -1) === lua.LUA_TSTRING ? lua.lua_tojsstring(T, -1) : '';
            lua.lua_pop(T, 1);
            if (!FUNCTION_FLAGS.includes(flag)) raiseTable(T, 'unknown flag given');
            flags.push(flag);
          }
          lua.lua_pop(T, 1);
        } else {
          raiseTable(T, 'unknown argument given to redis.register_function');
        }
        lua.lua_pop(T, 1);
      }
      if (name === undefined)
        raiseTable(T, 'redis.register_function must get a function name argument');
      if (!callback) raiseTable(T, 'redis.register_function must get a callback argument');
      lua.lua_getfield(T, 1, nameOf('callback'));
    } else if (argc === 2) {
      if (lua.lua_type(T, 1) !== lua.LUA_TSTRING)
        raiseTable(T, 'first argument to redis.register_function must be a string');
      if (lua.lua_type(T, 2) !== lua.LUA_TFUNCTION)
        raiseTable(T, 'second argument to redis.register_function must be a function');
      name = lua.lua_tojsstring(T, 1);
      lua.lua_pushvalue(T, 2);
    } else {
      raiseTable(T, 'wrong number of arguments to redis.register_function');
    }
    if (!/^[A-Za-z0-9_]+$/.test(name!))
      raiseTable(
        T,
        'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long',
      );
    if (registered.has(name!)) raiseTable(T, 'Function already exists in the library');
    registered.set(name!, { ref: lauxlib.luaL_ref(T, lua.LUA_REGISTRYINDEX), flags, description });
    return 0;
  }

  /** Runs a yielded script for another slice; its reply, or undefined if it yielded again. */
  resume(): Reply | undefined {
    return this.step(0);
  }

  get running(): boolean {
    return this.thread !== undefined;
  }

  private step(nargs: number): Reply | undefined {
    const { co, ref } = this.thread!;
    const context = this.current!;
    context.sliceStarted = performance.now();
    const status = lua.lua_resume(co, this.L, nargs);
    if (status === lua.LUA_YIELD) return undefined;
    let reply: Reply;
    if (status !== lua.LUA_OK) {
      reply = new ErrorReply(
        `ERR Error running script (call to ${context.name}): @user_script ${lua.lua_tojsstring(co, -1)}`,
      );
    } else if (lua.lua_toboolean(co, 1)) {
      reply = luaToReply(co, 2, context, 0);
    } else {
      reply = errorFromTable(co, 2, context.name);
    }
    lua.lua_settop(co, 0);
    // A killed script's coroutine keeps its every-line hook; an errored one is dead.
    if (status === lua.LUA_OK && !context.killed) this.spare = this.thread;
    else lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
    this.thread = undefined;
    this.current = undefined;
    return reply;
  }

  private hook(hl: LuaState): void {
    if (this.loadStarted !== undefined) {
      // FUNCTION LOAD runs the library's top level synchronously: it gets 500 ms, as in Redis.
      if (performance.now() - this.loadStarted > 500) {
        pushErrorTable(hl, 'FUNCTION LOAD timeout');
        lua.lua_error(hl);
      }
      return;
    }
    const context = this.current;
    if (context === undefined) return;
    if (context.killed) {
      // Not in the runner's own frame (after xpcall returned): the error must come from inside
      // the script, where Redis's handler gives it the script's position.
      const ar = new lua.lua_Debug();
      if (lua.lua_getstack(hl, 0, ar) && lua.lua_getinfo(hl, toLuaString('S'), ar)) {
        if (Buffer.from(ar.source ?? []).toString('latin1') === '=bootstrap') return;
      }
      // Raised again on every line, so a pcall in the script cannot swallow it.
      lua.lua_sethook(hl, (h: LuaState) => this.hook(h), lua.LUA_MASKCOUNT | lua.LUA_MASKLINE, 1);
      pushErrorTable(hl, context.killReason ?? '-ERR Script killed by user with SCRIPT KILL...');
      lua.lua_error(hl);
      return;
    }
    // Lua has no memory limit of its own here (Redis has none either, but an out-of-memory
    // Node takes the whole server down): a script whose process grew past the limit since it
    // started is stopped like a killed one.
    // (The base is taken at the first check, 64,000 instructions in: reading RSS costs tens of
    // microseconds, too much for every short script.)
    if ((++this.hookCalls & 63) === 0) {
      const rss = process.memoryUsage.rss();
      context.startRss ??= rss;
      const grown = rss - context.startRss;
      if (grown > SCRIPT_MEMORY_LIMIT) {
        context.killed = true;
        context.killReason = `-ERR Script used more than ${SCRIPT_MEMORY_LIMIT / 2 ** 20} MB of memory and was stopped (kv-server's limit for scripts)`;
        return;
      }
    }
    const now = performance.now();
    if (now - context.started < this.options.busyThresholdMs) return;
    const canPause = context.yieldable && hl === this.thread?.co && lua.lua_isyieldable(hl);
    if (canPause) {
      context.stuckSince = undefined;
      if (now - context.sliceStarted >= (this.options.sliceMs ?? 20)) lua.lua_yield(hl, 0);
      return;
    }
    // Past the threshold where the script cannot be paused (inside MULTI, a coroutine of its
    // own, or a callback of a C function such as table.sort): Redis would answer others BUSY
    // from inside the hook, which a JS server cannot, and SCRIPT KILL could never arrive. After
    // a second more it is stopped as SCRIPT KILL would stop it, unless it wrote (UNKILLABLE).
    context.stuckSince ??= now;
    if (!context.wrote && now - context.stuckSince > STUCK_GRACE_MS) {
      context.killed = true;
      context.killReason = `-ERR Script ran past busy-reply-threshold (${this.options.busyThresholdMs} ms) where kv-server cannot pause it (inside MULTI, a coroutine or a C callback) and was stopped`;
    }
  }

  private installRedis(): void {
    const L = this.L;
    const fns: Record<string, (L: LuaState) => number> = {
      call: (T) => this.redisCall(T, true),
      pcall: (T) => this.redisCall(T, false),
      error_reply: (T) => {
        if (lua.lua_gettop(T) !== 1 || lua.lua_type(T, -1) !== lua.LUA_TSTRING) {
          pushErrorTable(T, 'wrong number or type of arguments');
          return 1;
        }
        const text = Buffer.from(lua.lua_tolstring(T, -1)).toString('latin1');
        pushErrorTable(T, text.startsWith('-') ? text : `-${text}`);
        return 1;
      },
      status_reply: (T) => {
        if (lua.lua_gettop(T) !== 1 || lua.lua_type(T, -1) !== lua.LUA_TSTRING) {
          pushErrorTable(T, 'wrong number or type of arguments');
          return 1;
        }
        lua.lua_newtable(T);
        lua.lua_pushvalue(T, 1);
        lua.lua_setfield(T, -2, nameOf('ok'));
        return 1;
      },
      sha1hex: (T) => {
        if (lua.lua_gettop(T) !== 1) {
          raiseTable(T, 'wrong number of arguments');
        }
        const s: Uint8Array = lua.lua_tolstring(T, 1) ?? new Uint8Array();
        lua.lua_pushstring(T, toLuaString(sha1(Buffer.from(s))));
        return 1;
      },
      log: (T) => {
        if (lua.lua_gettop(T) < 2) raiseTable(T, 'redis.log() requires two arguments or more.');
        if (!lua.lua_isnumber(T, 1)) raiseTable(T, 'First argument must be a number (log level).');
        const level = lua.lua_tonumber(T, 1);
        if (level < 0 || level > 3) raiseTable(T, 'Invalid debug level.');
        return 0; // the local server keeps no log file; accepted and dropped
      },
      setresp: (T) => {
        if (lua.lua_gettop(T) !== 1) raiseTable(T, 'redis.setresp() requires one argument.');
        const resp = lua.lua_tonumber(T, -1);
        if (resp !== 2 && resp !== 3) raiseTable(T, 'RESP version must be 2 or 3.');
        this.current!.resp = resp;
        return 0;
      },
      set_repl: (T) => {
        if (lua.lua_gettop(T) !== 1) raiseTable(T, 'redis.set_repl() requires one argument.');
        const flags = lua.lua_tonumber(T, -1);
        if (!Number.isInteger(flags) || flags < 0 || flags > 3)
          raiseTable(
            T,
            'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.',
          );
        return 0;
      },
      replicate_commands: (T) => {
        lua.lua_pushboolean(T, true);
        return 1;
      },
      breakpoint: (T) => {
        lua.lua_pushboolean(T, false);
        return 1;
      },
      debug: () => 0,
    };
    lua.lua_createtable(L, 0, 32);
    for (const [key, fn] of Object.entries(fns)) {
      lua.lua_pushcfunction(L, fn);
      lua.lua_setfield(L, -2, toLuaString(key));
    }
    const constants: Record<string, number | string> = {
      LOG_DEBUG: 0,
      LOG_VERBOSE: 1,
      LOG_NOTICE: 2,
      LOG_WARNING: 3,
      REPL_NONE: 0,
      REPL_AOF: 1,
      REPL_SLAVE: 2,
      REPL_REPLICA: 2,
      REPL_ALL: 3,
      REDIS_VERSION: '7.0.0',
      REDIS_VERSION_NUM: 0x070000,
    };
    for (const [key, value] of Object.entries(constants)) {
      if (typeof value === 'number') lua.lua_pushnumber(L, value);
      else lua.lua_pushstring(L, toLuaString(value));
      lua.lua_setfield(L, -2, toLuaString(key));
    }
    lua.lua_setglobal(L, toLuaString('redis'));
  }

  /** redis.call (raise) / redis.pcall (return {err=...}). */
  private redisCall(T: LuaState, raise: boolean): number {
    const context = this.current!;
    const fail = (message: string): number => {
      pushErrorTable(T, message);
      if (raise) lua.lua_error(T);
      return 1;
    };
    const argc = lua.lua_gettop(T);
    if (argc === 0) return fail('Please specify at least one argument for this redis lib call');
    const argv: Buffer[] = [];
    for (let i = 1; i <= argc; i++) {
      const type = lua.lua_type(T, i);
      if (type !== lua.LUA_TSTRING && type !== lua.LUA_TNUMBER)
        return fail('Lua redis lib command arguments must be strings or integers');
      // A number becomes its %.17g text, as Redis formats it (lua_Number, not Lua's tostring).
      argv.push(
        type === lua.LUA_TNUMBER
          ? Buffer.from(formatG17(lua.lua_tonumber(T, i)))
          : Buffer.from(lua.lua_tolstring(T, i)),
      );
    }
    const name = argv[0]!.toString('latin1').toLowerCase();
    const spec = context.engine.command(name);
    if (spec === undefined) return fail('Unknown Redis command called from script');
    if (spec.arity >= 0 ? argv.length !== spec.arity : argv.length < -spec.arity)
      return fail('Wrong number of args calling Redis command from script');
    const flags = (spec as { flags?: string[] }).flags;
    if (NOSCRIPT.has(name) || flags?.includes('noscript'))
      return fail('This Redis command is not allowed from script');
    if (name === 'xread' || name === 'xreadgroup') {
      if (argv.some((a) => a.toString('latin1').toLowerCase() === 'block'))
        return fail(`${name} command is not allowed with BLOCK option from scripts`);
    }
    const writes = spec.write === true || flags?.includes('write') === true;
    if (writes && context.readOnly)
      return fail('Write commands are not allowed from read-only scripts.');
    let reply = context.engine.execute(context.session, argv);
    // MONITOR shows a script's commands as Redis does (`[0 lua] "get" "k"`, after the EVAL line).
    pubsubOf(context.engine).feedMonitors(context.session.dbIndex, 'lua', argv);
    if (writes) context.wrote = true;
    if (reply instanceof ErrorReply) {
      return fail(`-${reply.message}`);
    }
    if (context.resp === 2) reply = deepResp2(reply);
    lauxlib.luaL_checkstack(T, 4, null);
    pushReply(T, reply, context.resp);
    return 1;
  }
}

function finishProtectedCall(T: LuaState, status: number, extra: number): number {
  if (status !== lua.LUA_OK && status !== lua.LUA_YIELD) {
    lua.lua_pushboolean(T, false);
    lua.lua_pushvalue(T, -2);
    return 2;
  }
  return lua.lua_gettop(T) - extra;
}

/** Calls its upvalue with its arguments and returns what it returns (yieldable). */
function trampoline(T: LuaState): number {
  lua.lua_pushvalue(T, lua.lua_upvalueindex(1));
  lua.lua_insert(T, 1);
  lua.lua_callk(T, lua.lua_gettop(T) - 1, lua.LUA_MULTRET, 0, afterTrampoline);
  return lua.lua_gettop(T);
}

function afterTrampoline(T: LuaState): number {
  return lua.lua_gettop(T);
}

/** Redis 7's pcall: an error table with a string `err` is returned as that string. */
function finishPcall(T: LuaState, status: number, extra: number): number {
  if (status !== lua.LUA_OK && status !== lua.LUA_YIELD) {
    lua.lua_pushboolean(T, false);
    lua.lua_pushvalue(T, -2);
    if (lua.lua_type(T, -1) === lua.LUA_TTABLE) {
      lua.lua_getfield(T, -1, nameOf('err'));
      if (lua.lua_type(T, -1) === lua.LUA_TSTRING) lua.lua_replace(T, -2);
      else lua.lua_pop(T, 1);
    }
    return 2;
  }
  return lua.lua_gettop(T) - extra;
}

/** Lua's pcall / xpcall (lbaselib), with the allowhook bit set before the protected call. */
function protectedCall(withHandler: boolean): (T: LuaState) => number {
  return (T) => {
    const state = T as { allowhook: number; ci: { callstatus: number } };
    if (withHandler) {
      const n = lua.lua_gettop(T);
      lauxlib.luaL_checktype(T, 2, lua.LUA_TFUNCTION);
      lua.lua_pushboolean(T, true);
      lua.lua_pushvalue(T, 1);
      lua.lua_rotate(T, 3, 2);
      if (state.allowhook) state.ci.callstatus |= CIST_OAH;
      const status = lua.lua_pcallk(T, n - 2, lua.LUA_MULTRET, 2, 2, finishProtectedCall);
      return finishProtectedCall(T, status, 2);
    }
    lauxlib.luaL_checkany(T, 1);
    lua.lua_pushboolean(T, true);
    lua.lua_insert(T, 1);
    if (state.allowhook) state.ci.callstatus |= CIST_OAH;
    const status = lua.lua_pcallk(T, lua.lua_gettop(T) - 2, lua.LUA_MULTRET, 0, 0, finishPcall);
    return finishPcall(T, status, 0);
  };
}

/** A function registered by a FUNCTION library. */
export interface LuaFunction {
  ref: number;
  flags: string[];
  description: string | null;
}

export const FUNCTION_FLAGS = [
  'no-writes',
  'allow-oom',
  'allow-stale',
  'no-cluster',
  'allow-cross-slot-keys',
];

export function sha1(body: Buffer): string {
  return createHash('sha1').update(body).digest('hex');
}

function pushArray(T: LuaState, items: Buffer[]): void {
  lua.lua_createtable(T, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    // No copy: fengari keeps the bytes by reference, and argv buffers are never reused.
    lua.lua_pushstring(T, items[i]!);
    lua.lua_rawseti(T, -2, i + 1);
  }
}

/** Redis's luaPushErrorBuff: `-CODE msg` keeps its code, anything else gets `ERR`. */
function pushErrorTable(T: LuaState, text: string): void {
  let message: string;
  if (text.startsWith('-')) {
    const space = text.indexOf(' ');
    message = space < 0 ? `ERR ${text.slice(1)}` : text.slice(1);
  } else {
    message = `ERR ${text}`;
  }
  message = message.replace(/[\r\n]+$/, '');
  lua.lua_createtable(T, 0, 1);
  lua.lua_pushstring(T, Uint8Array.from(Buffer.from(message, 'latin1')));
  lua.lua_setfield(T, -2, nameOf('err'));
}

function raiseTable(T: LuaState, text: string): never {
  pushErrorTable(T, text);
  lua.lua_error(T);
  throw new Error('unreachable');
}

function deepResp2(reply: Reply): Reply {
  const flat = toResp2(reply);
  if (Array.isArray(flat)) return flat.map(deepResp2);
  return flat;
}

function str(T: LuaState, text: string | Buffer): void {
  // Buffers go in by reference (neither side mutates a reply once made).
  lua.lua_pushstring(T, typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
}

/** An engine reply as the Lua value Redis gives a script (RESP2 rules, or RESP3 with setresp(3)). */
function pushReply(T: LuaState, reply: Reply, resp: 2 | 3): void {
  lauxlib.luaL_checkstack(T, 4, null);
  if (reply === null) {
    if (resp === 3) lua.lua_pushnil(T);
    else lua.lua_pushboolean(T, false);
  } else if (reply === NULL_ARRAY) {
    if (resp === 3) lua.lua_pushnil(T);
    else lua.lua_pushboolean(T, false);
  } else if (typeof reply === 'number') {
    lua.lua_pushnumber(T, reply);
  } else if (typeof reply === 'bigint') {
    lua.lua_pushnumber(T, Number(reply));
  } else if (Buffer.isBuffer(reply)) {
    str(T, reply);
  } else if (Array.isArray(reply) || reply instanceof PushReply) {
    const items = Array.isArray(reply) ? reply : reply.items;
    lua.lua_createtable(T, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      pushReply(T, items[i]!, resp);
      lua.lua_rawseti(T, -2, i + 1);
    }
  } else if (reply instanceof SimpleString) {
    lua.lua_createtable(T, 0, 1);
    str(T, reply.value);
    lua.lua_setfield(T, -2, nameOf('ok'));
  } else if (reply instanceof ErrorReply) {
    lua.lua_createtable(T, 0, 1);
    str(T, reply.message);
    lua.lua_setfield(T, -2, nameOf('err'));
  } else if (reply instanceof MapReply) {
    lua.lua_createtable(T, 0, 1);
    lua.lua_createtable(T, 0, reply.entries.length);
    for (const [k, v] of reply.entries) {
      pushReply(T, k, resp);
      pushReply(T, v, resp);
      lua.lua_settable(T, -3);
    }
    lua.lua_setfield(T, -2, nameOf('map'));
  } else if (reply instanceof SetReply) {
    lua.lua_createtable(T, 0, 1);
    lua.lua_createtable(T, 0, reply.items.length);
    for (const item of reply.items) {
      pushReply(T, item, resp);
      lua.lua_pushboolean(T, true);
      lua.lua_settable(T, -3);
    }
    lua.lua_setfield(T, -2, nameOf('set'));
  } else if (reply instanceof DoubleReply) {
    lua.lua_createtable(T, 0, 1);
    lua.lua_pushnumber(T, reply.value);
    lua.lua_setfield(T, -2, nameOf('double'));
  } else if (reply instanceof BoolReply) {
    lua.lua_pushboolean(T, reply.value);
  } else if (reply instanceof VerbatimReply) {
    lua.lua_createtable(T, 0, 1);
    lua.lua_createtable(T, 0, 2);
    str(T, reply.text);
    lua.lua_setfield(T, -2, nameOf('string'));
    str(T, reply.format);
    lua.lua_setfield(T, -2, nameOf('format'));
    lua.lua_setfield(T, -2, nameOf('verbatim_string'));
  } else {
    lua.lua_pushnil(T);
  }
}

const INT64_MIN = -(2n ** 63n);

/** Lua number -> integer reply: C's (long long) cast (out of range, NaN and inf give INT64_MIN). */
function numberToInteger(n: number): number | bigint {
  if (!Number.isFinite(n) || n >= 2 ** 63 || n < -(2 ** 63)) return INT64_MIN;
  const t = Math.trunc(n);
  return Number.isSafeInteger(t) ? (t === 0 ? 0 : t) : BigInt(t);
}

function field(T: LuaState, idx: number, name: string): number {
  lua.lua_pushstring(T, nameOf(name));
  return lua.lua_rawget(T, idx);
}

/** A script's return value as a reply, by Redis's rules (luaReplyToRedisReply). */
function luaToReply(T: LuaState, idx: number, context: RunContext, depth: number): Reply {
  const abs = lua.lua_absindex(T, idx);
  switch (lua.lua_type(T, abs)) {
    case lua.LUA_TSTRING:
      return Buffer.from(lua.lua_tolstring(T, abs));
    case lua.LUA_TBOOLEAN:
      if (context.resp === 3 && !lua.lua_toboolean(T, abs)) return new BoolReply(false, null);
      return lua.lua_toboolean(T, abs) ? 1 : null;
    case lua.LUA_TNUMBER:
      return numberToInteger(lua.lua_tonumber(T, abs));
    case lua.LUA_TTABLE: {
      if (depth > 200 || !lua.lua_checkstack(T, 4))
        return new ErrorReply('ERR reached lua stack limit');
      try {
        if (field(T, abs, 'err') === lua.LUA_TSTRING) {
          return new ErrorReply(
            Buffer.from(lua.lua_tolstring(T, -1))
              .toString('latin1')
              .replace(/[\r\n]/g, ' '),
          );
        }
        lua.lua_pop(T, 1);
        if (field(T, abs, 'ok') === lua.LUA_TSTRING) {
          const text = Buffer.from(lua.lua_tolstring(T, -1)).toString('latin1');
          return new SimpleString(text.replace(/[\r\n]/g, ' '));
        }
        lua.lua_pop(T, 1);
        if (field(T, abs, 'double') === lua.LUA_TNUMBER) {
          const n = lua.lua_tonumber(T, -1);
          return new DoubleReply(n, Buffer.from(formatDouble(n)));
        }
        lua.lua_pop(T, 1);
        if (field(T, abs, 'map') === lua.LUA_TTABLE) {
          const entries: [Reply, Reply][] = [];
          const map = lua.lua_gettop(T);
          lua.lua_pushnil(T);
          while (lua.lua_next(T, map) !== 0) {
            const v = luaToReply(T, -1, context, depth + 1);
            const k = luaToReply(T, -2, context, depth + 1);
            entries.push([k, v]);
            lua.lua_pop(T, 1);
          }
          return new MapReply(entries);
        }
        lua.lua_pop(T, 1);
        if (field(T, abs, 'set') === lua.LUA_TTABLE) {
          const items: Reply[] = [];
          const set = lua.lua_gettop(T);
          lua.lua_pushnil(T);
          while (lua.lua_next(T, set) !== 0) {
            items.push(luaToReply(T, -2, context, depth + 1));
            lua.lua_pop(T, 1);
          }
          return new SetReply(items);
        }
        lua.lua_pop(T, 1);
        lua.lua_pushnil(T); // keeps the pops below uniform
        const items: Reply[] = [];
        for (let i = 1; ; i++) {
          if (lua.lua_rawgeti(T, abs, i) === lua.LUA_TNIL) {
            lua.lua_pop(T, 1);
            break;
          }
          items.push(luaToReply(T, -1, context, depth + 1));
          lua.lua_pop(T, 1);
        }
        return items;
      } finally {
        lua.lua_settop(T, abs);
      }
    }
    default:
      return null;
  }
}

function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** The error reply of a script that raised: `msg script: <name>, on <source>:<line>.` */
function errorFromTable(T: LuaState, idx: number, name: string): ErrorReply {
  if (lua.lua_type(T, idx) !== lua.LUA_TTABLE) {
    return new ErrorReply(
      `ERR Error running script (call to ${name}): ${lua.lua_tojsstring(T, idx)}`,
    );
  }
  let message: string | undefined;
  if (field(T, idx, 'err') === lua.LUA_TSTRING)
    message = Buffer.from(lua.lua_tolstring(T, -1)).toString('latin1');
  lua.lua_pop(T, 1);
  if (message === undefined) {
    // Redis 7.0 crashes on error({}) without an `err` field; later versions answer like this.
    return new ErrorReply(
      `ERR Error running script (call to ${name}): the error object is a table without 'err'`,
    );
  }
  let source: string | undefined;
  let line: number | undefined;
  if (field(T, idx, 'source') === lua.LUA_TSTRING) source = lua.lua_tojsstring(T, -1);
  lua.lua_pop(T, 1);
  if (field(T, idx, 'line') === lua.LUA_TNUMBER) line = lua.lua_tonumber(T, -1);
  lua.lua_pop(T, 1);
  const where =
    source !== undefined && line !== undefined ? ` script: ${name}, on ${source}:${line}.` : '';
  return new ErrorReply(`${message}${where}`.replace(/[\r\n]/g, ' '));
}

// The libraries Redis links into its Lua: cjson (lua-cjson 2.1), cmsgpack (lua-cmsgpack), bit
// (LuaBitOp) and struct, written here against fengari's stack API with the same outputs as the C
// originals (encodings, number formats, error texts).

import { formatG14 } from './format.ts';
import { type LuaState, lauxlib, lua, toLuaString } from './lua.ts';

type L = LuaState;

/** Registers `fns` as a new global table `name`. */
export function registerLib(L: L, name: string, fns: Record<string, (L: L) => number>): void {
  lua.lua_createtable(L, 0, Object.keys(fns).length);
  for (const [key, fn] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, toLuaString(key));
  }
  lua.lua_setglobal(L, toLuaString(name));
}

/** Raises a Lua error as luaL_error does: prefixed with the calling script's position. */
function raise(L: L, message: string): never {
  lauxlib.luaL_where(L, 1);
  lua.lua_pushstring(L, toLuaString(message));
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error('unreachable');
}

// ---------------------------------------------------------------- cjson

const JSON_ESCAPES: string[] = [];
for (let c = 0; c < 256; c++) {
  if (c < 0x20) JSON_ESCAPES[c] = `\\u${c.toString(16).padStart(4, '0')}`;
}
JSON_ESCAPES[8] = '\\b';
JSON_ESCAPES[9] = '\\t';
JSON_ESCAPES[10] = '\\n';
JSON_ESCAPES[12] = '\\f';
JSON_ESCAPES[13] = '\\r';
JSON_ESCAPES[0x22] = '\\"';
JSON_ESCAPES[0x5c] = '\\\\';
JSON_ESCAPES[0x2f] = '\\/'; // lua-cjson escapes '/' too
JSON_ESCAPES[0x7f] = '\\u007f';

function typeName(L: L, idx: number): string {
  return Buffer.from(lua.lua_typename(L, lua.lua_type(L, idx))).toString('latin1');
}

function isCjsonNull(L: L, idx: number): boolean {
  return lua.lua_type(L, idx) === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, idx) === null;
}

/** lua-cjson's array test: every key a positive integer, and not "excessively sparse". */
function jsonArrayLength(L: L, idx: number): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -2);
      if (Number.isInteger(k) && k >= 1) {
        if (k > max) max = k;
        items++;
        lua.lua_pop(L, 1);
        continue;
      }
    }
    lua.lua_pop(L, 2);
    return -1;
  }
  if (max > 10 && max > items * 2) raise(L, 'Cannot serialise table: excessively sparse array');
  return max;
}

function jsonEncode(L: L, idx: number, depth: number, out: string[]): void {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING: {
      const bytes: Uint8Array = lua.lua_tolstring(L, idx);
      let s = '"';
      for (const b of bytes) s += JSON_ESCAPES[b] ?? String.fromCharCode(b);
      out.push(`${s}"`);
      return;
    }
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, idx);
      if (!Number.isFinite(n)) raise(L, 'Cannot serialise number: must not be NaN or Inf');
      out.push(formatG14(n));
      return;
    }
    case lua.LUA_TBOOLEAN:
      out.push(lua.lua_toboolean(L, idx) ? 'true' : 'false');
      return;
    case lua.LUA_TNIL:
      out.push('null');
      return;
    case lua.LUA_TLIGHTUSERDATA:
      if (isCjsonNull(L, idx)) {
        out.push('null');
        return;
      }
      break;
    case lua.LUA_TTABLE: {
      if (depth + 1 > 1000) raise(L, `Cannot serialise, excessive nesting (${depth + 1})`);
      lauxlib.luaL_checkstack(L, 6, null);
      const length = jsonArrayLength(L, idx);
      if (length > 0) {
        out.push('[');
        for (let i = 1; i <= length; i++) {
          if (i > 1) out.push(',');
          lua.lua_rawgeti(L, idx, i);
          jsonEncode(L, lua.lua_gettop(L), depth + 1, out);
          lua.lua_pop(L, 1);
        }
        out.push(']');
        return;
      }
      out.push('{');
      let first = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) {
        if (!first) out.push(',');
        first = false;
        const keyType = lua.lua_type(L, -2);
        if (keyType === lua.LUA_TSTRING) {
          jsonEncode(L, lua.lua_gettop(L) - 1, depth + 1, out);
        } else if (keyType === lua.LUA_TNUMBER) {
          out.push(`"${formatG14(lua.lua_tonumber(L, -2))}"`);
        } else {
          raise(L, `Cannot serialise ${typeName(L, -2)}: table key must be a number or string`);
        }
        out.push(':');
        jsonEncode(L, lua.lua_gettop(L), depth + 1, out);
        lua.lua_pop(L, 1);
      }
      out.push('}');
      return;
    }
  }
  raise(L, `Cannot serialise ${typeName(L, idx)}: type not supported`);
}

/** A JSON decoder over bytes, as lua-cjson: strings stay bytes, \u escapes become UTF-8. */
class JsonDecoder {
  private i = 0;
  constructor(
    private readonly L: L,
    private readonly s: Uint8Array,
  ) {}

  decode(): void {
    this.value(0);
    this.ws();
    if (this.i < this.s.length) this.fail('the end', this.tokenName());
  }

  /** After an element: true past a comma (another follows), false past `end`; else an error. */
  private another(end: number, container: 'object' | 'array'): boolean {
    this.ws();
    const d = this.s[this.i];
    if (d !== 0x2c && d !== end) this.fail(`comma or ${container} end`, this.tokenName());
    this.i++;
    return d === 0x2c;
  }

  private fail(expected: string, found: string): never {
    raise(this.L, `Expected ${expected} but found ${found} at character ${this.i + 1}`);
  }

  /** lua-cjson's name for the token at the current position (T_NUMBER, T_END...). */
  private tokenName(): string {
    const c = this.s[this.i];
    if (c === undefined) return 'T_END';
    const names: Record<number, string> = {
      123: 'T_OBJ_BEGIN',
      125: 'T_OBJ_END',
      91: 'T_ARR_BEGIN',
      93: 'T_ARR_END',
      34: 'T_STRING',
      58: 'T_COLON',
      44: 'T_COMMA',
    };
    if (names[c] !== undefined) return names[c]!;
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return 'T_NUMBER';
    const rest = Buffer.from(this.s.subarray(this.i, this.i + 5)).toString('latin1');
    if (rest.startsWith('true') || rest.startsWith('false')) return 'T_BOOLEAN';
    if (rest.startsWith('null')) return 'T_NULL';
    return 'invalid token';
  }

  private ws(): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  private value(depth: number): void {
    const L = this.L;
    this.ws();
    const c = this.s[this.i];
    if (c === 0x7b || c === 0x5b) {
      if (depth + 1 > 1000)
        raise(L, `Found too many nested data structures (${depth + 1}) at character ${this.i + 1}`);
      lauxlib.luaL_checkstack(L, 4, null);
    }
    if (c === 0x7b) {
      this.i++;
      lua.lua_newtable(L);
      this.ws();
      if (this.s[this.i] === 0x7d) {
        this.i++;
        return;
      }
      for (;;) {
        this.ws();
        if (this.s[this.i] !== 0x22) this.fail('object key string', this.tokenName());
        this.string();
        this.ws();
        if (this.s[this.i] !== 0x3a) this.fail('colon', this.tokenName());
        this.i++;
        this.value(depth + 1);
        lua.lua_rawset(L, -3);
        if (!this.another(0x7d, 'object')) return;
      }
    }
    if (c === 0x5b) {
      this.i++;
      lua.lua_newtable(L);
      this.ws();
      if (this.s[this.i] === 0x5d) {
        this.i++;
        return;
      }
      for (let n = 1; ; n++) {
        this.value(depth + 1);
        lua.lua_rawseti(L, -2, n);
        if (!this.another(0x5d, 'array')) return;
      }
    }
    if (c === 0x22) {
      this.string();
      return;
    }
    const rest = Buffer.from(this.s.buffer, this.s.byteOffset + this.i, this.s.length - this.i)
      .subarray(0, 400)
      .toString('latin1');
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(rest);
    if (number !== null && number[0] !== '' && number[0] !== '-') {
      lua.lua_pushnumber(L, Number(number[0]));
      this.i += number[0].length;
      return;
    }
    for (const [word, push] of [
      ['true', () => lua.lua_pushboolean(L, true)],
      ['false', () => lua.lua_pushboolean(L, false)],
      ['null', () => lua.lua_pushlightuserdata(L, null)],
    ] as const) {
      if (rest.startsWith(word)) {
        push();
        this.i += word.length;
        return;
      }
    }
    this.fail('value', this.tokenName());
  }

  private string(): void {
    const start = this.i;
    this.i++;
    const out: number[] = [];
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) {
        this.i = start;
        this.fail('value', 'invalid token');
      }
      this.i++;
      if (c === 0x22) break;
      if (c !== 0x5c) {
        out.push(c);
        continue;
      }
      const e = this.s[this.i++];
      const simple: Record<number, number> = {
        34: 0x22,
        92: 0x5c,
        47: 0x2f,
        98: 8,
        102: 12,
        110: 10,
        114: 13,
        116: 9,
      };
      if (e !== undefined && simple[e] !== undefined) {
        out.push(simple[e]!);
      } else if (e === 0x75) {
        let code = this.hex4();
        if (
          code >= 0xd800 &&
          code <= 0xdbff &&
          this.s[this.i] === 0x5c &&
          this.s[this.i + 1] === 0x75
        ) {
          this.i += 2;
          const low = this.hex4();
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        }
        for (const b of Buffer.from(String.fromCodePoint(code), 'utf8')) out.push(b);
      } else {
        this.i = start;
        this.fail('value', 'invalid token');
      }
    }
    lua.lua_pushstring(this.L, Uint8Array.from(out));
  }

  private hex4(): number {
    const text = Buffer.from(this.s.subarray(this.i, this.i + 4)).toString('latin1');
    if (!/^[0-9a-fA-F]{4}$/.test(text)) this.fail('value', 'invalid token');
    this.i += 4;
    return Number.parseInt(text, 16);
  }
}

export const cjson: Record<string, (L: L) => number> = {
  encode(L) {
    if (lua.lua_gettop(L) !== 1) raise(L, "bad argument #1 to 'encode' (expected 1 argument)");
    const out: string[] = [];
    jsonEncode(L, 1, 0, out);
    lua.lua_pushstring(L, Uint8Array.from(Buffer.from(out.join(''), 'latin1')));
    return 1;
  },
  decode(L) {
    if (lua.lua_gettop(L) !== 1) raise(L, "bad argument #1 to 'decode' (expected 1 argument)");
    const text: Uint8Array = lauxlib.luaL_checklstring(L, 1);
    new JsonDecoder(L, text).decode();
    return 1;
  },
};

// ---------------------------------------------------------------- bit (LuaBitOp)

const bitScratch = new Float64Array(1);
const bitWords = new Int32Array(bitScratch.buffer);

/** LuaBitOp's argument: it adds 2^52+2^51 to the double and keeps the low 32 bits. */
function bitArg(L: L, i: number): number {
  const n: number = lauxlib.luaL_checknumber(L, i);
  bitScratch[0] = n + 6755399441055744.0;
  return bitWords[0]!; // little-endian: the low word
}

function pushBit(L: L, n: number): number {
  lua.lua_pushnumber(L, n | 0);
  return 1;
}

function variadic(op: (a: number, b: number) => number): (L: L) => number {
  return (L) => {
    let acc = bitArg(L, 1);
    for (let i = lua.lua_gettop(L); i > 1; i--) acc = op(acc, bitArg(L, i));
    return pushBit(L, acc);
  };
}

export const bit: Record<string, (L: L) => number> = {
  tobit: (L) => pushBit(L, bitArg(L, 1)),
  bnot: (L) => pushBit(L, ~bitArg(L, 1)),
  band: variadic((a, b) => a & b),
  bor: variadic((a, b) => a | b),
  bxor: variadic((a, b) => a ^ b),
  lshift: (L) => pushBit(L, bitArg(L, 1) << (bitArg(L, 2) & 31)),
  rshift: (L) => pushBit(L, bitArg(L, 1) >>> (bitArg(L, 2) & 31)),
  arshift: (L) => pushBit(L, bitArg(L, 1) >> (bitArg(L, 2) & 31)),
  rol: (L) => {
    const x = bitArg(L, 1);
    const n = bitArg(L, 2) & 31;
    return pushBit(L, (x << n) | (x >>> (32 - n)));
  },
  ror: (L) => {
    const x = bitArg(L, 1);
    const n = bitArg(L, 2) & 31;
    return pushBit(L, (x >>> n) | (x << (32 - n)));
  },
  bswap: (L) => {
    const x = bitArg(L, 1);
    return pushBit(
      L,
      ((x >>> 24) & 0xff) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | ((x & 0xff) << 24),
    );
  },
  tohex: (L) => {
    let x = bitArg(L, 1);
    let n = lua.lua_isnoneornil(L, 2) ? 8 : bitArg(L, 2);
    let digits = '0123456789abcdef';
    if (n < 0) {
      n = -n;
      digits = '0123456789ABCDEF';
    }
    if (n > 8) n = 8;
    let out = '';
    for (let i = n; i > 0; i--) {
      out = digits[x & 15]! + out;
      x >>>= 4;
    }
    lua.lua_pushstring(L, toLuaString(out));
    return 1;
  },
};

// ---------------------------------------------------------------- cmsgpack

const MAX_NESTING = 16;

class Bytes {
  parts: number[] = [];
  u8(b: number) {
    this.parts.push(b & 0xff);
  }
  be(n: number | bigint, bytes: number) {
    for (let i = bytes - 1; i >= 0; i--)
      this.parts.push(Number((BigInt(n) >> BigInt(i * 8)) & 0xffn));
  }
  raw(bytes: Uint8Array) {
    for (const b of bytes) this.parts.push(b);
  }
}

function msgpackTableIsArray(L: L, idx: number): { array: boolean; count: number } {
  let count = 0;
  let max = 0;
  let array = true;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    lua.lua_pop(L, 1);
    count++;
    if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -1);
      if (Number.isInteger(k) && k >= 1) {
        if (k > max) max = k;
        continue;
      }
    }
    array = false;
  }
  return { array: array && max === count, count };
}

function msgpackEncode(L: L, idx: number, level: number, out: Bytes): void {
  const type = lua.lua_type(L, idx);
  if (type === lua.LUA_TSTRING) {
    const s: Uint8Array = lua.lua_tolstring(L, idx);
    const n = s.length;
    if (n < 32) out.u8(0xa0 | n);
    else if (n <= 0xff) {
      out.u8(0xd9);
      out.u8(n);
    } else if (n <= 0xffff) {
      out.u8(0xda);
      out.be(n, 2);
    } else {
      out.u8(0xdb);
      out.be(n, 4);
    }
    out.raw(s);
  } else if (type === lua.LUA_TBOOLEAN) {
    out.u8(lua.lua_toboolean(L, idx) ? 0xc3 : 0xc2);
  } else if (type === lua.LUA_TNUMBER) {
    const n: number = lua.lua_tonumber(L, idx);
    if (Number.isFinite(n) && Number.isInteger(n) && Math.abs(n) < 2 ** 63) msgpackInt(n, out);
    else if (Math.fround(n) === n || Number.isNaN(n)) {
      if (Number.isNaN(n)) {
        out.u8(0xcb);
        const b = Buffer.alloc(8);
        b.writeDoubleBE(n);
        out.raw(b);
      } else {
        out.u8(0xca);
        const b = Buffer.alloc(4);
        b.writeFloatBE(n);
        out.raw(b);
      }
    } else {
      out.u8(0xcb);
      const b = Buffer.alloc(8);
      b.writeDoubleBE(n);
      out.raw(b);
    }
  } else if (type === lua.LUA_TTABLE && level < MAX_NESTING) {
    lauxlib.luaL_checkstack(L, 4, null);
    const { array, count } = msgpackTableIsArray(L, idx);
    if (array) {
      header(out, count, 0x90, 0xdc, 0xdd);
      for (let i = 1; i <= count; i++) {
        lua.lua_rawgeti(L, idx, i);
        msgpackEncode(L, lua.lua_gettop(L), level + 1, out);
        lua.lua_pop(L, 1);
      }
    } else {
      header(out, count, 0x80, 0xde, 0xdf);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) {
        const top = lua.lua_gettop(L);
        msgpackEncode(L, top - 1, level + 1, out);
        msgpackEncode(L, top, level + 1, out);
        lua.lua_pop(L, 1);
      }
    }
  } else {
    out.u8(0xc0); // nil, and what lua-cmsgpack writes for functions, userdata, deep nesting
  }
}

function header(out: Bytes, n: number, fix: number, b16: number, b32: number): void {
  if (n <= 15) out.u8(fix | n);
  else if (n <= 0xffff) {
    out.u8(b16);
    out.be(n, 2);
  } else {
    out.u8(b32);
    out.be(n, 4);
  }
}

function msgpackInt(n: number, out: Bytes): void {
  if (n >= 0) {
    if (n <= 127) out.u8(n);
    else if (n <= 0xff) {
      out.u8(0xcc);
      out.u8(n);
    } else if (n <= 0xffff) {
      out.u8(0xcd);
      out.be(n, 2);
    } else if (n <= 0xffffffff) {
      out.u8(0xce);
      out.be(n, 4);
    } else {
      out.u8(0xcf);
      out.be(BigInt(n), 8);
    }
  } else if (n >= -32) out.u8(0xe0 | (n + 32));
  else if (n >= -128) {
    out.u8(0xd0);
    out.u8(n);
  } else if (n >= -32768) {
    out.u8(0xd1);
    out.be(n & 0xffff, 2);
  } else if (n >= -2147483648) {
    out.u8(0xd2);
    out.be(n >>> 0, 4);
  } else {
    out.u8(0xd3);
    out.be(BigInt.asUintN(64, BigInt(n)), 8);
  }
}

/** The fixed-width numbers: their first byte, their width, and how to read them. */
const MSGPACK_NUMBERS = new Map<number, [bytes: number, read: (s: Buffer, at: number) => number]>([
  [0xca, [4, (s, at) => s.readFloatBE(at)]],
  [0xcb, [8, (s, at) => s.readDoubleBE(at)]],
  [0xcc, [1, (s, at) => s.readUInt8(at)]],
  [0xcd, [2, (s, at) => s.readUInt16BE(at)]],
  [0xce, [4, (s, at) => s.readUInt32BE(at)]],
  [0xcf, [8, (s, at) => Number(s.readBigUInt64BE(at))]],
  [0xd0, [1, (s, at) => s.readInt8(at)]],
  [0xd1, [2, (s, at) => s.readInt16BE(at)]],
  [0xd2, [4, (s, at) => s.readInt32BE(at)]],
  [0xd3, [8, (s, at) => Number(s.readBigInt64BE(at))]],
]);

/** str 8/16/32, array 16/32, map 16/32: their first byte, what follows, and the length's width. */
const MSGPACK_SIZED = new Map<number, [kind: 'str' | 'array' | 'map', lengthBytes: number]>([
  [0xd9, ['str', 1]],
  [0xda, ['str', 2]],
  [0xdb, ['str', 4]],
  [0xdc, ['array', 2]],
  [0xdd, ['array', 4]],
  [0xde, ['map', 2]],
  [0xdf, ['map', 4]],
]);

class MsgpackDecoder {
  i = 0;
  constructor(
    private readonly L: L,
    private readonly s: Buffer,
  ) {}

  private need(n: number): void {
    if (this.i + n > this.s.length) raise(this.L, 'Missing bytes in input.');
  }

  decode(): void {
    const L = this.L;
    const s = this.s;
    this.need(1);
    const c = s[this.i++]!;
    lauxlib.luaL_checkstack(L, 4, null);
    const number = MSGPACK_NUMBERS.get(c);
    const sized = MSGPACK_SIZED.get(c);
    if (c <= 0x7f) lua.lua_pushnumber(L, c);
    else if (c >= 0xe0) lua.lua_pushnumber(L, c - 256);
    else if ((c & 0xe0) === 0xa0) this.str(c & 0x1f);
    else if ((c & 0xf0) === 0x90) this.array(c & 0x0f);
    else if ((c & 0xf0) === 0x80) this.map(c & 0x0f);
    else if (c === 0xc0) lua.lua_pushnil(L);
    else if (c === 0xc2 || c === 0xc3) lua.lua_pushboolean(L, c === 0xc3);
    else if (number)
      lua.lua_pushnumber(
        L,
        this.take(number[0], (at) => number[1](s, at)),
      );
    else if (sized) {
      const [kind, lengthBytes] = sized;
      this[kind](this.take(lengthBytes, (at) => s.readUIntBE(at, lengthBytes)));
    } else raise(L, 'Bad data format in input.');
  }

  /** Reads the `n`-byte value at the cursor and moves past it. */
  private take(n: number, read: (offset: number) => number): number {
    this.need(n);
    const value = read(this.i);
    this.i += n;
    return value;
  }

  private str(n: number): void {
    this.need(n);
    lua.lua_pushstring(this.L, Uint8Array.from(this.s.subarray(this.i, this.i + n)));
    this.i += n;
  }

  private array(n: number): void {
    lua.lua_newtable(this.L);
    for (let i = 1; i <= n; i++) {
      this.decode();
      lua.lua_rawseti(this.L, -2, i);
    }
  }

  private map(n: number): void {
    lua.lua_newtable(this.L);
    for (let i = 0; i < n; i++) {
      this.decode();
      this.decode();
      if (lua.lua_isnil(this.L, -2)) lua.lua_pop(this.L, 2);
      else lua.lua_rawset(this.L, -3);
    }
  }
}

function msgpackUnpack(L: L, limit: number, offset: number, withOffset: boolean): number {
  const bytes: Uint8Array = lauxlib.luaL_checklstring(L, 1);
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const decoder = new MsgpackDecoder(L, s);
  decoder.i = offset;
  let count = 0;
  if (withOffset) lua.lua_pushnil(L); // placeholder for the offset, set below
  while (decoder.i < s.length && (limit <= 0 || count < limit)) {
    decoder.decode();
    count++;
  }
  if (withOffset) {
    const next = decoder.i < s.length ? decoder.i : -1;
    lua.lua_pushnumber(L, next);
    lua.lua_replace(L, -(count + 2));
    return count + 1;
  }
  return count;
}

export const cmsgpack: Record<string, (L: L) => number> = {
  pack(L) {
    const n = lua.lua_gettop(L);
    if (n === 0) lauxlib.luaL_argerror(L, 0, toLuaString('MessagePack pack needs input.'));
    const out = new Bytes();
    for (let i = 1; i <= n; i++) msgpackEncode(L, i, 0, out);
    lua.lua_pushstring(L, Uint8Array.from(out.parts));
    return 1;
  },
  unpack: (L) => msgpackUnpack(L, 0, 0, false),
  unpack_one: (L) => msgpackUnpack(L, 1, lauxlib.luaL_optinteger(L, 2, 0), true),
  unpack_limit: (L) =>
    msgpackUnpack(L, lauxlib.luaL_checkinteger(L, 2), lauxlib.luaL_optinteger(L, 3, 0), true),
};

// ---------------------------------------------------------------- struct (Roberto's lua-struct)

interface StructHeader {
  little: boolean;
  align: number;
}

/** Reads an optional size after a format letter (`i4`, `c10`, `!8`). */
function structNumber(fmt: string, at: { i: number }, fallback: number): number {
  const match = /^\d+/.exec(fmt.slice(at.i));
  if (match === null) return fallback;
  at.i += match[0].length;
  return Number(match[0]);
}

/** The size of option `opt` (0 for `s` and the controls). */
function structSize(L: L, opt: string, fmt: string, at: { i: number }): number {
  switch (opt) {
    case 'B':
    case 'b':
    case 'x':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
    case 'T':
    case 'd':
      return 8;
    case 'f':
      return 4;
    case 'c':
      return structNumber(fmt, at, 1);
    case 'i':
    case 'I': {
      const size = structNumber(fmt, at, 4);
      if (size > 32) raise(L, `integral size ${size} is larger than limit of 32`);
      return size;
    }
    default:
      return 0;
  }
}

function structAlign(length: number, h: StructHeader, opt: string, size: number): number {
  if (size === 0 || opt === 'c') return 0;
  const align = Math.min(size, h.align);
  return (align - (length & (align - 1))) & (align - 1);
}

/** Handles the control options (endianness, alignment, spaces); true if `opt` was one. */
function structControl(
  L: L,
  opt: string,
  fmt: string,
  at: { i: number },
  h: StructHeader,
): boolean {
  switch (opt) {
    case ' ':
      return true;
    case '>':
      h.little = false;
      return true;
    case '<':
    case '=':
      h.little = true;
      return true;
    case '!': {
      const a = structNumber(fmt, at, 8);
      if (a === 0 || (a & (a - 1)) !== 0) raise(L, `alignment ${a} is not a power of 2`);
      h.align = a;
      return true;
    }
    default:
      return false;
  }
}

/** luaL_checknumber as lua-struct's Lua 5.1 reports a missing argument ("got nil"). */
function structArgNumber(L: L, arg: number): number {
  if (!lua.lua_isnumber(L, arg)) {
    const type = lua.lua_isnone(L, arg) ? 'nil' : typeName(L, arg);
    lauxlib.luaL_argerror(L, arg, toLuaString(`number expected, got ${type}`));
  }
  return lua.lua_tonumber(L, arg);
}

function structInteger(n: number, size: number, little: boolean): number[] {
  let value = BigInt.asUintN(64, BigInt(Math.trunc(Number.isFinite(n) ? n : 0)));
  const bytes: number[] = [];
  for (let i = 0; i < size; i++) {
    bytes.push(Number(value & 0xffn));
    value >>= 8n;
  }
  return little ? bytes : bytes.reverse();
}

/** The integer options of a struct format (lower case signed): one case in pack and unpack. */
const STRUCT_INTEGERS = new Set(['b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I']);

export const struct: Record<string, (L: L) => number> = {
  pack(L) {
    const fmt = Buffer.from(lauxlib.luaL_checklstring(L, 1)).toString('latin1');
    const h: StructHeader = { little: true, align: 1 };
    const out: number[] = [];
    let arg = 2;
    const at = { i: 0 };
    while (at.i < fmt.length) {
      const opt = fmt[at.i++]!;
      const size = structSize(L, opt, fmt, at);
      const pad = structAlign(out.length, h, opt, size);
      for (let k = 0; k < pad; k++) out.push(0);
      switch (STRUCT_INTEGERS.has(opt) ? 'integer' : opt) {
        case 'integer':
          out.push(...structInteger(structArgNumber(L, arg++), size, h.little));
          break;
        case 'x':
          out.push(0);
          break;
        case 'f':
        case 'd': {
          const b = Buffer.alloc(size);
          const n = structArgNumber(L, arg++);
          if (size === 4) h.little ? b.writeFloatLE(n) : b.writeFloatBE(n);
          else h.little ? b.writeDoubleLE(n) : b.writeDoubleBE(n);
          out.push(...b);
          break;
        }
        case 'c':
        case 's': {
          const s: Uint8Array = lauxlib.luaL_checklstring(L, arg);
          let length = s.length;
          if (opt === 'c' && size !== 0) {
            // lua-struct names the argument after this one (it has already moved on).
            if (s.length < size) lauxlib.luaL_argerror(L, arg + 1, toLuaString('string too short'));
            length = size;
          }
          out.push(...s.subarray(0, length));
          if (opt === 's') out.push(0);
          arg++;
          break;
        }
        default:
          if (!structControl(L, opt, fmt, at, h))
            lauxlib.luaL_argerror(L, 1, toLuaString(`invalid format option '${opt}'`));
      }
    }
    lua.lua_pushstring(L, Uint8Array.from(out));
    return 1;
  },

  unpack(L) {
    const fmt = Buffer.from(lauxlib.luaL_checklstring(L, 1)).toString('latin1');
    const data = Buffer.from(lauxlib.luaL_checklstring(L, 2));
    const start = lua.lua_isnoneornil(L, 3) ? 1 : lauxlib.luaL_checknumber(L, 3);
    if (!(start > 0)) lauxlib.luaL_argerror(L, 3, toLuaString('offset must be 1 or greater'));
    let pos = Math.trunc(start) - 1;
    const h: StructHeader = { little: true, align: 1 };
    let pushed = 0;
    const at = { i: 0 };
    while (at.i < fmt.length) {
      const opt = fmt[at.i++]!;
      let size = structSize(L, opt, fmt, at);
      pos += structAlign(pos, h, opt, size);
      if (pos + size > data.length)
        lauxlib.luaL_argerror(L, 2, toLuaString('data string too short'));
      lauxlib.luaL_checkstack(L, 2, toLuaString('too many results'));
      switch (STRUCT_INTEGERS.has(opt) ? 'integer' : opt) {
        case 'integer': {
          let value = 0n;
          for (let k = 0; k < size; k++) {
            const byte = data[h.little ? pos + size - 1 - k : pos + k]!;
            value = BigInt.asUintN(64, (value << 8n) | BigInt(byte));
          }
          const signed = opt === opt.toLowerCase();
          if (signed && size > 0 && size <= 8) value = BigInt.asIntN(size * 8, value);
          lua.lua_pushnumber(L, Number(value));
          pushed++;
          break;
        }
        case 'x':
          break;
        case 'f':
        case 'd':
          lua.lua_pushnumber(
            L,
            size === 4
              ? h.little
                ? data.readFloatLE(pos)
                : data.readFloatBE(pos)
              : h.little
                ? data.readDoubleLE(pos)
                : data.readDoubleBE(pos),
          );
          pushed++;
          break;
        case 'c': {
          if (size === 0) {
            if (pushed === 0 || lua.lua_type(L, -1) !== lua.LUA_TNUMBER)
              raise(L, "format 'c0' needs a previous size");
            size = Math.trunc(lua.lua_tonumber(L, -1));
            lua.lua_pop(L, 1);
            pushed--;
            if (pos + size > data.length)
              lauxlib.luaL_argerror(L, 2, toLuaString('data string too short'));
          }
          lua.lua_pushstring(L, Uint8Array.from(data.subarray(pos, pos + size)));
          pushed++;
          break;
        }
        case 's': {
          const end = data.indexOf(0, pos);
          if (end < 0) raise(L, 'unfinished string in data');
          size = end - pos + 1;
          lua.lua_pushstring(L, Uint8Array.from(data.subarray(pos, end)));
          pushed++;
          break;
        }
        default:
          if (!structControl(L, opt, fmt, at, h))
            lauxlib.luaL_argerror(L, 1, toLuaString(`invalid format option '${opt}'`));
      }
      pos += size;
    }
    lua.lua_pushnumber(L, pos + 1);
    return pushed + 1;
  },

  size(L) {
    const fmt = Buffer.from(lauxlib.luaL_checklstring(L, 1)).toString('latin1');
    const h: StructHeader = { little: true, align: 1 };
    let total = 0;
    const at = { i: 0 };
    while (at.i < fmt.length) {
      const opt = fmt[at.i++]!;
      const size = structSize(L, opt, fmt, at);
      total += structAlign(total, h, opt, size);
      if (opt === 's') lauxlib.luaL_argerror(L, 1, toLuaString("option 's' has no fixed size"));
      if (opt === 'c' && size === 0)
        lauxlib.luaL_argerror(L, 1, toLuaString("option 'c0' has no fixed size"));
      // Unknown letters count for nothing here (lua-struct only checks them in pack/unpack).
      if (!/[A-Za-z0-9]/.test(opt) && !structControl(L, opt, fmt, at, h))
        lauxlib.luaL_argerror(L, 1, toLuaString(`invalid format option '${opt}'`));
      total += size;
    }
    lua.lua_pushnumber(L, total);
    return 1;
  },
};

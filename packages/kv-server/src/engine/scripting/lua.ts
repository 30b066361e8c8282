// fengari (Lua 5.3 in JS), loaded on first use (`loadFengari`, called by the VM's constructor:
// a server that never runs a script never pays its ~30 ms), with two patches that give scripts
// Lua 5.1's numbers, as in Redis:
// - Lua 5.1 has one number type, the double; fengari's integers are 32-bit and wrap on overflow
//   (2147483647 + 1 < 0). Every numeral (in source code, from tonumber(), or a string coerced in
//   arithmetic) is read as a float, so script arithmetic is double arithmetic.
// - Lua 5.1 prints numbers with %.14g (3, 1e+15, 1e-05, 0.1); fengari prints `3.0` for an
//   integral float and JS's shortest form otherwise.
// Both replace functions that fengari's other modules call through lobject's exports.
import { createRequire } from 'node:module';
import { formatG14 } from './format.ts';

// biome-ignore-start lint/suspicious/noExplicitAny: fengari ships no types; its API mirrors Lua's C API.
export let lua: any;
export let lauxlib: any;
export let lualib: any;
// biome-ignore-end lint/suspicious/noExplicitAny: see above.
export let toLuaString: (s: string) => Uint8Array;
/** CallInfo's "original allowhook" bit (see protectedCall in vm.ts). */
export let CIST_OAH: number;

/** Loads and patches fengari once; the exports above are set from then on. */
export function loadFengari(): void {
  if (lua !== undefined) return;
  const require = createRequire(import.meta.url);
  const fengari = require('fengari');
  const lobject = require('fengari/src/lobject.js');
  const lstring = require('fengari/src/lstring.js');
  CIST_OAH = require('fengari/src/lstate.js').CIST_OAH;

  const str2num = lobject.luaO_str2num;
  // biome-ignore lint/suspicious/noExplicitAny: a fengari TValue.
  lobject.luaO_str2num = (s: Uint8Array, o: any): number => {
    const size = str2num(s, o);
    if (size !== 0 && o.ttisinteger()) o.setfltvalue(o.value);
    return size;
  };
  // biome-ignore lint/suspicious/noExplicitAny: a fengari lua_State and TValue.
  lobject.luaO_tostring = (L: any, o: any): void => {
    const text = o.ttisinteger() ? String(o.value) : formatG14(o.value);
    o.setsvalue(lstring.luaS_bless(L, fengari.to_luastring(text)));
  };

  lauxlib = fengari.lauxlib;
  lualib = fengari.lualib;
  toLuaString = fengari.to_luastring;
  lua = fengari.lua;
}

/** A Lua state (`lua_State*`); opaque to us. */
export type LuaState = unknown;

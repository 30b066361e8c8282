// EVAL / EVALSHA / EVAL_RO / EVALSHA_RO and SCRIPT: the script cache, shebang flags, and the
// busy-script protocol. A script normally runs to completion inside the command (synchronous
// and atomic like every command). Past busy-reply-threshold, a script started through
// `executeCommand` (the RESP and REST surfaces) yields to the event loop between slices: the
// data stays untouched by anyone else (every other command gets BUSY), and SCRIPT KILL can stop
// it, as in Redis.

import {
  ERRORS,
  ErrorReply,
  err,
  fail,
  MapReply,
  OK,
  type Reply,
  SetReply,
  SimpleString,
} from '../../protocol/reply.ts';
import { commandName } from '../command-name.ts';
import type { CommandContext, CommandSpec, Engine, Session } from '../engine.ts';
import { globMatch } from '../glob.ts';
import { type LuaFunction, LuaVM, type RunContext, sha1 } from './vm.ts';

interface Library {
  name: string;
  code: Buffer;
  functions: Map<string, LuaFunction>;
}

function parseNumkeys(argv: Buffer[]): number | ErrorReply {
  const text = argv[2]!.toString('latin1');
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return err(ERRORS.notInteger);
  const numkeys = Number(text);
  if (numkeys > argv.length - 3)
    return err("ERR Number of keys can't be greater than number of args");
  if (numkeys < 0) return err("ERR Number of keys can't be negative");
  return numkeys;
}

const NAME_RULE =
  'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** `#!lua name=<lib>` on a library's first line: the name, and the code with that line blanked. */
function libraryMetadata(code: Buffer): { name: string; code: Buffer } | ErrorReply {
  if (code[0] !== 0x23 || code[1] !== 0x21) return err('ERR Missing library metadata');
  let end = code.indexOf(0x0a);
  if (end < 0) end = code.length;
  const parts = code
    .subarray(2, end)
    .toString('latin1')
    .split(' ')
    .filter((p) => p !== '');
  const engineName = parts[0] ?? '';
  if (engineName.toLowerCase() !== 'lua') return err(`ERR Engine '${engineName}' not found`);
  let name: string | undefined;
  for (const part of parts.slice(1)) {
    if (part.startsWith('name=')) name = part.slice(5);
    else return err(`ERR Invalid metadata value given: ${part}`);
  }
  if (name === undefined) return err('ERR Library name was not given');
  if (!/^[A-Za-z0-9_]+$/.test(name)) return err(NAME_RULE);
  return { name, code: code.subarray(end) };
}

export interface ScriptingOptions {
  /** busy-reply-threshold / lua-time-limit in ms (Redis: 5000). */
  busyThresholdMs?: number;
}

interface CachedScript {
  ref: number;
  readOnly: boolean;
  /** Loaded by EVAL rather than SCRIPT LOAD: these are evicted first past the cap. */
  fromEval: boolean;
}

/** Redis 7.4 caps EVAL-loaded scripts at 500 so a client generating scripts cannot grow memory. */
const EVAL_SCRIPTS_CAP = 500;

const BUSY =
  'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';

export class Scripting {
  private vmInstance: LuaVM | undefined;
  readonly scripts = new Map<string, CachedScript>();
  /** FUNCTION libraries by name, and every function by name. */
  readonly libraries = new Map<string, Library>();
  readonly functions = new Map<string, { library: Library; fn: LuaFunction }>();
  busyThresholdMs: number;
  /** The script that yielded past the threshold and is still running. */
  private pending: RunContext | undefined;

  constructor(options: ScriptingOptions = {}) {
    // KV_LUA_TIME_LIMIT_MS lets tests (and a curious learner) use a small threshold.
    const fromEnv = Number(process.env.KV_LUA_TIME_LIMIT_MS);
    this.busyThresholdMs =
      options.busyThresholdMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 5000);
  }

  get vm(): LuaVM {
    // The VM is created on the first script: a server that never runs Lua never pays for it.
    // The VM reads busyThresholdMs from here on each check, so a later change applies at once.
    this.vmInstance ??= new LuaVM(this);
    return this.vmInstance;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Compiles (or finds) a script by body; its sha, or an error reply. */
  load(body: Buffer, fromEval: boolean): { sha: string; script: CachedScript } | ErrorReply {
    const sha = sha1(body);
    const cached = this.scripts.get(sha);
    if (cached !== undefined) {
      if (!fromEval) cached.fromEval = false;
      return { sha, script: cached };
    }
    const flags = shebang(body);
    if (flags instanceof ErrorReply) return flags;
    const ref = this.vm.compile(flags.code);
    if (typeof ref === 'string') return err(`ERR Error compiling script (new function): ${ref}`);
    const script = { ref, readOnly: flags.noWrites, fromEval };
    if (fromEval) this.evictEvalScripts();
    this.scripts.set(sha, script);
    return { sha, script };
  }

  private evictEvalScripts(): void {
    let count = 0;
    for (const s of this.scripts.values()) if (s.fromEval) count++;
    if (count < EVAL_SCRIPTS_CAP) return;
    for (const [sha, s] of this.scripts) {
      if (!s.fromEval) continue;
      this.scripts.delete(sha);
      this.vm.release(s.ref);
      break;
    }
  }

  flush(): void {
    for (const s of this.scripts.values()) this.vm.release(s.ref);
    this.scripts.clear();
  }

  /** SCRIPT KILL. */
  kill(): Reply {
    const running = this.pending;
    if (running === undefined) return err('NOTBUSY No scripts in execution right now.');
    if (running.wrote) {
      return err(
        'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
      );
    }
    running.killed = true;
    return OK;
  }

  /**
   * Runs EVAL-family argv. `yieldable`: the caller can wait for a Promise, so a slow script may
   * yield to the event loop (others get BUSY meanwhile).
   */
  eval(
    engine: Engine,
    caller: Session,
    argv: Buffer[],
    bySha: boolean,
    readOnly: boolean,
    yieldable: boolean,
  ): Reply | Promise<Reply> {
    const numkeys = parseNumkeys(argv);
    if (numkeys instanceof ErrorReply) return numkeys;
    let found: CachedScript | undefined;
    let sha: string;
    if (bySha) {
      sha = argv[1]!.toString('latin1').toLowerCase();
      found = this.scripts.get(sha);
      if (found === undefined) return err('NOSCRIPT No matching script. Please use EVAL.');
    } else {
      const loaded = this.load(argv[1]!, true);
      if (loaded instanceof ErrorReply) return loaded;
      sha = loaded.sha;
      found = loaded.script;
    }
    const keys = argv.slice(3, 3 + numkeys);
    const args = argv.slice(3 + numkeys);
    return this.run(
      engine,
      caller,
      found.ref,
      keys,
      args,
      sha,
      readOnly || found.readOnly,
      yieldable,
      false,
    );
  }

  /** FCALL / FCALL_RO. */
  fcall(
    engine: Engine,
    caller: Session,
    argv: Buffer[],
    readOnly: boolean,
    yieldable: boolean,
  ): Reply | Promise<Reply> {
    const name = argv[1]!.toString('latin1');
    const found = this.functions.get(name);
    if (found === undefined) return err('ERR Function not found');
    const numkeys = parseNumkeys(argv);
    if (numkeys instanceof ErrorReply) return numkeys;
    const noWrites = found.fn.flags.includes('no-writes');
    if (readOnly && !noWrites)
      return err('ERR Can not execute a script with write flag using *_ro command.');
    const keys = argv.slice(3, 3 + numkeys);
    const args = argv.slice(3 + numkeys);
    return this.run(
      engine,
      caller,
      found.fn.ref,
      keys,
      args,
      name,
      readOnly || noWrites,
      yieldable,
      true,
    );
  }

  private run(
    engine: Engine,
    caller: Session,
    ref: number,
    keys: Buffer[],
    args: Buffer[],
    name: string,
    readOnly: boolean,
    yieldable: boolean,
    isFunction: boolean,
  ): Reply | Promise<Reply> {
    const session = engine.createSession(true);
    const context: RunContext = {
      engine,
      session,
      readOnly,
      name,
      resp: 2,
      started: performance.now(),
      wrote: false,
      killed: false,
      yieldable,
      sliceStarted: 0,
    };
    // The script runs on the caller's database, and redis.setresp decides the reply types.
    const callerDb = (caller as unknown as { dbIndex?: number }).dbIndex;
    if (callerDb !== undefined) (session as unknown as { dbIndex: number }).dbIndex = callerDb;
    Object.defineProperty(session, 'protocol', { get: () => context.resp });
    const vm = this.vm;
    const reply = vm.start(ref, keys, args, context, isFunction);
    engine.closeSession(session);
    if (reply !== undefined) return reply;
    // Past the threshold: finish it slice by slice, every other client answered BUSY meanwhile.
    this.pending = context;
    return new Promise<Reply>((resolve) => {
      const step = () => {
        const done = vm.resume();
        if (done === undefined) {
          setImmediate(step);
          return;
        }
        this.pending = undefined;
        resolve(done);
      };
      setImmediate(step);
    });
  }

  /** FUNCTION LOAD [REPLACE] code: the library's name, or an error. */
  loadLibrary(code: Buffer, replace: boolean): Reply {
    const meta = libraryMetadata(code);
    if (meta instanceof ErrorReply) return meta;
    const existing = this.libraries.get(meta.name);
    if (existing !== undefined && !replace) return err(`ERR Library '${meta.name}' already exists`);
    const registered = this.vm.loadLibrary(meta.code);
    if (typeof registered === 'string') return err(registered);
    const release = () => {
      for (const fn of registered.values()) this.vm.release(fn.ref);
    };
    if (registered.size === 0) {
      release();
      return err('ERR No functions registered');
    }
    for (const name of registered.keys()) {
      const owner = this.functions.get(name);
      if (owner !== undefined && owner.library.name !== meta.name) {
        release();
        return err(`ERR Function ${name} already exists`);
      }
    }
    if (existing !== undefined) this.deleteLibrary(meta.name);
    const library: Library = { name: meta.name, code, functions: registered };
    this.libraries.set(meta.name, library);
    for (const [name, fn] of registered) this.functions.set(name, { library, fn });
    return Buffer.from(meta.name);
  }

  deleteLibrary(name: string): boolean {
    const library = this.libraries.get(name);
    if (library === undefined) return false;
    for (const [fname, fn] of library.functions) {
      this.functions.delete(fname);
      this.vm.release(fn.ref);
    }
    this.libraries.delete(name);
    return true;
  }

  /** What a command sent while a script is busy gets: SCRIPT KILL works, the rest is BUSY. */
  whileBusy(argv: Buffer[]): Reply | undefined {
    if (this.pending === undefined) return undefined;
    const name = argv[0]?.toString('latin1').toLowerCase();
    const sub = argv[1]?.toString('latin1').toLowerCase();
    if ((name === 'script' || name === 'function') && sub === 'kill' && argv.length === 2)
      return this.kill();
    return err(BUSY);
  }
}

const states = new WeakMap<Engine, Scripting>();
/** The last engine asked about and its state: `scriptCommand` asks before every command. */
let lastEngine: Engine | undefined;
let lastState: Scripting | undefined;

/** The engine's scripting state (created on first use). */
export function scriptingOf(engine: Engine, options?: ScriptingOptions): Scripting {
  let state = states.get(engine);
  if (state === undefined) {
    state = new Scripting(options);
    states.set(engine, state);
    if (engine === lastEngine) lastState = state;
  } else if (options?.busyThresholdMs !== undefined) {
    state.busyThresholdMs = options.busyThresholdMs;
  }
  return state;
}

/** The code of every FUNCTION library, for the snapshot (creates nothing when there is none). */
export function libraryCodes(engine: Engine): Buffer[] {
  const state = states.get(engine);
  return state === undefined ? [] : [...state.libraries.values()].map((l) => l.code);
}

/** Loads libraries read from a snapshot; the first error text, or undefined. */
export function restoreLibraries(engine: Engine, codes: Buffer[]): string | undefined {
  const state = scriptingOf(engine);
  for (const code of codes) {
    const reply = state.loadLibrary(code, true);
    if (reply instanceof ErrorReply) return reply.message;
  }
  return undefined;
}

const EVAL_NAMES: Record<string, { bySha: boolean; readOnly: boolean }> = {
  eval: { bySha: false, readOnly: false },
  evalsha: { bySha: true, readOnly: false },
  eval_ro: { bySha: false, readOnly: true },
  evalsha_ro: { bySha: true, readOnly: true },
};

/**
 * Called by the RESP and REST surfaces before `engine.execute`: while a slow script runs, every
 * command but SCRIPT KILL gets BUSY; EVAL and friends run here, where a slow script may finish
 * asynchronously. Undefined for anything else (the caller runs it as usual).
 */
export function scriptCommand(
  engine: Engine,
  session: Session,
  argv: Buffer[],
  name?: string,
): Reply | Promise<Reply> | undefined {
  let state: Scripting | undefined;
  if (engine === lastEngine) state = lastState;
  else {
    state = states.get(engine);
    lastEngine = engine;
    lastState = state;
  }
  if (state?.busy) {
    const reply = state.whileBusy(argv);
    if (reply !== undefined) return reply;
  }
  if (argv.length < 3 || session.inMulti) return undefined;
  const command = name ?? commandName(argv[0]!);
  if (command === 'fcall' || command === 'fcall_ro') {
    return scriptingOf(engine).fcall(engine, session, argv, command === 'fcall_ro', true);
  }
  const kind = EVAL_NAMES[command];
  if (kind === undefined) return undefined;
  return scriptingOf(engine).eval(engine, session, argv, kind.bySha, kind.readOnly, true);
}

/** `#!lua flags=...` on the first line: the flags, and the code with that line blanked. */
function shebang(body: Buffer): { code: Buffer; noWrites: boolean } | ErrorReply {
  if (body[0] !== 0x23 || body[1] !== 0x21) return { code: body, noWrites: false };
  let end = body.indexOf(0x0a);
  if (end < 0) end = body.length;
  const line = body.subarray(0, end).toString('latin1');
  const parts = line.split(' ').filter((p) => p !== '');
  if (parts[0] !== '#!lua')
    return err(`ERR Unexpected engine in script shebang: ${parts[0]!.slice(2)}`);
  let noWrites = false;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return err(`ERR Unknown lua shebang option: ${part}`);
    for (const flag of part.slice(6).split(',')) {
      if (flag === '') continue;
      if (flag === 'no-writes') noWrites = true;
      // Upstash's own flag (@upstash/ratelimit sends it): lock only the script's KEYS. Redis
      // refuses it; this engine accepts it, as Upstash does, and runs the script atomically as
      // every script (a stronger guarantee than key locking).
      else if (flag === 'allow-key-locking') continue;
      else if (!['allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'].includes(flag))
        return err(`ERR Unexpected flag in script shebang: ${flag}`);
    }
  }
  // Blank the shebang line but keep its newline, so error line numbers match the source.
  return { code: body.subarray(end), noWrites };
}

function evalSpec(name: string): CommandSpec {
  const kind = EVAL_NAMES[name]!;
  return {
    name,
    arity: -3,
    handler: ({ engine, session }: CommandContext, argv) =>
      // Inside MULTI/EXEC (or any caller that needs a reply now) the script runs to the end.
      scriptingOf(engine).eval(engine, session, argv, kind.bySha, kind.readOnly, false) as Reply,
  };
}

const SCRIPT_ARITY: Record<string, number> = { load: 3, exists: -3, flush: -2, kill: 2, help: 2 };

function script({ engine }: CommandContext, argv: Buffer[]): Reply {
  const state = scriptingOf(engine);
  const sub = argv[1]!.toString('latin1').toLowerCase();
  const arity = SCRIPT_ARITY[sub];
  if (arity === undefined) {
    return err(`ERR unknown subcommand '${argv[1]!.toString('latin1')}'. Try SCRIPT HELP.`);
  }
  if (arity >= 0 ? argv.length !== arity : argv.length < -arity) {
    return err(`ERR wrong number of arguments for 'script|${sub}' command`);
  }
  if (sub === 'load') {
    const loaded = state.load(argv[2]!, false);
    return loaded instanceof ErrorReply ? loaded : Buffer.from(loaded.sha);
  }
  if (sub === 'exists') {
    return argv
      .slice(2)
      .map((sha) => (state.scripts.has(sha.toString('latin1').toLowerCase()) ? 1 : 0));
  }
  if (sub === 'flush') {
    const mode = argv[2]?.toString('latin1').toLowerCase();
    if (argv.length > 3 || (mode !== undefined && mode !== 'async' && mode !== 'sync'))
      fail('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    state.flush();
    return OK;
  }
  if (sub === 'kill') return state.kill();
  return [
    'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'DEBUG (YES|SYNC|NO)',
    '    Set the debug mode for subsequent scripts executed.',
    'EXISTS <sha1> [<sha1> ...]',
    '    Return information about the existence of the scripts in the script cache.',
    'FLUSH [ASYNC|SYNC]',
    '    Flush the Lua scripts cache. Very dangerous on replicas.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the scripts cache.',
    '    * SYNC: Synchronously flush the scripts cache.',
    'KILL',
    '    Kill the currently executing Lua script.',
    'LOAD <script>',
    '    Load a script into the scripts cache without executing it.',
    'HELP',
    '    Prints this help.',
  ].map((line) => new SimpleString(line));
}

const FUNCTION_ARITY: Record<string, number> = {
  load: -3,
  delete: 3,
  list: -2,
  flush: -2,
  stats: 2,
  kill: 2,
  help: 2,
  dump: 2,
  restore: -3,
};

function functionCommand({ engine }: CommandContext, argv: Buffer[]): Reply {
  const state = scriptingOf(engine);
  const sub = argv[1]!.toString('latin1').toLowerCase();
  const arity = FUNCTION_ARITY[sub];
  if (arity === undefined)
    return err(`ERR unknown subcommand '${argv[1]!.toString('latin1')}'. Try FUNCTION HELP.`);
  if (arity >= 0 ? argv.length !== arity : argv.length < -arity)
    return err(`ERR wrong number of arguments for 'function|${sub}' command`);
  const word = (i: number) => argv[i]?.toString('latin1').toLowerCase();
  switch (sub) {
    case 'load': {
      let replace = false;
      let i = 2;
      for (; i < argv.length - 1; i++) {
        if (word(i) === 'replace') replace = true;
        else return err(`ERR Unknown option given: ${argv[i]!.toString('latin1')}`);
      }
      return state.loadLibrary(argv[argv.length - 1]!, replace);
    }
    case 'delete':
      return state.deleteLibrary(argv[2]!.toString('latin1')) ? OK : err('ERR Library not found');
    case 'flush': {
      if (argv.length > 3 || (argv.length === 3 && word(2) !== 'async' && word(2) !== 'sync'))
        return err('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
      for (const name of [...state.libraries.keys()]) state.deleteLibrary(name);
      return OK;
    }
    case 'list': {
      let pattern: string | undefined;
      let withCode = false;
      for (let i = 2; i < argv.length; i++) {
        if (word(i) === 'withcode' && !withCode) withCode = true;
        else if (word(i) === 'libraryname' && pattern === undefined && i + 1 < argv.length)
          pattern = argv[++i]!.toString('latin1');
        else return err(`ERR Unknown argument ${argv[i]!.toString('latin1')}`);
      }
      const out: Reply[] = [];
      for (const library of state.libraries.values()) {
        if (pattern !== undefined && !globMatch(pattern, library.name)) continue;
        const entries: [Reply, Reply][] = [
          [Buffer.from('library_name'), Buffer.from(library.name)],
          [Buffer.from('engine'), Buffer.from('LUA')],
          [
            Buffer.from('functions'),
            [...library.functions].map(
              ([name, fn]) =>
                new MapReply([
                  [Buffer.from('name'), Buffer.from(name)],
                  [
                    Buffer.from('description'),
                    fn.description === null ? null : Buffer.from(fn.description, 'latin1'),
                  ],
                  [Buffer.from('flags'), new SetReply(fn.flags.map((f) => new SimpleString(f)))],
                ]),
            ),
          ],
        ];
        if (withCode) entries.push([Buffer.from('library_code'), library.code]);
        out.push(new MapReply(entries));
      }
      return out;
    }
    case 'stats': {
      let count = 0;
      for (const library of state.libraries.values()) count += library.functions.size;
      return new MapReply([
        [Buffer.from('running_script'), null],
        [
          Buffer.from('engines'),
          new MapReply([
            [
              Buffer.from('LUA'),
              new MapReply([
                [Buffer.from('libraries_count'), state.libraries.size],
                [Buffer.from('functions_count'), count],
              ]),
            ],
          ]),
        ],
      ]);
    }
    case 'kill':
      return state.kill();
    case 'dump':
    case 'restore':
      return err(
        `ERR FUNCTION ${sub.toUpperCase()} is not supported by kv-server (Redis's payload format is not implemented); use FUNCTION LIST WITHCODE and FUNCTION LOAD`,
      );
    default:
      return FUNCTION_HELP.map((line) => new SimpleString(line));
  }
}

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

function fcallSpec(name: string): CommandSpec {
  return {
    name,
    arity: -3,
    handler: ({ engine, session }: CommandContext, argv) =>
      scriptingOf(engine).fcall(engine, session, argv, name === 'fcall_ro', false) as Reply,
  };
}

export const scriptingCommands: CommandSpec[] = [
  evalSpec('eval'),
  evalSpec('evalsha'),
  evalSpec('eval_ro'),
  evalSpec('evalsha_ro'),
  { name: 'script', arity: -2, handler: script },
  { name: 'function', arity: -2, handler: functionCommand },
  fcallSpec('fcall'),
  fcallSpec('fcall_ro'),
];

// CONFIG GET / SET / RESETSTAT / REWRITE / HELP over one table of the parameters this server
// really has: each says its type, default, whether CONFIG SET may change it, and how a change is
// applied. Values are read back from where they live (the memory accountant, the server's
// limits), so CONFIG GET never disagrees with what the server does.

import {
  CommandError,
  ERRORS,
  ErrorReply,
  err,
  fail,
  latin1,
  MapReply,
  OK,
  type Reply,
  SimpleString,
} from '../../protocol/reply.ts';
import type { CommandContext, CommandSpec, Engine } from '../engine.ts';
import { evictorOf } from '../evict.ts';
import { globMatch } from '../glob.ts';
import { MAXMEMORY_POLICIES, type MaxmemoryPolicy } from '../memory.ts';
import { pubsubOf } from '../pubsub.ts';
import { scriptingOf } from '../scripting/scripting.ts';

/**
 * The network limits of the server around the engine (src/limits.ts's ServerLimits, owned by
 * the server): `timeout`, `maxclients`, `proto-max-bulk-len` and `client-query-buffer-limit`
 * write through to them, so a change applies to open connections at once.
 */
export interface ConfigurableLimits {
  maxClients: number;
  idleTimeoutMs: number;
  protoMaxBulkLen: number;
  queryBufferLimit: number;
}

/** What CONFIG reports about the server around the engine (set by startKvServer). */
export interface ServerFacts {
  limits?: ConfigurableLimits;
  /** The RESP port (`port`), 0 when there is none. */
  port?: number;
  /** The interface bound (`bind`). */
  bind?: string;
}

const INT_MAX = 2147483647;
const LONG_MAX = 9223372036854775807n;
const ULONG_MAX = 18446744073709551615n;
const MB = 1024 * 1024;

/** Per engine: the server facts and the values of parameters that are only stored. */
class ConfigState {
  facts: ServerFacts = {};
  /** Exact CONFIG GET text of memory values (a JS number cannot hold every uint64). */
  maxmemoryText = '0';
  /** Used when no server limits are attached (an engine alone, in tests). */
  readonly fallbackLimits: ConfigurableLimits = {
    maxClients: 10_000,
    idleTimeoutMs: 0,
    protoMaxBulkLen: 512 * MB,
    queryBufferLimit: 64 * MB,
  };
  readonly stored = new Map<string, string>();

  get limits(): ConfigurableLimits {
    return this.facts.limits ?? this.fallbackLimits;
  }
}

const states = new WeakMap<Engine, ConfigState>();

function stateOf(engine: Engine): ConfigState {
  let state = states.get(engine);
  if (state === undefined) {
    state = new ConfigState();
    states.set(engine, state);
  }
  return state;
}

/** Called by startKvServer once its ports are bound: CONFIG then reads and sets the real limits. */
export function attachServerFacts(engine: Engine, facts: ServerFacts): void {
  stateOf(engine).facts = { ...stateOf(engine).facts, ...facts };
}

type ParamType = 'memory' | 'int' | 'enum' | 'bool' | 'string';

interface Param {
  name: string;
  type: ParamType;
  /** Redis's default, as CONFIG GET prints it. */
  default: string;
  /** False: CONFIG SET answers Redis's "can't set immutable config". */
  mutable: boolean;
  min?: bigint;
  max?: bigint;
  values?: readonly string[];
  get: (engine: Engine, state: ConfigState) => string;
  /** Applies an already validated value (a bigint for numbers, the text otherwise). */
  set?: (engine: Engine, state: ConfigState, value: bigint | string) => void;
  /** Extra validation for strings: an error text, or undefined when fine. */
  check?: (value: string) => string | undefined;
  /** The text stored (CONFIG GET) for a string value, when it differs from the input. */
  canonical?: (value: string) => string;
}

function stored(name: string, type: ParamType, def: string, extra: Partial<Param> = {}): Param {
  return {
    name,
    type,
    default: def,
    mutable: true,
    get: (_engine, state) => state.stored.get(name) ?? def,
    set: (_engine, state, value) => {
      state.stored.set(name, typeof value === 'bigint' ? value.toString() : value);
    },
    ...extra,
  };
}

function fixed(name: string, value: (state: ConfigState) => string): Param {
  return { name, type: 'string', default: '', mutable: false, get: (_e, s) => value(s) };
}

// Redis's notify-keyspace-events classes (src/notify.c), in the order it prints them.
const NOTIFY_CLASSES = 'g$lshzxetd';

function notifyFlags(value: string): string | undefined {
  const flags = new Set<string>();
  for (const c of value) {
    if (c === 'A') for (const all of NOTIFY_CLASSES) flags.add(all);
    else if ('g$lshzxeKEtmdn'.includes(c)) flags.add(c);
    else return undefined;
  }
  // keyspaceEventsFlagsToString
  let out = '';
  if ([...NOTIFY_CLASSES].every((c) => flags.has(c))) out = 'A';
  else for (const c of `${NOTIFY_CLASSES}n`) if (flags.has(c)) out += c;
  if (flags.has('K')) out += 'K';
  if (flags.has('E')) out += 'E';
  if (flags.has('m')) out += 'm';
  // Redis's A leaves out n (new key events); it is printed after A when set.
  if (out.startsWith('A') && flags.has('n')) out = `A${out.slice(1)}n`;
  return out;
}

const PARAMS: Param[] = [
  {
    name: 'maxmemory',
    type: 'memory',
    default: '0',
    mutable: true,
    min: 0n,
    max: ULONG_MAX,
    get: (_e, state) => state.maxmemoryText,
    set: (engine, state, value) => {
      state.maxmemoryText = value.toString();
      engine.memory.maxmemory = Number(value);
      // As Redis does on CONFIG SET maxmemory: evict at once, not only at the next write.
      evictorOf(engine).perform();
    },
  },
  {
    name: 'maxmemory-policy',
    type: 'enum',
    default: 'noeviction',
    mutable: true,
    values: MAXMEMORY_POLICIES,
    get: (engine) => engine.memory.policy,
    set: (engine, _s, value) => engine.memory.setPolicy(value as MaxmemoryPolicy),
  },
  {
    name: 'maxmemory-samples',
    type: 'int',
    default: '5',
    mutable: true,
    min: 1n,
    max: BigInt(INT_MAX),
    get: (engine) => String(engine.memory.samples),
    set: (engine, _s, value) => {
      engine.memory.samples = Number(value);
    },
  },
  stored('maxmemory-eviction-tenacity', 'int', '10', { min: 0n, max: 100n }),
  {
    name: 'lfu-log-factor',
    type: 'int',
    default: '10',
    mutable: true,
    min: 0n,
    max: BigInt(INT_MAX),
    get: (engine) => String(engine.memory.lfuLogFactor),
    set: (engine, _s, value) => {
      engine.memory.lfuLogFactor = Number(value);
    },
  },
  {
    name: 'lfu-decay-time',
    type: 'int',
    default: '1',
    mutable: true,
    min: 0n,
    max: BigInt(INT_MAX),
    get: (engine) => String(engine.memory.lfuDecayTime),
    set: (engine, _s, value) => {
      engine.memory.lfuDecayTime = Number(value);
    },
  },
  {
    name: 'timeout',
    type: 'int',
    default: '0',
    mutable: true,
    min: 0n,
    max: BigInt(INT_MAX),
    get: (_e, state) => String(Math.floor(state.limits.idleTimeoutMs / 1000)),
    set: (_e, state, value) => {
      state.limits.idleTimeoutMs = Number(value) * 1000;
    },
  },
  {
    name: 'maxclients',
    type: 'int',
    default: '10000',
    mutable: true,
    min: 1n,
    max: 4294967295n,
    get: (_e, state) => String(state.limits.maxClients),
    set: (_e, state, value) => {
      state.limits.maxClients = Number(value);
    },
  },
  {
    name: 'proto-max-bulk-len',
    type: 'memory',
    default: '536870912',
    mutable: true,
    min: 1024n * 1024n,
    max: LONG_MAX,
    get: (_e, state) => String(state.limits.protoMaxBulkLen),
    set: (_e, state, value) => {
      state.limits.protoMaxBulkLen = Number(value);
    },
  },
  {
    name: 'client-query-buffer-limit',
    type: 'memory',
    // Redis's is 1 GB; this server's default is lower (src/limits.ts says why).
    default: String(64 * MB),
    mutable: true,
    min: 1024n * 1024n,
    max: LONG_MAX,
    get: (_e, state) => String(state.limits.queryBufferLimit),
    set: (_e, state, value) => {
      state.limits.queryBufferLimit = Number(value);
    },
  },
  // Stored and reported; the expiry cycle keeps its 100 ms period (Redis's hz 10).
  stored('hz', 'int', '10', {
    min: 0n,
    max: BigInt(INT_MAX),
    // Redis clamps hz to 1..500 when it applies it, and CONFIG GET shows the clamped value.
    set: (_e, state, value) => {
      const hz = Number(value);
      state.stored.set('hz', String(Math.min(500, Math.max(1, hz))));
    },
  }),
  // This server keeps no RDB or AOF of Redis's kind (its snapshot is --snapshot): reported
  // as Redis reports persistence turned off. redis-benchmark and bullmq read these two.
  stored('save', 'string', ''),
  {
    name: 'appendonly',
    type: 'bool',
    default: 'no',
    mutable: true,
    get: () => 'no',
    check: (value) =>
      value === 'yes' ? 'kv-server has no append-only file (see --snapshot)' : undefined,
    set: () => {},
  },
  stored('notify-keyspace-events', 'string', '', {
    check: (value) =>
      notifyFlags(value) === undefined
        ? "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        : undefined,
    canonical: (value) => notifyFlags(value) ?? '',
  }),
  stored('maxmemory-clients', 'memory', '0', { min: 0n, max: LONG_MAX }),
  stored('lazyfree-lazy-eviction', 'bool', 'no'),
  stored('slowlog-log-slower-than', 'int', '10000', { min: -1n, max: LONG_MAX }),
  stored('slowlog-max-len', 'int', '128', { min: 0n, max: LONG_MAX }),
  {
    // Redis's per-class output limits. The pubsub class is enforced (pubsubOf(engine).limits: a
    // subscriber, MONITOR or SSE stream that stops reading is cut off); a normal client's
    // replies use backpressure instead, so the normal and replica values are only stored.
    name: 'client-output-buffer-limit',
    type: 'string',
    default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    mutable: true,
    get: (engine, state) => {
      const l = pubsubOf(engine).limits;
      const normal = state.stored.get('client-output-buffer-limit:normal') ?? '0 0 0';
      const slave = state.stored.get('client-output-buffer-limit:slave') ?? '268435456 67108864 60';
      return `normal ${normal} slave ${slave} pubsub ${l.hardBytes} ${l.softBytes} ${l.softSeconds}`;
    },
    check: (value) => {
      const parsed = outputLimits(value);
      return typeof parsed === 'string' ? parsed : undefined;
    },
    set: (engine, state, value) => {
      const parsed = outputLimits(String(value));
      if (typeof parsed === 'string') return;
      for (const [kind, hard, soft, seconds] of parsed) {
        if (kind === 'pubsub') {
          Object.assign(pubsubOf(engine).limits, {
            hardBytes: Number(hard),
            softBytes: Number(soft),
            softSeconds: Number(seconds),
          });
        } else {
          state.stored.set(`client-output-buffer-limit:${kind}`, `${hard} ${soft} ${seconds}`);
        }
      }
    },
  },
  fixed('databases', () => '16'),
  fixed('port', (state) => String(state.facts.port ?? 0)),
  fixed('bind', (state) => state.facts.bind ?? '127.0.0.1'),
  fixed('dir', () => process.cwd()),
  fixed('dbfilename', () => 'dump.rdb'),
  fixed('cluster-enabled', () => 'no'),
  {
    // How long a script runs before other clients get BUSY and SCRIPT KILL works (scripting.ts).
    name: 'busy-reply-threshold',
    type: 'int',
    default: '5000',
    mutable: true,
    min: 0n,
    max: LONG_MAX,
    get: (engine) => String(scriptingOf(engine).busyThresholdMs),
    set: (engine, _s, value) => {
      scriptingOf(engine).busyThresholdMs = Number(value);
    },
  },
];

// Aliases Redis accepts for the same parameters.
const ALIASES = new Map<string, string>([
  ['hash-max-ziplist-entries', 'hash-max-listpack-entries'],
  ['lua-time-limit', 'busy-reply-threshold'],
]);

const BY_NAME = new Map(PARAMS.map((p) => [p.name, p]));

function findParam(name: string): Param | undefined {
  return BY_NAME.get(ALIASES.get(name) ?? name);
}

/**
 * CONFIG SET client-output-buffer-limit `<class> <hard> <soft> <seconds>` ..., as Redis checks it
 * (config.c): the classes with their values, or Redis's error text.
 */
function outputLimits(
  value: string,
): [kind: 'normal' | 'slave' | 'pubsub', hard: bigint, soft: bigint, seconds: bigint][] | string {
  const args = value.split(/\s+/).filter((a) => a !== '');
  if (args.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
  const out: [kind: 'normal' | 'slave' | 'pubsub', bigint, bigint, bigint][] = [];
  for (let i = 0; i < args.length; i += 4) {
    const name = args[i]!.toLowerCase();
    const kind =
      name === 'normal'
        ? 'normal'
        : name === 'slave' || name === 'replica'
          ? 'slave'
          : name === 'pubsub'
            ? 'pubsub'
            : undefined;
    if (kind === undefined) return 'Invalid client class specified in buffer limit configuration.';
    const hard = memtoull(args[i + 1]!);
    const soft = memtoull(args[i + 2]!);
    const seconds = string2ll(args[i + 3]!);
    if (hard === undefined || soft === undefined || seconds === undefined || seconds < 0n) {
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    }
    out.push([kind, hard, soft, seconds]);
  }
  return out;
}

/** Redis's memtoull (src/util.c): digits, then an optional unit (b k kb m mb g gb). */
export function memtoull(text: string): bigint | undefined {
  if (text.startsWith('-')) return undefined;
  let i = 0;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const unit = text.slice(i).toLowerCase();
  const multipliers: Record<string, bigint> = {
    '': 1n,
    b: 1n,
    k: 1000n,
    kb: 1024n,
    m: 1000n * 1000n,
    mb: 1024n * 1024n,
    g: 1000n * 1000n * 1000n,
    gb: 1024n * 1024n * 1024n,
  };
  const mul = multipliers[unit];
  if (mul === undefined) return undefined;
  // strtoull on the digits alone: none at all (a bare unit) reads as 0, as in Redis.
  const digits = text.slice(0, i);
  if (digits.length >= 128) return undefined;
  const value = digits === '' ? 0n : BigInt(digits);
  if (value > ULONG_MAX) return undefined;
  if (value * mul > ULONG_MAX) return undefined;
  return value * mul;
}

/** Redis's string2ll: an optional minus, digits, no spaces or leading zeros, within int64. */
function string2ll(text: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > LONG_MAX || value < -LONG_MAX - 1n) return undefined;
  return value;
}

/** The value to apply, or the error text after Redis's "CONFIG SET failed ... - ". */
function parseValue(param: Param, text: string): { value: bigint | string } | { error: string } {
  switch (param.type) {
    case 'memory':
    case 'int': {
      const value = param.type === 'memory' ? memtoull(text) : string2ll(text);
      if (value === undefined) {
        return {
          error:
            param.type === 'memory'
              ? 'argument must be a memory value'
              : "argument couldn't be parsed into an integer",
        };
      }
      if (
        (param.min !== undefined && value < param.min) ||
        (param.max !== undefined && value > param.max)
      ) {
        return { error: `argument must be between ${param.min} and ${param.max} inclusive` };
      }
      return { value };
    }
    case 'enum': {
      const value = text.toLowerCase();
      if (!param.values?.includes(value)) {
        return {
          error: `argument(s) must be one of the following: ${param.values?.join(', ')}`,
        };
      }
      return { value };
    }
    case 'bool': {
      const value = text.toLowerCase();
      if (value !== 'yes' && value !== 'no') return { error: "argument must be 'yes' or 'no'" };
      const problem = param.check?.(value);
      return problem === undefined ? { value } : { error: problem };
    }
    default: {
      const problem = param.check?.(text);
      if (problem !== undefined) return { error: problem };
      return { value: param.canonical?.(text) ?? text };
    }
  }
}

function setFailed(name: string, reason: string): never {
  return fail(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`);
}

/** CONFIG SET p v [p v ...]: all checked first, then all applied (atomic, as in Redis 7). */
function configSet(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length < 4) fail("ERR wrong number of arguments for 'config|set' command");
  if (argv.length % 2 === 1) fail(ERRORS.syntax);
  const state = stateOf(ctx.engine);
  const changes: { param: Param; value: bigint | string }[] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const name = latin1(argv[i]!).toLowerCase();
    const param = findParam(name);
    if (param === undefined) {
      fail(`ERR Unknown option or number of arguments for CONFIG SET - '${latin1(argv[i]!)}'`);
    }
    if (!param.mutable || param.set === undefined) setFailed(name, "can't set immutable config");
    if (changes.some((c) => c.param === param)) setFailed(name, 'duplicate parameter');
    const parsed = parseValue(param, latin1(argv[i + 1]!));
    if ('error' in parsed) setFailed(name, parsed.error);
    changes.push({ param, value: parsed.value });
  }
  // Every value is valid: apply them in order (no apply function here can fail).
  for (const { param, value } of changes) param.set!(ctx.engine, state, value);
  return OK;
}

function configGet(ctx: CommandContext, argv: Buffer[]): Reply {
  const state = stateOf(ctx.engine);
  const entries: [Reply, Reply][] = [];
  const seen = new Set<string>();
  for (const arg of argv.slice(2)) {
    const pattern = latin1(arg).toLowerCase();
    // An exact name (or alias) answers under the name asked; a glob matches canonical names.
    const exact = findParam(pattern);
    const matches: [string, Param][] =
      exact !== undefined
        ? [[pattern, exact]]
        : PARAMS.filter((p) => globMatch(pattern, p.name)).map((p) => [p.name, p]);
    for (const [name, param] of matches) {
      if (seen.has(name)) continue;
      seen.add(name);
      entries.push([
        Buffer.from(name, 'latin1'),
        Buffer.from(param.get(ctx.engine, state), 'latin1'),
      ]);
    }
  }
  return new MapReply(entries);
}

const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Print this help.',
];

function config(ctx: CommandContext, argv: Buffer[]): Reply {
  const sub = latin1(argv[1]!).toLowerCase();
  const arityError = () => fail(`ERR wrong number of arguments for 'config|${sub}' command`);
  switch (sub) {
    case 'get':
      if (argv.length < 3) arityError();
      return configGet(ctx, argv);
    case 'set':
      return configSet(ctx, argv);
    case 'resetstat':
      if (argv.length !== 2) arityError();
      ctx.engine.memory.resetStats();
      return OK;
    case 'rewrite':
      if (argv.length !== 2) arityError();
      return err('ERR The server is running without a config file');
    case 'help':
      if (argv.length !== 2) arityError();
      return HELP.map((line) => new SimpleString(line));
    default:
      return err(`ERR unknown subcommand '${latin1(argv[1]!)}'. Try CONFIG HELP.`);
  }
}

/** The current value of a parameter, for INFO (maxmemory_policy ...) and the server. */
export function configValue(engine: Engine, name: string): string | undefined {
  return findParam(name)?.get(engine, stateOf(engine));
}

export const configCommands: CommandSpec[] = [
  {
    name: 'config',
    arity: -2,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    handler: config,
  },
];

/**
 * Applies settings at start (startKvServer's `maxmemory`, `maxmemoryPolicy`) with CONFIG SET's
 * checks: all or nothing, an Error with Redis's reason when a value is not valid.
 */
export function configure(engine: Engine, settings: Record<string, string>): void {
  const argv = [Buffer.from('config'), Buffer.from('set')];
  for (const [name, value] of Object.entries(settings)) {
    argv.push(Buffer.from(name, 'latin1'), Buffer.from(value, 'latin1'));
  }
  if (argv.length === 2) return;
  try {
    configSet({ engine, db: engine.db, session: engine.createSession() }, argv);
  } catch (error) {
    if (error instanceof CommandError && error.reply instanceof ErrorReply) {
      throw new Error(error.reply.message.replace(/^ERR /, ''));
    }
    throw error;
  }
}

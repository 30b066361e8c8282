// Redis's own command metadata (COMMAND INFO and COMMAND DOCS of Redis 7.0, generated into
// command-docs.json by scripts/command-docs.ts), and what the engine derives from it: COMMAND
// INFO / DOCS / LIST / GETKEYS answer from this for every command the engine has, and a command
// Redis does not have gets an entry built from its CommandSpec (see CommandSpec in engine.ts).
//
// The JSON keeps RESP3 types: a map is {"%": [k1, v1, ...]}, a set {"~": [...]}, a status
// string {"+": "text"}; bulk strings are JSON strings, integers numbers, nil null.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bulk, MapReply, type Reply, SetReply, SimpleString } from '../protocol/reply.ts';
import type { CommandSpec } from './engine.ts';

export type Typed =
  | string
  | number
  | null
  | Typed[]
  | { '%': Typed[] }
  | { '~': Typed[] }
  | { '+': string };

/** A decoded reply as typed JSON (used by the generator). */
export function toTyped(reply: Reply): Typed {
  if (reply === null) return null;
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (Buffer.isBuffer(reply)) return reply.toString('latin1');
  if (reply instanceof SimpleString) return { '+': reply.value };
  if (Array.isArray(reply)) return reply.map(toTyped);
  if (reply instanceof MapReply)
    return { '%': reply.entries.flatMap(([k, v]) => [toTyped(k), toTyped(v)]) };
  if (reply instanceof SetReply) return { '~': reply.items.map(toTyped) };
  throw new Error(`unexpected reply type in command metadata: ${String(reply)}`);
}

export function fromTyped(value: Typed): Reply {
  if (value === null) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return bulk(value);
  if (Array.isArray(value)) return value.map(fromTyped);
  if ('%' in value) {
    const entries: [Reply, Reply][] = [];
    for (let i = 0; i < value['%'].length; i += 2) {
      entries.push([fromTyped(value['%'][i]!), fromTyped(value['%'][i + 1]!)]);
    }
    return new MapReply(entries);
  }
  if ('~' in value) return new SetReply(value['~'].map(fromTyped));
  return new SimpleString(value['+']);
}

interface Metadata {
  /** COMMAND INFO entries by lower-case name. */
  info: Map<string, Typed[]>;
  /** COMMAND DOCS values (the map after the name) by lower-case name. */
  docs: Map<string, Typed>;
}

let loaded: Metadata | undefined;

/** Redis 7.0's metadata, read once on first use (COMMAND is rare; startup stays fast). */
export function redisMetadata(): Metadata {
  if (loaded !== undefined) return loaded;
  const file = join(import.meta.dirname, 'command-docs.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as {
    info: Typed[][];
    docs: { '%': Typed[] };
  };
  const info = new Map<string, Typed[]>();
  for (const entry of data.info) info.set(String(entry[0]).toLowerCase(), entry);
  const docs = new Map<string, Typed>();
  const flat = data.docs['%'];
  for (let i = 0; i < flat.length; i += 2) docs.set(String(flat[i]).toLowerCase(), flat[i + 1]!);
  loaded = { info, docs };
  return loaded;
}

/** Key positions of a command without Redis metadata: argv[1] when it takes an argument. */
function defaultKeys(spec: CommandSpec): { first: number; last: number; step: number } | null {
  if (spec.keys !== undefined) return spec.keys;
  if (spec.transactionControl || Math.abs(spec.arity) < 2) return null;
  return { first: 1, last: 1, step: 1 };
}

/** COMMAND INFO's entry for one command, as typed JSON. */
export function commandInfo(spec: CommandSpec): Typed[] {
  const redis = redisMetadata().info.get(spec.name);
  if (redis !== undefined && spec.flags === undefined && spec.keys === undefined) return redis;
  const keys = defaultKeys(spec);
  const flags = spec.flags ?? (spec.write ? ['write'] : ['readonly']);
  const category = spec.write ? '@write' : '@read';
  return [
    spec.name,
    spec.arity,
    { '~': flags.map((f) => ({ '+': f })) },
    keys?.first ?? 0,
    keys?.last ?? 0,
    keys?.step ?? 0,
    { '~': [{ '+': category }] },
    { '~': [] },
    {
      '~':
        keys === null
          ? []
          : [
              {
                '%': [
                  'flags',
                  { '~': [{ '+': spec.write ? 'RW' : 'RO' }] },
                  'begin_search',
                  { '%': ['type', 'index', 'spec', { '%': ['index', keys.first] }] },
                  'find_keys',
                  {
                    '%': [
                      'type',
                      'range',
                      'spec',
                      {
                        '%': [
                          'lastkey',
                          keys.last >= 0 ? keys.last - keys.first : keys.last,
                          'keystep',
                          keys.step,
                          'limit',
                          0,
                        ],
                      },
                    ],
                  },
                ],
              },
            ],
    },
    { '~': [] },
  ];
}

/** COMMAND DOCS's value for one command (a map), as typed JSON. */
export function commandDocs(spec: CommandSpec): Typed {
  const redis = redisMetadata().docs.get(spec.name);
  if (redis !== undefined && spec.summary === undefined && spec.arguments === undefined) {
    return redis;
  }
  const entries: Typed[] = [];
  entries.push('summary', spec.summary ?? `${spec.name.toUpperCase()} (kv-server)`);
  entries.push('since', spec.since ?? '1.0.0');
  entries.push('group', spec.group ?? (spec.write ? 'generic' : 'generic'));
  if (spec.arguments !== undefined) entries.push('arguments', spec.arguments.map(argumentDoc));
  return { '%': entries };
}

function argumentDoc(arg: NonNullable<CommandSpec['arguments']>[number]): Typed {
  const entries: Typed[] = ['name', arg.name, 'type', arg.type];
  if (arg.token !== undefined) entries.push('token', arg.token);
  if (arg.flags !== undefined && arg.flags.length > 0) {
    entries.push('flags', { '~': arg.flags.map((f) => ({ '+': f })) });
  }
  if (arg.arguments !== undefined) entries.push('arguments', arg.arguments.map(argumentDoc));
  return { '%': entries };
}

// ---------------------------------------------------------------------------------------------
// Key extraction from key specs (COMMAND GETKEYS, CLIENT TRACKING)

/** Reads a typed map as a plain object of typed values. */
function mapOf(value: Typed | undefined): Record<string, Typed> {
  const out: Record<string, Typed> = {};
  if (value === null || value === undefined || typeof value !== 'object' || !('%' in value)) {
    return out;
  }
  const flat = value['%'];
  for (let i = 0; i < flat.length; i += 2) out[String(flat[i])] = flat[i + 1]!;
  return out;
}

function setOf(value: Typed | undefined): string[] {
  if (value === null || value === undefined || typeof value !== 'object' || !('~' in value)) {
    return [];
  }
  return value['~'].map((v) =>
    typeof v === 'object' && v !== null && '+' in v ? v['+'] : String(v),
  );
}

/** The elements of an array or a set (COMMAND INFO's key specs and subcommands are sets). */
export function itemsOf(value: Typed | undefined): Typed[] {
  if (Array.isArray(value)) return value;
  if (value !== null && value !== undefined && typeof value === 'object' && '~' in value) {
    return value['~'];
  }
  return [];
}

export interface KeyRef {
  index: number;
  flags: string[];
}

/**
 * The argument positions holding keys, by Redis's key specs (begin_search index/keyword,
 * find_keys range/keynum), as Redis's getKeysFromCommandWithSpecs does. Undefined when the
 * arguments do not fit the specs ("Invalid number of arguments").
 */
export function keyPositions(info: Typed[], argv: readonly Buffer[]): KeyRef[] | undefined {
  const specs = itemsOf(info[8]);
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const specTyped of specs) {
    const spec = mapOf(specTyped);
    const flags = setOf(spec.flags);
    const begin = mapOf(spec.begin_search);
    const beginSpec = mapOf(begin.spec);
    let first: number;
    if (begin.type === 'index') {
      first = Number(beginSpec.index);
    } else if (begin.type === 'keyword') {
      const keyword = String(beginSpec.keyword).toLowerCase();
      const startfrom = Number(beginSpec.startfrom);
      const start = startfrom >= 0 ? startfrom : argc + startfrom;
      const end = startfrom >= 0 ? argc - 1 : 0;
      const step = startfrom >= 0 ? 1 : -1;
      first = 0;
      for (let i = start; startfrom >= 0 ? i <= end : i >= end; i += step) {
        if (i <= 0 || i >= argc) break;
        if (argv[i]!.toString('latin1').toLowerCase() === keyword) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else {
      continue;
    }
    const find = mapOf(spec.find_keys);
    const findSpec = mapOf(find.spec);
    let last: number;
    let step: number;
    if (find.type === 'range') {
      step = Number(findSpec.keystep);
      const lastkey = Number(findSpec.lastkey);
      const limit = Number(findSpec.limit);
      if (lastkey >= 0) last = first + lastkey;
      else if (limit <= 1) last = argc + lastkey;
      else last = first + Math.floor((argc - first) / limit) + lastkey;
    } else if (find.type === 'keynum') {
      const numIndex = first + Number(findSpec.keynumidx);
      if (numIndex >= argc) return undefined;
      const text = argv[numIndex]!.toString('latin1');
      const numkeys = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isInteger(numkeys) || numkeys < 0) return undefined;
      // No keys (EVAL script 0): nothing from this spec.
      if (numkeys === 0) continue;
      step = Number(findSpec.keystep);
      first += Number(findSpec.firstkey);
      last = first + (numkeys - 1) * step;
    } else {
      continue;
    }
    if (last >= argc || last < first - 1) return undefined;
    for (let i = first; i <= last; i += step) {
      if (i >= argc) return undefined;
      out.push({ index: i, flags });
    }
  }
  return out;
}

/** The keys `argv` touches, for the engine's own use (tracking); [] when unknown. */
export function commandKeys(spec: CommandSpec, argv: readonly Buffer[]): string[] {
  const positions = keyPositions(commandInfo(spec), argv) ?? [];
  return positions.map((p) => argv[p.index]!.toString('latin1'));
}

// COMMAND (COUNT, INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS), answered from the engine's own
// command table: a command Redis 7.0 has is described with Redis's metadata
// (command-docs.json), any other from its CommandSpec. The same table drives arity checks, so
// what COMMAND says is what the engine does. redis-cli builds its interactive hints from
// COMMAND DOCS; client libraries read key positions from COMMAND INFO.

import {
  bulk,
  fail,
  latin1,
  MapReply,
  type Reply,
  SetReply,
  SimpleString,
} from '../../protocol/reply.ts';
import {
  commandDocs,
  commandInfo,
  fromTyped,
  itemsOf,
  keyPositions,
  type Typed,
} from '../command-docs.ts';
import type { CommandContext, CommandSpec, Engine } from '../engine.ts';
import { globMatch } from '../glob.ts';

function specs(engine: Engine): CommandSpec[] {
  return engine
    .commandNames()
    .map((name) => engine.command(name))
    .filter((spec): spec is CommandSpec => spec !== undefined);
}

/** Names of a command's subcommands in Redis's metadata (`client|list` ...). */
function subcommandNames(info: Typed[]): string[] {
  return itemsOf(info[9])
    .filter(Array.isArray)
    .map((entry) => String((entry as Typed[])[0]));
}

function categories(info: Typed[]): string[] {
  const cats = info[6];
  if (cats === null || typeof cats !== 'object' || !('~' in cats)) return [];
  return cats['~'].map((c) => (typeof c === 'object' && c !== null && '+' in c ? c['+'] : ''));
}

function list(engine: Engine, argv: Buffer[]): Reply {
  let filter: (name: string, info: Typed[]) => boolean = () => true;
  if (argv.length > 2) {
    if (argv.length !== 5 || latin1(argv[2]!).toLowerCase() !== 'filterby')
      fail('ERR syntax error');
    const kind = latin1(argv[3]!).toLowerCase();
    const value = latin1(argv[4]!);
    if (kind === 'module') filter = () => false;
    else if (kind === 'aclcat') {
      filter = (_name, info) => categories(info).includes(`@${value.toLowerCase()}`);
    } else if (kind === 'pattern') filter = (name) => globMatch(value.toLowerCase(), name);
    else fail('ERR syntax error');
  }
  const out: Reply[] = [];
  for (const spec of specs(engine)) {
    const info = commandInfo(spec);
    if (filter(spec.name, info)) out.push(bulk(spec.name));
    for (const sub of subcommandNames(info)) {
      if (filter(sub, info)) out.push(bulk(sub));
    }
  }
  return out;
}

/** The metadata entry that describes `argv` (a container's subcommand when there is one). */
function describeCall(engine: Engine, argv: Buffer[]): Typed[] | undefined {
  const spec = engine.command(latin1(argv[0]!).toLowerCase());
  if (spec === undefined) return undefined;
  const info = commandInfo(spec);
  const subs = itemsOf(info[9]);
  if (subs.length > 0 && argv.length > 1) {
    const wanted = `${spec.name}|${latin1(argv[1]!).toLowerCase()}`;
    const sub = subs.find((entry) => Array.isArray(entry) && entry[0] === wanted);
    return (sub as Typed[] | undefined) ?? undefined;
  }
  return info;
}

/** COMMAND INFO of `name`, or of `container|sub` (Redis 7 takes both). */
function lookupInfo(engine: Engine, name: string): Typed[] | undefined {
  const [container, sub] = name.split('|', 2) as [string, string | undefined];
  const spec = engine.command(container);
  if (spec === undefined) return undefined;
  const info = commandInfo(spec);
  if (sub === undefined) return info;
  return itemsOf(info[9]).find((entry) => Array.isArray(entry) && entry[0] === name) as
    | Typed[]
    | undefined;
}

/** COMMAND DOCS of `name`, or of `container|sub` (found in the container's `subcommands`). */
function lookupDocs(engine: Engine, name: string): Typed | undefined {
  const [container, sub] = name.split('|', 2) as [string, string | undefined];
  const spec = engine.command(container);
  if (spec === undefined) return undefined;
  const docs = commandDocs(spec);
  if (sub === undefined) return docs;
  if (docs === null || typeof docs !== 'object' || !('%' in docs)) return undefined;
  const flat = docs['%'];
  const at = flat.indexOf('subcommands');
  const subs = at >= 0 ? flat[at + 1] : undefined;
  if (subs === null || subs === undefined || typeof subs !== 'object' || !('%' in subs)) {
    return undefined;
  }
  const i = subs['%'].indexOf(name);
  return i >= 0 ? subs['%'][i + 1] : undefined;
}

function getkeys(engine: Engine, argv: Buffer[], withFlags: boolean): Reply {
  const call = argv.slice(2);
  const info = describeCall(engine, call);
  if (info === undefined) fail('ERR Invalid command specified');
  if (itemsOf(info[8]).length === 0) {
    fail('ERR The command has no key arguments');
  }
  const arity = Number(info[1]);
  if ((arity > 0 && arity !== call.length) || call.length < -arity) {
    fail('ERR Invalid number of arguments specified for command');
  }
  const positions = keyPositions(info, call);
  if (positions === undefined) fail('ERR Invalid arguments specified for command');
  // SET's flags depend on GET (Redis's setGetKeys): without it SET only overwrites.
  const variable = (flags: string[]): string[] => {
    if (!flags.includes('variable_flags')) return flags;
    const get = call.slice(3).some((arg) => latin1(arg).toLowerCase() === 'get');
    return get ? ['RW', 'access', 'update'] : ['OW', 'update'];
  };
  return positions.map(({ index, flags }) =>
    withFlags
      ? [Buffer.from(call[index]!), new SetReply(variable(flags).map((f) => new SimpleString(f)))]
      : Buffer.from(call[index]!),
  );
}

function command(ctx: CommandContext, argv: Buffer[]): Reply {
  const { engine } = ctx;
  if (argv.length === 1) return specs(engine).map((spec) => fromTyped(commandInfo(spec)));
  const sub = latin1(argv[1]!).toLowerCase();
  const wrongArity = () => fail(`ERR wrong number of arguments for 'command|${sub}' command`);
  switch (sub) {
    case 'count':
      if (argv.length !== 2) wrongArity();
      return specs(engine).length;
    case 'info': {
      if (argv.length === 2) return specs(engine).map((spec) => fromTyped(commandInfo(spec)));
      return argv.slice(2).map((arg) => {
        const info = lookupInfo(engine, latin1(arg).toLowerCase());
        return info === undefined ? null : fromTyped(info);
      });
    }
    case 'docs': {
      if (argv.length === 2) {
        return new MapReply(
          specs(engine).map((spec) => [bulk(spec.name), fromTyped(commandDocs(spec))]),
        );
      }
      const entries: [Reply, Reply][] = [];
      for (const arg of argv.slice(2)) {
        const name = latin1(arg).toLowerCase();
        const docs = lookupDocs(engine, name);
        if (docs !== undefined) entries.push([bulk(name), fromTyped(docs)]);
      }
      return new MapReply(entries);
    }
    case 'list':
      return list(engine, argv);
    case 'getkeys':
    case 'getkeysandflags':
      if (argv.length < 4) wrongArity();
      return getkeys(engine, argv, sub === 'getkeysandflags');
    case 'help':
      return [
        'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        '(no subcommand)',
        '    Return details about all Redis commands.',
        'COUNT',
        '    Return the total number of commands in this Redis server.',
        'LIST',
        '    Return a list of all commands in this Redis server.',
        'INFO [<command-name> ...]',
        '    Return details about multiple Redis commands.',
        '    If no command names are given, documentation details for all',
        '    commands are returned.',
        'DOCS [<command-name> ...]',
        '    Return documentation details about multiple Redis commands.',
        '    If no command names are given, documentation details for all',
        '    commands are returned.',
        'GETKEYS <full-command>',
        '    Return the keys from a full Redis command.',
        'GETKEYSANDFLAGS <full-command>',
        '    Return the keys and the access flags from a full Redis command.',
        'HELP',
        '    Prints this help.',
      ].map((line) => new SimpleString(line));
    default:
      return fail(`ERR unknown subcommand '${latin1(argv[1]!).slice(0, 128)}'. Try COMMAND HELP.`);
  }
}

export const introspectionCommands: CommandSpec[] = [
  { name: 'command', arity: -1, handler: command },
];

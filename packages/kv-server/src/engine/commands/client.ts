// CLIENT: the connection commands (ID, LIST, INFO, SETNAME, GETNAME, SETINFO, KILL, PAUSE,
// UNPAUSE, NO-EVICT, NO-TOUCH, REPLY, TRACKING, CACHING, GETREDIR, TRACKINGINFO, UNBLOCK),
// answered from the connection registry (engine.clients). A session without a connection (a
// REST request) has no client: CLIENT ID and the like answer as for a fresh connection.

import {
  bulk,
  ERRORS,
  fail,
  latin1,
  MapReply,
  OK,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply,
} from '../../protocol/reply.ts';
import { blockingOf } from '../blocking.ts';
import { ClientInfo, type TrackingState } from '../clients.ts';
import type { CommandContext, CommandSpec, Engine } from '../engine.ts';
import { parseInteger } from '../parse.ts';
import { trackingOf } from '../tracking.ts';

const HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

const SUBCOMMANDS = new Set([
  'id',
  'info',
  'list',
  'getname',
  'setname',
  'setinfo',
  'kill',
  'pause',
  'unpause',
  'no-evict',
  'no-touch',
  'reply',
  'tracking',
  'caching',
  'getredir',
  'trackinginfo',
  'unblock',
  'help',
]);

const CLIENT_TYPES = new Set(['normal', 'master', 'slave', 'replica', 'pubsub']);

/** The connection running the command; REST requests get a throwaway one. */
function self(ctx: CommandContext): ClientInfo {
  return ctx.session.client ?? new ClientInfo(0, 'rest', 'rest');
}

function isPubsub(client: ClientInfo): boolean {
  return client.subscriptions + client.patternSubscriptions + client.shardSubscriptions > 0;
}

function ofType(client: ClientInfo, type: string): boolean {
  if (type === 'pubsub') return isPubsub(client);
  if (type === 'normal') return !isPubsub(client);
  return false; // no master or replica connections here
}

function clientType(arg: Buffer): string {
  const type = latin1(arg).toLowerCase();
  if (!CLIENT_TYPES.has(type)) fail(`ERR Unknown client type '${latin1(arg)}'`);
  return type;
}

function list(ctx: CommandContext, argv: Buffer[]): Reply {
  let clients = [...ctx.engine.clients.all()];
  if (argv.length === 4 && latin1(argv[2]!).toLowerCase() === 'type') {
    const type = clientType(argv[3]!);
    clients = clients.filter((c) => ofType(c, type));
  } else if (argv.length > 3 && latin1(argv[2]!).toLowerCase() === 'id') {
    const ids = new Set<number>();
    for (const arg of argv.slice(3)) {
      const id = parseInteger(arg);
      if (id === undefined || id < 1) fail('ERR Invalid client ID');
      ids.add(id);
    }
    clients = clients.filter((c) => ids.has(c.id));
  } else if (argv.length !== 2) {
    fail(ERRORS.syntax);
  }
  const now = Date.now();
  return new VerbatimReply(bulk(clients.map((c) => `${c.describe(now)}\n`).join('')));
}

function kill(ctx: CommandContext, argv: Buffer[]): Reply {
  const me = ctx.session.client;
  const all = [...ctx.engine.clients.all()];
  const close = (client: ClientInfo) => {
    // Killing yourself: the connection closes after this reply, as in Redis.
    if (client === me) ctx.session.closeRequested = true;
    else client.kill();
  };
  if (argv.length === 3) {
    const addr = latin1(argv[2]!);
    const target = all.find((c) => c.addr === addr);
    if (target === undefined) fail('ERR No such client');
    close(target);
    return OK;
  }
  if (argv.length % 2 !== 0) fail(ERRORS.syntax);
  const tests: ((c: ClientInfo) => boolean)[] = [];
  let skipme = true;
  for (let i = 2; i < argv.length; i += 2) {
    const option = latin1(argv[i]!).toLowerCase();
    const value = argv[i + 1]!;
    if (option === 'id') {
      const id = parseInteger(value);
      if (id === undefined || id < 1) fail('ERR client-id should be greater than 0');
      tests.push((c) => c.id === id);
    } else if (option === 'type') {
      const type = clientType(value);
      tests.push((c) => ofType(c, type));
    } else if (option === 'addr') {
      tests.push((c) => c.addr === latin1(value));
    } else if (option === 'laddr') {
      tests.push((c) => c.laddr === latin1(value));
    } else if (option === 'user') {
      if (latin1(value) !== 'default') fail(`ERR No such user '${latin1(value)}'`);
    } else if (option === 'skipme') {
      const yes = latin1(value).toLowerCase();
      if (yes !== 'yes' && yes !== 'no') fail(ERRORS.syntax);
      skipme = yes === 'yes';
    } else {
      fail(ERRORS.syntax);
    }
  }
  let killed = 0;
  for (const client of all) {
    if (skipme && client === me) continue;
    if (!tests.every((test) => test(client))) continue;
    close(client);
    killed++;
  }
  return killed;
}

// ---------------------------------------------------------------------------------------------
// CLIENT PAUSE: commands of every connection wait (ALL), or only writes (WRITE), until the
// timeout or CLIENT UNPAUSE. The RESP surface asks `pauseOf(engine).gate(...)` before running.

/** Commands that may replicate: what PAUSE WRITE holds besides the write commands. */
const MAY_REPLICATE = new Set([
  'eval',
  'evalsha',
  'fcall',
  'publish',
  'spublish',
  'pfcount',
  'script',
  'function',
]);

export class Pause {
  private until = 0;
  private all = false;
  private timer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];

  pause(ms: number, all: boolean): void {
    const until = Date.now() + ms;
    // A new pause never shortens or weakens one in force (Redis keeps the stronger one).
    if (this.active()) {
      this.all ||= all;
      this.until = Math.max(this.until, until);
    } else {
      this.all = all;
      this.until = until;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.unpause(), Math.max(0, this.until - Date.now()));
    this.timer.unref();
  }

  unpause(): void {
    this.until = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const wake of this.waiters.splice(0)) wake();
  }

  active(): boolean {
    // until is 0 when no pause was ever set or it ended: no clock read on every command.
    return this.until !== 0 && this.until > Date.now();
  }

  /** A promise to wait on before running `name`, or undefined to run it now. */
  gate(engine: Engine, name: string): Promise<void> | undefined {
    // Every command asks: no clock read unless a pause was ever set.
    if (this.until === 0 || !this.active()) return undefined;
    if (!this.all) {
      const spec = engine.command(name);
      if (!spec?.write && !MAY_REPLICATE.has(name)) return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

const pauses = new WeakMap<Engine, Pause>();

export function pauseOf(engine: Engine): Pause {
  let pause = pauses.get(engine);
  if (pause === undefined) {
    pause = new Pause();
    pauses.set(engine, pause);
  }
  return pause;
}

function pause(ctx: CommandContext, argv: Buffer[]): Reply {
  const ms = parseInteger(argv[2]!);
  if (ms === undefined) fail('ERR timeout is not an integer or out of range');
  if (ms < 0) fail('ERR timeout is negative');
  let all = true;
  if (argv.length === 4) {
    const mode = latin1(argv[3]!).toLowerCase();
    if (mode !== 'write' && mode !== 'all') fail('ERR CLIENT PAUSE mode must be WRITE or ALL');
    all = mode === 'all';
  } else if (argv.length > 4) {
    fail(ERRORS.syntax);
  }
  pauseOf(ctx.engine).pause(ms, all);
  return OK;
}

// ---------------------------------------------------------------------------------------------
// Tracking

function tracking(ctx: CommandContext, argv: Buffer[]): Reply {
  const me = self(ctx);
  const onOff = latin1(argv[2]!).toLowerCase();
  const state: TrackingState = {
    redirect: 0,
    bcast: false,
    optin: false,
    optout: false,
    noloop: false,
    prefixes: [],
    caching: undefined,
  };
  for (let i = 3; i < argv.length; i++) {
    const option = latin1(argv[i]!).toLowerCase();
    const more = argv.length - 1 - i;
    if (option === 'redirect' && more >= 1) {
      const id = parseInteger(argv[++i]!);
      if (id === undefined) fail(ERRORS.notInteger);
      if (id !== me.id && ctx.engine.clients.get(id) === undefined) {
        fail('ERR The client ID you want redirect to does not exist');
      }
      // Redirecting to yourself is no redirect.
      state.redirect = id === me.id ? 0 : id;
    } else if (option === 'bcast') state.bcast = true;
    else if (option === 'optin') state.optin = true;
    else if (option === 'optout') state.optout = true;
    else if (option === 'noloop') state.noloop = true;
    else if (option === 'prefix' && more >= 1) state.prefixes.push(latin1(argv[++i]!));
    else fail(ERRORS.syntax);
  }
  const table = trackingOf(ctx.engine);
  if (onOff === 'off') {
    table.disable(me);
    return OK;
  }
  if (onOff !== 'on') fail(ERRORS.syntax);
  if (state.prefixes.length > 0 && !state.bcast) {
    fail('ERR PREFIX option requires BCAST mode to be enabled');
  }
  if (me.tracking !== undefined && me.tracking.bcast !== state.bcast) {
    fail(
      "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (state.optin && state.optout) fail("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if ((state.optin || state.optout) && state.bcast) {
    fail('ERR OPTIN and OPTOUT are not compatible with BCAST');
  }
  if (state.bcast) checkPrefixes(me.tracking?.prefixes ?? [], state.prefixes);
  // BCAST without PREFIX registers the empty prefix: every key.
  if (state.bcast && state.prefixes.length === 0) state.prefixes.push('');
  if (me.tracking?.bcast) {
    state.prefixes = [...new Set([...me.tracking.prefixes, ...state.prefixes])];
  }
  table.enable(me, state);
  return OK;
}

/** Redis's checkPrefixCollisionsOrReply: one client's BCAST prefixes must not overlap. */
function checkPrefixes(existing: string[], given: string[]): void {
  const overlap = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
  const rule = 'Prefixes for a single client must not overlap.';
  for (const [i, prefix] of given.entries()) {
    const old = existing.find((p) => overlap(p, prefix));
    if (old !== undefined) {
      fail(`ERR Prefix '${prefix}' overlaps with an existing prefix '${old}'. ${rule}`);
    }
    const other = given.slice(i + 1).find((p) => overlap(p, prefix));
    if (other !== undefined) {
      fail(`ERR Prefix '${prefix}' overlaps with another provided prefix '${other}'. ${rule}`);
    }
  }
}

function caching(ctx: CommandContext, argv: Buffer[]): Reply {
  const state = self(ctx).tracking;
  if (state === undefined || (!state.optin && !state.optout)) {
    fail(
      'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
    );
  }
  const yes = latin1(argv[2]!).toLowerCase();
  if (yes === 'yes') {
    if (!state.optin)
      fail('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
    state.caching = true;
  } else if (yes === 'no') {
    if (!state.optout)
      fail('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
    state.caching = false;
  } else {
    fail(ERRORS.syntax);
  }
  return OK;
}

function trackinginfo(ctx: CommandContext): Reply {
  const state = self(ctx).tracking;
  const flags: string[] = [];
  if (state === undefined) flags.push('off');
  else {
    flags.push('on');
    if (state.bcast) flags.push('bcast');
    if (state.optin) flags.push('optin');
    if (state.optout) flags.push('optout');
    if (state.caching === true) flags.push('caching-yes');
    if (state.caching === false) flags.push('caching-no');
    if (state.noloop) flags.push('noloop');
    if (state.redirect && ctx.engine.clients.get(state.redirect) === undefined) {
      flags.push('broken_redirect');
    }
  }
  return new MapReply([
    [bulk('flags'), new SetReply(flags.map(bulk))],
    [bulk('redirect'), state === undefined ? -1 : state.redirect],
    // Redis keeps them in a radix tree: byte order.
    [bulk('prefixes'), [...(state?.prefixes ?? [])].sort().map(bulk)],
  ]);
}

// ---------------------------------------------------------------------------------------------

function onOff(arg: Buffer): boolean {
  const value = latin1(arg).toLowerCase();
  if (value !== 'on' && value !== 'off') fail(ERRORS.syntax);
  return value === 'on';
}

function client(ctx: CommandContext, argv: Buffer[]): Reply {
  const sub = latin1(argv[1]!).toLowerCase();
  const n = argv.length;
  const me = self(ctx);
  // Redis 7 checks each subcommand's arity: a known one with the wrong count gets the
  // `client|sub` arity error, an unknown one "unknown subcommand".
  const bad = () =>
    SUBCOMMANDS.has(sub)
      ? fail(`ERR wrong number of arguments for 'client|${sub}' command`)
      : fail(`ERR unknown subcommand '${latin1(argv[1]!).slice(0, 128)}'. Try CLIENT HELP.`);
  switch (sub) {
    case 'id':
      if (n !== 2) bad();
      return me.id;
    case 'info':
      if (n !== 2) bad();
      return new VerbatimReply(bulk(`${me.describe()}\n`));
    case 'list':
      return list(ctx, argv);
    case 'getname':
      if (n !== 2) bad();
      return me.name === undefined ? null : bulk(me.name);
    case 'setname': {
      if (n !== 3) bad();
      const name = latin1(argv[2]!);
      if (/[^\x21-\x7e]/.test(name)) {
        fail('ERR Client names cannot contain spaces, newlines or special characters.');
      }
      me.name = name === '' ? undefined : name;
      return OK;
    }
    case 'setinfo': {
      if (n !== 4) bad();
      const attr = latin1(argv[2]!).toLowerCase();
      const value = latin1(argv[3]!);
      if (attr !== 'lib-name' && attr !== 'lib-ver') {
        fail(`ERR Unrecognized option '${latin1(argv[2]!)}'`);
      }
      if (/[^\x21-\x7e]/.test(value)) {
        fail(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
      }
      if (attr === 'lib-name') me.libName = value;
      else me.libVer = value;
      return OK;
    }
    case 'kill':
      if (n < 3) bad();
      return kill(ctx, argv);
    case 'pause':
      if (n < 3) bad();
      return pause(ctx, argv);
    case 'unpause':
      if (n !== 2) bad();
      pauseOf(ctx.engine).unpause();
      return OK;
    case 'no-evict':
      if (n !== 3) bad();
      me.noEvict = onOff(argv[2]!);
      return OK;
    case 'no-touch':
      if (n !== 3) bad();
      me.noTouch = onOff(argv[2]!);
      return OK;
    case 'reply': {
      if (n !== 3) bad();
      const mode = latin1(argv[2]!).toLowerCase();
      if (mode !== 'on' && mode !== 'off' && mode !== 'skip') fail(ERRORS.syntax);
      // The surface drops replies while the mode says so (the OFF/SKIP reply itself included).
      me.replyMode = mode;
      return OK;
    }
    case 'tracking':
      if (n < 3) bad();
      return tracking(ctx, argv);
    case 'caching':
      if (n !== 3) bad();
      return caching(ctx, argv);
    case 'getredir':
      if (n !== 2) bad();
      return me.tracking === undefined ? -1 : me.tracking.redirect;
    case 'trackinginfo':
      if (n !== 2) bad();
      return trackinginfo(ctx);
    case 'unblock': {
      if (n !== 3 && n !== 4) bad();
      const id = parseInteger(argv[2]!);
      if (id === undefined) fail(ERRORS.notInteger);
      let error = false;
      if (n === 4) {
        const how = latin1(argv[3]!).toLowerCase();
        if (how !== 'timeout' && how !== 'error') {
          fail('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
        }
        error = how === 'error';
      }
      const session = ctx.engine.clients.get(id)?.session;
      return session !== undefined && blockingOf(ctx.engine).unblock(session, error) ? 1 : 0;
    }
    case 'help':
      if (n !== 2) bad();
      return HELP.map((line) => new SimpleString(line));
    default:
      return bad();
  }
}

export const clientCommands: CommandSpec[] = [{ name: 'client', arity: -2, handler: client }];

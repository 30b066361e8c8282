// Streams: XADD, XRANGE, XREAD, consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM,
// XAUTOCLAIM), XINFO and XSETID, with Redis 7.0's replies, error texts and argument order
// (t_stream.c: which argument is checked first decides which error a bad call gets).

import {
  bulk,
  cText,
  ERRORS,
  err,
  fail,
  latin1,
  MapReply,
  NULL_ARRAY,
  OK,
  type Reply,
  SimpleString,
} from '../../protocol/reply.ts';
import { blockingOf } from '../blocking.ts';
import type { Database } from '../database.ts';
import type { CommandContext, CommandSpec, Session } from '../engine.ts';
import { integerReply, parseInt64 } from '../parse.ts';
import {
  Consumer,
  ConsumerGroup,
  formatId,
  INVALID_ENTRIES_READ,
  idMs,
  idSeq,
  MAX_ID,
  MIN_ID,
  makeId,
  type Nack,
  type StreamEntry,
  type StreamId,
  StreamValue,
} from '../stream.ts';

const U64 = (1n << 64n) - 1n;
const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

// ---------------------------------------------------------------------------------------------
// Argument parsing

/** C's strtoull as string2ull uses it: spaces, a sign (a minus wraps), digits, nothing after. */
function string2ull(s: string): bigint | undefined {
  const ll = parseInt64(s);
  if (ll !== undefined) return ll < 0n ? undefined : ll;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return undefined;
  const v = BigInt(m[2]!);
  if (v > U64) return undefined; // ERANGE
  return m[1] === '-' ? (U64 + 1n - v) & U64 : v;
}

interface ParsedId {
  id: StreamId;
  /** False for `ms-*` (XADD picks the sequence). */
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: `ms-seq`, `ms` (seq = missingSeq), and unless strict `-` and `+`.
 * `allowSeqStar` accepts XADD's `ms-*`.
 */
function parseIdArg(
  arg: Buffer,
  missingSeq: bigint,
  strict: boolean,
  allowSeqStar = false,
): ParsedId {
  if (arg.length > 127) fail(INVALID_ID);
  // Redis copies the argument into a C string: it ends at the first NUL byte.
  const s = cText(arg);
  if (strict && (s === '-' || s === '+')) fail(INVALID_ID);
  if (s === '-') return { id: MIN_ID, seqGiven: true };
  if (s === '+') return { id: MAX_ID, seqGiven: true };
  const dash = s.indexOf('-');
  const ms = string2ull(dash >= 0 ? s.slice(0, dash) : s);
  if (ms === undefined) fail(INVALID_ID);
  if (dash < 0) return { id: makeId(ms, missingSeq), seqGiven: true };
  const rest = s.slice(dash + 1);
  if (allowSeqStar && rest === '*') return { id: makeId(ms, 0n), seqGiven: false };
  const seq = string2ull(rest);
  if (seq === undefined) fail(INVALID_ID);
  return { id: makeId(ms, seq), seqGiven: true };
}

function strictId(arg: Buffer): StreamId {
  return parseIdArg(arg, 0n, true).id;
}

/** streamParseIntervalIDOrReply: `(id` is exclusive (strict), anything else as parseIdArg. */
function intervalId(arg: Buffer, missingSeq: bigint): { id: StreamId; exclusive: boolean } {
  if (arg.length > 1 && arg[0] === 0x28) {
    return { id: parseIdArg(arg.subarray(1), missingSeq, true).id, exclusive: true };
  }
  return { id: parseIdArg(arg, missingSeq, false).id, exclusive: false };
}

/** The start of an interval, `(id` moved to the next ID (error at the very last one). */
function intervalStart(arg: Buffer): StreamId {
  const { id, exclusive } = intervalId(arg, 0n);
  if (!exclusive) return id;
  if (id === MAX_ID) fail('ERR invalid start ID for the interval');
  return incrId(id);
}

function intervalEnd(arg: Buffer): StreamId {
  const { id, exclusive } = intervalId(arg, U64);
  if (!exclusive) return id;
  if (id === MIN_ID) fail('ERR invalid end ID for the interval');
  return decrId(id);
}

/** streamIncrID without the wrap (callers check MAX_ID first). */
function incrId(id: StreamId): StreamId {
  return idSeq(id) === U64 ? makeId(idMs(id) + 1n, 0n) : id + 1n;
}

function decrId(id: StreamId): StreamId {
  return idSeq(id) === 0n ? makeId(idMs(id) - 1n, U64) : id - 1n;
}

function int64(arg: Buffer, message: string = ERRORS.notInteger): bigint {
  const n = parseInt64(arg);
  if (n === undefined) fail(message);
  return n;
}

/** Redis's strcasecmp on an option: C strings, so a word ends at its first NUL byte. */
function is(arg: Buffer | undefined, word: string): boolean {
  return arg !== undefined && arg.length >= word.length && cText(arg).toLowerCase() === word;
}

// ---------------------------------------------------------------------------------------------
// Replies

function idReply(id: StreamId): Buffer {
  return bulk(formatId(id));
}

function entryReply(entry: StreamEntry): Reply {
  return [idReply(entry.id), entry.fields.map(bulk)];
}

/** RESP3 for a session that said HELLO 3 (the engine's Session may not know protocols yet). */
function resp3(session: Session): boolean {
  return (session as { protocol?: number }).protocol === 3;
}

/** A map in RESP3, a flat array in RESP2 (addReplyMapLen). */
function mapReply(session: Session, entries: [string, Reply][]): Reply {
  if (resp3(session)) return new MapReply(entries.map(([k, v]) => [bulk(k), v]));
  const flat: Reply[] = [];
  for (const [k, v] of entries) flat.push(bulk(k), v);
  return flat;
}

function lookupStream(db: Database, key: string): StreamValue | undefined {
  return db.lookupCollection<StreamValue>(key, 'stream');
}

function noGroup(key: string, group: string): never {
  fail(`NOGROUP No such key '${key}' or consumer group '${group}'`);
}

// ---------------------------------------------------------------------------------------------
// XADD / XTRIM

interface TrimArgs {
  strategy: 'none' | 'maxlen' | 'minid';
  approx: boolean;
  maxlen: bigint;
  minid: StreamId;
  limit: bigint;
  noMkstream: boolean;
  id: ParsedId | undefined;
  /** Index of the first field (XADD) after the ID. */
  next: number;
}

/** streamParseAddOrTrimArgsOrReply. */
function parseAddOrTrim(argv: Buffer[], xadd: boolean): TrimArgs {
  const args: TrimArgs = {
    strategy: 'none',
    approx: false,
    maxlen: 0n,
    minid: MIN_ID,
    limit: 0n,
    noMkstream: false,
    id: undefined,
    next: argv.length,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt.length >= 1 && opt[0] === 0x2a && (opt.length === 1 || opt[1] === 0)) {
      break; // "*": an automatic ID
    } else if ((is(opt, 'maxlen') || is(opt, 'minid')) && moreargs) {
      if (args.strategy !== 'none') {
        fail('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      }
      const strategy = is(opt, 'maxlen') ? 'maxlen' : 'minid';
      args.approx = false;
      const next = cText(argv[i + 1]!);
      if (moreargs >= 2 && next === '~') {
        args.approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') {
        i++;
      }
      if (strategy === 'maxlen') {
        args.maxlen = int64(argv[i + 1]!);
        if (args.maxlen < 0n) fail('ERR The MAXLEN argument must be >= 0.');
      } else {
        args.minid = strictId(argv[i + 1]!);
      }
      i++;
      args.strategy = strategy;
    } else if (is(opt, 'limit') && moreargs) {
      args.limit = int64(argv[i + 1]!);
      if (args.limit < 0n) fail('ERR The LIMIT argument must be >= 0.');
      limitGiven = true;
      i++;
    } else if (xadd && is(opt, 'nomkstream')) {
      args.noMkstream = true;
    } else if (xadd) {
      args.id = parseIdArg(opt, 0n, true, true);
      break;
    } else {
      fail(ERRORS.syntax);
    }
  }
  args.next = i + 1;
  if (args.limit && args.strategy === 'none') {
    fail('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  }
  if (!xadd && args.strategy === 'none') {
    fail('ERR syntax error, XTRIM must be called with a trimming strategy');
  }
  if (limitGiven) {
    if (!args.approx) fail('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else {
    // Approximate trimming without LIMIT does at most 100 nodes' worth of work.
    args.limit = args.approx ? 100n * 100n : 0n;
  }
  return args;
}

function runTrim(stream: StreamValue, args: TrimArgs): number {
  if (args.strategy === 'none') return 0;
  return stream.trim(args.strategy, args.maxlen, args.minid, args.approx, args.limit);
}

function xadd({ db }: CommandContext, argv: Buffer[]): Reply {
  const args = parseAddOrTrim(argv, true);
  const fieldCount = argv.length - args.next;
  if (fieldCount < 2 || fieldCount % 2 === 1) {
    fail("ERR wrong number of arguments for 'xadd' command");
  }
  if (args.id?.seqGiven && args.id.id === MIN_ID) {
    fail('ERR The ID specified in XADD must be greater than 0-0');
  }
  const key = latin1(argv[1]!);
  let stream = lookupStream(db, key);
  if (stream === undefined) {
    if (args.noMkstream) return null;
    stream = new StreamValue();
    db.set(key, stream);
  }
  if (stream.lastId === MAX_ID) {
    fail('ERR The stream has exhausted the last possible ID, unable to add more items');
  }
  let id: StreamId;
  if (args.id === undefined) {
    const ms = BigInt(db.now());
    id = ms > idMs(stream.lastId) ? makeId(ms, 0n) : incrId(stream.lastId);
  } else if (args.id.seqGiven) {
    id = args.id.id;
  } else if (idMs(stream.lastId) === idMs(args.id.id)) {
    if (idSeq(stream.lastId) === U64) tooSmall();
    id = stream.lastId + 1n;
  } else {
    id = args.id.id;
  }
  if (id <= stream.lastId) tooSmall();
  const fields: string[] = [];
  for (let i = args.next; i < argv.length; i++) fields.push(latin1(argv[i]!));
  stream.append(id, fields);
  runTrim(stream, args);
  db.modified(key, stream);
  return idReply(id);
}

function tooSmall(): never {
  fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
}

function xtrim({ db }: CommandContext, argv: Buffer[]): Reply {
  const args = parseAddOrTrim(argv, false);
  const key = latin1(argv[1]!);
  const stream = lookupStream(db, key);
  if (stream === undefined) return 0;
  const deleted = runTrim(stream, args);
  if (deleted) db.modified(key, stream);
  return deleted;
}

function xlen({ db }: CommandContext, argv: Buffer[]): Reply {
  return lookupStream(db, latin1(argv[1]!))?.length ?? 0;
}

function xdel({ db }: CommandContext, argv: Buffer[]): Reply {
  const key = latin1(argv[1]!);
  const stream = lookupStream(db, key);
  if (stream === undefined) return 0;
  const ids = argv.slice(2).map(strictId);
  const gone: StreamId[] = [];
  for (const id of ids) if (stream.deleteEntry(id)) gone.push(id);
  if (gone.length) {
    stream.noteDeleted(gone);
    db.modified(key, stream);
  }
  return gone.length;
}

// ---------------------------------------------------------------------------------------------
// XRANGE / XREVRANGE

function xrangeGeneric({ db }: CommandContext, argv: Buffer[], rev: boolean): Reply {
  const start = intervalStart(rev ? argv[3]! : argv[2]!);
  const end = intervalEnd(rev ? argv[2]! : argv[3]!);
  let count = -1n;
  for (let j = 4; j < argv.length; j++) {
    if (is(argv[j], 'count') && argv.length - j - 1 >= 1) {
      count = int64(argv[j + 1]!);
      if (count < 0n) count = 0n;
      j++;
    } else {
      fail(ERRORS.syntax);
    }
  }
  const stream = lookupStream(db, latin1(argv[1]!));
  if (stream === undefined) return [];
  if (count === 0n) return NULL_ARRAY;
  const limit = count === -1n ? 0 : count > 2n ** 32n ? 2 ** 32 : Number(count);
  return stream.range(start, end, limit, rev).map(entryReply);
}

// ---------------------------------------------------------------------------------------------
// Consumer groups: the shared delivery logic

function lookupConsumer(group: ConsumerGroup, name: string, now: number, refresh = true) {
  const consumer = group.consumers.get(name);
  if (consumer !== undefined && refresh) consumer.seenTime = now;
  return consumer;
}

function createConsumer(group: ConsumerGroup, name: string, now: number): Consumer {
  const consumer = new Consumer(name, now);
  group.consumers.set(name, consumer);
  return consumer;
}

/**
 * streamReplyWithRange with a group: entries after `start` delivered to `consumer`, moving the
 * group's last ID and read counter, and adding them to the PELs unless NOACK.
 */
function deliver(
  stream: StreamValue,
  group: ConsumerGroup,
  consumer: Consumer,
  start: StreamId,
  count: number,
  noack: boolean,
  now: number,
): Reply[] {
  const out: Reply[] = [];
  for (const entry of stream.range(start, MAX_ID, count)) {
    const id = entry.id;
    if (id > group.lastId) {
      if (group.entriesRead !== INVALID_ENTRIES_READ && !stream.hasTombstonesFrom(id)) {
        group.entriesRead++;
      } else if (stream.entriesAdded) {
        group.entriesRead = stream.estimateEntriesRead(id);
      }
      group.lastId = id;
    }
    out.push(entryReply(entry));
    if (!noack) {
      const existing = group.pel.get(id);
      if (existing === undefined) {
        const nack: Nack = { deliveryTime: now, deliveryCount: 1, consumer };
        group.pel.tryInsert(id, nack);
        consumer.pel.tryInsert(id, nack);
      } else {
        existing.consumer?.pel.delete(id);
        existing.consumer = consumer;
        existing.deliveryTime = now;
        existing.deliveryCount = 1;
        consumer.pel.tryInsert(id, existing);
      }
    }
  }
  return out;
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`. */
function history(
  stream: StreamValue,
  consumer: Consumer,
  start: StreamId,
  count: number,
  now: number,
): Reply[] {
  const out: Reply[] = [];
  for (const [id, nack] of consumer.pel.from(start)) {
    if (count && out.length >= count) break;
    const entry = stream.get(id);
    if (entry === undefined) {
      out.push([idReply(id), NULL_ARRAY]);
    } else {
      nack.deliveryTime = now;
      nack.deliveryCount++;
      out.push(entryReply(entry));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// XREAD / XREADGROUP

interface ReadArgs {
  count: number;
  timeoutMs: number | undefined;
  noack: boolean;
  group: Buffer | undefined;
  consumer: Buffer | undefined;
  keys: Buffer[];
  ids: Buffer[];
}

function parseRead(argv: Buffer[], xreadgroup: boolean): ReadArgs {
  const out: ReadArgs = {
    count: 0,
    timeoutMs: undefined,
    noack: false,
    group: undefined,
    consumer: undefined,
    keys: [],
    ids: [],
  };
  let streamsArg = 0;
  for (let i = 1; i < argv.length; i++) {
    const moreargs = argv.length - i - 1;
    const o = argv[i]!;
    if (is(o, 'block') && moreargs) {
      i++;
      const t = parseInt64(argv[i]!);
      if (t === undefined) fail('ERR timeout is not an integer or out of range');
      if (t < 0n) fail('ERR timeout is negative');
      // Redis adds the timeout to the current time in a long long.
      if (t > 0n && t > 9223372036854775807n - BigInt(Date.now())) {
        fail('ERR timeout is out of range');
      }
      // Beyond what a timer holds (~24.8 days) the wait is, in practice, forever (0).
      out.timeoutMs = t > 2147483647n ? 0 : Number(t);
    } else if (is(o, 'count') && moreargs) {
      i++;
      const c = int64(argv[i]!);
      out.count = c < 0n ? 0 : c > 2n ** 32n ? 2 ** 32 : Number(c);
    } else if (is(o, 'streams') && moreargs) {
      streamsArg = i + 1;
      const n = argv.length - streamsArg;
      if (n % 2 !== 0) {
        // Redis 7.0 says XREAD and '$' for XREADGROUP too.
        fail(
          "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
        );
      }
      out.keys = argv.slice(streamsArg, streamsArg + n / 2);
      out.ids = argv.slice(streamsArg + n / 2);
      break;
    } else if (is(o, 'group') && moreargs >= 2) {
      if (!xreadgroup) {
        fail('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      }
      out.group = argv[i + 1];
      out.consumer = argv[i + 2];
      i += 2;
    } else if (is(o, 'noack')) {
      if (!xreadgroup) {
        fail('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      }
      out.noack = true;
    } else {
      fail(ERRORS.syntax);
    }
  }
  if (streamsArg === 0) fail(ERRORS.syntax);
  if (xreadgroup && out.group === undefined) fail('ERR Missing GROUP option for XREADGROUP');
  return out;
}

function xreadGeneric(ctx: CommandContext, argv: Buffer[], xreadgroup: boolean): Reply {
  const { db, session } = ctx;
  const args = parseRead(argv, xreadgroup);
  const groupName = args.group === undefined ? undefined : latin1(args.group);
  const n = args.keys.length;
  /** Per stream: the ID entries must be greater than (MAX_ID: ">"). */
  const ids: StreamId[] = [];
  const groups: (ConsumerGroup | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const key = latin1(args.keys[i]!);
    const stream = lookupStream(db, key);
    if (groupName !== undefined) {
      const group = stream?.groups.get(groupName);
      if (group === undefined) {
        fail(
          `NOGROUP No such key '${cText(args.keys[i]!)}' or consumer group '${cText(args.group!)}' in XREADGROUP with GROUP option`,
        );
      }
      groups.push(group);
    }
    const idArg = args.ids[i]!;
    const text = cText(idArg);
    if (text === '$') {
      if (xreadgroup) {
        fail(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      }
      ids.push(stream?.lastId ?? MIN_ID);
    } else if (text === '>') {
      if (!xreadgroup) {
        fail(
          'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
        );
      }
      ids.push(MAX_ID);
    } else {
      ids.push(strictId(idArg));
    }
  }

  const now = db.now();
  const served: [Buffer, Reply][] = [];
  for (let i = 0; i < n; i++) {
    const stream = lookupStream(db, latin1(args.keys[i]!));
    if (stream === undefined) continue;
    let gt = ids[i]!;
    let serve = false;
    let serveHistory = false;
    const group = groups[i];
    let consumer: Consumer | undefined;
    if (group !== undefined) {
      if (gt !== MAX_ID) {
        serve = true;
        serveHistory = true;
      } else if (stream.length) {
        if (stream.lastValidId() > group.lastId) {
          serve = true;
          gt = group.lastId;
        }
      }
    } else if (stream.length && stream.lastValidId() > gt) {
      serve = true;
    }
    if (!serve) continue;
    if (group !== undefined) {
      // Redis 7.0 creates (or refreshes) the consumer only when it serves it something.
      const name = latin1(args.consumer!);
      consumer = lookupConsumer(group, name, now) ?? createConsumer(group, name, now);
      consumer.seenTime = now;
    }
    // Entries strictly after gt (gt is never MAX_ID here).
    const start = incrId(gt);
    let entries: Reply[];
    if (group !== undefined && consumer !== undefined) {
      entries = serveHistory
        ? history(stream, consumer, start, args.count, now)
        : deliver(stream, group, consumer, start, args.count, args.noack, now);
      // Consumer-group state: Redis does not count it as a change of the key (WATCH).
      db.recharge(latin1(args.keys[i]!));
    } else {
      entries = stream.range(start, MAX_ID, args.count).map(entryReply);
    }
    served.push([args.keys[i]!, entries]);
  }
  if (served.length) return readReply(session, served);
  if (args.timeoutMs !== undefined) blockRead(ctx, argv, args, ids);
  return NULL_ARRAY;
}

/**
 * XREAD / XREADGROUP BLOCK with nothing to answer yet: waits for entries after the IDs (for
 * `>`, after the group's last delivered ID at the time of the write). Inside MULTI or a script
 * it answers nil at once, as Redis does. A write wakes the client with the one stream it wrote.
 */
function blockRead(ctx: CommandContext, argv: Buffer[], args: ReadArgs, ids: StreamId[]): void {
  const blocking = blockingOf(ctx.engine);
  if (!blocking.canBlock(ctx.session, argv)) return;
  const { db, session } = ctx;
  const keys = args.keys.map(latin1);
  const groupName = args.group === undefined ? undefined : latin1(args.group);
  const serve = (key: string): Reply | undefined => {
    const i = keys.indexOf(key);
    if (i < 0) return undefined;
    const value = db.lookup(key);
    if (!(value instanceof StreamValue)) {
      // XREAD keeps waiting (the key may come back as a stream); XREADGROUP's group is gone
      // with the key, which Redis 7.0 reports this way.
      return groupName === undefined ? undefined : err('UNBLOCKED the stream key no longer exists');
    }
    const stream = value;
    const now = db.now();
    if (groupName === undefined) {
      const gt = ids[i]!;
      if (stream.length === 0 || stream.lastValidId() <= gt) return undefined;
      const entries = stream.range(incrId(gt), MAX_ID, args.count).map(entryReply);
      return readReply(session, [[args.keys[i]!, entries]]);
    }
    const group = stream.groups.get(groupName);
    if (group === undefined) {
      return err('NOGROUP the consumer group this client was blocked on no longer exists');
    }
    if (stream.length === 0 || stream.lastValidId() <= group.lastId) return undefined;
    const name = latin1(args.consumer!);
    const consumer = lookupConsumer(group, name, now) ?? createConsumer(group, name, now);
    consumer.seenTime = now;
    const entries = deliver(
      stream,
      group,
      consumer,
      incrId(group.lastId),
      args.count,
      args.noack,
      now,
    );
    db.recharge(key);
    return readReply(session, [[args.keys[i]!, entries]]);
  };
  blocking.block(session, {
    db: session.dbIndex,
    keys: [...new Set(keys)],
    timeoutMs: args.timeoutMs ?? 0,
    timeoutReply: NULL_ARRAY,
    serve,
  });
}

/** XREAD's reply: [[key, entries], ...] in RESP2, a map key -> entries in RESP3. */
function readReply(session: Session, served: [Buffer, Reply][]): Reply {
  if (resp3(session)) return new MapReply(served);
  return served.map(([key, entries]) => [key, entries]);
}

// ---------------------------------------------------------------------------------------------
// XGROUP

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

/** Container commands: subcommand name -> Redis arity (with the container's name counted). */
const XGROUP_ARITY: Record<string, number> = {
  create: -5,
  setid: -5,
  destroy: 4,
  createconsumer: 5,
  delconsumer: 5,
  help: 2,
};
const XINFO_ARITY: Record<string, number> = { stream: -3, groups: 3, consumers: 4, help: 2 };

function checkSubcommand(argv: Buffer[], container: string, arities: Record<string, number>) {
  const sub = latin1(argv[1]!).toLowerCase();
  const arity = Object.hasOwn(arities, sub) ? arities[sub] : undefined;
  if (arity === undefined) {
    fail(
      `ERR unknown subcommand '${cText(argv[1]!).slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`,
    );
  }
  if (arity > 0 ? argv.length !== arity : argv.length < -arity) {
    fail(`ERR wrong number of arguments for '${container}|${sub}' command`);
  }
  return sub;
}

function subcommandSyntax(argv: Buffer[], container: string): never {
  fail(
    `ERR unknown subcommand or wrong number of arguments for '${cText(argv[1]!).slice(0, 128)}'. Try ${container} HELP.`,
  );
}

function helpReply(lines: string[]): Reply {
  return lines.map((l) => new SimpleString(l));
}

function xgroup(ctx: CommandContext, argv: Buffer[]): Reply {
  const { db } = ctx;
  const sub = checkSubcommand(argv, 'xgroup', XGROUP_ARITY);
  if (sub === 'help') return helpReply(XGROUP_HELP);
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  if (sub === 'create' || sub === 'setid') {
    for (let i = 5; i < argv.length; ) {
      if (sub === 'create' && is(argv[i], 'mkstream')) {
        mkstream = true;
        i++;
      } else if (is(argv[i], 'entriesread') && i + 1 < argv.length) {
        entriesRead = int64(argv[i + 1]!);
        if (entriesRead < 0n && entriesRead !== INVALID_ENTRIES_READ) {
          fail('ERR value for ENTRIESREAD must be positive or -1');
        }
        i += 2;
      } else {
        subcommandSyntax(argv, 'XGROUP');
      }
    }
  }
  const key = latin1(argv[2]!);
  let stream = lookupStream(db, key);
  const groupName = latin1(argv[3]!);
  let group: ConsumerGroup | undefined;
  if (!mkstream) {
    if (stream === undefined) {
      fail(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
    }
    group = stream.groups.get(groupName);
    if (group === undefined && sub !== 'create' && sub !== 'destroy') {
      fail(`NOGROUP No such consumer group '${cText(argv[3]!)}' for key name '${cText(argv[2]!)}'`);
    }
  }
  const now = db.now();
  switch (sub) {
    case 'create': {
      if (argv.length > 8) subcommandSyntax(argv, 'XGROUP');
      const id = cText(argv[4]!) === '$' ? (stream?.lastId ?? MIN_ID) : strictId(argv[4]!);
      if (stream === undefined) {
        stream = new StreamValue();
        db.set(key, stream);
      }
      if (stream.groups.has(groupName)) fail('BUSYGROUP Consumer Group name already exists');
      stream.groups.set(groupName, new ConsumerGroup(groupName, id, entriesRead));
      db.recharge(key);
      return OK;
    }
    case 'setid': {
      if (argv.length !== 5 && argv.length !== 7) subcommandSyntax(argv, 'XGROUP');
      const s = stream!;
      const g = group!;
      const id = cText(argv[4]!) === '$' ? s.lastId : parseIdArg(argv[4]!, 0n, false).id;
      g.lastId = id;
      g.entriesRead = entriesRead;
      db.recharge(key);
      return OK;
    }
    case 'destroy': {
      if (group === undefined) return 0;
      stream!.groups.delete(groupName);
      db.recharge(key);
      // Clients blocked in XREADGROUP on this group get NOGROUP now (Redis signals the key as
      // ready for them, though WATCH does not see a change).
      blockingOf(ctx.engine).signalKey(ctx.session.dbIndex, key);
      return 1;
    }
    case 'createconsumer': {
      const name = latin1(argv[4]!);
      if (group!.consumers.has(name)) return 0;
      createConsumer(group!, name, now);
      db.recharge(key);
      return 1;
    }
    default: {
      // delconsumer
      const consumer = lookupConsumer(group!, latin1(argv[4]!), now, false);
      if (consumer === undefined) return 0;
      const pending = group!.deleteConsumer(consumer);
      db.recharge(key);
      return pending;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// XACK / XPENDING / XCLAIM / XAUTOCLAIM

/** Takes `id` out of the group's PEL and its consumer's; false when it was not pending. */
function acknowledge(group: ConsumerGroup, id: StreamId): boolean {
  const nack = group.pel.get(id);
  if (nack === undefined) return false;
  group.pel.delete(id);
  nack.consumer?.pel.delete(id);
  return true;
}

function xack({ db }: CommandContext, argv: Buffer[]): Reply {
  const key = latin1(argv[1]!);
  const stream = lookupStream(db, key);
  const group = stream?.groups.get(latin1(argv[2]!));
  if (stream === undefined || group === undefined) return 0;
  const ids = argv.slice(3).map(strictId);
  let acked = 0;
  for (const id of ids) if (acknowledge(group, id)) acked++;
  if (acked) db.recharge(key);
  return acked;
}

function xpending({ db }: CommandContext, argv: Buffer[]): Reply {
  const justInfo = argv.length === 3;
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) fail(ERRORS.syntax);
  let start = MIN_ID;
  let end = MAX_ID;
  let count = 0n;
  let minIdle = 0n;
  let consumerName: string | undefined;
  if (argv.length >= 6) {
    let startIdx = 3;
    if (is(argv[3], 'idle')) {
      minIdle = int64(argv[4]!);
      if (argv.length < 8) fail(ERRORS.syntax);
      startIdx += 2;
    }
    count = int64(argv[startIdx + 2]!);
    if (count < 0n) count = 0n;
    start = intervalStart(argv[startIdx]!);
    end = intervalEnd(argv[startIdx + 1]!);
    if (startIdx + 3 < argv.length) consumerName = latin1(argv[startIdx + 3]!);
  }
  const stream = lookupStream(db, latin1(argv[1]!));
  const group = stream?.groups.get(latin1(argv[2]!));
  if (group === undefined) noGroup(cText(argv[1]!), cText(argv[2]!));
  if (justInfo) {
    if (group.pel.size === 0) return [0, null, null, NULL_ARRAY];
    const owners: Reply[] = [];
    for (const consumer of group.sortedConsumers()) {
      if (consumer.pel.size === 0) continue;
      owners.push([bulk(consumer.name), bulk(String(consumer.pel.size))]);
    }
    return [group.pel.size, idReply(group.pel.first()!), idReply(group.pel.last()!), owners];
  }
  let pel = group.pel;
  if (consumerName !== undefined) {
    const consumer = group.consumers.get(consumerName);
    if (consumer === undefined) return [];
    pel = consumer.pel;
  }
  const now = db.now();
  const out: Reply[] = [];
  if (count === 0n) return out;
  for (const [id, nack] of pel.from(start)) {
    if (id > end) break;
    const idle = now - nack.deliveryTime;
    if (minIdle && BigInt(idle) < minIdle) continue;
    out.push([idReply(id), bulk(nack.consumer?.name ?? ''), Math.max(0, idle), nack.deliveryCount]);
    if (BigInt(out.length) >= count) break;
  }
  return out;
}

function claimReply(stream: StreamValue, id: StreamId, justId: boolean): Reply {
  if (justId) return idReply(id);
  const entry = stream.get(id);
  return entry === undefined ? null : entryReply(entry);
}

/** Moves a pending entry to `consumer`. */
function reassign(nack: Nack, id: StreamId, consumer: Consumer): void {
  if (nack.consumer === consumer) return;
  nack.consumer?.pel.delete(id);
  consumer.pel.tryInsert(id, nack);
  nack.consumer = consumer;
}

function xclaim({ db }: CommandContext, argv: Buffer[]): Reply {
  const key = latin1(argv[1]!);
  const stream = lookupStream(db, key);
  const group = stream?.groups.get(latin1(argv[2]!));
  if (stream === undefined || group === undefined) noGroup(cText(argv[1]!), cText(argv[2]!));
  let minIdle = int64(argv[4]!, 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    try {
      ids.push(strictId(argv[j]!));
    } catch {
      break;
    }
  }
  const now = db.now();
  let deliveryTime = -1n;
  let retryCount = -1n;
  let force = false;
  let justId = false;
  let changed = false;
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j]!;
    if (is(opt, 'force')) {
      force = true;
    } else if (is(opt, 'justid')) {
      justId = true;
    } else if (is(opt, 'idle') && moreargs) {
      j++;
      deliveryTime = BigInt(now) - int64(argv[j]!, 'ERR Invalid IDLE option argument for XCLAIM');
    } else if (is(opt, 'time') && moreargs) {
      j++;
      deliveryTime = int64(argv[j]!, 'ERR Invalid TIME option argument for XCLAIM');
    } else if (is(opt, 'retrycount') && moreargs) {
      j++;
      retryCount = int64(argv[j]!, 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    } else if (is(opt, 'lastid') && moreargs) {
      j++;
      const id = strictId(argv[j]!);
      if (id > group.lastId) {
        group.lastId = id;
        changed = true;
      }
    } else {
      fail(`ERR Unrecognized XCLAIM option '${cText(opt)}'`);
    }
  }
  if (deliveryTime === -1n || deliveryTime < 0n || deliveryTime > BigInt(now)) {
    deliveryTime = BigInt(now);
  }
  const name = latin1(argv[3]!);
  let consumer: Consumer | undefined;
  const out: Reply[] = [];
  for (const id of ids) {
    let nack = group.pel.get(id);
    if (stream.get(id) === undefined) {
      if (nack !== undefined) {
        group.pel.delete(id);
        nack.consumer?.pel.delete(id);
        changed = true;
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = { deliveryTime: now, deliveryCount: 1, consumer: undefined };
      group.pel.tryInsert(id, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer && minIdle && BigInt(now - nack.deliveryTime) < minIdle) continue;
    consumer ??= lookupConsumer(group, name, now) ?? createConsumer(group, name, now);
    nack.deliveryTime = Number(deliveryTime);
    if (retryCount >= 0n) nack.deliveryCount = Number(retryCount);
    else if (!justId) nack.deliveryCount++;
    reassign(nack, id, consumer);
    changed = true;
    out.push(claimReply(stream, id, justId));
  }
  if (changed) db.recharge(key);
  return out;
}

const MAX_AUTOCLAIM_COUNT = 9223372036854775807n / 16n;

function xautoclaim({ db }: CommandContext, argv: Buffer[]): Reply {
  let minIdle = int64(argv[4]!, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  const start = intervalStart(argv[5]!);
  let count = 100n;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    if (is(argv[j], 'count') && moreargs) {
      const c = parseInt64(argv[j + 1]!);
      if (c === undefined || c < 1n || c > MAX_AUTOCLAIM_COUNT) fail('ERR COUNT must be > 0');
      count = c;
      j++;
    } else if (is(argv[j], 'justid')) {
      justId = true;
    } else {
      fail(ERRORS.syntax);
    }
  }
  const key = latin1(argv[1]!);
  const stream = lookupStream(db, key);
  const group = stream?.groups.get(latin1(argv[2]!));
  if (stream === undefined || group === undefined) noGroup(cText(argv[1]!), cText(argv[2]!));
  const now = db.now();
  const name = latin1(argv[3]!);
  let consumer: Consumer | undefined;
  let attempts = count * 10n;
  const claimed: Reply[] = [];
  const deleted: Reply[] = [];
  // A walk over the PEL from `start`, by position: entries removed on the way are skipped over.
  let cursor = group.pel.lowerBound(start);
  let eof = false;
  for (;;) {
    if (attempts-- === 0n || count === 0n) break;
    const id = group.pel.keyAt(cursor);
    if (id === undefined) {
      eof = true;
      break;
    }
    const nack = group.pel.get(id)!;
    if (stream.get(id) === undefined) {
      group.pel.delete(id);
      nack.consumer?.pel.delete(id);
      deleted.push(idReply(id));
      count--;
      continue; // the next entry moved into this position
    }
    cursor++;
    if (minIdle && BigInt(now - nack.deliveryTime) < minIdle) continue;
    consumer ??= lookupConsumer(group, name, now) ?? createConsumer(group, name, now);
    nack.deliveryTime = now;
    if (!justId) nack.deliveryCount++;
    reassign(nack, id, consumer);
    claimed.push(claimReply(stream, id, justId));
    count--;
  }
  const next = eof ? undefined : group.pel.keyAt(cursor);
  if (claimed.length || deleted.length) db.recharge(key);
  return [idReply(next ?? MIN_ID), claimed, deleted];
}

// ---------------------------------------------------------------------------------------------
// XINFO / XSETID

function lagReply(stream: StreamValue, group: ConsumerGroup): Reply {
  const lag = stream.lag(group);
  return lag === undefined ? null : integerReply(lag);
}

function entriesReadReply(group: ConsumerGroup): Reply {
  return group.entriesRead === INVALID_ENTRIES_READ ? null : integerReply(group.entriesRead);
}

function xinfo({ db, session }: CommandContext, argv: Buffer[]): Reply {
  const sub = checkSubcommand(argv, 'xinfo', XINFO_ARITY);
  if (sub === 'help') return helpReply(XINFO_HELP);
  const stream = lookupStream(db, latin1(argv[2]!));
  if (stream === undefined) fail(ERRORS.noSuchKey);
  const now = db.now();
  if (sub === 'consumers') {
    const group = stream.groups.get(latin1(argv[3]!));
    if (group === undefined) {
      fail(`NOGROUP No such consumer group '${cText(argv[3]!)}' for key name '${cText(argv[2]!)}'`);
    }
    return group.sortedConsumers().map((c) =>
      mapReply(session, [
        ['name', bulk(c.name)],
        ['pending', c.pel.size],
        ['idle', Math.max(0, now - c.seenTime)],
      ]),
    );
  }
  if (sub === 'groups') {
    return stream.sortedGroups().map((g) =>
      mapReply(session, [
        ['name', bulk(g.name)],
        ['consumers', g.consumers.size],
        ['pending', g.pel.size],
        ['last-delivered-id', idReply(g.lastId)],
        ['entries-read', entriesReadReply(g)],
        ['lag', lagReply(stream, g)],
      ]),
    );
  }
  // STREAM [FULL [COUNT n]]
  const extra = argv.length - 3;
  let full = true;
  let count = 10n;
  if (extra === 0) {
    full = false;
  } else if (extra === 1 || extra === 3) {
    if (!is(argv[3], 'full')) subcommandSyntax(argv, 'XINFO');
    if (extra === 3) {
      if (!is(argv[4], 'count')) subcommandSyntax(argv, 'XINFO');
      count = int64(argv[5]!);
      if (count < 0n) count = 10n;
    }
  } else {
    subcommandSyntax(argv, 'XINFO');
  }
  const head: [string, Reply][] = [
    ['length', stream.length],
    ['radix-tree-keys', stream.nodes.length],
    ['radix-tree-nodes', radixTreeNodes(stream)],
    ['last-generated-id', idReply(stream.lastId)],
    ['max-deleted-entry-id', idReply(stream.maxDeletedId)],
    ['entries-added', integerReply(stream.entriesAdded)],
    ['recorded-first-entry-id', idReply(stream.firstId)],
  ];
  if (!full) {
    const first = stream.range(MIN_ID, MAX_ID, 1)[0];
    const last = stream.range(MIN_ID, MAX_ID, 1, true)[0];
    return mapReply(session, [
      ...head,
      ['groups', stream.groups.size],
      ['first-entry', first === undefined ? null : entryReply(first)],
      ['last-entry', last === undefined ? null : entryReply(last)],
    ]);
  }
  const limit = count > 2n ** 32n ? 2 ** 32 : Number(count);
  const groups = stream.sortedGroups().map((g) => {
    const pending: Reply[] = [];
    for (const [id, nack] of g.pel.from(MIN_ID)) {
      if (limit && pending.length >= limit) break;
      pending.push([
        idReply(id),
        bulk(nack.consumer?.name ?? ''),
        nack.deliveryTime,
        nack.deliveryCount,
      ]);
    }
    const consumers = g.sortedConsumers().map((c) => {
      const own: Reply[] = [];
      for (const [id, nack] of c.pel.from(MIN_ID)) {
        if (limit && own.length >= limit) break;
        own.push([idReply(id), nack.deliveryTime, nack.deliveryCount]);
      }
      return mapReply(session, [
        ['name', bulk(c.name)],
        ['seen-time', c.seenTime],
        ['pel-count', c.pel.size],
        ['pending', own],
      ]);
    });
    return mapReply(session, [
      ['name', bulk(g.name)],
      ['last-delivered-id', idReply(g.lastId)],
      ['entries-read', entriesReadReply(g)],
      ['lag', lagReply(stream, g)],
      ['pel-count', g.pel.size],
      ['pending', pending],
      ['consumers', consumers],
    ]);
  });
  return mapReply(session, [
    ...head,
    ['entries', stream.range(MIN_ID, MAX_ID, limit).map(entryReply)],
    ['groups', groups],
  ]);
}

/**
 * Redis's rax node count for the node keys (16-byte big-endian IDs): a compressed trie, so each
 * key adds a leaf plus a split where it leaves its neighbours' common prefix. This counts the
 * nodes of the fully compressed trie of the keys; Redis's real tree can differ after deletions.
 */
function radixTreeNodes(stream: StreamValue): number {
  const keys = stream.nodes.map((n) => n.masterId);
  if (keys.length === 0) return 1;
  // Root + per key a leaf; every distinct branching point adds a node (and the compressed
  // run leading to it may be split into a node before it).
  const toBytes = (id: StreamId) => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64BE(idMs(id), 0);
    b.writeBigUInt64BE(idSeq(id), 8);
    return b;
  };
  return countRaxNodes(keys.map(toBytes), 0);
}

/** Nodes of a compressed radix tree holding `keys` (sorted, same length) from byte `depth`. */
function countRaxNodes(keys: Buffer[], depth: number): number {
  if (keys.length === 1) {
    // A compressed node with the rest of the key, then the key's (empty) leaf.
    return depth === 16 ? 1 : 2;
  }
  // Longest common prefix from depth.
  let lcp = depth;
  const first = keys[0]!;
  const last = keys[keys.length - 1]!;
  while (lcp < 16 && first[lcp] === last[lcp]) lcp++;
  let nodes = lcp > depth ? 1 : 0; // a compressed node for the shared run
  // The branching node: one child per distinct byte at lcp.
  nodes += 1;
  let i = 0;
  while (i < keys.length) {
    let k = i;
    while (k < keys.length && keys[k]![lcp] === keys[i]![lcp]) k++;
    nodes += countRaxNodes(keys.slice(i, k), lcp + 1) - 1 + 1;
    i = k;
  }
  return nodes;
}

function xsetid({ db }: CommandContext, argv: Buffer[]): Reply {
  const id = strictId(argv[2]!);
  let entriesAdded = -1n;
  let maxXdel = MIN_ID;
  for (let i = 3; i < argv.length; ) {
    const moreargs = argv.length - 1 - i;
    if (is(argv[i], 'entriesadded') && moreargs) {
      entriesAdded = int64(argv[i + 1]!);
      if (entriesAdded < 0n) fail('ERR entries_added must be positive');
      i += 2;
    } else if (is(argv[i], 'maxdeletedid') && moreargs) {
      maxXdel = strictId(argv[i + 1]!);
      if (id < maxXdel) {
        fail('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      }
      i += 2;
    } else {
      fail(ERRORS.syntax);
    }
  }
  const key = latin1(argv[1]!);
  const stream = lookupStream(db, key);
  if (stream === undefined) fail(ERRORS.noSuchKey);
  if (stream.length > 0) {
    if (id < stream.lastValidId()) {
      fail('ERR The ID specified in XSETID is smaller than the target stream top item');
    }
    if (entriesAdded !== -1n && BigInt(stream.length) > entriesAdded) {
      fail('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  stream.lastId = id;
  if (entriesAdded !== -1n) stream.entriesAdded = entriesAdded;
  if (maxXdel !== MIN_ID) stream.maxDeletedId = maxXdel;
  db.recharge(key);
  return OK;
}

// ---------------------------------------------------------------------------------------------
// XDELEX / XACKDEL (Redis 8.2): deletion that knows about consumer groups. Beyond the Redis 7.0
// the differential suite runs against; written from Redis's documentation and its test suite.

type RefPolicy = 'keepref' | 'delref' | 'acked';

/** `[KEEPREF | DELREF | ACKED] IDS numids id ...` from argv[from] on, in any order. */
function parseDeleteArgs(argv: Buffer[], from: number): { policy: RefPolicy; ids: StreamId[] } {
  let policy: RefPolicy | undefined;
  let ids: StreamId[] | undefined;
  for (let i = from; i < argv.length; i++) {
    const word = latin1(argv[i]!).toLowerCase();
    if ((word === 'keepref' || word === 'delref' || word === 'acked') && policy === undefined) {
      policy = word;
    } else if (word === 'ids' && ids === undefined && i + 1 < argv.length) {
      const n = parseInt64(argv[i + 1]!);
      if (n === undefined || n <= 0n) fail('ERR Number of IDs must be a positive integer');
      if (n > BigInt(argv.length - i - 2)) {
        fail('ERR The `numids` parameter must match the number of arguments');
      }
      ids = argv.slice(i + 2, i + 2 + Number(n)).map(strictId);
      i += 1 + Number(n);
    } else {
      fail(ERRORS.syntax);
    }
  }
  if (ids === undefined) fail(ERRORS.syntax);
  return { policy: policy ?? 'keepref', ids };
}

/**
 * Whether a consumer group still needs entry `id`: it is pending in some group, or some group
 * has not been delivered that far yet (its last delivered ID is below it).
 */
function referenced(stream: StreamValue, id: StreamId): boolean {
  for (const group of stream.groups.values()) {
    if (group.lastId < id || group.pel.has(id)) return true;
  }
  return false;
}

/** Removes `id` from every group's PEL (and its consumer's). */
function dropReferences(stream: StreamValue, id: StreamId): void {
  for (const group of stream.groups.values()) acknowledge(group, id);
}

/** Deletes entry `id` under `policy`: 1 deleted, 2 kept (still referenced, ACKED), -1 absent. */
function deleteWithPolicy(stream: StreamValue, id: StreamId, policy: RefPolicy, gone: StreamId[]) {
  if (policy === 'delref') dropReferences(stream, id);
  if (stream.get(id) === undefined) return -1;
  if (policy === 'acked' && referenced(stream, id)) return 2;
  stream.deleteEntry(id);
  gone.push(id);
  return 1;
}

/** After XDELEX / XACKDEL: the entries `gone` modify the key; none deleted, its PELs still may. */
function noteGone(db: Database, key: string, stream: StreamValue, gone: StreamId[]): void {
  if (gone.length) {
    stream.noteDeleted(gone);
    db.modified(key, stream);
  } else {
    db.recharge(key);
  }
}

function xdelex({ db }: CommandContext, argv: Buffer[]): Reply {
  const { policy, ids } = parseDeleteArgs(argv, 2);
  const key = latin1(argv[1]!);
  const stream = lookupStream(db, key);
  if (stream === undefined) return ids.map(() => -1);
  const gone: StreamId[] = [];
  const out = ids.map((id) => deleteWithPolicy(stream, id, policy, gone));
  noteGone(db, key, stream, gone);
  return out;
}

function xackdel({ db }: CommandContext, argv: Buffer[]): Reply {
  const { policy, ids } = parseDeleteArgs(argv, 3);
  const key = latin1(argv[1]!);
  const stream = lookupStream(db, key);
  const group = stream?.groups.get(latin1(argv[2]!));
  if (stream === undefined || group === undefined) return ids.map(() => -1);
  const gone: StreamId[] = [];
  const out = ids.map((id) => {
    if (!acknowledge(group, id)) return -1;
    // Acknowledged: the entry goes too, unless ACKED finds another group still needing it.
    const deleted = deleteWithPolicy(stream, id, policy, gone);
    return deleted === 2 ? 2 : 1;
  });
  noteGone(db, key, stream, gone);
  return out;
}

export const streamCommands: CommandSpec[] = [
  { name: 'xadd', arity: -5, write: true, handler: xadd },
  { name: 'xtrim', arity: -4, write: true, handler: xtrim },
  { name: 'xlen', arity: 2, handler: xlen },
  { name: 'xdel', arity: -3, write: true, handler: xdel },
  { name: 'xrange', arity: -4, handler: (ctx, argv) => xrangeGeneric(ctx, argv, false) },
  { name: 'xrevrange', arity: -4, handler: (ctx, argv) => xrangeGeneric(ctx, argv, true) },
  { name: 'xread', arity: -4, handler: (ctx, argv) => xreadGeneric(ctx, argv, false) },
  {
    name: 'xreadgroup',
    arity: -7,
    write: true,
    handler: (ctx, argv) => xreadGeneric(ctx, argv, true),
  },
  { name: 'xgroup', arity: -2, write: true, handler: xgroup },
  { name: 'xack', arity: -4, write: true, handler: xack },
  { name: 'xpending', arity: -3, handler: xpending },
  { name: 'xclaim', arity: -6, write: true, handler: xclaim },
  { name: 'xautoclaim', arity: -6, write: true, handler: xautoclaim },
  { name: 'xinfo', arity: -2, handler: xinfo },
  { name: 'xsetid', arity: -3, write: true, handler: xsetid },
  {
    name: 'xdelex',
    arity: -5,
    write: true,
    flags: ['write', 'fast'],
    group: 'stream',
    since: '8.2.0',
    summary: 'Deletes one or multiple entries from the stream.',
    handler: xdelex,
  },
  {
    name: 'xackdel',
    arity: -6,
    write: true,
    flags: ['write', 'fast'],
    group: 'stream',
    since: '8.2.0',
    summary:
      'Acknowledges and conditionally deletes one or multiple entries for a stream consumer group.',
    handler: xackdel,
  },
];

// The RESP fast lane (issue 12): the hot commands of redis-benchmark and of most clients (SET,
// GET, INCR, DECR, MSET, LPUSH, RPUSH, LPOP, RPOP, SADD, HSET, ZADD) run straight from the read
// buffer: the decoder only finds where each argument is (`CommandDecoder.peek`), each argument
// becomes a latin1 string once, and the command runs on the SELECTed Database through the same
// functions the command table uses (setPlain, incrBy, pushStrings ... in engine/commands), with
// the bookkeeping Engine.execute does around a command (the LRU clock, commands processed,
// keyspace hits and misses). No argument Buffer, no argv array, no spec lookup, and none of the
// layers (engine handler, runCommand, scripting, blocking, Engine.execute) that exist for
// features a plain command does not meet.
//
// It only takes a command when none of those features is in play: anything the normal path
// would do differently (MULTI queueing, MONITOR, a RESP2 subscribed connection, CLIENT PAUSE,
// a busy script, clients blocked on keys, maxmemory and eviction, CLIENT TRACKING or NO-TOUCH
// on this connection, CLIENT REPLY OFF/SKIP) or an unusual shape (a wrong arity, SET with
// options, an odd MSET, LPOP with a count, ZADD with options) is declined, and the command is
// read again by the normal path, which answers it exactly as before. WATCH, other clients'
// tracking and blocked-client wakeups need nothing here: they hang off the Database's
// modification hook, which these writes go through like any other.

import type { ClientInfo } from '../engine/clients.ts';
import { setFields } from '../engine/commands/hashes.ts';
import { popOne, pushStrings } from '../engine/commands/lists.ts';
import { addMembers } from '../engine/commands/sets.ts';
import { incrBy, msetPairs, setPlain } from '../engine/commands/strings.ts';
import { zaddStrings } from '../engine/commands/zsets.ts';
import type { Engine, Session } from '../engine/engine.ts';
import { LaneGate } from '../engine/lanes.ts';
import { pubsubOf } from '../engine/pubsub.ts';
import { CommandError, err, latin1At, type Reply } from '../protocol/reply.ts';
import type { ReplyWriter } from '../protocol/resp-codec.ts';

/** What the RESP server asks of a fast lane (see resp-server.ts's run loop). */
export interface FastLane {
  /**
   * Runs the command whose `argc` arguments are at `spans` ([start, end) pairs) of `buf` and
   * writes its reply to `writer`; false, having done nothing, when the normal path must run it.
   */
  run(buf: Buffer, spans: Int32Array, argc: number, writer: ReplyWriter): boolean;
}

// The commands, by number: a switch on small integers.
const SET = 1;
const GET = 2;
const INCR = 3;
const DECR = 4;
const MSET = 5;
const LPUSH = 6;
const RPUSH = 7;
const LPOP = 8;
const RPOP = 9;
const SADD = 10;
const HSET = 11;
const ZADD = 12;

const NAMES: Record<string, number> = {
  set: SET,
  get: GET,
  incr: INCR,
  decr: DECR,
  mset: MSET,
  lpush: LPUSH,
  rpush: RPUSH,
  lpop: LPOP,
  rpop: RPOP,
  sadd: SADD,
  hset: HSET,
  zadd: ZADD,
};
const BY_ID: string[] = [];
for (const [name, id] of Object.entries(NAMES)) BY_ID[id] = name;

/**
 * A name's length and first three letters, lower-cased, as one small integer (a V8 small
 * integer: no heap number, a cheap Map key). `| 0x20` lower-cases A-Z and makes a letter of
 * nothing else (only A-Z and a-z give a-z), so no other byte can match a name, all letters.
 */
function nameKey(length: number, c0: number, c1: number, c2: number): number {
  return (length << 24) | ((c0 | 0x20) << 16) | ((c1 | 0x20) << 8) | (c2 | 0x20);
}

/** Each name's key, with its id and the letters after the third (also lower-case). */
const BY_KEY = new Map<number, { id: number; tail: string }>();
for (const [name, id] of Object.entries(NAMES)) {
  const key = nameKey(name.length, name.charCodeAt(0), name.charCodeAt(1), name.charCodeAt(2));
  BY_KEY.set(key, { id, tail: name.slice(3) });
}

/** The fast lane's id of the command named by bytes [s, e) of `b`, or 0. */
function commandId(b: Buffer, s: number, e: number): number {
  const length = e - s;
  if (length < 3 || length > 5) return 0;
  const entry = BY_KEY.get(nameKey(length, b[s]!, b[s + 1]!, b[s + 2]!));
  if (entry === undefined) return 0;
  const tail = entry.tail;
  for (let i = 0; i < tail.length; i++) {
    if ((b[s + 3 + i]! | 0x20) !== tail.charCodeAt(i)) return 0;
  }
  return entry.id;
}

/** The longest argument string kept from one command to the next (see `run`). */
const KEEP_MAX = 64;

/**
 * Whether bytes [s, e) of `b` are the latin1 string `text`, compared from the end (keys of the
 * same length most often differ in their last characters: `key:000000000017`).
 */
function sameText(b: Buffer, s: number, e: number, text: string): boolean {
  if (text.length !== e - s) return false;
  for (let i = e - s - 1; i >= 0; i--) {
    if (b[s + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** The fast lane of one RESP connection served by the engine. */
export class EngineFastLane implements FastLane {
  /** The arguments as strings (index 0, the name, is not made): reused, emptied after. */
  private readonly args: string[] = [''];
  private readonly hub;
  private readonly gate;

  constructor(
    private readonly engine: Engine,
    private readonly session: Session,
    private readonly info: ClientInfo,
  ) {
    this.hub = pubsubOf(engine);
    this.gate = new LaneGate(engine);
  }

  /**
   * Whether the normal path would do nothing around a command but run it: the engine-wide
   * checks every lane shares (LaneGate: maxmemory, MONITOR, blocked clients, a busy script,
   * CLIENT PAUSE), then this connection's: the engine handler's (TRACKING, NO-TOUCH),
   * runCommand's RESP2 subscribed rule, Engine.execute's MULTI queueing and the server's
   * CLIENT REPLY modes.
   */
  private clear(): boolean {
    const info = this.info;
    return (
      !this.session.inMulti &&
      info.replyMode === 'on' &&
      !info.skipNextReply &&
      info.tracking === undefined &&
      !info.noTouch &&
      this.gate.open() &&
      !this.hub.isSubscribed(this.session)
    );
  }

  run(buf: Buffer, spans: Int32Array, argc: number, writer: ReplyWriter): boolean {
    const id = commandId(buf, spans[0]!, spans[1]!);
    if (id === 0) return false;
    // The shapes taken; any other goes the normal way (its arity error, its options).
    switch (id) {
      case SET:
        if (argc !== 3) return false;
        break;
      case GET:
      case INCR:
      case DECR:
      case LPOP:
      case RPOP:
        if (argc !== 2) return false;
        break;
      case MSET:
        if (argc < 3 || argc % 2 === 0) return false;
        break;
      case HSET:
        if (argc < 4 || argc % 2 === 1) return false;
        break;
      case ZADD:
        if (argc < 4) return false;
        break;
      default: // LPUSH RPUSH SADD
        if (argc < 3) return false;
    }
    if (!this.clear()) return false;

    const args = this.args;
    for (let i = 1; i < argc; i++) {
      const start = spans[2 * i]!;
      const end = spans[2 * i + 1]!;
      // The string this position held in the previous command (kept when short) is taken
      // again when the bytes are the same: clients repeat keys and values (redis-benchmark
      // sends the same ones every time, MSET's ten pairs are one key and one value), and a
      // reused string costs no allocation and has its hash already computed for the key Maps.
      const previous = args[i];
      if (previous === undefined || !sameText(buf, start, end, previous)) {
        args[i] = latin1At(buf, start, end);
      }
    }
    const engine = this.engine;
    const session = this.session;
    const memory = engine.memory;
    // What Engine.execute's run does before a handler: the LRU clock, INFO's counters.
    memory.tick(engine.clock());
    memory.commandsProcessed++;
    memory.countReads = id === GET;
    const db = engine.databases[session.dbIndex]!;
    const info = this.info;
    info.lastCommand = BY_ID[id]!;
    try {
      // GET and POP write their string themselves (no Buffer for it); the others return theirs.
      let reply: Reply | undefined;
      switch (id) {
        case GET: {
          const value = db.lookupString(args[1]!);
          if (value === undefined) writer.write(null);
          else writer.writeBulkString(value);
          break;
        }
        case SET:
          reply = setPlain(db, args[1]!, args[2]!);
          break;
        case INCR:
          reply = incrBy(db, args[1]!, 1);
          break;
        case DECR:
          reply = incrBy(db, args[1]!, -1);
          break;
        case MSET:
          reply = msetPairs(db, args, argc);
          break;
        case LPUSH:
        case RPUSH:
          reply = pushStrings(db, args, argc, id === LPUSH ? 'left' : 'right', false);
          break;
        case LPOP:
        case RPOP: {
          const value = popOne(db, args[1]!, id === LPOP ? 'left' : 'right');
          if (value === null) writer.write(null);
          else writer.writeBulkString(value);
          break;
        }
        case SADD:
          reply = addMembers(db, args, argc);
          break;
        case HSET:
          reply = setFields(db, args, argc);
          break;
        default: // ZADD
          reply = zaddStrings(db, args, argc, false);
      }
      if (reply !== undefined) writer.write(reply);
    } catch (error) {
      if (error instanceof CommandError) writer.write(error.reply);
      else {
        // As Engine.execute answers a bug or a JS limit: an error reply, never a crash.
        const message = error instanceof Error ? error.message : String(error);
        writer.write(err(`ERR internal error in '${BY_ID[id]}': ${message}`));
      }
    }
    // Only short strings are kept for the next command (a large value would be held).
    for (let i = 1; i < argc; i++) {
      if (args[i]!.length > KEEP_MAX) args[i] = '';
    }
    info.db = session.dbIndex;
    info.multi = -1;
    return true;
  }
}

// The in-memory engine as a CommandBackend (protocol/backend.ts): what the REST surface runs
// commands on when no forwarding target is given. Each request is a session of its own.

import {
  type CancelSignal,
  type CommandBackend,
  type EventSink,
  explainAbort,
  type StreamKind,
} from '../protocol/backend.ts';
import {
  bulk,
  CommandError,
  ErrorReply,
  err,
  latin1At,
  PushReply,
  type Reply,
  type SimpleString,
} from '../protocol/reply.ts';
import { blockingOf } from './blocking.ts';
import { commandName } from './command-name.ts';
import { pauseOf } from './commands/client.ts';
import { incrBy, setPlain } from './commands/strings.ts';
import type { Engine, Session } from './engine.ts';
import { LaneGate } from './lanes.ts';
import { pubsubOf, Subscriber } from './pubsub.ts';
import { runCommand } from './run-command.ts';

/**
 * The longest a blocking command (BLPOP ...) waits over REST: its own timeout, at most this
 * (a timeout of 0, forever, too). Then it answers as if it timed out. An HTTP request cannot stay
 * open forever behind proxies and fetch timeouts.
 */
export const REST_MAX_BLOCK_MS = 60_000;
const REST_RUN_OPTIONS = { maxBlockMs: REST_MAX_BLOCK_MS };

/** The engine as a backend: each request is a session of its own, already authenticated. */
export function engineBackend(engine: Engine): CommandBackend {
  const lane = new RestLane(engine);
  const backend: CommandBackend = {
    runSpans(body, spans, first, count) {
      return lane.run(body, spans, first, count);
    },
    command(argv, signal) {
      const session = engine.createSession(true);
      const reply = run(engine, session, argv, signal);
      if (!(reply instanceof Promise)) {
        engine.closeSession(session);
        return reply;
      }
      return reply.finally(() => engine.closeSession(session));
    },
    pipeline(argvs, signal) {
      return new PipelineRun(engine, argvs, signal);
    },
    transaction(argvs) {
      // CLIENT PAUSE holds a transaction that it would hold a command of (all of them under
      // ALL, one with a write under WRITE), as Redis holds the EXEC.
      const pause = pauseOf(engine);
      if (pause.active()) {
        for (const argv of argvs) {
          const gate = pause.gate(engine, commandName(argv[0]!));
          if (gate !== undefined) return gate.then(() => backend.transaction(argvs));
        }
      }
      const reply = engine.executeTransaction(argvs);
      // Clients blocked on keys the transaction wrote are served now that it is done.
      blockingOf(engine).serveReady();
      if (!(reply instanceof ErrorReply) || !reply.message.startsWith('EXECABORT')) return reply;
      // Queue the commands again on a throwaway session to find the one that was refused.
      const session = engine.createSession(true);
      try {
        engine.execute(session, [Buffer.from('multi')]);
        for (const [i, argv] of argvs.entries()) {
          const queued = engine.execute(session, argv);
          if (queued instanceof ErrorReply) return explainAbort(reply, i, queued);
        }
        return reply;
      } finally {
        engine.execute(session, [Buffer.from('discard')]);
        engine.closeSession(session);
      }
    },
    knows(name) {
      return engine.command(name.toLowerCase()) !== undefined;
    },
    stream(kind, names, sink) {
      return engineEventStream(engine, kind, names, sink);
    },
  };
  return backend;
}

/**
 * A pipeline's replies, each command run when its reply is asked for (so a blocking command's
 * successors run once it answered, and a client gone away stops the rest), on a session of its
 * own closed at the end. A plain iterator rather than a generator: this is every `/pipeline`.
 */
class PipelineRun implements IterableIterator<Reply | Promise<Reply>> {
  private readonly session: Session;
  private index = 0;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly argvs: Buffer[][],
    private readonly signal: CancelSignal | undefined,
  ) {
    this.session = engine.createSession(true);
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<Reply | Promise<Reply>> {
    if (this.closed) return { done: true, value: undefined };
    const argv = this.argvs[this.index++];
    if (argv === undefined) return this.return();
    let value: Reply | Promise<Reply>;
    try {
      value = run(this.engine, this.session, argv, this.signal);
    } catch (error) {
      this.return();
      throw error;
    }
    return { done: false, value };
  }

  return(): IteratorResult<Reply | Promise<Reply>> {
    if (!this.closed) {
      this.closed = true;
      // A pipeline the client gave up on may leave a command blocked: it waits no more.
      const blocking = blockingOf(this.engine);
      if (blocking.blockedCount > 0) blocking.cancel(this.session);
      this.engine.closeSession(this.session);
    }
    return { done: true, value: undefined };
  }
}

// The REST fast lane's commands, by number (0: not one of them).
const SET = 1;
const INCR = 2;
const DECR = 3;
const GET = 4;

/** The lane's id of the command named by bytes [s, e) of `b` (any letter case), with `argc`. */
function laneCommand(b: Buffer, s: number, e: number, argc: number): number {
  // `| 0x20` lower-cases A-Z and makes a letter of no other byte.
  const n = e - s;
  if (n === 3) {
    if ((b[s + 1]! | 0x20) !== 0x65 || (b[s + 2]! | 0x20) !== 0x74) return 0; // not ?et
    const c0 = b[s]! | 0x20;
    if (c0 === 0x73) return argc === 3 ? SET : 0;
    return c0 === 0x67 && argc === 2 ? GET : 0;
  }
  if (n !== 4 || argc !== 2) return 0;
  if ((b[s + 2]! | 0x20) !== 0x63 || (b[s + 3]! | 0x20) !== 0x72) return 0; // not ??cr
  const c0 = b[s]! | 0x20;
  const c1 = b[s + 1]! | 0x20;
  if (c0 === 0x69 && c1 === 0x6e) return INCR;
  return c0 === 0x64 && c1 === 0x65 ? DECR : 0;
}

/** Names for an internal error's text. */
const LANE_NAMES = ['', 'set', 'incr', 'decr', 'get'];

/**
 * REST's fast lane on the engine (CommandBackend.runSpans): SET key value, INCR and DECR (the
 * writes of counters and rate limiters), and GET alone (a pipeline's replies are all made
 * before its response is, so GETs of large values in a pipeline are left to the normal path,
 * which streams them), run from the body's offsets on database 0 (a REST request's session
 * never SELECTs) through the functions their command table entries
 * call, with Engine.execute's bookkeeping around each. No argument Buffers, no session, none of
 * runCommand's layers. It takes a request only when none of what those layers do is in play
 * (LaneGate, shared with the RESP lane: a request's session has none of the per-connection
 * state the RESP lane also checks), and only when all of its commands are of those shapes:
 * anything else runs the normal way, as before.
 */
class RestLane {
  private readonly gate;
  /** Each command's id, found before any runs (all or nothing). */
  private ids = new Uint8Array(64);

  constructor(private readonly engine: Engine) {
    this.gate = new LaneGate(engine);
  }

  run(body: Buffer, spans: Int32Array, first: Int32Array, count: number): Reply[] | undefined {
    const engine = this.engine;
    if (!this.gate.open()) return undefined;
    if (this.ids.length < count) this.ids = new Uint8Array(count);
    const ids = this.ids;
    for (let c = 0; c < count; c++) {
      const a = first[c]!;
      const id = laneCommand(body, spans[2 * a]!, spans[2 * a + 1]!, first[c + 1]! - a);
      if (id === 0 || (id === GET && count > 1)) return undefined;
      ids[c] = id;
    }
    const db = engine.databases[0]!;
    const memory = engine.memory;
    const replies: Reply[] = [];
    for (let c = 0; c < count; c++) {
      const id = ids[c]!;
      const a = first[c]!;
      const key = latin1At(body, spans[2 * a + 2]!, spans[2 * a + 3]!);
      // What Engine.execute's run does before a handler: the LRU clock, INFO's counters (a
      // read's lookups count as keyspace hits or misses, a write's do not).
      memory.tick(engine.clock());
      memory.commandsProcessed++;
      memory.countReads = id === GET;
      let reply: Reply;
      try {
        if (id === GET) {
          const value = db.lookupString(key);
          reply = value === undefined ? null : bulk(value);
        } else if (id === SET) {
          reply = setPlain(db, key, latin1At(body, spans[2 * a + 4]!, spans[2 * a + 5]!));
        } else {
          reply = incrBy(db, key, id === INCR ? 1 : -1);
        }
      } catch (error) {
        if (error instanceof CommandError) reply = error.reply;
        else {
          // As Engine.execute answers a bug or a JS limit: an error reply, never a crash.
          const message = error instanceof Error ? error.message : String(error);
          reply = err(`ERR internal error in '${LANE_NAMES[id]}': ${message}`);
        }
      }
      replies.push(reply);
    }
    return replies;
  }
}

/** One command as a RESP connection runs it (scripts, blocking, MONITOR, waking waiters). */
function run(
  engine: Engine,
  session: Session,
  argv: Buffer[],
  signal?: CancelSignal,
): Reply | Promise<Reply> {
  // CLIENT PAUSE holds a REST command as it holds a RESP connection's (engine-handler.ts): it
  // runs once the pause ends, and not at all if its client went away meanwhile (Redis frees a
  // paused client that disconnects, command and all).
  const pause = pauseOf(engine);
  if (pause.active()) {
    const gate = pause.gate(engine, commandName(argv[0]!));
    if (gate !== undefined) {
      return gate.then(() =>
        signal?.aborted
          ? err('ERR the client went away during CLIENT PAUSE')
          : run(engine, session, argv, signal),
      );
    }
  }
  const reply = runCommand(engine, session, argv, REST_RUN_OPTIONS);
  if (reply instanceof Promise && signal !== undefined) {
    // The client went away: its blocked command gives up, as a closed connection's does.
    const cancel = () => blockingOf(engine).cancel(session);
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
  }
  return reply;
}

/** The engine side of a stream; returns what unsubscribes it. */
export function engineEventStream(
  engine: Engine,
  kind: StreamKind,
  names: Buffer[],
  sink: EventSink,
): () => void {
  const hub = pubsubOf(engine);
  if (kind === 'monitor') {
    const monitor = (line: SimpleString) => {
      sink.send(line);
      if (hub.limits.hardBytes > 0 && sink.pendingBytes() > hub.limits.hardBytes) sink.close();
    };
    sink.send(Buffer.from('"OK"'));
    hub.addMonitor(monitor);
    return () => hub.removeMonitor(monitor);
  }
  const sub = new Subscriber(
    (reply) => sink.send(reply),
    () => sink.pendingBytes(),
    () => sink.close(),
    hub.limits,
  );
  const table = kind === 'psubscribe' ? 'pattern' : 'channel';
  for (const name of names) {
    hub.add(sub, table, name.toString('latin1'));
    sub.deliver(new PushReply([Buffer.from(kind), name, sub.count]));
  }
  return () => hub.removeAll(sub);
}

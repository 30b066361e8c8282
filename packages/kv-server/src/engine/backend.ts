// The in-memory engine as a CommandBackend (protocol/backend.ts): what the REST surface runs
// commands on when no forwarding target is given. Each request is a session of its own.

import {
  type CancelSignal,
  type CommandBackend,
  type EventSink,
  explainAbort,
  type StreamKind,
} from '../protocol/backend.ts';
import { ErrorReply, PushReply, type Reply, type SimpleString } from '../protocol/reply.ts';
import { blockingOf } from './blocking.ts';
import type { Engine, Session } from './engine.ts';
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
  return {
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

/** One command as a RESP connection runs it (scripts, blocking, MONITOR, waking waiters). */
function run(
  engine: Engine,
  session: Session,
  argv: Buffer[],
  signal?: CancelSignal,
): Reply | Promise<Reply> {
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

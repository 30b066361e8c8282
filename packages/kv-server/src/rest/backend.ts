// What the REST surface runs commands on: the in-memory engine, or a real Redis/Valkey behind a
// forwarding pool. Both give exact RESP2 replies; the REST surface only turns them into JSON.

import { blockingOf } from '../engine/blocking.ts';
import type { Engine, Session } from '../engine/engine.ts';
import { ErrorReply, type Reply } from '../engine/reply.ts';
import { runCommand } from '../engine/run-command.ts';
import { type EventSink, engineEventStream, type StreamKind } from './sse.ts';

/** Thrown by a backend that cannot answer at all (forwarding target down): a 502 for REST. */
export class BackendUnavailableError extends Error {}

/**
 * What a backend may watch to give up a blocking command when the client goes away: an
 * AbortSignal fits, and so does the REST server's cheaper per-request one.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
}

export interface CommandBackend {
  /** One command (argv[0] is its name). */
  command(argv: Buffer[], signal?: CancelSignal): Reply | Promise<Reply>;
  /**
   * Several commands in order, not atomic: one reply each, produced as they are consumed, so
   * the REST surface can stream a large pipeline's response instead of holding all of it.
   */
  pipeline(
    argvs: Buffer[][],
    signal?: CancelSignal,
  ): Iterable<Reply | Promise<Reply>> | Promise<Iterable<Reply | Promise<Reply>>>;
  /** Several commands atomically: EXEC's reply (an array, or an EXECABORT error). */
  transaction(argvs: Buffer[][]): Reply | Promise<Reply>;
  /** False when the command name is certainly unknown (the path form answers 404 then). */
  knows(name: string): boolean;
  /**
   * `/subscribe`, `/psubscribe`, `/monitor` (rest/sse.ts): starts sending events to `sink` and
   * resolves with what stops them. `signal` aborts a blocking command when the client goes away.
   */
  stream(kind: StreamKind, names: Buffer[], sink: EventSink): (() => void) | Promise<() => void>;
}

/**
 * The longest a blocking command (BLPOP ...) waits over REST: its own timeout, at most this
 * (a timeout of 0, forever, too). Then it answers as if it timed out. An HTTP request cannot stay
 * open forever behind proxies and fetch timeouts.
 */
export const REST_MAX_BLOCK_MS = 60_000;

/** The engine as a backend: each request is a session of its own, already authenticated. */
export function engineBackend(engine: Engine): CommandBackend {
  return {
    command(argv, signal) {
      const session = engine.createSession(true);
      const reply = run(session, argv, signal);
      if (!(reply instanceof Promise)) {
        engine.closeSession(session);
        return reply;
      }
      return reply.finally(() => engine.closeSession(session));
    },
    *pipeline(argvs, signal) {
      const session = engine.createSession(true);
      try {
        for (const argv of argvs) yield run(session, argv, signal);
      } finally {
        // A pipeline the client gave up on may leave a command blocked: it waits no more.
        blockingOf(engine).cancel(session);
        engine.closeSession(session);
      }
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

  /** One command as a RESP connection runs it (scripts, blocking, MONITOR, waking waiters). */
  function run(session: Session, argv: Buffer[], signal?: CancelSignal): Reply | Promise<Reply> {
    const reply = runCommand(engine, session, argv, { maxBlockMs: REST_MAX_BLOCK_MS });
    if (reply instanceof Promise && signal !== undefined) {
      // The client went away: its blocked command gives up, as a closed connection's does.
      const cancel = () => blockingOf(engine).cancel(session);
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
    }
    return reply;
  }
}

/** EXECABORT plus which command of the transaction was refused and why. */
export function explainAbort(abort: ErrorReply, index: number, refused: ErrorReply): ErrorReply {
  return new ErrorReply(`${abort.message} Command ${index + 1}: ${refused.message}`);
}

// What a front end (REST, and the forwarding RESP handler) runs commands on: the in-memory
// engine (engine/backend.ts) or a real Redis/Valkey behind a forwarding pool (forward/backend.ts).
// Both give exact RESP2 replies; the REST surface only turns them into JSON. start.ts picks one.

import { ErrorReply, type Reply } from './reply.ts';

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

/**
 * Who gets a command's reply without a promise: a promise's resolve/reject, or (REST's fast
 * path) an object of the request's own, so no promise nor closure is made per request.
 */
export interface ReplyWaiter {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

export interface CommandBackend {
  /** One command (argv[0] is its name). */
  command(argv: Buffer[], signal?: CancelSignal): Reply | Promise<Reply>;
  /**
   * A fast path for one plain command, for a backend whose replies come later (forwarding):
   * sent now, its reply (or failure) going to `waiter`. False, with nothing sent, when it needs
   * command() instead.
   */
  commandTo?(argv: Buffer[], waiter: ReplyWaiter): boolean;
  /**
   * A fast lane for plain commands whose arguments are still offsets into a request body (the
   * REST server's fast JSON parse): command i's arguments are the [start, end) pairs `spans`
   * holds from pair first[i] to pair first[i + 1] - 1, each the latin1 bytes of one argument.
   * Runs commands 0 to count - 1 in order and returns their replies; undefined, having run none,
   * when any of them needs the normal path.
   */
  runSpans?(body: Buffer, spans: Int32Array, first: Int32Array, count: number): Reply[] | undefined;
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

export type StreamKind = 'subscribe' | 'psubscribe' | 'monitor';

/** Where a backend writes the events of one stream. */
export interface EventSink {
  /** One event: the fields of a Redis reply (a push or array), joined by commas. */
  send(reply: Reply): void;
  /** Bytes written and not yet sent to the client. */
  pendingBytes(): number;
  /**
   * Ends the stream: at once (output limit reached, backend gone), or `graceful`ly after what
   * was already written (an error event).
   */
  close(graceful?: boolean): void;
}

/** EXECABORT plus which command of the transaction was refused and why. */
export function explainAbort(abort: ErrorReply, index: number, refused: ErrorReply): ErrorReply {
  return new ErrorReply(`${abort.message} Command ${index + 1}: ${refused.message}`);
}

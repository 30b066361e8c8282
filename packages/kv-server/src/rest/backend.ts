// What the REST surface runs commands on: the in-memory engine, or a real Redis/Valkey behind a
// forwarding pool. Both give exact RESP2 replies; the REST surface only turns them into JSON.

import type { Engine } from '../engine/engine.ts';
import { ErrorReply, type Reply } from '../engine/reply.ts';
import { scriptCommand } from '../engine/scripting/scripting.ts';

/** Thrown by a backend that cannot answer at all (forwarding target down): a 502 for REST. */
export class BackendUnavailableError extends Error {}

export interface CommandBackend {
  /** One command (argv[0] is its name). */
  command(argv: Buffer[]): Reply | Promise<Reply>;
  /**
   * Several commands in order, not atomic: one reply each, produced as they are consumed, so
   * the REST surface can stream a large pipeline's response instead of holding all of it.
   */
  pipeline(
    argvs: Buffer[][],
  ): Iterable<Reply | Promise<Reply>> | Promise<Iterable<Reply | Promise<Reply>>>;
  /** Several commands atomically: EXEC's reply (an array, or an EXECABORT error). */
  transaction(argvs: Buffer[][]): Reply | Promise<Reply>;
  /** False when the command name is certainly unknown (the path form answers 404 then). */
  knows(name: string): boolean;
}

/** The engine as a backend: each request is a session of its own, already authenticated. */
export function engineBackend(engine: Engine): CommandBackend {
  return {
    command(argv) {
      const session = engine.createSession(true);
      try {
        return scriptCommand(engine, session, argv) ?? engine.execute(session, argv);
      } finally {
        engine.closeSession(session);
      }
    },
    *pipeline(argvs) {
      const session = engine.createSession(true);
      try {
        for (const argv of argvs)
          yield scriptCommand(engine, session, argv) ?? engine.execute(session, argv);
      } finally {
        engine.closeSession(session);
      }
    },
    transaction(argvs) {
      const reply = engine.executeTransaction(argvs);
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
  };
}

/** EXECABORT plus which command of the transaction was refused and why. */
export function explainAbort(abort: ErrorReply, index: number, refused: ErrorReply): ErrorReply {
  return new ErrorReply(`${abort.message} Command ${index + 1}: ${refused.message}`);
}

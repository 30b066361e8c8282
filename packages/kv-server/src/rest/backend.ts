// What the REST surface runs commands on: the in-memory engine, or a real Redis/Valkey behind a
// forwarding pool. Both give exact RESP2 replies; the REST surface only turns them into JSON.

import type { Engine } from '../engine/engine.ts';
import type { Reply } from '../engine/reply.ts';

/** Thrown by a backend that cannot answer at all (forwarding target down): a 502 for REST. */
export class BackendUnavailableError extends Error {}

export interface CommandBackend {
  /** One command (argv[0] is its name). */
  command(argv: Buffer[]): Reply | Promise<Reply>;
  /** Several commands in order, not atomic: one reply each. */
  pipeline(argvs: Buffer[][]): Reply[] | Promise<Reply[]>;
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
        return engine.execute(session, argv);
      } finally {
        engine.closeSession(session);
      }
    },
    pipeline(argvs) {
      const session = engine.createSession(true);
      try {
        return argvs.map((argv) => engine.execute(session, argv));
      } finally {
        engine.closeSession(session);
      }
    },
    transaction(argvs) {
      return engine.executeTransaction(argvs);
    },
    knows(name) {
      return engine.command(name.toLowerCase()) !== undefined;
    },
  };
}

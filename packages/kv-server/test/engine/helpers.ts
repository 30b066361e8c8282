// In-process engine fixture for the engine tests: a fresh engine with a clock the test moves.

import { createEngine, type Engine, type Session } from '../../src/engine/index.ts';
import type { Reply } from '../../src/protocol/reply.ts';
import { show } from '../differential/harness.ts';

export interface EngineFixture {
  engine: Engine;
  session: Session;
  /** The engine's clock in ms; assign to move time. */
  clock: { now: number };
  /** Runs a command and returns the raw reply. */
  raw(...argv: (string | Buffer | number)[]): Reply;
  /** Runs a command and returns its typed, readable form: `+OK`, `:1`, `$"v"`, `$nil`, `-ERR ...`. */
  run(...argv: (string | Buffer | number)[]): unknown;
  /** Another client on the same engine: a session of its own and `raw` for it. */
  connect(): { session: Session; raw(...argv: (string | Buffer | number)[]): Reply };
}

export function engineFixture(start = 1_700_000_000_000): EngineFixture {
  const clock = { now: start };
  const engine = createEngine({ now: () => clock.now, unknownCommandHint: 'Hint.' });
  const connect = () => {
    const session = engine.createSession();
    const raw = (...argv: (string | Buffer | number)[]) =>
      engine.execute(
        session,
        argv.map((a) => (Buffer.isBuffer(a) ? a : Buffer.from(String(a)))),
      );
    return { session, raw };
  };
  const { session, raw } = connect();
  return { engine, session, clock, raw, run: (...argv) => show(raw(...argv)), connect };
}

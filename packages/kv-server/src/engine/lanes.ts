// What closes both fast lanes (the RESP one, resp/fast-lane.ts, and the REST one, backend.ts's
// RestLane) engine-wide. A lane runs a hot command without the layers around the command
// table (runCommand, Engine.execute, the RESP engine handler); it may only do so while none of
// what those layers add is in play, else the command must go the normal way. What depends on one
// connection (MULTI, CLIENT TRACKING, REPLY modes, a subscribed RESP2 connection) is the RESP
// lane's own check: a REST request is a fresh session that has none of it.

import { blockingOf } from './blocking.ts';
import { pauseOf } from './commands/client.ts';
import type { Engine } from './engine.ts';
import { pubsubOf } from './pubsub.ts';
import { scriptingOf } from './scripting/scripting.ts';

/** The engine-wide gate of the fast lanes: one per lane, made with it (see `open`). */
export class LaneGate {
  // The engine's registries, looked up once (they live as long as the engine).
  private readonly hub;
  private readonly blocking;
  private readonly pause;
  private readonly scripting;

  constructor(private readonly engine: Engine) {
    this.hub = pubsubOf(engine);
    this.blocking = blockingOf(engine);
    this.pause = pauseOf(engine);
    // Its state is a few empty Maps until a script runs (the Lua VM is made on first use).
    this.scripting = scriptingOf(engine);
  }

  /** Whether a fast lane may run a command now, as far as the whole engine goes. */
  open(): boolean {
    return (
      // maxmemory: Engine.execute evicts before a command and refuses a write with OOM when
      // still over the limit (evict.ts); the lanes do neither.
      this.engine.memory.maxmemory === 0 &&
      // MONITOR: runCommand feeds every command it ran to the monitors; the lanes do not.
      !this.hub.monitoring &&
      // Clients blocked on keys (BLPOP ...): a write marks their keys ready, and runCommand
      // serves them right after the command (blocking.serveReady); the lanes do not.
      !this.blocking.waiting &&
      // A script past busy-reply-threshold: runCommand answers BUSY to almost every command.
      !this.scripting.busy &&
      // CLIENT PAUSE: the RESP engine handler and REST's backend (backend.ts's run) hold a
      // command until the pause ends; the lanes do not.
      !this.pause.active()
    );
  }
}

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN ... and, for the streams code, XREAD BLOCK): the
// clients waiting on keys, in the order they blocked, and Redis's rule for waking them. As in
// Redis's blocked.c, a write never serves a waiter on the spot: it only marks the key "ready";
// once the whole command (or EXEC, or script) that wrote has finished, `serveReady` walks the
// ready keys and offers each one to its waiters first come, first served.
//
// How a command blocks (the API for new blocking commands such as XREAD BLOCK):
//   1. Parse the timeout with `parseTimeout` (Redis's errors), then try to answer at once.
//   2. Nothing to answer: if `blocking.canBlock(session, argv)` is false (inside MULTI/EXEC or a
//      script, or a surface that cannot wait), return the timeout reply now, as Redis does.
//   3. Otherwise call `blocking.block(session, request)` and return the timeout reply; the surface
//      (see run-command.ts) sees the pending block and waits for the real reply.
//   `request.serve(key)` is called each time one of the keys was written: return the reply to
//   wake the client with (after making the change, e.g. popping), or undefined to keep waiting.

import { CommandError, ErrorReply, fail, type Reply } from '../protocol/reply.ts';
import type { Engine, Session } from './engine.ts';
import { isLongDouble, parseStrtod } from './parse.ts';

export interface BlockRequest {
  /** Database index and key names the client waits on, in the order given. */
  db: number;
  keys: string[];
  /** Milliseconds to wait; 0 waits forever. */
  timeoutMs: number;
  /** What the client gets when the time is up (the nil array for BLPOP, BLMOVE ...). */
  timeoutReply: Reply;
  /** Tries to serve the client from `key`, which was just written. */
  serve(key: string): Reply | undefined;
}

interface Waiter {
  session: Session;
  request: BlockRequest;
  keys: string[];
  resolve: (reply: Reply) => void;
  timer: NodeJS.Timeout | undefined;
}

export const UNBLOCKED_ERROR = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

export class Blocking {
  /** `db:key` -> waiters, oldest first. */
  private readonly byKey = new Map<string, Waiter[]>();
  private readonly bySession = new Map<Session, Waiter>();
  /** Keys written since the last `serveReady`, in the order they became ready. */
  private readonly ready = new Set<string>();
  /** A block requested by the command now running, picked up by `takePending`. */
  private pending: { session: Session; request: BlockRequest } | undefined;
  /** The argv of the top-level command a surface runs, the only one allowed to block. */
  private current: Buffer[] | undefined;

  /**
   * Whether the command running now may block: only the command a surface runs itself, never
   * one run by EXEC or a script (those get their timeout reply at once, as in Redis).
   */
  canBlock(_session: Session, argv: Buffer[]): boolean {
    return this.current !== undefined && this.current === argv;
  }

  /** Called by a blocking command that found nothing (see the file comment). */
  block(session: Session, request: BlockRequest): void {
    this.pending = { session, request };
  }

  /** Surfaces: marks `argv` as the top-level command about to run. */
  begin(argv: Buffer[]): void {
    this.current = argv;
    this.pending = undefined;
  }

  /** Surfaces: the block the command just run asked for, if any. */
  takePending(session: Session): BlockRequest | undefined {
    this.current = undefined;
    const pending = this.pending;
    this.pending = undefined;
    return pending?.session === session ? pending.request : undefined;
  }

  /**
   * Parks `session` until one of its keys serves it, the timeout passes, CLIENT UNBLOCK, or
   * `cancel`. `maxWaitMs` (> 0) caps the wait (REST requests have a time limit).
   */
  wait(session: Session, request: BlockRequest, maxWaitMs = 0): Promise<Reply> {
    return new Promise((resolve) => {
      const keys = request.keys.map((key) => `${request.db}:${key}`);
      const waiter: Waiter = { session, request, keys, resolve, timer: undefined };
      for (const key of keys) {
        let list = this.byKey.get(key);
        if (list === undefined) {
          list = [];
          this.byKey.set(key, list);
        }
        if (!list.includes(waiter)) list.push(waiter);
      }
      this.bySession.set(session, waiter);
      session.client?.extraFlags.add('b');
      let wait = request.timeoutMs;
      if (maxWaitMs > 0 && (wait === 0 || wait > maxWaitMs)) wait = maxWaitMs;
      if (wait > 0) {
        // A timer holds at most ~24.8 days: longer waits re-arm until the deadline.
        const deadline = Date.now() + wait;
        const arm = () => {
          const left = deadline - Date.now();
          if (left <= 0) {
            this.finish(waiter, request.timeoutReply);
            return;
          }
          waiter.timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
          waiter.timer.unref();
        };
        arm();
      }
    });
  }

  /** A key was written (Database's modification hook): its waiters get a look after the command. */
  /** Whether any client waits on a key (when none does, signals have nothing to do). */
  get waiting(): boolean {
    return this.byKey.size !== 0;
  }

  signal(dbKey: string): void {
    if (this.byKey.size !== 0 && this.byKey.has(dbKey)) this.ready.add(dbKey);
  }

  /**
   * SWAPDB: every key someone waits on in database `db` may now hold data (Redis's
   * scanDatabaseForReadyKeys); the waiters get a look after the command.
   */
  signalDatabase(db: number): void {
    const prefix = `${db}:`;
    for (const dbKey of this.byKey.keys()) if (dbKey.startsWith(prefix)) this.ready.add(dbKey);
  }

  /** Signals `key` of database `db`. */
  signalKey(db: number, key: string): void {
    this.signal(`${db}:${key}`);
  }

  get blockedCount(): number {
    return this.bySession.size;
  }

  /**
   * Serves the clients blocked on keys written by the command that just finished: each ready key
   * in turn, its waiters oldest first. Serving can write other keys (BLMOVE pushes to its
   * destination): those are served in the same pass, as Redis's handleClientsBlockedOnKeys does.
   */
  serveReady(): void {
    while (this.ready.size > 0) {
      const dbKey = this.ready.values().next().value as string;
      this.ready.delete(dbKey);
      const waiters = this.byKey.get(dbKey);
      if (waiters === undefined) continue;
      const key = dbKey.slice(dbKey.indexOf(':') + 1);
      for (const waiter of [...waiters]) {
        if (!this.bySession.has(waiter.session)) continue;
        let reply: Reply | undefined;
        try {
          reply = waiter.request.serve(key);
        } catch (error) {
          // A command's own error (CommandError) wakes the client with it; anything else is a bug
          // reported to that client rather than thrown into whoever wrote the key.
          reply =
            error instanceof CommandError
              ? error.reply
              : new ErrorReply(`ERR kv-server internal error: ${(error as Error).message}`);
        }
        if (reply === undefined) continue;
        this.finish(waiter, reply);
        // The served command changed the key again, which marked it ready: that is fine, the
        // next waiter is offered it right here, and the extra pass finds nothing more.
        this.ready.delete(dbKey);
      }
    }
  }

  /** The connection went away: forget its wait without answering. */
  cancel(session: Session): void {
    const waiter = this.bySession.get(session);
    if (waiter !== undefined) this.remove(waiter);
  }

  /** CLIENT UNBLOCK: true when `session` was blocked (it gets the timeout reply or an error). */
  unblock(session: Session, error: boolean): boolean {
    const waiter = this.bySession.get(session);
    if (waiter === undefined) return false;
    this.finish(waiter, error ? new ErrorReply(UNBLOCKED_ERROR) : waiter.request.timeoutReply);
    return true;
  }

  private finish(waiter: Waiter, reply: Reply): void {
    if (!this.bySession.has(waiter.session)) return;
    this.remove(waiter);
    waiter.resolve(reply);
  }

  private remove(waiter: Waiter): void {
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    this.bySession.delete(waiter.session);
    waiter.session.client?.extraFlags.delete('b');
    for (const key of waiter.keys) {
      const list = this.byKey.get(key);
      if (list === undefined) continue;
      const at = list.indexOf(waiter);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.byKey.delete(key);
    }
  }
}

const registries = new WeakMap<Engine, Blocking>();

/** The blocking state of an engine (one per engine, created on first use). */
/**
 * The last engine asked about and its blocking: every command asks (a WeakMap lookup each time
 * was measurable); only one engine is held this way.
 */
let lastEngine: Engine | undefined;
let lastBlocking: Blocking | undefined;

export function blockingOf(engine: Engine): Blocking {
  if (engine === lastEngine) return lastBlocking!;
  let blocking = registries.get(engine);
  if (blocking === undefined) {
    blocking = new Blocking();
    registries.set(engine, blocking);
  }
  lastEngine = engine;
  lastBlocking = blocking;
  return blocking;
}

const NOT_FLOAT = 'ERR timeout is not a float or out of range';
const NEGATIVE = 'ERR timeout is negative';

/**
 * A blocking command's timeout in seconds (decimals allowed) as milliseconds, 0 = forever.
 * Redis reads a long double and rounds up to whole milliseconds (so 0.0001 waits 1 ms); a value
 * too large for a C long long wraps negative there, which is why it says "negative".
 */
export function parseTimeout(arg: Buffer): number {
  if (!isLongDouble(arg)) fail(NOT_FLOAT);
  const seconds = parseStrtod(arg);
  if (seconds === undefined || Number.isNaN(seconds)) fail(NOT_FLOAT);
  const ms = Math.ceil(seconds * 1000);
  if (ms < 0 || !(ms < 2 ** 63)) fail(NEGATIVE);
  // (-0.0001 rounds up to -0, which is 0: forever, as in Redis.)
  return ms === 0 ? 0 : ms;
}

/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

// The engine: a command table, the keyspace, and per-connection sessions. Every command runs
// synchronously to completion, so each one is atomic, exactly as in single-threaded Redis.

import { Database } from './database.ts';
import {
  CommandError,
  cText,
  type ErrorReply,
  err,
  NULL_ARRAY,
  OK,
  QUEUED,
  type Reply,
  SimpleString,
} from './reply.ts';
import { ScanCursors } from './scan.ts';

export interface CommandContext {
  readonly engine: Engine;
  readonly db: Database;
  readonly session: Session;
}

export interface CommandSpec {
  /** Lower-case name. */
  name: string;
  /** Redis arity, command name included: n means exactly n arguments, -n means at least n. */
  arity: number;
  /** Commands that change data; a read-only engine (or future replica) would refuse them. */
  write?: boolean;
  /** Commands that control the transaction itself and are never queued by MULTI. */
  transactionControl?: boolean;
  handler: (ctx: CommandContext, argv: Buffer[]) => Reply;
}

/** State of one client connection (RESP) or one REST request. */
export class Session {
  inMulti = false;
  /** A queued command was refused: EXEC must answer EXECABORT. */
  multiFailed = false;
  queue: Buffer[][] = [];
  /** Keys under WATCH; `watchDirty` is set when any of them changes. */
  watched = new Set<string>();
  watchDirty = false;
  authenticated: boolean;
  /** Set by QUIT: the surface closes the connection after writing the reply. */
  closeRequested = false;

  constructor(authenticated: boolean) {
    this.authenticated = authenticated;
  }
}

export interface EngineOptions {
  now?: () => number;
  /** Extra words for the unknown-command error, so learners know a real server can be plugged in. */
  unknownCommandHint?: string;
  /** How often the background expiry runs (`startExpiryCycle`), 100 ms as Redis's hz 10. */
  expiryIntervalMs?: number;
}

export class Engine {
  readonly db: Database;
  private readonly commands = new Map<string, CommandSpec>();
  /** key -> sessions watching it. Only watched keys are here, so writes stay cheap. */
  private readonly watchers = new Map<string, Set<Session>>();
  private readonly unknownCommandHint: string;
  /** Live SCAN/HSCAN/SSCAN/ZSCAN cursors (see scan.ts). */
  readonly cursors: ScanCursors;
  /** When the engine started (INFO's uptime). */
  readonly startedAt: number;
  private readonly expiryIntervalMs: number;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(options: EngineOptions = {}) {
    const now = options.now ?? Date.now;
    this.db = new Database({
      now,
      onModified: (key) => this.touchWatchers(key),
      watchedKeys: () => this.watchers.keys(),
    });
    this.unknownCommandHint = options.unknownCommandHint ?? '';
    this.cursors = new ScanCursors(1000, 10 * 60_000, now);
    this.startedAt = now();
    this.expiryIntervalMs = options.expiryIntervalMs ?? 100;
  }

  /**
   * Starts the background expiry (an unref'd timer: it never keeps the process alive). Like
   * Redis, each run samples keys with a TTL and keeps going while more than a quarter of them
   * turn out expired, within a few milliseconds.
   */
  startExpiryCycle(): void {
    if (this.expiryTimer !== undefined) return;
    this.expiryTimer = setInterval(() => this.expiryCycle(), this.expiryIntervalMs);
    this.expiryTimer.unref();
  }

  /** One run of the background expiry; returns how many keys it deleted. */
  expiryCycle(timeBudgetMs = 5): number {
    const started = performance.now();
    let deleted = 0;
    for (;;) {
      const round = this.db.sweep(200);
      deleted += round.deleted;
      if (round.checked === 0 || round.deleted * 4 < round.checked) break;
      if (performance.now() - started > timeBudgetMs) break;
    }
    return deleted;
  }

  /** Stops the background expiry. */
  stop(): void {
    if (this.expiryTimer !== undefined) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  register(specs: Iterable<CommandSpec>): void {
    for (const spec of specs) this.commands.set(spec.name, spec);
  }

  command(name: string): CommandSpec | undefined {
    return this.commands.get(name);
  }

  commandNames(): string[] {
    return [...this.commands.keys()];
  }

  createSession(authenticated = true): Session {
    return new Session(authenticated);
  }

  /** Forget a session's watches when its connection closes. */
  closeSession(session: Session): void {
    this.unwatchAll(session);
  }

  /** Runs one command (argv[0] is its name) for `session` and returns the reply. Never throws. */
  execute(session: Session, argv: Buffer[]): Reply {
    const first = argv[0];
    if (first === undefined) return err('ERR empty command');
    const name = first.toString('latin1').toLowerCase();
    const spec = this.commands.get(name);

    if (spec === undefined) {
      const reply = this.unknownCommand(first, argv);
      if (session.inMulti) session.multiFailed = true;
      return reply;
    }
    if (!arityOk(spec.arity, argv.length)) {
      if (session.inMulti) session.multiFailed = true;
      const message = `wrong number of arguments for '${name}' command`;
      if (name === 'exec') {
        // Redis rejects a malformed EXEC by discarding the transaction, in MULTI or not.
        this.resetMulti(session);
        this.unwatchAll(session);
        return err(`EXECABORT Transaction discarded because of: ${message}`);
      }
      return err(`ERR ${message}`);
    }
    if (session.inMulti && !spec.transactionControl) {
      session.queue.push(argv);
      return QUEUED;
    }
    return this.run(spec, session, argv);
  }

  /** Runs a whole transaction atomically, as the REST `/multi-exec` endpoint needs. */
  executeTransaction(argvs: Buffer[][]): Reply {
    const session = this.createSession();
    this.execute(session, [Buffer.from('multi')]);
    for (const argv of argvs) this.execute(session, argv);
    return this.execute(session, [Buffer.from('exec')]);
  }

  /** Called by EXEC: runs the queued commands back to back (nothing can run in between). */
  runQueued(session: Session): Reply {
    const queue = session.queue;
    const failed = session.multiFailed;
    // A watched key that expired since WATCH counts as modified (Redis 7 does the same): looking
    // it up deletes it, which marks this session dirty.
    for (const key of session.watched) this.db.lookup(key);
    const dirty = session.watchDirty;
    this.resetMulti(session);
    this.unwatchAll(session);
    if (failed) return err('EXECABORT Transaction discarded because of previous errors.');
    if (dirty) return NULL_ARRAY;
    const replies: Reply[] = [];
    for (const argv of queue) {
      const spec = this.commands.get(argv[0]!.toString('latin1').toLowerCase())!;
      replies.push(this.run(spec, session, argv));
    }
    return replies;
  }

  resetMulti(session: Session): void {
    session.inMulti = false;
    session.multiFailed = false;
    session.queue = [];
  }

  watch(session: Session, key: string): void {
    if (session.watched.has(key)) return;
    // A key already expired at WATCH time is simply absent: collect it now, before watching, so
    // its later collection does not look like a change.
    this.db.lookup(key);
    session.watched.add(key);
    let set = this.watchers.get(key);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(session);
  }

  unwatchAll(session: Session): void {
    for (const key of session.watched) {
      const set = this.watchers.get(key);
      set?.delete(session);
      if (set?.size === 0) this.watchers.delete(key);
    }
    session.watched.clear();
    session.watchDirty = false;
  }

  private touchWatchers(key: string): void {
    if (this.watchers.size === 0) return;
    const set = this.watchers.get(key);
    if (set === undefined) return;
    for (const session of set) session.watchDirty = true;
  }

  private run(spec: CommandSpec, session: Session, argv: Buffer[]): Reply {
    try {
      return spec.handler({ engine: this, db: this.db, session }, argv);
    } catch (error) {
      if (error instanceof CommandError) return error.reply;
      // A bug or a JS limit (a string past V8's maximum length): answer, never crash the server.
      const message = error instanceof Error ? error.message : String(error);
      return err(`ERR internal error in '${spec.name}': ${message}`);
    }
  }

  private unknownCommand(first: Buffer, argv: Buffer[]): ErrorReply {
    // Redis: ERR unknown command 'foo', with args beginning with: 'a' 'b' (the name cut at 128
    // characters, the arguments at about 128 in all, each as C prints it: up to a NUL byte).
    let args = '';
    for (let i = 1; i < argv.length && args.length < 128; i++) {
      args += `'${cText(argv[i]!).slice(0, 128 - args.length)}' `;
    }
    const hint = this.unknownCommandHint ? ` ${this.unknownCommandHint}` : '';
    return err(
      `ERR unknown command '${cText(first).slice(0, 128)}', with args beginning with: ${args}${hint}`,
    );
  }
}

function arityOk(arity: number, count: number): boolean {
  return arity >= 0 ? count === arity : count >= -arity;
}

export { OK, SimpleString };

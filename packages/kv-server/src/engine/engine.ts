// The engine: a command table, the keyspace, and per-connection sessions. Every command runs
// synchronously to completion, so each one is atomic, exactly as in single-threaded Redis.

import { Database } from './database.ts';
import {
  CommandError,
  ErrorReply,
  NULL_ARRAY,
  OK,
  QUEUED,
  type Reply,
  SimpleString,
  err,
} from './reply.ts';

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
}

export class Engine {
  readonly db: Database;
  private readonly commands = new Map<string, CommandSpec>();
  /** key -> sessions watching it. Only watched keys are here, so writes stay cheap. */
  private readonly watchers = new Map<string, Set<Session>>();
  private readonly unknownCommandHint: string;

  constructor(options: EngineOptions = {}) {
    this.db = new Database({
      now: options.now ?? Date.now,
      onModified: (key) => this.touchWatchers(key),
    });
    this.unknownCommandHint = options.unknownCommandHint ?? '';
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
      return err(`ERR wrong number of arguments for '${name}' command`);
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
      throw error;
    }
  }

  private unknownCommand(first: Buffer, argv: Buffer[]): ErrorReply {
    // Redis: ERR unknown command 'foo', with args beginning with: 'a' 'b' 
    const args = argv
      .slice(1)
      .map((a) => `'${a.toString('latin1')}' `)
      .join('');
    const hint = this.unknownCommandHint ? ` ${this.unknownCommandHint}` : '';
    return err(
      `ERR unknown command '${first.toString('latin1')}', with args beginning with: ${args}${hint}`,
    );
  }
}

function arityOk(arity: number, count: number): boolean {
  return arity >= 0 ? count === arity : count >= -arity;
}

export { OK, SimpleString };

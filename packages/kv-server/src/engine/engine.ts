// The engine: a command table, the keyspace, and per-connection sessions. Every command runs
// synchronously to completion, so each one is atomic, exactly as in single-threaded Redis.

import {
  CommandError,
  cText,
  type ErrorReply,
  err,
  NULL_ARRAY,
  QUEUED,
  type Reply,
} from '../protocol/reply.ts';
import { blockingOf } from './blocking.ts';
import { type ClientInfo, ClientRegistry } from './clients.ts';
import { coarseNow } from './clock.ts';
import { redisMetadata } from './command-docs.ts';
import { commandName } from './command-name.ts';
import { Database } from './database.ts';
import { memoryGate } from './evict.ts';
import { MemoryAccountant } from './memory.ts';
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
  // What COMMAND INFO / COMMAND DOCS / COMMAND GETKEYS report. All optional: a command Redis 7
  // has gets Redis's own flags, key positions and docs from command-docs.json (generated from a
  // real Redis by scripts/command-docs.ts); declare these only for a command that is not there
  // (or to override it). A new command should at least set `write` when it writes, and `keys`
  // when its keys are not simply argv[1] (the default for any command with an argument).
  /** Redis command flags (`write`, `readonly`, `denyoom`, `fast`, `noscript`, ...). */
  flags?: string[];
  /** Key positions: first and last argument index (negative counts from the end) and step. */
  keys?: { first: number; last: number; step: number } | null;
  /** Command group (`string`, `hash`, `generic`, `server`, `connection`, ...). */
  group?: string;
  /** One-line summary, as in COMMAND DOCS. */
  summary?: string;
  /** Redis version that introduced it. */
  since?: string;
  /** Argument docs in COMMAND DOCS's shape (what redis-cli builds its hints from). */
  arguments?: CommandArgumentDoc[];
}

/** One argument of COMMAND DOCS (Redis's `arguments` entries). */
export interface CommandArgumentDoc {
  name: string;
  type:
    | 'string'
    | 'integer'
    | 'double'
    | 'key'
    | 'pattern'
    | 'unix-time'
    | 'pure-token'
    | 'oneof'
    | 'block';
  token?: string;
  flags?: ('optional' | 'multiple' | 'multiple_token')[];
  arguments?: CommandArgumentDoc[];
}

/**
 * The `watched` of every session that has watched nothing: a session per REST request made a
 * Set each. Never added to: `watch` gives the session a Set of its own first.
 */
const NO_WATCHES: ReadonlySet<string> = new Set<string>();

/** State of one client connection (RESP) or one REST request. */
export class Session {
  inMulti = false;
  /** A queued command was refused: EXEC must answer EXECABORT. */
  multiFailed = false;
  queue: Buffer[][] = [];
  /** Keys under WATCH; `watchDirty` is set when any of them changes. */
  watched: ReadonlySet<string> = NO_WATCHES;
  watchDirty = false;
  authenticated: boolean;
  /** Set by QUIT: the surface closes the connection after writing the reply. */
  closeRequested = false;
  /** The database SELECTed (0-15). */
  dbIndex = 0;
  /** The RESP connection behind this session; undefined for REST requests. */
  client: ClientInfo | undefined = undefined;

  /** RESP protocol version of the connection (HELLO); 2 for REST. */
  get protocol(): 2 | 3 {
    return this.client?.protocol ?? 2;
  }

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

/** Redis's default `databases 16`. */
export const DATABASE_COUNT = 16;

export class Engine {
  /** Databases 0-15 (SELECT). Index i is `databases[i]`. */
  readonly databases: Database[];
  private readonly slots = new Map<Database, { index: number }>();
  /** Every RESP connection (CLIENT LIST, CLIENT KILL, pub/sub). */
  readonly clients = new ClientRegistry();
  /** Called with (db, key) for every key written, deleted or expired (CLIENT TRACKING). */
  readonly keyListeners: ((db: number, key: string) => void)[] = [];
  private readonly commands = new Map<string, CommandSpec>();
  /** `db:key` -> sessions watching it. Only watched keys are here, so writes stay cheap. */
  private readonly watchers = new Map<string, Set<Session>>();
  private readonly unknownCommandHint: string;
  /** Live SCAN/HSCAN/SSCAN/ZSCAN cursors (see scan.ts). */
  readonly cursors: ScanCursors;
  /** When the engine started (INFO's uptime). */
  readonly startedAt: number;
  private readonly expiryIntervalMs: number;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** used_memory, the maxmemory settings, the LRU clock and keyspace stats, for all databases. */
  readonly memory: MemoryAccountant;

  /**
   * The time the LRU clock and the ops/sec samples read: `options.now` when given (tests move
   * it), else a clock refreshed every 100 ms (clock.ts), as Redis's LRU clock is.
   */
  readonly clock: () => number;

  constructor(options: EngineOptions = {}) {
    const now = options.now ?? Date.now;
    this.clock = options.now ?? coarseNow;
    this.memory = new MemoryAccountant(this.clock());
    this.databases = Array.from({ length: DATABASE_COUNT }, (_, index) => {
      // The slot follows the database when SWAPDB moves it to another index.
      const slot = { index };
      const db = new Database({
        now,
        onModified: (key) => this.keyModified(slot.index, key),
        watchedKeys: () => this.watchedKeysOf(slot.index),
        memory: this.memory,
      });
      this.slots.set(db, slot);
      return db;
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
    for (const db of this.databases) {
      if (db.expiresCount === 0) continue;
      for (;;) {
        const round = db.sweep(200);
        deleted += round.deleted;
        if (round.checked === 0 || round.deleted * 4 < round.checked) break;
        if (performance.now() - started > timeBudgetMs) return deleted;
      }
    }
    return deleted;
  }

  /** Database 0, the one REST requests and snapshots of older versions use. */
  get db(): Database {
    return this.databases[0]!;
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
    if (session.watched.size > 0) this.unwatchAll(session);
  }

  /**
   * Runs one command (argv[0] is its name) for `session` and returns the reply. Never throws.
   * `name`, when the caller already has it, is `commandName(argv[0])`.
   */
  execute(session: Session, argv: Buffer[], name?: string): Reply {
    const first = argv[0];
    if (first === undefined) return err('ERR empty command');
    name ??= commandName(first);
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
    if (this.memory.maxmemory > 0) {
      // Evict first, then refuse what may grow memory if still over the limit (evict.ts).
      const oom = memoryGate(this, spec, session);
      if (oom !== undefined) {
        if (session.inMulti) session.multiFailed = true;
        return oom;
      }
    }
    if (session.inMulti && !spec.transactionControl) {
      // Redis resolves a container's subcommand before queueing: a bad one fails at once.
      const refused = subcommandError(name, argv);
      if (refused !== undefined) {
        session.multiFailed = true;
        return refused;
      }
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
    for (const watched of session.watched) {
      const [index, key] = splitWatchKey(watched);
      this.databases[index]!.lookup(key);
    }
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

  watch(session: Session, name: string): void {
    // Watches are per database: WATCH k in db 1 does not see writes to k in db 0.
    const key = watchKey(session.dbIndex, name);
    if (session.watched.has(key)) return;
    // A key already expired at WATCH time is simply absent: collect it now, before watching, so
    // its later collection does not look like a change.
    this.databases[session.dbIndex]!.lookup(name);
    const watched =
      session.watched === NO_WATCHES ? new Set<string>() : (session.watched as Set<string>);
    watched.add(key);
    session.watched = watched;
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
    session.watched = NO_WATCHES;
    session.watchDirty = false;
  }

  /** Keys watched in database `index` (FLUSHDB signals those). */
  private *watchedKeysOf(index: number): IterableIterator<string> {
    for (const key of this.watchers.keys()) {
      const [db, name] = splitWatchKey(key);
      if (db === index) yield name;
    }
  }

  /** SWAPDB: the two databases trade places; connections keep their index, so see the other. */
  swapDatabases(a: number, b: number): void {
    if (a === b) return;
    this.touchSwappedWatchers(a, b);
    const dbA = this.databases[a]!;
    const dbB = this.databases[b]!;
    this.databases[a] = dbB;
    this.databases[b] = dbA;
    this.slots.get(dbA)!.index = b;
    this.slots.get(dbB)!.index = a;
    // Clients blocked in either database may find data there now.
    blockingOf(this).signalDatabase(a);
    blockingOf(this).signalDatabase(b);
  }

  /**
   * SWAPDB a b: a key watched in a or b changes when it exists on either side (Redis's
   * touchAllWatchedKeysInDb, run for both databases before the swap).
   */
  private touchSwappedWatchers(a: number, b: number): void {
    const dbA = this.databases[a]!;
    const dbB = this.databases[b]!;
    for (const [key, set] of this.watchers) {
      const [index, name] = splitWatchKey(key);
      if (index !== a && index !== b) continue;
      if (!dbA.exists(name) && !dbB.exists(name)) continue;
      for (const session of set) session.watchDirty = true;
    }
  }

  /**
   * Every key written, deleted or expired comes here. With no client blocked, no key listener
   * and no WATCH (the usual case) there is nothing to tell, and the `db:key` string is not built:
   * MSET of ten keys built ten of them.
   */
  private keyModified(db: number, key: string): void {
    if (this.keyListeners.length === 0 && this.watchers.size === 0 && !blockingOf(this).waiting) {
      return;
    }
    this.touchWatchers(watchKey(db, key));
  }

  private touchWatchers(key: string): void {
    // A write may wake clients blocked on the key (BLPOP ...): served after the command.
    blockingOf(this).signal(key);
    if (this.keyListeners.length > 0) {
      const [db, name] = splitWatchKey(key);
      for (const listener of this.keyListeners) listener(db, name);
    }
    if (this.watchers.size === 0) return;
    const set = this.watchers.get(key);
    if (set === undefined) return;
    for (const session of set) session.watchDirty = true;
  }

  private run(spec: CommandSpec, session: Session, argv: Buffer[]): Reply {
    const db = this.databases[session.dbIndex]!;
    const memory = this.memory;
    // The LRU clock every key access is stamped with, and the stats INFO reports.
    memory.tick(this.clock());
    memory.commandsProcessed++;
    memory.countReads = spec.write !== true;
    try {
      return spec.handler({ engine: this, db, session }, argv);
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

function watchKey(db: number, key: string): string {
  return `${db}:${key}`;
}

function splitWatchKey(watched: string): [number, string] {
  const colon = watched.indexOf(':');
  return [Number(watched.slice(0, colon)), watched.slice(colon + 1)];
}

function arityOk(arity: number, count: number): boolean {
  return arity >= 0 ? count === arity : count >= -arity;
}

/**
 * A container command's (XGROUP, XINFO, OBJECT ...) unknown subcommand or wrong subcommand
 * arity, worded as Redis's processCommand words it: what MULTI must refuse instead of queueing.
 * CLIENT is left to its own handler: it has subcommands newer than the Redis 7.0 metadata.
 */
function subcommandError(name: string, argv: Buffer[]): ErrorReply | undefined {
  if (name === 'client') return undefined;
  const subcommands = redisMetadata().info.get(name)?.[9];
  if (!Array.isArray(subcommands) || subcommands.length === 0) return undefined;
  // COMMAND alone is a command of its own (arity -1): only a given subcommand is checked.
  if (argv[1] === undefined) return undefined;
  const sub = argv[1].toString('latin1');
  const full = `${name}|${sub.toLowerCase()}`;
  const entry = subcommands.find((e) => Array.isArray(e) && e[0] === full) as
    | [string, number]
    | undefined;
  if (entry === undefined) {
    // %.128s of a C string: up to the first NUL, at most 128 bytes.
    const shown = cText(argv[1] as Buffer).slice(0, 128);
    return err(`ERR unknown subcommand '${shown}'. Try ${name.toUpperCase()} HELP.`);
  }
  if (!arityOk(entry[1], argv.length)) {
    return err(`ERR wrong number of arguments for '${full}' command`);
  }
  return undefined;
}

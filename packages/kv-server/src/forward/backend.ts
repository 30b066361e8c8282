// Forwarding mode: the REST surface in front of a real Redis/Valkey. Single commands and
// pipelines share a small pool of connections (connection-state commands are refused before
// they get here); each `/multi-exec` and each blocking command gets a connection of its own.

import { DEFAULT_PUBSUB_LIMITS } from '../limits.ts';
import {
  type CancelSignal,
  type CommandBackend,
  type EventSink,
  explainAbort,
  type ReplyWaiter,
  type StreamKind,
} from '../protocol/backend.ts';
import { BLOCKING_POPS } from '../protocol/command-groups.ts';
import { ErrorReply, type Reply, SimpleString } from '../protocol/reply.ts';
import { BackendConnection, type BackendTarget, parseBackendUrl } from './connection.ts';
import { ScriptRewriter } from './scripts.ts';

export interface ForwardOptions {
  poolSize?: number;
  /** A down backend must be reported fast: @upstash/redis retries network errors, we need not. */
  connectTimeoutMs?: number;
  /** After a failed connect, requests fail at once for this long instead of reconnecting. */
  retryAfterMs?: number;
}

/** Commands that can hold a connection for their whole timeout. */
const BLOCKING = new Set<string>([...BLOCKING_POPS, 'wait', 'waitaof']);

/** What commandTo() leaves to command(): blocking, maybe blocking, scripts (rewritten). */
const NOT_PLAIN = new Set<string>([
  ...BLOCKING,
  'xread',
  'xreadgroup',
  'eval',
  'eval_ro',
  'evalsha',
  'evalsha_ro',
  'script',
]);

/** XREAD / XREADGROUP hold their connection only with a BLOCK option (before STREAMS). */
function streamReadBlocks(name: string, argv: Buffer[]): boolean {
  if (name !== 'xread' && name !== 'xreadgroup') return false;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!.toString('latin1').toLowerCase();
    if (word === 'streams') return false;
    if (word === 'block') return true;
    // Skip the values: a group or consumer may be named "block".
    if (word === 'group') i += 2;
    else if (word === 'count') i++;
  }
  return false;
}

/** Whether a command can wait: the blocking commands, and XREAD/XREADGROUP with BLOCK. */
function isBlocking(argv: Buffer[]): boolean {
  const name = argv[0]?.toString('latin1').toLowerCase() ?? '';
  return BLOCKING.has(name) || streamReadBlocks(name, argv);
}

export class ForwardBackend implements CommandBackend {
  readonly target: BackendTarget;
  readonly scripts = new ScriptRewriter();
  private readonly pool: BackendConnection[] = [];
  private connecting: Promise<BackendConnection> | undefined;
  private lastFailure: { error: Error; at: number } | undefined;
  private readonly poolSize: number;
  private readonly connectTimeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly dedicated = new Set<BackendConnection>();
  /** The last command name commandTo() found plain (see there). */
  private lastPlain: Buffer | undefined;

  constructor(url: string, options: ForwardOptions = {}) {
    this.target = parseBackendUrl(url);
    this.poolSize = options.poolSize ?? 4;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.retryAfterMs = options.retryAfterMs ?? 1000;
  }

  async command(argv: Buffer[], signal?: CancelSignal): Promise<Reply> {
    const { argv: rewritten, replySha } = this.scripts.rewrite(argv);
    const name = argv[0]?.toString('latin1').toLowerCase() ?? '';
    if (BLOCKING.has(name) || streamReadBlocks(name, argv)) {
      return this.withDedicated(async (connection) => {
        // The REST client went away: closing the connection ends the wait on the backend too.
        signal?.addEventListener('abort', () => connection.close(), { once: true });
        return connection.send(rewritten);
      });
    }
    const connection = await this.acquire();
    return this.scripts.fixReply(await connection.send(rewritten), replySha);
  }

  /**
   * REST's fast path for one command: sent on a pooled connection that is ready now, its reply
   * (or the connection's failure) going to `waiter`, with no promise, closure or rewrite made.
   * False, with nothing sent, for what needs more (a blocking command, a script command, no
   * connection ready): the caller then uses command().
   */
  commandTo(argv: Buffer[], waiter: ReplyWaiter): boolean {
    const name = argv[0];
    if (name === undefined || name.length > 16) return false;
    // REST's fast JSON parse gives a command name as the same cached Buffer request after
    // request (rest/fast-json.ts, never written to): checked once, not decoded per request.
    if (name !== this.lastPlain) {
      if (NOT_PLAIN.has(name.toString('latin1').toLowerCase())) return false;
      this.lastPlain = name;
    }
    const connection = this.ready();
    return connection?.sendTo(argv, waiter) === true;
  }

  async pipeline(argvs: Buffer[][], signal?: AbortSignal): Promise<Promise<Reply>[]> {
    const rewrites = argvs.map((argv) => this.scripts.rewrite(argv));
    // A blocking command would hold a pooled connection (and every request queued behind it)
    // for its whole timeout: such a pipeline gets a connection of its own, closed after it.
    const blocking = argvs.some(isBlocking);
    let connection: BackendConnection;
    let done: (() => void) | undefined;
    if (blocking) {
      const own = await this.open();
      connection = own;
      this.dedicated.add(own);
      done = () => {
        this.dedicated.delete(own);
        own.close();
      };
      signal?.addEventListener('abort', done, { once: true });
    } else {
      connection = await this.acquire();
    }
    const replies = connection.sendEach(rewrites.map((r) => r.argv));
    // A dedicated connection is closed once the last reply is in (or failed).
    if (done !== undefined) void Promise.allSettled(replies).then(done);
    return replies.map((reply, i) => {
      const fixed = reply.then((value) => this.scripts.fixReply(value, rewrites[i]?.replySha));
      // The REST surface stops awaiting after a failure; the rest must not be "unhandled".
      fixed.catch(() => {});
      return fixed;
    });
  }

  async transaction(argvs: Buffer[][]): Promise<Reply> {
    const rewrites = argvs.map((argv) => this.scripts.rewrite(argv));
    return this.withDedicated(async (connection) => {
      const replies = await connection.sendMany([
        [Buffer.from('MULTI')],
        ...rewrites.map((r) => r.argv),
        [Buffer.from('EXEC')],
      ]);
      const exec = replies[replies.length - 1] ?? null;
      if (exec instanceof ErrorReply) {
        // Say which command made the backend refuse the transaction.
        const index = replies.slice(1, -1).findIndex((r) => r instanceof ErrorReply);
        const refused = replies[index + 1];
        if (index >= 0 && refused instanceof ErrorReply) return explainAbort(exec, index, refused);
        return exec;
      }
      if (!Array.isArray(exec)) return exec;
      return exec.map((reply, i) => this.scripts.fixReply(reply, rewrites[i]?.replySha));
    });
  }

  /**
   * `/subscribe`, `/psubscribe`, `/monitor` over SSE: a backend connection of its own per stream,
   * in relay mode, each reply an event. Closed when the client aborts the request.
   */
  async stream(kind: StreamKind, names: Buffer[], sink: EventSink): Promise<() => void> {
    const connection = await this.open();
    this.dedicated.add(connection);
    const stop = () => {
      this.dedicated.delete(connection);
      connection.onClosed = undefined;
      connection.close();
    };
    const limit = DEFAULT_PUBSUB_LIMITS.hardBytes;
    connection.relay = (reply) => {
      // The backend refused (a bad pattern, ACL ...): say so as an `error` event and end.
      if (reply instanceof ErrorReply) {
        sink.send([Buffer.from('error'), Buffer.from(reply.message, 'latin1')]);
        sink.close(true);
        return;
      }
      sink.send(
        reply instanceof SimpleString && kind === 'monitor' && reply.value === 'OK'
          ? Buffer.from('"OK"')
          : reply,
      );
      // A client that does not read: cut it off, as the engine does (the backend stops too).
      if (sink.pendingBytes() > limit) sink.close();
    };
    connection.onClosed = () => sink.close();
    connection.write([Buffer.from(kind), ...names]);
    return stop;
  }

  knows(): boolean {
    // Only the backend knows its commands: an unknown one gets its error as a 400.
    return true;
  }

  /** Checks the backend answers PING; rejects with the same error requests would get. */
  async ping(): Promise<void> {
    const reply = await (await this.acquire()).send([Buffer.from('PING')]);
    if (!(reply instanceof SimpleString))
      throw new Error(`unexpected PING reply from ${this.target.display}`);
  }

  close(): void {
    for (const connection of [...this.pool, ...this.dedicated]) connection.close();
    this.pool.length = 0;
    this.dedicated.clear();
  }

  /**
   * The pooled connection to use now, if one is: the one collecting this turn's commands, else
   * the least busy live one, unless it is busy while the pool has room for another (acquire()
   * opens that).
   */
  private ready(): BackendConnection | undefined {
    let best: BackendConnection | undefined;
    for (let i = this.pool.length - 1; i >= 0; i--) {
      const connection = this.pool[i]!;
      // Commands of one turn go out together: one socket write and one read for all of them
      // (Redis runs them one by one anyway). Spreading them cost a syscall each way per connection.
      if (connection.filling) return connection;
      if (!connection.alive) this.pool.splice(i, 1);
      else if (best === undefined || connection.pending < best.pending) best = connection;
    }
    if (best !== undefined && (best.pending === 0 || this.pool.length >= this.poolSize))
      return best;
    return undefined;
  }

  /** A pooled connection: the least busy live one, opening another while the pool has room. */
  private async acquire(): Promise<BackendConnection> {
    const ready = this.ready();
    if (ready !== undefined) return ready;
    let best: BackendConnection | undefined;
    for (const connection of this.pool) {
      if (best === undefined || connection.pending < best.pending) best = connection;
    }
    if (this.connecting === undefined) {
      this.connecting = this.open().finally(() => {
        this.connecting = undefined;
      });
      const connection = await this.connecting;
      this.pool.push(connection);
      return connection;
    }
    // Another request is already opening a connection: share it rather than opening more.
    return best ?? (await this.connecting);
  }

  private async withDedicated<T>(run: (connection: BackendConnection) => Promise<T>): Promise<T> {
    const connection = await this.open();
    this.dedicated.add(connection);
    try {
      return await run(connection);
    } finally {
      this.dedicated.delete(connection);
      connection.close();
    }
  }

  private async open(): Promise<BackendConnection> {
    // No retry storm: right after a failure, answer with it instead of connecting again.
    if (this.lastFailure && Date.now() - this.lastFailure.at < this.retryAfterMs) {
      throw this.lastFailure.error;
    }
    try {
      const connection = await BackendConnection.open(this.target, this.connectTimeoutMs);
      this.lastFailure = undefined;
      return connection;
    } catch (error) {
      this.lastFailure = { error: error as Error, at: Date.now() };
      throw error;
    }
  }
}

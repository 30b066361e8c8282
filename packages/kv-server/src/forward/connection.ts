// One client connection to a real Redis/Valkey, speaking RESP2 with our codec so every reply
// keeps its exact type. Commands are pipelined: replies come back in the order they were sent.

import { connect, type Socket } from 'node:net';
import { BackendUnavailableError, type ReplyWaiter } from '../protocol/backend.ts';
import { ErrorReply, PushReply, type Reply } from '../protocol/reply.ts';
import { ReplyDecoder } from '../protocol/resp-codec.ts';

export interface BackendTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** The URL without its password, for messages. */
  display: string;
}

/** Parses `redis://[[user]:password@]host[:port][/db]`. Throws an Error that says what is wrong. */
export function parseBackendUrl(url: string): BackendTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `Invalid forwarding URL ${JSON.stringify(url)}: expected redis://host:port/db, e.g. redis://127.0.0.1:6379/0`,
    );
  }
  if (parsed.protocol !== 'redis:') {
    throw new Error(
      `Unsupported forwarding URL ${JSON.stringify(parsed.protocol)}: kv-server forwards to redis:// URLs (plain TCP, no TLS)`,
    );
  }
  const dbText = parsed.pathname.replace(/^\//, '') || '0';
  const db = Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new Error(
      `Invalid database ${JSON.stringify(dbText)} in forwarding URL: use a number, e.g. /0`,
    );
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(parsed.port || 6379);
  return {
    host,
    port,
    db,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    display: `redis://${parsed.host}/${db}`,
  };
}

/** Bytes collected for one turn's write past which the pool puts commands on other connections. */
const FILL_BYTES = 64 * 1024;
/** The first Buffer of a turn's commands: from Node's shared pool, room for dozens of commands. */
const TURN_BYTES = 2048;
const EMPTY = Buffer.alloc(0);

/** Writes `n` (a length, >= 0) in decimal and CRLF at `at`; returns the position after them. */
function writeLength(out: Buffer, at: number, n: number): number {
  if (n < 10) {
    out[at++] = 48 + n;
  } else {
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    for (let i = at + digits - 1; i >= at; i--) {
      out[i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    at += digits;
  }
  out[at++] = 13;
  out[at++] = 10;
  return at;
}

export class BackendConnection {
  private readonly decoder = new ReplyDecoder();
  private readonly waiters: ReplyWaiter[] = [];
  private failure: Error | undefined;
  /**
   * Where RESP3 push messages go (CLIENT TRACKING invalidations after HELLO 3): they are not
   * replies to a command, so they must not be paired with one.
   */
  onPush: ((reply: PushReply) => void) | undefined;
  /**
   * Relay mode (pub/sub, MONITOR): every reply goes here, in order, instead of being paired with
   * a command. Once subscribed, the backend answers a command with any number of replies.
   */
  relay: ((reply: Reply) => void) | undefined;
  /** Called once when the connection fails or closes (a relay's stream ends with it). */
  onClosed: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly target: BackendTarget,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(this.unavailable(error.message)));
    socket.on('close', () => this.fail(this.unavailable('connection closed')));
  }

  /** Connects, authenticates and selects the database; rejects within `timeoutMs`. */
  static open(target: BackendTarget, timeoutMs = 1000): Promise<BackendConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(unavailable(target, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(unavailable(target, (error as NodeJS.ErrnoException).code ?? error.message));
      });
      socket.once('connect', () => {
        const connection = new BackendConnection(socket, target);
        connection
          .handshake()
          .then(() => {
            clearTimeout(timer);
            resolve(connection);
          })
          .catch((error: unknown) => {
            clearTimeout(timer);
            connection.close();
            reject(error);
          });
      });
    });
  }

  get pending(): number {
    return this.waiters.length;
  }

  /**
   * Whether commands are collected for this turn's write and there is room for more (the pool
   * puts the next command here: one write and one read per turn, not one per connection).
   */
  get filling(): boolean {
    return this.queuedBytes > 0 && this.queuedBytes < FILL_BYTES && this.failure === undefined;
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  /** Sends a command whose replies go to `relay`. */
  write(argv: readonly Buffer[]): void {
    if (this.failure) throw this.failure;
    this.output(argv);
  }

  /**
   * Commands sent in one turn of the event loop (many REST requests, each read in its own
   * callback) leave in one socket write, as a pipelining client's do: a write per command was
   * ~20% of forwarding mode's busy time under autocannon. Each is encoded straight into this
   * turn's Buffer (`*2\r\n$4\r\nINCR\r\n...`), written by flush(): no Buffer per command and
   * no concat (resp-codec's encodeCommand makes a Buffer and five native calls per command).
   * Order is kept; the cost is at most one loop turn of delay.
   */
  private output(argv: readonly Buffer[]): void {
    // At most 1 + 10 digits + CRLF for the array header and for each length header.
    let size = 13;
    for (let i = 0; i < argv.length; i++) size += 15 + argv[i]!.length;
    if (this.queuedBytes === 0) setImmediate(this.flush);
    let out = this.out;
    let at = this.queuedBytes;
    if (out.length - at < size) {
      // Small turns come from Node's shared pool (allocUnsafe under 4 KB); a turn's Buffer is
      // never reused once written (the socket may still hold it), so it is never zeroed either.
      const grown = Buffer.allocUnsafe(Math.max(TURN_BYTES, at + size, 2 * out.length));
      out.copy(grown, 0, 0, at);
      out = grown;
      this.out = grown;
    }
    out[at++] = 42; // *
    at = writeLength(out, at, argv.length);
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      const n = arg.length;
      out[at++] = 36; // $
      at = writeLength(out, at, n);
      // A short argument is copied byte by byte: cheaper than a call into a builtin.
      if (n <= 32) for (let j = 0; j < n; j++) out[at + j] = arg[j]!;
      else out.set(arg, at);
      at += n;
      out[at++] = 13;
      out[at++] = 10;
    }
    this.queuedBytes = at;
  }

  /** This turn's encoded commands: `queuedBytes` of them are filled. */
  private out: Buffer = EMPTY;
  private queuedBytes = 0;
  private readonly flush = () => {
    const used = this.queuedBytes;
    if (used === 0 || this.socket.destroyed) return;
    const bytes = this.out.subarray(0, used);
    this.out = EMPTY;
    this.queuedBytes = 0;
    this.socket.write(bytes);
  };

  /**
   * Sends a command whose reply goes to `waiter` (no promise). False, with nothing sent, when
   * the connection has failed: the caller takes the promise path, which reports it.
   */
  sendTo(argv: readonly Buffer[], waiter: ReplyWaiter): boolean {
    if (this.failure) return false;
    this.waiters.push(waiter);
    this.output(argv);
    return true;
  }

  send(argv: readonly Buffer[]): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.output(argv);
    });
  }

  /** Sends all commands in one write; resolves with every reply, in order. */
  sendMany(argvs: readonly Buffer[][]): Promise<Reply[]> {
    return Promise.all(this.sendEach(argvs));
  }

  /** Sends all commands in one write; one promise per reply. */
  sendEach(argvs: readonly Buffer[][]): Promise<Reply>[] {
    const failure = this.failure;
    if (failure) {
      return argvs.map(() => Promise.reject(failure));
    }
    const replies = argvs.map(
      () => new Promise<Reply>((resolve, reject) => this.waiters.push({ resolve, reject })),
    );
    for (const argv of argvs) this.output(argv);
    return replies;
  }

  close(): void {
    this.fail(this.unavailable('connection closed by kv-server'));
    this.socket.destroy();
  }

  private async handshake(): Promise<void> {
    const { username, password, db } = this.target;
    if (password !== undefined) {
      const argv = username ? ['AUTH', username, password] : ['AUTH', password];
      const reply = await this.send(argv.map((a) => Buffer.from(a)));
      if (reply instanceof ErrorReply) {
        throw new BackendUnavailableError(
          `ERR the backend ${this.target.display} refused kv-server's AUTH (${reply.message}): fix the password in the forwarding URL`,
        );
      }
    }
    if (db !== 0) {
      const reply = await this.send([Buffer.from('SELECT'), Buffer.from(String(db))]);
      if (reply instanceof ErrorReply) {
        throw new BackendUnavailableError(
          `ERR the backend ${this.target.display} refused SELECT ${db} (${reply.message}): use a database it has`,
        );
      }
    }
  }

  private onData(chunk: Buffer): void {
    this.decoder.push(chunk);
    for (;;) {
      let reply: Reply | undefined;
      try {
        reply = this.decoder.next();
      } catch (error) {
        this.fail(this.unavailable(`protocol error: ${(error as Error).message}`));
        this.socket.destroy();
        return;
      }
      if (reply === undefined) return;
      // Only the decoder's errors are the backend's: a waiter (a REST request's own object on
      // the fast path) that throws must not fail every other client on this connection.
      try {
        if (this.relay !== undefined && this.waiters.length === 0) this.relay(reply);
        else if (reply instanceof PushReply && this.onPush !== undefined) this.onPush(reply);
        else this.waiters.shift()?.resolve(reply);
      } catch {}
    }
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.out = EMPTY;
    this.queuedBytes = 0;
    this.onClosed?.();
    for (const waiter of this.waiters.splice(0)) {
      try {
        waiter.reject(error);
      } catch {}
    }
  }

  private unavailable(reason: string): BackendUnavailableError {
    return unavailable(this.target, reason);
  }
}

export function unavailable(target: BackendTarget, reason: string): BackendUnavailableError {
  return new BackendUnavailableError(
    `ERR kv-server cannot reach the Redis/Valkey backend at ${target.display} (${reason}): start that server, or point --forward-to / KV_FORWARD_TO at a running one`,
  );
}

// The Redis protocol surface (RESP2, and RESP3 after HELLO 3, over TCP) that redis-cli,
// redis-benchmark, node-redis, iovalkey and ioredis talk to. Each connection decodes pipelined commands, answers them in order, and
// writes all the replies of one read as a single socket write. The password check (AUTH,
// HELLO ... AUTH, NOAUTH) and the protocol version live here; what runs the commands is a
// per-connection handler: the engine, or a dedicated connection to a real Redis.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { ClientInfo } from '../engine/clients.ts';
import { coarseNow } from '../engine/clock.ts';
import { commandName } from '../engine/command-name.ts';
import { REDIS_COMPAT_VERSION } from '../engine/version.ts';
import { createLimits, SECURITY_ATTACK_LOG, type ServerLimits } from '../limits.ts';
import { ErrorReply, MapReply, NO_REPLY, OK, type Reply } from '../protocol/reply.ts';
import {
  CommandDecoder,
  DEFAULT_RESP_LIMITS,
  ReplyWriter,
  RespProtocolError,
  UNAUTHENTICATED_RESP_LIMITS,
} from '../protocol/resp-codec.ts';
import type { FastLane } from './fast-lane.ts';

/**
 * What a handler returns for a command it answered some other way (a forwarding connection in
 * pub/sub relay mode writes the backend's replies through ClientInfo.push): nothing is written.
 */
export { NO_REPLY };

/** Runs the commands of one connection. */
export interface RespConnectionHandler {
  /** `name` is `commandName(argv[0])`, which the server has already read. */
  execute(argv: Buffer[], name?: string): Reply | Promise<Reply>;
  /**
   * Runs plain hot commands straight from the read buffer (fast-lane.ts), or declines them to
   * `execute`. Asked only on an authenticated connection, for commands `local` never handles.
   */
  readonly fast?: FastLane;
  /** Set when the handler wants the connection closed after the current reply. */
  readonly closeRequested?: boolean;
  /** Set while the connection may stay quiet on purpose (subscribed): the idle timeout spares it, as Redis's does. */
  readonly idleExempt?: boolean;
  /**
   * Set while a RESP2 connection has subscriptions: then HELLO and AUTH, which this server
   * answers itself, are refused like every command but the pub/sub ones (Redis's rule).
   */
  readonly subscribed?: boolean;
  close(): void;
  /**
   * HELLO, once the server has checked its protocol version, AUTH and SETNAME: answers it (a
   * forwarding handler passes it to its backend connection). Without it the server answers with
   * its own map. A non-error reply switches the connection to `protocol`.
   */
  hello?(protocol: 2 | 3 | undefined, setName: string | undefined): Reply | Promise<Reply>;
}

/** The connection registry's entry (engine/clients.ts): id, addresses, name, protocol ... */
export type ConnectionInfo = ClientInfo;

export interface RespServerOptions {
  password?: string;
  createHandler(info: ConnectionInfo): RespConnectionHandler;
  /** Stop reading a connection while this many reply bytes wait to be written. */
  maxOutputBytes?: number;
  /** Close a connection whose unparsed input grows past this many bytes (default: limits.queryBufferLimit). */
  maxInputBytes?: number;
  /** maxclients, timeouts, query-buffer limits; read at each check, so changes apply at once. */
  limits?: ServerLimits;
  log?: (line: string) => void;
}

const NOAUTH = new ErrorReply('NOAUTH Authentication required.');
const WRONGPASS = new ErrorReply('WRONGPASS invalid username-password pair or user is disabled.');
const NO_PASSWORD = new ErrorReply(
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
);

/** Per-connection state the sweep reads. */
interface Guard {
  lastActive: number;
  /** When the unfinished request began arriving; 0 when none is pending. */
  partialSince: number;
  /** The connection's share of the input budget, as last counted. */
  held: number;
  /** Whether the idle timeout may close it (not while a blocking command waits). */
  idle(): boolean;
  close?(): void;
}

/** How often timeouts are checked: they fire at most this much late. */
const SWEEP_MS = 100;

export function createRespServer(options: RespServerOptions): Server {
  const maxOutput = options.maxOutputBytes ?? 8 * 1024 * 1024;
  const limits = options.limits ?? createLimits();
  const maxInput = () => options.maxInputBytes ?? limits.queryBufferLimit;
  const password = options.password ? Buffer.from(options.password) : undefined;
  let nextId = 0;
  const sockets = new Set<Socket>();
  const guards = new Map<Socket, Guard>();
  /** Input held by all connections together (limits.maxBufferedBytes). */
  let heldTotal = 0;
  let lastAttackLog = 0;

  const server = createServer((socket) => {
    // Redis's maxclients: say why, then close, before anything is read or allocated.
    if (sockets.size >= limits.maxClients) {
      socket.on('error', () => socket.destroy());
      socket.end('-ERR max number of clients reached\r\n');
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    const info = new ClientInfo(
      ++nextId,
      `${socket.remoteAddress}:${socket.remotePort}`,
      `${socket.localAddress}:${socket.localPort}`,
    );
    const handler = options.createHandler(info);
    const fast = handler.fast;
    let authenticated = password === undefined;
    const authenticatedLimits = () => ({
      ...DEFAULT_RESP_LIMITS,
      maxBulkLength: limits.protoMaxBulkLen,
    });
    const decoder = new CommandDecoder(
      authenticated ? authenticatedLimits() : UNAUTHENTICATED_RESP_LIMITS,
    );
    const guard: Guard = { lastActive: Date.now(), partialSince: 0, held: 0, idle: () => true };
    const writer = new ReplyWriter();
    const setProtocol = (protocol: 2 | 3) => {
      info.protocol = protocol;
      writer.protocol = protocol;
    };
    let waiting = false; // an async reply (forwarding) is in flight: keep order, wait for it
    let ending = false;

    const flush = () => {
      if (writer.length === 0 || socket.destroyed) return;
      socket.write(writer.takeForSocket());
      // Written through at once (the usual case): the writer may reuse its buffer. Otherwise
      // the socket still holds a view of it, and the writer goes on past those bytes.
      if (socket.writableLength === 0) writer.reclaim();
    };
    const end = () => {
      ending = true;
      flush();
      socket.end();
    };
    info.kill = () => {
      ending = true;
      socket.destroy();
    };
    // Out-of-band replies (pub/sub messages, invalidations): they go out between replies, never
    // inside one, because commands run synchronously and `writer` only holds whole replies.
    // Pushes are batched: a publisher's pipeline of PUBLISH reaches each subscriber as one
    // socket write per event-loop turn, not one per message. Order is the writer's.
    let pushFlushScheduled = false;
    const flushPushes = () => {
      pushFlushScheduled = false;
      if (!waiting) flush();
    };
    info.push = (reply) => {
      if (socket.destroyed) return false;
      writer.write(reply);
      if (!pushFlushScheduled) {
        pushFlushScheduled = true;
        setImmediate(flushPushes);
      }
      return true;
    };
    info.outputBytes = () => writer.length + socket.writableLength;
    info.inputBytes = () => decoder.bufferedBytes;

    const checkPassword = (user: Buffer | undefined, given: Buffer): boolean => {
      if (password === undefined) return false;
      if (user !== undefined && user.toString('latin1') !== 'default') return false;
      return given.length === password.length && timingSafeEqual(given, password);
    };

    /** Connection-level commands: AUTH, HELLO, QUIT and the NOAUTH gate. */
    const local = (name: string, argv: Buffer[]): Reply | Promise<Reply> | undefined => {
      // (AUTH's arity error comes first, as Redis checks arity before this rule.)
      if ((name === 'hello' || (name === 'auth' && argv.length >= 2)) && handler.subscribed) {
        return new ErrorReply(
          `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
        );
      }
      if (name === 'auth') {
        if (argv.length < 2 || argv.length > 3) {
          return new ErrorReply("ERR wrong number of arguments for 'auth' command");
        }
        if (password === undefined) return NO_PASSWORD;
        const ok =
          argv.length === 3 ? checkPassword(argv[1], argv[2]!) : checkPassword(undefined, argv[1]!);
        if (!ok) return WRONGPASS;
        authenticated = true;
        decoder.limits = authenticatedLimits();
        return OK;
      }
      if (name === 'hello') return hello(argv);
      if (name === 'quit') {
        ending = true;
        return OK;
      }
      // RESET: back to RESP2 and, with a password, to unauthenticated (Redis 6.2+); the handler
      // resets the rest (MULTI, WATCH, pub/sub, MONITOR, the database ...) and answers +RESET.
      if (name === 'reset' && argv.length === 1) {
        setProtocol(2);
        if (password !== undefined) {
          authenticated = false;
          decoder.limits = UNAUTHENTICATED_RESP_LIMITS;
        }
        return executeSafely(argv);
      }
      if (!authenticated) return NOAUTH;
      return undefined;
    };

    const hello = (argv: Buffer[]): Reply | Promise<Reply> => {
      let i = 1;
      let protocol: 2 | 3 | undefined;
      if (argv.length > 1) {
        const version = argv[1]!.toString('latin1');
        i = 2;
        if (!/^-?\d{1,18}$/.test(version)) {
          return new ErrorReply('ERR Protocol version is not an integer or out of range');
        }
        if (version !== '2' && version !== '3') {
          return new ErrorReply('NOPROTO unsupported protocol version');
        }
        protocol = version === '3' ? 3 : 2;
      }
      let setName: string | undefined;
      for (; i < argv.length; i++) {
        const option = argv[i]!.toString('latin1').toLowerCase();
        const more = argv.length - 1 - i;
        if (option === 'auth' && more >= 2) {
          // Without a password the default user is "nopass": any password is accepted for it
          // (Redis's ACL), unlike plain AUTH, which says no password is configured.
          const user = argv[i + 1]!.toString('latin1');
          const ok =
            password === undefined ? user === 'default' : checkPassword(argv[i + 1], argv[i + 2]!);
          if (!ok) return WRONGPASS;
          authenticated = true;
          decoder.limits = authenticatedLimits();
          i += 2;
        } else if (option === 'setname' && more >= 1) {
          setName = argv[++i]!.toString('latin1');
        } else {
          return new ErrorReply(
            `ERR Syntax error in HELLO option '${argv[i]!.toString('latin1')}'`,
          );
        }
      }
      if (!authenticated) {
        return new ErrorReply(
          'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
        );
      }
      if (setName !== undefined) {
        if (/[^\x21-\x7e]/.test(setName)) {
          return new ErrorReply(
            'ERR Client names cannot contain spaces, newlines or special characters.',
          );
        }
        info.name = setName === '' ? undefined : setName;
      }
      if (handler.hello !== undefined) {
        const reply = handler.hello(protocol, setName);
        const apply = (r: Reply) => {
          if (protocol !== undefined && !(r instanceof ErrorReply)) setProtocol(protocol);
          return r;
        };
        return reply instanceof Promise ? reply.then(apply) : apply(reply);
      }
      // The reply goes out in the protocol just chosen, as Redis's does.
      if (protocol !== undefined) setProtocol(protocol);
      const text = (s: string) => Buffer.from(s);
      return new MapReply([
        [text('server'), text('redis')],
        [text('version'), text(REDIS_COMPAT_VERSION)],
        [text('proto'), info.protocol],
        [text('id'), info.id],
        [text('mode'), text('standalone')],
        [text('role'), text('master')],
        [text('modules'), []],
      ]);
    };

    /** A bug in a command must cost one error reply, not the whole server. */
    const executeSafely = (argv: Buffer[], name?: string): Reply | Promise<Reply> => {
      try {
        return handler.execute(argv, name);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        options.log?.(`kv-server: ${argv[0]?.toString('latin1')} failed: ${message}`);
        return new ErrorReply(`ERR kv-server internal error: ${message}`);
      }
    };

    const after = (reply: Reply) => {
      if (reply !== NO_REPLY && replyWanted()) writer.write(reply);
      if (handler.closeRequested) ending = true;
    };
    /**
     * CLIENT REPLY OFF drops every reply (its own too); SKIP drops its own and the next one.
     * ON (set by the command whose reply this is) answers again.
     */
    const replyWanted = (): boolean => {
      if (info.replyMode === 'on') {
        if (!info.skipNextReply) return true;
        info.skipNextReply = false;
        return false;
      }
      if (info.replyMode === 'skip') {
        info.replyMode = 'on';
        info.skipNextReply = true;
      }
      return false;
    };

    /** Runs every complete command buffered so far, in order. */
    const run = () => {
      if (waiting) return;
      // CONFIG SET proto-max-bulk-len applies to open connections too, as in Redis.
      if (authenticated) decoder.limits.maxBulkLength = limits.protoMaxBulkLen;
      try {
        while (!ending) {
          // Backpressure: stop while the client is not reading its replies.
          if (writer.length + socket.writableLength > maxOutput) {
            flush();
            socket.pause();
            socket.once('drain', () => {
              socket.resume();
              run();
            });
            return;
          }
          // The fast lane first: a whole command already in the buffer, read in place. Only for
          // an authenticated connection (the NOAUTH gate is `local`'s, and the fast lane's
          // names are none of `local`'s), and only a command it takes; else `next()` reads it.
          if (fast !== undefined && authenticated) {
            const argc = decoder.peek();
            if (argc > 0 && fast.run(decoder.peekBuffer, decoder.spans, argc, writer)) {
              decoder.skipPeeked();
              guard.partialSince = 0;
              continue;
            }
          }
          const argv = decoder.next();
          if (argv === undefined) break;
          guard.partialSince = 0; // a whole command arrived: what follows is a new request
          if (argv.length === 0) continue;
          const name = commandName(argv[0]!);
          // An HTTP request sent to this port (a web page's fetch, DNS rebinding): its request
          // line parses as POST, its headers as `Host:`. Close before running anything, as Redis
          // does, and log it at most once a minute.
          if (name === 'post' || name === 'host:') {
            const now = Date.now();
            if (now - lastAttackLog > 60_000) {
              lastAttackLog = now;
              options.log?.(`kv-server: ${SECURITY_ATTACK_LOG}`);
            }
            ending = true;
            socket.destroy();
            return;
          }
          const reply = local(name, argv) ?? executeSafely(argv, name);
          if (reply instanceof Promise) {
            waiting = true;
            flush();
            reply
              .catch((error: unknown) => new ErrorReply(`ERR ${(error as Error).message}`))
              .then((value) => {
                waiting = false;
                after(value);
                run();
              });
            return;
          }
          after(reply);
        }
      } catch (error) {
        if (!(error instanceof RespProtocolError)) throw error;
        writer.write(new ErrorReply(error.message));
        end();
        return;
      }
      if (ending) end();
      else {
        flush();
        // Redis's client-query-buffer-limit (which Redis enforces without a reply; the error
        // line here says why before the close), and the budget all connections share.
        const held = decoder.heldBytes;
        heldTotal += held - guard.held;
        guard.held = held;
        if (held > maxInput()) {
          writer.write(new ErrorReply('ERR Protocol error: query buffer too large'));
          refuse();
        } else if (heldTotal > limits.maxBufferedBytes) {
          writer.write(
            new ErrorReply('ERR kv-server: too much unfinished input across connections'),
          );
          refuse();
        }
      }
      guard.partialSince = decoder.partial ? guard.partialSince || Date.now() : 0;
    };

    /** The connection is closing: what it held no longer counts (and is never parsed). */
    const dropInput = () => {
      heldTotal -= guard.held;
      guard.held = 0;
      guard.partialSince = 0;
    };
    /** Refused over an input limit: the error is sent, nothing more is read (a client still
     * sending would only make garbage), and it is cut off if it does not close itself. */
    const refuse = () => {
      end();
      dropInput();
      socket.pause();
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    guard.idle = () => !waiting && !handler.idleExempt;
    guard.close = () => {
      ending = true;
      dropInput();
      socket.destroy();
    };
    guards.set(socket, guard);

    socket.on('data', (chunk: Buffer) => {
      // CLIENT LIST's idle: as Redis's lastinteraction, stamped when a read arrives (from the
      // coarse clock, as Redis's comes from its cron's cached time).
      guard.lastActive = info.lastInteraction = coarseNow();
      if (ending) return;
      decoder.push(chunk);
      run();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      guards.delete(socket);
      dropInput();
      handler.close();
    });
  });

  // Redis's clientsCron: idle connections (`timeout`) and requests that never finish
  // (a half-sent 60 MB bulk string would otherwise be held forever).
  const sweep = setInterval(() => {
    const now = coarseNow();
    const idleMs = limits.idleTimeoutMs;
    const requestMs = limits.requestTimeoutMs;
    if (idleMs <= 0 && requestMs <= 0) return;
    for (const guard of guards.values()) {
      if (requestMs > 0 && guard.partialSince > 0 && now - guard.partialSince > requestMs) {
        guard.close?.();
      } else if (idleMs > 0 && now - guard.lastActive > idleMs && guard.idle()) {
        guard.close?.();
      }
    }
  }, SWEEP_MS);
  sweep.unref();
  server.on('close', () => clearInterval(sweep));

  // Closing the server also closes idle client connections, so close() does not hang.
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return server;
}

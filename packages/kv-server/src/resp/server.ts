// The Redis protocol surface (RESP2 over TCP) that redis-cli, redis-benchmark, iovalkey and
// ioredis talk to. Each connection decodes pipelined commands, answers them in order, and
// writes all the replies of one read as a single socket write. The password check (AUTH,
// HELLO ... AUTH, NOAUTH) and the protocol version live here; what runs the commands is a
// per-connection handler: the engine, or a dedicated connection to a real Redis.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { ErrorReply, OK, type Reply } from '../engine/reply.ts';
import {
  CommandDecoder,
  DEFAULT_RESP_LIMITS,
  ReplyWriter,
  RespProtocolError,
  UNAUTHENTICATED_RESP_LIMITS,
} from './codec.ts';

/** Runs the commands of one connection. */
export interface RespConnectionHandler {
  execute(argv: Buffer[]): Reply | Promise<Reply>;
  /** Set when the handler wants the connection closed after the current reply. */
  readonly closeRequested?: boolean;
  close(): void;
}

export interface ConnectionInfo {
  id: number;
  /** Set by CLIENT SETNAME (and HELLO ... SETNAME). */
  name: string | undefined;
}

export interface RespServerOptions {
  password?: string;
  createHandler(info: ConnectionInfo): RespConnectionHandler;
  /** Stop reading a connection while this many reply bytes wait to be written. */
  maxOutputBytes?: number;
  /** Close a connection whose unparsed input grows past this many bytes. */
  maxInputBytes?: number;
  log?: (line: string) => void;
}

const NOAUTH = new ErrorReply('NOAUTH Authentication required.');
const WRONGPASS = new ErrorReply('WRONGPASS invalid username-password pair or user is disabled.');
const NO_PASSWORD = new ErrorReply(
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
);

export function createRespServer(options: RespServerOptions): Server {
  const maxOutput = options.maxOutputBytes ?? 8 * 1024 * 1024;
  const maxInput = options.maxInputBytes ?? 2 * DEFAULT_RESP_LIMITS.maxBulkLength;
  const password = options.password ? Buffer.from(options.password) : undefined;
  let nextId = 0;
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const info: ConnectionInfo = { id: ++nextId, name: undefined };
    const handler = options.createHandler(info);
    let authenticated = password === undefined;
    const decoder = new CommandDecoder(
      authenticated ? DEFAULT_RESP_LIMITS : UNAUTHENTICATED_RESP_LIMITS,
    );
    const writer = new ReplyWriter();
    let waiting = false; // an async reply (forwarding) is in flight: keep order, wait for it
    let ending = false;

    const flush = () => {
      if (writer.length > 0 && !socket.destroyed) socket.write(writer.take());
    };
    const end = () => {
      ending = true;
      flush();
      socket.end();
    };

    const checkPassword = (user: Buffer | undefined, given: Buffer): boolean => {
      if (password === undefined) return false;
      if (user !== undefined && user.toString('latin1') !== 'default') return false;
      return given.length === password.length && timingSafeEqual(given, password);
    };

    /** Connection-level commands: AUTH, HELLO, QUIT and the NOAUTH gate. */
    const local = (name: string, argv: Buffer[]): Reply | undefined => {
      if (name === 'auth') {
        if (argv.length < 2 || argv.length > 3) {
          return new ErrorReply("ERR wrong number of arguments for 'auth' command");
        }
        if (password === undefined) return NO_PASSWORD;
        const ok =
          argv.length === 3 ? checkPassword(argv[1], argv[2]!) : checkPassword(undefined, argv[1]!);
        if (!ok) return WRONGPASS;
        authenticated = true;
        decoder.limits = DEFAULT_RESP_LIMITS;
        return OK;
      }
      if (name === 'hello') return hello(argv);
      if (name === 'quit') {
        ending = true;
        return OK;
      }
      if (!authenticated) return NOAUTH;
      return undefined;
    };

    const hello = (argv: Buffer[]): Reply => {
      let i = 1;
      if (argv.length > 1) {
        const version = argv[1]!.toString('latin1');
        i = 2;
        if (version !== '2') {
          return new ErrorReply(
            /^\d+$/.test(version)
              ? 'NOPROTO sorry, this protocol version is not supported.'
              : 'ERR Protocol version is not an integer or out of range',
          );
        }
      }
      let setName: string | undefined;
      for (; i < argv.length; i++) {
        const option = argv[i]!.toString('latin1').toLowerCase();
        if (option === 'auth' && i + 2 < argv.length) {
          if (!checkPassword(argv[i + 1], argv[i + 2]!)) {
            return password === undefined ? NO_PASSWORD : WRONGPASS;
          }
          authenticated = true;
          decoder.limits = DEFAULT_RESP_LIMITS;
          i += 2;
        } else if (option === 'setname' && i + 1 < argv.length) {
          setName = argv[++i]!.toString('latin1');
        } else {
          return new ErrorReply(`ERR Syntax error in HELLO option '${option}'`);
        }
      }
      if (!authenticated) {
        return new ErrorReply(
          'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
        );
      }
      if (setName !== undefined) info.name = setName;
      const text = (s: string) => Buffer.from(s);
      return [
        text('server'),
        text('redis'),
        text('version'),
        text('7.0.0'),
        text('proto'),
        2,
        text('id'),
        info.id,
        text('mode'),
        text('standalone'),
        text('role'),
        text('master'),
        text('modules'),
        [],
      ];
    };

    /** A bug in a command must cost one error reply, not the whole server. */
    const executeSafely = (argv: Buffer[]): Reply | Promise<Reply> => {
      try {
        return handler.execute(argv);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        options.log?.(`kv-server: ${argv[0]?.toString('latin1')} failed: ${message}`);
        return new ErrorReply(`ERR kv-server internal error: ${message}`);
      }
    };

    const after = (reply: Reply) => {
      writer.write(reply);
      if (handler.closeRequested) ending = true;
    };

    /** Runs every complete command buffered so far, in order. */
    const run = () => {
      if (waiting) return;
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
          const argv = decoder.next();
          if (argv === undefined) break;
          if (argv.length === 0) continue;
          const name = argv[0]!.toString('latin1').toLowerCase();
          const reply = local(name, argv) ?? executeSafely(argv);
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
        if (decoder.bufferedBytes > maxInput) {
          writer.write(new ErrorReply('ERR Protocol error: query buffer too large'));
          end();
        }
      }
    };

    socket.on('data', (chunk: Buffer) => {
      if (ending) return;
      decoder.push(chunk);
      run();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      handler.close();
    });
  });

  // Closing the server also closes idle client connections, so close() does not hang.
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return server;
}

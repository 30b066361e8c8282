// The RESP surface in forwarding mode: each client connection gets a backend connection of its
// own, so MULTI/EXEC, WATCH and SELECT keep working. Pub/sub and MONITOR switch that connection
// to relay mode: from then on commands go to the backend as they come and every backend reply
// (confirmations, messages, MONITOR lines, answers) is written back in order, unpaired. Only
// CLIENT REPLY, which would desynchronise the pairing before that, is refused.

import type { ForwardBackend } from '../forward/backend.ts';
import { BackendConnection } from '../forward/connection.ts';
import { ErrorReply, type Reply } from '../protocol/reply.ts';
import { type ConnectionInfo, NO_REPLY, type RespConnectionHandler } from './resp-server.ts';

/** Commands after which the backend may send replies nobody asked for. */
const RELAY_COMMANDS = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'monitor']);

export function forwardHandler(
  backend: ForwardBackend,
  info?: ConnectionInfo,
): RespConnectionHandler {
  const scripts = backend.scripts;
  let connection: Promise<BackendConnection> | undefined;
  let closed = false;
  /** In relay mode (see the file comment). */
  let relaying = false;
  /** The HELLO this client chose, replayed on a reopened backend connection. */
  let helloArgv: Buffer[] | undefined;
  const open = async (): Promise<BackendConnection> => {
    // A backend that restarted closed our connection: open a new one.
    if (connection && !(await connection.then((c) => c.alive).catch(() => false))) {
      connection = undefined;
    }
    if (connection === undefined) {
      const opening = BackendConnection.open(backend.target);
      connection = opening;
      const hello = helloArgv;
      if (hello !== undefined) {
        connection = opening.then(async (c) => {
          await c.send(hello);
          return c;
        });
      }
    }
    try {
      const c = await connection;
      if (info !== undefined) c.onPush = (reply) => info.push(reply);
      return c;
    } catch (error) {
      connection = undefined; // try again on the next command
      throw error;
    }
  };
  return {
    // HELLO goes to the backend: its reply (id, version, the RESP3 map) is the backend's, and
    // the backend connection speaks the protocol the client asked for, so RESP3 replies pass
    // through byte for byte. (The kv-server's own password was checked by the RESP server.)
    async hello(protocol, setName): Promise<Reply> {
      const argv = [Buffer.from('HELLO')];
      if (protocol !== undefined) argv.push(Buffer.from(String(protocol)));
      if (setName !== undefined) argv.push(Buffer.from('SETNAME'), Buffer.from(setName, 'latin1'));
      let c: BackendConnection;
      try {
        c = await open();
      } catch (error) {
        return new ErrorReply((error as Error).message);
      }
      const reply = await c.send(argv).catch((error: Error) => new ErrorReply(error.message));
      if (!(reply instanceof ErrorReply) && protocol !== undefined) {
        helloArgv = [Buffer.from('HELLO'), Buffer.from(String(protocol))];
      }
      return reply;
    },
    async execute(argv): Promise<Reply> {
      const name = argv[0]!.toString('latin1').toLowerCase();
      const sub = argv[1]?.toString('latin1').toLowerCase();
      if (name === 'client' && sub === 'reply' && !relaying) {
        return new ErrorReply(
          `ERR '${name}' is not supported by kv-server in forwarding mode: connect to ${backend.target.display} directly for it`,
        );
      }
      let c: BackendConnection;
      try {
        c = await open();
      } catch (error) {
        return new ErrorReply((error as Error).message);
      }
      if (closed) c.close();
      if (info !== undefined && (relaying || RELAY_COMMANDS.has(name))) {
        if (!relaying) {
          relaying = true;
          c.relay = (reply) => info.push(reply);
          // Its subscriptions live on this backend connection: if it goes, so does the client's
          // (a new one would silently be subscribed to nothing).
          c.onClosed = () => {
            if (!closed) info.kill();
          };
        }
        try {
          c.write(argv);
        } catch (error) {
          return new ErrorReply((error as Error).message);
        }
        return NO_REPLY;
      }
      const { argv: rewritten, replySha } = scripts.rewrite(argv);
      try {
        return scripts.fixReply(await c.send(rewritten), replySha);
      } catch (error) {
        return new ErrorReply((error as Error).message);
      }
    },
    /** Relay mode: HELLO and AUTH would be answered among relayed replies; refused instead. */
    get subscribed() {
      return relaying;
    },
    /** A subscribed connection stays quiet on purpose: the idle timeout spares it, as in Redis. */
    get idleExempt() {
      return relaying;
    },
    close() {
      closed = true;
      connection?.then((c) => c.close()).catch(() => {});
    },
  };
}

// The RESP surface in forwarding mode: each client connection gets a backend connection of its
// own, so MULTI/EXEC, WATCH and SELECT keep working. Only what would desynchronise our
// request/reply pairing (pub/sub, MONITOR, CLIENT REPLY) is refused.

import { ErrorReply, type Reply } from '../engine/reply.ts';
import type { RespConnectionHandler } from '../resp/server.ts';
import type { ForwardBackend } from './backend.ts';
import { BackendConnection } from './connection.ts';

const PUSH_COMMANDS = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'monitor', 'reset']);

export function forwardHandler(backend: ForwardBackend): RespConnectionHandler {
  const scripts = backend.scripts;
  let connection: Promise<BackendConnection> | undefined;
  let closed = false;
  return {
    async execute(argv): Promise<Reply> {
      const name = argv[0]!.toString('latin1').toLowerCase();
      const sub = argv[1]?.toString('latin1').toLowerCase();
      if (PUSH_COMMANDS.has(name) || (name === 'client' && sub === 'reply')) {
        return new ErrorReply(
          `ERR '${name}' is not supported by kv-server in forwarding mode: connect to ${backend.target.display} directly for it`,
        );
      }
      // A backend that restarted closed our connection: open a new one.
      if (connection && !(await connection.then((c) => c.alive).catch(() => false))) {
        connection = undefined;
      }
      connection ??= BackendConnection.open(backend.target);
      let open: BackendConnection;
      try {
        open = await connection;
      } catch (error) {
        connection = undefined; // try again on the next command
        return new ErrorReply((error as Error).message);
      }
      if (closed) open.close();
      const { argv: rewritten, replySha } = scripts.rewrite(argv);
      try {
        return scripts.fixReply(await open.send(rewritten), replySha);
      } catch (error) {
        return new ErrorReply((error as Error).message);
      }
    },
    close() {
      closed = true;
      connection?.then((c) => c.close()).catch(() => {});
    },
  };
}

// A RESP connection served by the engine: one Session per connection (MULTI/EXEC/WATCH state),
// plus the connection-level commands clients send on connect (CLIENT SETNAME/SETINFO, COMMAND)
// that are about the connection rather than the data. CONFIG and INFO are engine commands.

import { connectionClosed, connectionOpened } from '../engine/commands/info.ts';
import type { Engine } from '../engine/engine.ts';
import { ErrorReply, OK, type Reply, SimpleString } from '../engine/reply.ts';
import { leaveSession, runCommand } from '../engine/run-command.ts';
import type { ConnectionInfo, RespConnectionHandler } from './server.ts';

export function engineHandler(engine: Engine, info: ConnectionInfo): RespConnectionHandler {
  const session = engine.createSession(true);
  // INFO's connected_clients and total_connections_received.
  connectionOpened(engine);
  // Pub/sub messages and MONITOR lines reach the connection through its ClientInfo.
  session.client = info;
  return {
    execute(argv) {
      const name = argv[0]!.toString('latin1').toLowerCase();
      // Inside MULTI everything is queued by the engine, as Redis does.
      if (!session.inMulti) {
        if (name === 'client') return client(argv, info);
        if (name === 'command' && engine.command('command') === undefined)
          return command(engine, argv);
      }
      // runCommand: the subscribed-connection rule, MONITOR, and blocking commands' waits.
      return runCommand(engine, session, argv);
    },
    get closeRequested() {
      return session.closeRequested;
    },
    close() {
      connectionClosed(engine);
      leaveSession(engine, session);
      engine.closeSession(session);
    },
  };
}

function client(argv: Buffer[], info: ConnectionInfo): Reply {
  const sub = argv[1]?.toString('latin1').toLowerCase();
  if (sub === undefined)
    return new ErrorReply("ERR wrong number of arguments for 'client' command");
  if (sub === 'setname' && argv.length === 3) {
    const name = argv[2]!.toString('latin1');
    if (/[^\x21-\x7e]/.test(name)) {
      return new ErrorReply(
        'ERR Client names cannot contain spaces, newlines or special characters.',
      );
    }
    info.name = name === '' ? undefined : name;
    return OK;
  }
  if (sub === 'getname' && argv.length === 2) {
    return info.name === undefined ? null : Buffer.from(info.name, 'latin1');
  }
  if (sub === 'id' && argv.length === 2) return info.id;
  // Library name/version, eviction and LRU hints: accepted, nothing to do for a local server.
  if ((sub === 'setinfo' && argv.length === 4) || sub === 'no-evict' || sub === 'no-touch')
    return OK;
  return new ErrorReply(
    `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try CLIENT HELP.`,
  );
}

/** Just enough of COMMAND for redis-cli (hints) and redis-benchmark. */
function command(engine: Engine, argv: Buffer[]): Reply {
  const sub = argv[1]?.toString('latin1').toLowerCase();
  const describe = (name: string): Reply => {
    const spec = engine.command(name);
    if (spec === undefined) return null;
    const hasKey = Math.abs(spec.arity) >= 2 && !spec.transactionControl;
    return [
      Buffer.from(spec.name),
      spec.arity,
      [new SimpleString(spec.write ? 'write' : 'readonly')],
      hasKey ? 1 : 0,
      hasKey ? 1 : 0,
      hasKey ? 1 : 0,
      [],
      [],
      [],
      [],
    ];
  };
  if (sub === undefined) return engine.commandNames().map(describe);
  if (sub === 'count') return engine.commandNames().length;
  if (sub === 'info') {
    const names =
      argv.length > 2
        ? argv.slice(2).map((a) => a.toString('latin1').toLowerCase())
        : engine.commandNames();
    return names.map(describe);
  }
  if (sub === 'docs') return [];
  if (sub === 'list') return engine.commandNames().map((name) => Buffer.from(name));
  return new ErrorReply(`ERR unknown subcommand '${sub}'. Try COMMAND HELP.`);
}

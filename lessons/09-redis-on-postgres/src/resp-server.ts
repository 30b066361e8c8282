// A Redis server that keeps its keys in Postgres: it speaks RESP2 over TCP (resp.ts), runs each
// command as SQL (commands.ts, keyspace.ts), and answers every connection's commands in the
// order they came, however many the client sends at once.

import { createServer, type Socket } from 'node:net';
import type pg from 'pg';
import { COMMANDS } from './commands.ts';
import { CommandError, createKeyspace, schemaSql } from './keyspace.ts';
import { array, bulk, createParser, error, integer, ProtocolError, simple } from './resp.ts';

/**
 * The most one MULTI may queue, in bytes: each argument's own, plus 150 for the objects that hold
 * it (measured: a queued `SET k v` holds about 490 bytes). Every command between MULTI and EXEC
 * is answered QUEUED at once, so backpressure never slows a client that queues forever: without
 * a limit it fills the server's memory (a million queued `SET k v`: 490 MB). Redis has no limit
 * of its own here; it counts a transaction toward the client's memory (`maxmemory-clients`).
 */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export interface RespServerOptions {
  /** Where the keys live. On the embedded PGlite this pool has one connection (see below). */
  pool: pg.Pool;
  /** The table (created if missing); `<table>_zset` holds sorted-set members. */
  table?: string;
  /** Create the table UNLOGGED: no write-ahead log, emptied after a crash. */
  unlogged?: boolean;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** How often expired rows are deleted (reads skip them at once); 0: never. */
  sweepEveryMs?: number;
  /** Sees every chunk read from and written to a client: for showing bytes on the wire. */
  onWire?: (direction: 'in' | 'out', bytes: Buffer) => void;
}

/** Commands that change the connection, not the keys: answered here, never by Postgres. */
const CONNECTION_COMMANDS = [
  'select',
  'multi',
  'exec',
  'discard',
  'quit',
  'hello',
  'client',
  'info',
];

export async function startRespServer({
  pool,
  table = 'redis_keys',
  unlogged = false,
  port = 0,
  host = '127.0.0.1',
  sweepEveryMs = 1000,
  onWire,
}: RespServerOptions) {
  await pool.query(schemaSql(table, { unlogged }));
  const keyspace = createKeyspace(table);
  const sockets = new Set<Socket>();
  const calls = new Map<string, number>();
  let nextId = 0;

  // #region connection
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connection = {
      id: ++nextId,
      db: 0,
      name: '',
      queued: null as Buffer[][] | null,
      queuedBytes: 0,
      aborted: false,
    };
    const parser = createParser();
    // One promise chain per connection: each command starts when the one before it has
    // answered, so replies leave in the order the commands came, even when a client sends
    // fifty at once (a pipeline) and Postgres would finish them in another order.
    let previous: Promise<unknown> = Promise.resolve();
    socket.on('data', (chunk) => {
      onWire?.('in', chunk);
      let commands: Buffer[][];
      try {
        commands = parser.push(chunk);
      } catch (failure) {
        socket.pause(); // nothing more is read from a client that broke the protocol
        previous = previous.then(() => hangUp(failure));
        return;
      }
      if (commands.length === 0) return;
      // Backpressure on the way in: read nothing more until these commands have answered. A
      // client that sends faster than Postgres runs then waits in its own socket's buffers, not
      // in this process's memory.
      socket.pause();
      for (const args of commands) {
        // A web page on any origin can make the browser send an HTTP request to this port, and
        // its lines would read as inline commands. No client sends POST or Host:, so, as Redis
        // does, hang up on them before anything of that request runs.
        const name = args[0]?.toString('latin1').toLowerCase();
        if (name === 'post' || name === 'host:') {
          socket.destroy();
          return;
        }
        previous = previous.then(async () => {
          // Backpressure on the way out: write() said the socket holds more than it should (a
          // client that pipelines but never reads). Run nothing more until the replies have left.
          if (socket.writableNeedDrain) await drained(socket);
          if (socket.destroyed) return;
          send(await execute(connection, args, socket));
        });
      }
      previous = previous.catch(hangUp).then(() => socket.resume());
    });
    socket.on('error', () => {}); // a client that vanished: its socket closes next
    socket.on('close', () => sockets.delete(socket));

    function send(reply: Buffer) {
      if (socket.destroyed || socket.writableEnded) return;
      onWire?.('out', reply);
      socket.write(reply);
    }

    /** A protocol error (the client's), or a bug here: say which, and close the connection. */
    function hangUp(failure: unknown) {
      const message = (failure as Error).message ?? String(failure);
      send(
        error(
          failure instanceof ProtocolError ? `ERR Protocol error: ${message}` : `ERR ${message}`,
        ),
      );
      // Close once the error has left. Until the client closes too, what it still sends is read
      // and dropped: closing a socket with unread input resets it, and the error could be lost.
      socket.removeAllListeners('data');
      socket.resume();
      socket.end();
    }
  });
  // #endregion connection

  type Connection = {
    id: number;
    db: number;
    name: string;
    queued: Buffer[][] | null;
    queuedBytes: number;
    aborted: boolean;
  };

  // #region execute
  async function execute(connection: Connection, args: Buffer[], socket: Socket): Promise<Buffer> {
    const name = (args[0] as Buffer).toString('latin1').toLowerCase();
    calls.set(name, (calls.get(name) ?? 0) + 1);
    const rest = args.slice(1);
    // Between MULTI and EXEC commands are checked and queued, not run.
    if (connection.queued && !['exec', 'discard', 'multi', 'quit'].includes(name)) {
      const problem = checkCommand(name, args);
      if (problem) {
        connection.aborted = true; // Redis refuses the whole transaction at EXEC
        return error(problem);
      }
      connection.queuedBytes += args.reduce((sum, arg) => sum + arg.length + 150, 0);
      if (connection.queuedBytes > MAX_QUEUED_BYTES) {
        connection.aborted = true; // and this command, and any after it, is not kept
        return error(`ERR MULTI queued more than ${MAX_QUEUED_BYTES / 1024 / 1024} MB`);
      }
      connection.queued.push(args.map((arg) => Buffer.from(arg))); // views pin read buffers
      return simple('QUEUED');
    }
    try {
      if (CONNECTION_COMMANDS.includes(name))
        return await connectionCommand(connection, name, rest, socket);
      const problem = checkCommand(name, args);
      if (problem) return error(problem);
      const [, run] = COMMANDS[name] as (typeof COMMANDS)[string];
      return await run({ keyspace, q: pool, db: connection.db }, rest);
    } catch (failure) {
      return replyForFailure(failure);
    }
  }
  // #endregion execute

  /** An unknown command or a wrong number of arguments: Redis's error text, else undefined. */
  function checkCommand(name: string, args: Buffer[]): string | undefined {
    const entry = COMMANDS[name];
    if (!entry && !CONNECTION_COMMANDS.includes(name)) {
      // #region unknown
      // As Redis does, the arguments until 128 characters are shown, the last one cut to fit:
      // a command of a million arguments gets one line back, not megabytes.
      let shown = '';
      for (let i = 1; i < args.length && shown.length < 128; i++) {
        shown += `'${(args[i] as Buffer).toString().slice(0, 128 - shown.length)}' `;
      }
      return `ERR unknown command '${(args[0] as Buffer).toString().slice(0, 128)}', with args beginning with: ${shown}`;
      // #endregion unknown
    }
    const arity = entry?.[0] ?? -1;
    if ((arity > 0 && args.length !== arity) || (arity < 0 && args.length < -arity)) {
      return `ERR wrong number of arguments for '${name}' command`;
    }
    return undefined;
  }

  async function connectionCommand(
    connection: Connection,
    name: string,
    rest: Buffer[],
    socket: Socket,
  ) {
    const word = (i: number) => rest[i]?.toString('latin1').toUpperCase();
    switch (name) {
      case 'select': {
        const db = Number(rest[0]?.toString());
        if (rest.length !== 1) return error("ERR wrong number of arguments for 'select' command");
        if (!Number.isInteger(db) || db < 0 || db > 15)
          return error('ERR DB index is out of range');
        connection.db = db;
        return simple('OK');
      }
      case 'multi':
        if (connection.queued) return error('ERR MULTI calls can not be nested');
        connection.queued = [];
        connection.queuedBytes = 0;
        connection.aborted = false;
        return simple('OK');
      case 'discard':
        if (!connection.queued) return error('ERR DISCARD without MULTI');
        connection.queued = null;
        return simple('OK');
      case 'exec':
        return exec(connection);
      case 'quit':
        setImmediate(() => socket.end());
        return simple('OK');
      case 'hello': {
        // Clients send HELLO to ask for RESP3; this server speaks RESP2 only, and says so.
        if (rest.length > 0 && word(0) !== '2') {
          return error('NOPROTO sorry, this protocol version is not supported');
        }
        const setName = rest.findIndex((arg) => arg.toString('latin1').toUpperCase() === 'SETNAME');
        if (setName > 0) connection.name = rest[setName + 1]?.toString() ?? '';
        return array([
          bulk('server'),
          bulk('pg-resp'),
          bulk('version'),
          bulk('7.0.0'),
          bulk('proto'),
          integer(2),
          bulk('id'),
          integer(connection.id),
          bulk('mode'),
          bulk('standalone'),
          bulk('role'),
          bulk('master'),
          bulk('modules'),
          array([]),
        ]);
      }
      case 'client':
        // What clients send on connecting: SETNAME (iovalkey's connectionName), SETINFO
        // (node-redis's library name), ID, GETNAME.
        if (word(0) === 'SETNAME' && rest.length === 2) {
          connection.name = rest[1]?.toString() ?? '';
          return simple('OK');
        }
        if (word(0) === 'GETNAME') return bulk(connection.name || null);
        if (word(0) === 'ID') return integer(connection.id);
        if (word(0) === 'SETINFO' && rest.length === 3) return simple('OK');
        return error(`ERR unknown subcommand '${rest[0]?.toString() ?? ''}'. Try CLIENT HELP.`);
      default: {
        // INFO: clients read `loading:0` before their first command (iovalkey's ready check)
        // and the version for what syntax to use; this server follows Redis 7.0's.
        const lines = [
          '# Server',
          'redis_version:7.0.0',
          'server_name:pg-resp',
          `storage:postgres table ${table}${unlogged ? ' (unlogged)' : ''}`,
          'loading:0',
          '# Keyspace',
          `db${connection.db}:keys=${await keyspace.dbsize(pool, connection.db)}`,
        ];
        return bulk(`${lines.join('\r\n')}\r\n`);
      }
    }
  }

  // #region exec
  /**
   * EXEC: the queued commands in one Postgres transaction, on one client. Each runs under a
   * savepoint, so one command's error (INCR of a non-integer) undoes only that command and the
   * others still apply, as in Redis.
   */
  async function exec(connection: Connection): Promise<Buffer> {
    const queued = connection.queued;
    const aborted = connection.aborted;
    connection.queued = null;
    if (!queued) return error('ERR EXEC without MULTI');
    if (aborted) return error('EXECABORT Transaction discarded because of previous errors.');
    const client = await pool.connect();
    const replies: Buffer[] = [];
    try {
      await client.query('BEGIN');
      for (const args of queued) {
        await client.query('SAVEPOINT command');
        const name = (args[0] as Buffer).toString('latin1').toLowerCase();
        try {
          const [, run] = COMMANDS[name] as (typeof COMMANDS)[string];
          replies.push(await run({ keyspace, q: client, db: connection.db }, args.slice(1)));
          await client.query('RELEASE SAVEPOINT command');
        } catch (failure) {
          await client.query('ROLLBACK TO SAVEPOINT command');
          replies.push(replyForFailure(failure));
        }
      }
      await client.query('COMMIT');
    } catch (failure) {
      await client.query('ROLLBACK').catch(() => {});
      return replyForFailure(failure);
    } finally {
      client.release();
    }
    return array(replies);
  }
  // #endregion exec

  // #region sweep
  // Expired keys are invisible at once (every query checks expires_at); this deletes their rows
  // in the background, a thousand at a time, so a table of short-lived keys does not grow.
  let sweeping = false;
  const sweeper =
    sweepEveryMs > 0
      ? setInterval(async () => {
          if (sweeping) return;
          sweeping = true;
          await keyspace.sweep(pool).catch(() => {});
          sweeping = false;
        }, sweepEveryMs)
      : undefined;
  sweeper?.unref();
  // #endregion sweep

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;

  return {
    port: boundPort,
    url: `redis://${host}:${boundPort}`,
    table,
    unlogged,
    keyspace,
    /** How many times each command was called, since the start. */
    calls,
    connections: () => sockets.size,
    /** Reply bytes written but not yet taken by the kernel, all connections together. */
    queuedReplyBytes: () => [...sockets].reduce((sum, socket) => sum + socket.writableLength, 0),
    async close() {
      clearInterval(sweeper);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves once the socket's queued replies have gone to the kernel ('drain'), or it closed. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

export type RespServer = Awaited<ReturnType<typeof startRespServer>>;

/** A command's own error, or a failed query: `-ERR` and what Postgres said. */
function replyForFailure(failure: unknown): Buffer {
  if (failure instanceof CommandError) return error(failure.message);
  const message = (failure as Error).message ?? String(failure);
  return error(`ERR the database failed: ${message.replace(/[\r\n]+/g, ' ')}`);
}

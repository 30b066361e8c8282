// Connection and server commands: PING ECHO QUIT DBSIZE TIME INFO (SELECT and FLUSHDB are in
// databases.ts).

import type { CommandContext, CommandSpec } from '../engine.ts';
import { bulk, fail, latin1, OK, type Reply, SimpleString } from '../reply.ts';

const PONG = new SimpleString('PONG');

function info(ctx: CommandContext, argv: Buffer[]): Reply {
  const now = ctx.db.now();
  const uptime = Math.floor((now - ctx.engine.startedAt) / 1000);
  const memory = process.memoryUsage();
  const sections: Record<string, string[]> = {
    server: [
      'redis_version:7.0.0',
      'redis_mode:standalone',
      'kv_server_engine:workshop-kv-server',
      `os:${process.platform} ${process.arch}`,
      `process_id:${process.pid}`,
      `uptime_in_seconds:${uptime}`,
      `uptime_in_days:${Math.floor(uptime / 86400)}`,
      'hz:10',
    ],
    memory: [`used_memory:${memory.heapUsed}`, `used_memory_rss:${memory.rss}`],
    keyspace:
      ctx.db.size > 0 ? [`db0:keys=${ctx.db.size},expires=${ctx.db.expiresCount},avg_ttl=0`] : [],
  };
  const titles: Record<string, string> = {
    server: 'Server',
    memory: 'Memory',
    keyspace: 'Keyspace',
  };
  const asked = argv.slice(1).map((a) => latin1(a).toLowerCase());
  const wanted =
    asked.length === 0 || asked.some((a) => a === 'all' || a === 'default' || a === 'everything')
      ? Object.keys(sections)
      : Object.keys(sections).filter((name) => asked.includes(name));
  const text = wanted
    .map((name) => [`# ${titles[name]}`, ...(sections[name] ?? [])].join('\r\n'))
    .join('\r\n\r\n');
  return bulk(text === '' ? '' : `${text}\r\n`);
}

export const serverCommands: CommandSpec[] = [
  {
    name: 'ping',
    arity: -1,
    handler: (_ctx, argv) => {
      if (argv.length > 2) fail(`ERR wrong number of arguments for 'ping' command`);
      return argv[1] === undefined ? PONG : Buffer.from(argv[1]);
    },
  },
  { name: 'echo', arity: 2, handler: (_ctx, argv) => Buffer.from(argv[1]!) },
  {
    name: 'quit',
    arity: -1,
    transactionControl: true,
    handler: (ctx) => {
      ctx.session.closeRequested = true;
      return OK;
    },
  },
  { name: 'dbsize', arity: 1, handler: (ctx) => ctx.db.size },
  {
    name: 'time',
    arity: 1,
    handler: (ctx) => {
      const now = ctx.db.now();
      // Microseconds: the millisecond clock plus the sub-millisecond part of the monotonic one.
      const micros = (now % 1000) * 1000 + Math.floor((performance.now() % 1) * 1000);
      return [bulk(String(Math.floor(now / 1000))), bulk(String(micros))];
    },
  },
  { name: 'info', arity: -1, handler: info },
];

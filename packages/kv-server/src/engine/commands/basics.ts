// Connection and server commands: PING ECHO QUIT DBSIZE TIME (SELECT and FLUSHDB are in
// databases.ts, INFO and MEMORY in info.ts, CONFIG in config.ts).

import { bulk, fail, OK, SimpleString } from '../../protocol/reply.ts';
import type { CommandSpec } from '../engine.ts';

const PONG = new SimpleString('PONG');

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
];

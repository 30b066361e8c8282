// MULTI EXEC DISCARD WATCH UNWATCH. The queueing itself lives in Engine.execute: while a session
// is in MULTI every command except these is answered QUEUED and kept for EXEC.

import { fail, latin1, OK } from '../../protocol/reply.ts';
import type { CommandSpec } from '../engine.ts';

export const transactionCommands: CommandSpec[] = [
  {
    name: 'multi',
    arity: 1,
    transactionControl: true,
    handler: ({ session }) => {
      if (session.inMulti) fail('ERR MULTI calls can not be nested');
      session.inMulti = true;
      return OK;
    },
  },
  {
    name: 'exec',
    arity: 1,
    transactionControl: true,
    handler: ({ engine, session }) => {
      if (!session.inMulti) fail('ERR EXEC without MULTI');
      return engine.runQueued(session);
    },
  },
  {
    name: 'discard',
    arity: 1,
    transactionControl: true,
    handler: ({ engine, session }) => {
      if (!session.inMulti) fail('ERR DISCARD without MULTI');
      engine.resetMulti(session);
      engine.unwatchAll(session);
      return OK;
    },
  },
  {
    name: 'watch',
    arity: -2,
    transactionControl: true,
    handler: ({ engine, session }, argv) => {
      if (session.inMulti) fail('ERR WATCH inside MULTI is not allowed');
      for (let i = 1; i < argv.length; i++) engine.watch(session, latin1(argv[i]!));
      return OK;
    },
  },
  {
    name: 'unwatch',
    arity: 1,
    handler: ({ engine, session }) => {
      engine.unwatchAll(session);
      return OK;
    },
  },
];

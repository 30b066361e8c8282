// Every command family the engine implements. Each file exports a `CommandSpec[]`; this flat
// list is the whole command table (createEngine registers it).
import type { CommandSpec } from '../engine.ts';
import { keyspaceCommands } from './keyspace.ts';
import { serverCommands } from './server.ts';
import { stringCommands } from './strings.ts';
import { transactionCommands } from './transactions.ts';

export const allCommands: CommandSpec[] = [
  ...serverCommands,
  ...keyspaceCommands,
  ...stringCommands,
  ...transactionCommands,
];

// Every command family the engine implements. Each file exports a `CommandSpec[]`; this flat
// list is the whole command table (createEngine registers it).
import type { CommandSpec } from '../engine.ts';
import { scriptingCommands } from '../scripting/scripting.ts';
import { serverCommands } from './basics.ts';
import { bitmapCommands } from './bitmaps.ts';
import { blockingCommands } from './blocking.ts';
import { clientCommands } from './client.ts';
import { configCommands } from './config.ts';
import { databaseCommands } from './databases.ts';
import { dumpCommands } from './dump.ts';
import { geoCommands } from './geo.ts';
import { hashExpiryCommands } from './hash-expiry.ts';
import { hashCommands } from './hashes.ts';
import { hyperloglogCommands } from './hyperloglog.ts';
import { infoCommands } from './info.ts';
import { introspectionCommands } from './introspection.ts';
import { keyspaceCommands } from './keyspace.ts';
import { listCommands } from './lists.ts';
import { objectCommands } from './object.ts';
import { pubsubCommands } from './pubsub.ts';
import { setCommands } from './sets.ts';
import { sortCommands } from './sort.ts';
import { streamCommands } from './streams.ts';
import { stringCommands } from './strings.ts';
import { transactionCommands } from './transactions.ts';
import { zsetCommands } from './zsets.ts';

export const allCommands: CommandSpec[] = [
  ...serverCommands,
  ...configCommands,
  ...infoCommands,
  ...databaseCommands,
  ...keyspaceCommands,
  ...stringCommands,
  ...transactionCommands,
  ...hashCommands,
  ...listCommands,
  ...setCommands,
  ...zsetCommands,
  ...streamCommands,
  ...scriptingCommands,
  ...bitmapCommands,
  ...pubsubCommands,
  ...blockingCommands,
  ...hyperloglogCommands,
  ...geoCommands,
  ...sortCommands,
  ...introspectionCommands,
  ...clientCommands,
  ...objectCommands,
  ...hashExpiryCommands,
  ...dumpCommands,
];

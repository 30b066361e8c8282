// Rewrites the "Supported commands" table of README.md from the engine's command table.
//
//   pnpm --filter @workshop/kv-server commands:readme

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandTable, spliceTable } from './command-table.ts';

const file = join(import.meta.dirname, '..', 'README.md');
const before = readFileSync(file, 'utf8');
const after = spliceTable(before, commandTable());
if (after === before) console.log('README.md: the command table is up to date');
else {
  writeFileSync(file, after);
  console.log('README.md: command table rewritten');
}

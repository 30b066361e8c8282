// The README's command table is the engine's command table: a command added, removed or given
// another arity without `pnpm --filter @workshop/kv-server commands:readme` fails here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandTable, spliceTable } from '../scripts/command-table.ts';
import { allCommands } from '../src/engine/commands/index.ts';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README command table', () => {
  it('matches the engine command table', () => {
    const fresh = spliceTable(readme, commandTable());
    expect(
      fresh === readme,
      'README.md lists other commands than the engine has: run `pnpm --filter @workshop/kv-server commands:readme`',
    ).toBe(true);
  });

  it('follows a change of arity or a new command', () => {
    const get = allCommands.find((spec) => spec.name === 'get')!;
    const changed = commandTable([...allCommands, { ...get, arity: -2 }]);
    expect(changed).not.toBe(commandTable());
    expect(changed).toMatch(/\| `GET` +\| 2 or more +\| string +\|/);
    const added = commandTable([...allCommands, { ...get, name: 'getnothing' }]);
    expect(added).toMatch(/\| `GETNOTHING` +\| 2 +\| generic +\|/);
    expect(added.split('\n').length).toBe(commandTable().split('\n').length + 1);
  });

  it('refuses a README without the markers', () => {
    expect(() => spliceTable('# no table here\n', commandTable())).toThrow(/commands:readme/);
  });
});

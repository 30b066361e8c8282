// Snapshot misuse through the `kv-server` command (issue 9): a folder that does not exist, and
// two servers on one file. Both are refused at start with a message naming the fix, and the
// running server's data is never overwritten.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { rest, startServer } from './process.ts';

const dir = mkdtempSync(join(tmpdir(), 'kv-hostile-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('refuses --snapshot into a folder that does not exist, naming it', async () => {
  const folder = join(dir, 'missing');
  await expect(startServer(['--snapshot', join(folder, 'data.snapshot')])).rejects.toThrow(
    `The snapshot folder ${folder} does not exist, so no save could succeed: create it (mkdir -p ${folder})`,
  );
});

it('refuses a second server on the same snapshot file; the first keeps its data', async () => {
  const file = join(dir, 'shared.snapshot');
  const first = await startServer(['--snapshot', file]);
  try {
    expect(await rest(first, ['set', 'acked', 'value'])).toEqual({ result: 'OK' });
    await expect(startServer(['--snapshot', file])).rejects.toThrow(
      new RegExp(
        `in use by kv-server process ${first.child.pid} \\(REST port ${first.restPort}\\)`,
      ),
    );
    expect(await rest(first, ['get', 'acked'])).toEqual({ result: 'value' });
  } finally {
    expect(await first.stop()).toBe(0);
  }
  const again = await startServer(['--snapshot', file]);
  try {
    expect(await rest(again, ['get', 'acked'])).toEqual({ result: 'value' });
  } finally {
    await again.stop();
  }
});

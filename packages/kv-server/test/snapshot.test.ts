// Engine mode with a snapshot file: the data survives a restart, saved on close (as the CLI
// does on Ctrl+C) and on the interval; a server that fails to start leaves the file alone.

import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import { afterAll, expect, it } from 'vitest';
import { startKvServer } from '../src/start.ts';
import { TOKEN } from './servers.ts';

const dir = mkdtempSync(join(tmpdir(), 'kv-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps the data across a restart', async () => {
  const file = join(dir, 'restart.snapshot');
  const first = await startKvServer({ token: TOKEN, snapshotFile: file });
  const redis = new Redis({ url: first.restUrl, token: TOKEN });
  await redis.set('greeting', 'hello');
  await redis.hset('user:1', { name: 'Ada' });
  await redis.set('short', 'lived', { ex: 1000 });
  await first.close();

  const second = await startKvServer({ token: TOKEN, snapshotFile: file });
  try {
    const again = new Redis({ url: second.restUrl, token: TOKEN });
    expect(await again.get('greeting')).toBe('hello');
    expect(await again.hgetall('user:1')).toEqual({ name: 'Ada' });
    expect(await again.ttl('short')).toBeGreaterThan(990);
  } finally {
    await second.close();
  }
});

it('saves on the interval while running', async () => {
  const file = join(dir, 'interval.snapshot');
  const server = await startKvServer({ token: TOKEN, snapshotFile: file, snapshotIntervalMs: 100 });
  try {
    await new Redis({ url: server.restUrl, token: TOKEN }).set('k', 'v');
    await new Promise((r) => setTimeout(r, 400));
    // A copy of the file, loaded while the first server still runs, has the saved key (the
    // file itself is locked by the running server).
    const copy = join(dir, 'interval-copy.snapshot');
    copyFileSync(file, copy);
    const reader = await startKvServer({ token: TOKEN, snapshotFile: copy, respPort: false });
    try {
      expect(await new Redis({ url: reader.restUrl, token: TOKEN }).get('k')).toBe('v');
    } finally {
      await reader.close();
    }
  } finally {
    await server.close();
  }
});

it('does not overwrite the snapshot when it cannot start (port in use)', async () => {
  const file = join(dir, 'busy.snapshot');
  const running = await startKvServer({ token: TOKEN, snapshotFile: file });
  await running.close(); // writes the file
  const before = statSync(file).mtimeMs;
  const blocker = await startKvServer({ token: TOKEN, respPort: false });
  try {
    await expect(
      startKvServer({ token: TOKEN, restPort: blocker.restPort, snapshotFile: file }),
    ).rejects.toThrow(`Port ${blocker.restPort}`);
    expect(statSync(file).mtimeMs).toBe(before);
  } finally {
    await blocker.close();
  }
});

it('refuses to start when the snapshot folder is missing or not writable, naming the fix', async () => {
  const missing = join(dir, 'no-such-folder', 'data.snapshot');
  await expect(startKvServer({ token: TOKEN, snapshotFile: missing })).rejects.toThrow(
    `The snapshot folder ${join(dir, 'no-such-folder')} does not exist`,
  );
  const readOnly = join(dir, 'read-only');
  mkdirSync(readOnly);
  chmodSync(readOnly, 0o500);
  try {
    // root can write anywhere: the check is only meaningful for other users.
    if (process.getuid?.() !== 0) {
      await expect(
        startKvServer({ token: TOKEN, snapshotFile: join(readOnly, 'data.snapshot') }),
      ).rejects.toThrow(/is not writable by this user/);
    }
  } finally {
    chmodSync(readOnly, 0o700);
  }
});

it('lets one server use a snapshot file at a time', async () => {
  const file = join(dir, 'shared.snapshot');
  const first = await startKvServer({ token: TOKEN, snapshotFile: file, respPort: false });
  try {
    await expect(
      startKvServer({ token: TOKEN, snapshotFile: file, respPort: false }),
    ).rejects.toThrow(
      `The snapshot file ${file} is in use by kv-server process ${process.pid} (REST port ${first.restPort})`,
    );
  } finally {
    await first.close();
  }
  expect(existsSync(`${file}.lock`)).toBe(false);
  // Released at close: the next server takes it.
  const next = await startKvServer({ token: TOKEN, snapshotFile: file, respPort: false });
  await next.close();
});

it('reports a failed save at close with the data still in memory, and saves on a retry', async () => {
  const folder = join(dir, 'vanishing');
  mkdirSync(folder);
  const file = join(folder, 'data.snapshot');
  const server = await startKvServer({ token: TOKEN, snapshotFile: file, respPort: false });
  await new Redis({ url: server.restUrl, token: TOKEN }).set('precious', 'yes');
  rmSync(folder, { recursive: true });
  await expect(server.close()).rejects.toThrow(
    /Could not save the snapshot to .* The 1 keys are still in memory/,
  );
  mkdirSync(folder);
  await server.close();
  const again = await startKvServer({ token: TOKEN, snapshotFile: file, respPort: false });
  try {
    expect(await new Redis({ url: again.restUrl, token: TOKEN }).get('precious')).toBe('yes');
  } finally {
    await again.close();
  }
});

// Engine mode with a snapshot file: the data survives a restart, saved on close (as the CLI
// does on Ctrl+C) and on the interval; a server that fails to start leaves the file alone.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import { afterAll, expect, it } from 'vitest';
import { startKvServer } from '../src/server.ts';
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
    // A second server loading the file while the first still runs sees the saved key.
    const reader = await startKvServer({ token: TOKEN, snapshotFile: file, respPort: false });
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

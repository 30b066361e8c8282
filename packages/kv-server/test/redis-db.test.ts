// redis-db.ts's turns: a file holds a Redis database number until it lets go, and another process
// asking for it waits until then.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockRedisDb, releaseRedisDb } from './redis-db.ts';

// Not a real database number: only its lock file is used.
const DB = 900 + (process.pid % 90);
const LOCK = join(tmpdir(), `workshop-kv-redis-db${DB}.pid-lock`);

/** A second process that takes the same lock, prints when it has it, and lets go at once. */
function otherProcess() {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `const m = await import(${JSON.stringify(new URL('./redis-db.ts', import.meta.url).href)});
       console.log('waiting'); await m.lockRedisDb(${DB}); console.log('held');
       m.releaseRedisDb(${DB});`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { output: () => out, exited };
}

describe('Redis database turns', () => {
  it('are held until the last release of this process, and make another process wait', async () => {
    await lockRedisDb(DB);
    await lockRedisDb(DB); // a second server of the same file
    const other = otherProcess();
    releaseRedisDb(DB);
    expect(JSON.parse(readFileSync(LOCK, 'utf8')).pid, 'one release of two keeps it').toBe(
      process.pid,
    );
    await expect.poll(other.output, { timeout: 20_000 }).toBe('waiting\n');
    await new Promise((resolve) => setTimeout(resolve, 500)); // it polls every 50 ms
    expect(other.output(), 'the other process waits while this one holds it').toBe('waiting\n');
    releaseRedisDb(DB);
    await other.exited;
    expect(other.output()).toBe('waiting\nheld\n');
    expect(existsSync(LOCK), 'released by its last holder').toBe(false);
  }, 30_000);
});

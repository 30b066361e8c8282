// The one pid lock (data folders, the stack, the test template, kv-server snapshots). Races between
// processes are in packages/db/test/embedded-postgres.test.ts; here, what a lock file's owner means.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPidLock, releasePidLock, takePidLock, updatePidLock } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'pid-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `lock-${++n}.json`);

describe('pid lock', () => {
  it('is taken once: a second take, even in this process, gets the holder', () => {
    const file = freshFile();
    expect(takePidLock(file, { port: 1 })).toBeUndefined();
    expect(takePidLock(file, { port: 2 })).toEqual({ port: 1, pid: process.pid });
    updatePidLock(file, { port: 3 });
    expect(readPidLock(file)).toEqual({ port: 3, pid: process.pid });
    releasePidLock(file);
    expect(existsSync(file)).toBe(false);
    expect(readPidLock(file)).toBeUndefined();
  });

  it("leaves a live process's lock alone, and says who holds it", () => {
    const file = freshFile();
    const theirs = JSON.stringify({ pid: process.ppid, port: 9 });
    writeFileSync(file, theirs);
    expect(takePidLock(file, {})).toEqual({ pid: process.ppid, port: 9 });
    updatePidLock(file, { port: 1 });
    releasePidLock(file);
    expect(readFileSync(file, 'utf8')).toBe(theirs);
  });

  it('takes over a lock of a process that is gone, or one that names us but is not ours', () => {
    for (const stale of [{ pid: 2 ** 22 + 1 }, { pid: process.pid }, 'not json']) {
      const file = freshFile();
      writeFileSync(file, typeof stale === 'string' ? stale : JSON.stringify(stale));
      expect(readPidLock(file)).toBeUndefined();
      expect(takePidLock(file, { kind: 'test' })).toBeUndefined();
      expect(readPidLock(file)).toEqual({ kind: 'test', pid: process.pid });
      releasePidLock(file);
    }
  });
});

// `pnpm check <n>` while `pnpm stack` runs, end to end: the check goes to the test runner the
// stack keeps (src/check-server.ts; check-server.test.ts tests the runner itself), and runs on its
// own whenever that runner is not there to answer.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataFolder, interrupt, runCli, startCli, stopLeftovers } from './cli.ts';

afterEach(stopLeftovers);

const WARM = 'In the test runner `pnpm stack` keeps warm';
const WINDOWS = process.platform === 'win32';

describe.sequential('pnpm check while pnpm stack runs', { timeout: 120_000 }, () => {
  it('checks a lesson in the stack’s test runner, stops a check on Ctrl-C, keeps vitest args for a vitest of their own, and removes the socket on Ctrl-C', async () => {
    const { dir, lockFile, env: stackEnv, stopWithCtrlC } = dataFolder();
    const env = await stackEnv();
    const stack = startCli(['stack'], env);
    await stack.waitFor(/Press Ctrl-C/, 80_000);
    const socket = JSON.parse(readFileSync(lockFile, 'utf8')).checkSocket;
    // A named pipe on Windows; a socket in the data folder elsewhere.
    if (WINDOWS) expect(socket).toMatch(/^\\\\\.\\pipe\\workshop-check-/);
    else expect(socket).toBe(join(dir, 'check.sock'));

    // Ctrl-C while the first check waits for the runner to start: exit 130, and the runner
    // carries on serving the checks after it. (Windows has no Ctrl-C to send to one process.)
    if (!WINDOWS) {
      const interrupted = startCli(['check', '1'], env);
      await interrupted.waitFor(/keeps warm/, 60_000);
      interrupt(interrupted.child);
      expect(await interrupted.exited, interrupted.output()).toBe(130);
    }

    for (let i = 0; i < 2; i++) {
      const check = await runCli(['check', '1'], env);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain(WARM);
      expect(check.stdout).toContain('Lesson 1 checks out.');
      expect(check.stdout, 'no terminal here: no colors').not.toContain('\x1b[');
    }
    const filtered = await runCli(['check', '1', '-t', 'never set'], env);
    expect(filtered.code, filtered.stdout + filtered.stderr).toBe(0);
    expect(filtered.stdout).not.toContain(WARM);

    await stopWithCtrlC(stack);
    if (!WINDOWS) expect(existsSync(socket)).toBe(false);
  });

  it('runs a check on its own when the stack’s lock names a socket nobody answers on', async () => {
    const { dir, lockFile, env: stackEnv } = dataFolder();
    const env = await stackEnv();
    // A live pid (this test's) and a socket that is not there: a stack that lost it.
    writeFileSync(
      lockFile,
      JSON.stringify({
        pid: process.pid,
        kind: 'stack',
        host: '127.0.0.1',
        checkSocket: join(dir, 'gone.sock'),
      }),
    );
    try {
      const check = await runCli(['check', '1'], env);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).not.toContain(WARM);
      expect(check.stdout).toContain('Lesson 1 checks out.');
    } finally {
      rmSync(lockFile, { force: true });
    }
  });
});

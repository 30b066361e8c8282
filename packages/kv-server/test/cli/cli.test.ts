// The `kv-server` command as a person runs it: it prints where it listens, serves, stops on
// SIGTERM, and a taken port is one line naming the port and the flag, with exit code 1.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/kv-server.mjs', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects stdout until `pattern` appears (and keeps the pipe open: the child still writes). */
function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      if (pattern.test(out)) resolve(out);
    });
    child.once('exit', () =>
      reject(new Error(`kv-server exited before printing ${pattern}:\n${out}`)),
    );
  });
}

it('prints its URLs and token, serves REST and RESP, and stops cleanly on SIGTERM', async () => {
  const child = run(['--rest-port', '0', '--resp-port', '0'], { KV_TOKEN: 'from-env' });
  try {
    const out = await waitFor(child, /Ctrl\+C/);
    const restUrl = /Upstash REST\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const respUrl = /Redis \(RESP\)\s+(redis:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(out).toMatch(/REST token\s+from-env/);
    expect(restUrl).toBeDefined();
    expect(respUrl).toBeDefined();
    const res = await fetch(`${restUrl}/ping`, { headers: { Authorization: 'Bearer from-env' } });
    expect(await res.json()).toEqual({ result: 'PONG' });
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
});

it('saves the snapshot on SIGINT and loads it at the next start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kv-cli-'));
  const file = join(dir, 'data.snapshot');
  const url = async (child: ChildProcess) =>
    /Upstash REST\s+(\S+)/.exec(await waitFor(child, /Ctrl\+C/))?.[1] ?? '';
  const auth = { Authorization: 'Bearer t' };
  try {
    const first = run(['--rest-port', '0', '--resp-port', 'off', '--token', 't'], {
      KV_SNAPSHOT: file,
    });
    const firstUrl = await url(first);
    await fetch(`${firstUrl}/set/kept/across-restarts`, { headers: auth });
    first.kill('SIGINT');
    const [code] = await once(first, 'exit');
    expect(code).toBe(0);

    const second = run([
      '--rest-port',
      '0',
      '--resp-port',
      'off',
      '--token',
      't',
      '--snapshot',
      file,
    ]);
    try {
      const res = await fetch(`${await url(second)}/get/kept`, { headers: auth });
      expect(await res.json()).toEqual({ result: 'across-restarts' });
    } finally {
      second.kill('SIGTERM');
      await once(second, 'exit');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('generates a token when none is given', async () => {
  const child = run(['--rest-port', '0', '--resp-port', 'off']);
  try {
    const out = await waitFor(child, /Ctrl\+C/);
    const token = /REST token\s+(\S+)/.exec(out)?.[1] ?? '';
    expect(token.length).toBeGreaterThanOrEqual(24);
    expect(out).not.toMatch(/Redis \(RESP\)/);
  } finally {
    child.kill('SIGTERM');
  }
  await once(child, 'exit');
});

it('exits 1 with one line naming a taken port and the flag to change it', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const child = run(['--rest-port', String(port), '--resp-port', '0']);
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Port ${port}`);
    expect(lines[0]).toContain('--rest-port');
  } finally {
    blocker.close();
  }
});

it('rejects a bad flag with a usage line', async () => {
  const child = run(['--rest-port', 'eighty']);
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const [code] = await once(child, 'exit');
  expect(code).toBe(2);
  expect(stderr).toMatch(/--rest-port \/ KV_REST_PORT must be a port number/);
});

it('takes the limits with Redis units and refuses a bad one with a usage line', async () => {
  const child = run(['--client-query-buffer-limit', '64 fathoms']);
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const [code] = await once(child, 'exit');
  expect(code).toBe(2);
  expect(stderr).toMatch(/--client-query-buffer-limit must be a size such as 64mb/);
});

it('warns loudly when the Redis port is bound beyond loopback without a password', async () => {
  const child = run([
    '--host',
    '0.0.0.0',
    '--rest-port',
    '0',
    '--resp-port',
    '0',
    '--maxclients',
    '5',
    '--client-query-buffer-limit',
    '1mb',
  ]);
  try {
    const out = await waitFor(child, /Ctrl\+C/);
    expect(out).toMatch(
      /WARNING: the Redis port listens on a non-loopback address WITHOUT a password/,
    );
  } finally {
    child.kill('SIGTERM');
  }
  await once(child, 'exit');
});

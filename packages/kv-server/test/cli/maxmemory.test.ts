// `kv-server --maxmemory 50mb --maxmemory-policy allkeys-lru` as a person runs it: the limit is
// what CONFIG GET and INFO then report, and a bad value is a usage line with exit code 2.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/kv-server.mjs', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function stderrAndCode(child: ChildProcess): Promise<{ stderr: string; code: number }> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const [code] = await once(child, 'exit');
  return { stderr, code: code as number };
}

it('starts with the limit and policy given, in Redis units', async () => {
  const child = run(['--rest-port', '0', '--resp-port', 'off', '--token', 't'], {
    KV_MAXMEMORY: '50mb',
    KV_MAXMEMORY_POLICY: 'allkeys-lru',
  });
  try {
    const out = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (chunk) => {
        text += String(chunk);
        if (text.includes('Ctrl+C')) resolve(text);
      });
      child.once('exit', () => reject(new Error(`exited:\n${text}`)));
    });
    const restUrl = /Upstash REST\s+(\S+)/.exec(out)?.[1];
    const call = async (...argv: string[]) => {
      const res = await fetch(`${restUrl}`, {
        method: 'POST',
        headers: { Authorization: 'Bearer t' },
        body: JSON.stringify(argv),
      });
      return ((await res.json()) as { result: unknown }).result;
    };
    expect(await call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '52428800']);
    expect(await call('CONFIG', 'GET', 'maxmemory-policy')).toEqual([
      'maxmemory-policy',
      'allkeys-lru',
    ]);
    expect(String(await call('INFO', 'memory'))).toMatch(/maxmemory_human:50\.00M/);
  } finally {
    child.kill('SIGTERM');
  }
  await once(child, 'exit');
});

it('refuses a bad size or policy with a usage line', async () => {
  const size = await stderrAndCode(run(['--maxmemory', '50 megs']));
  expect(size.code).toBe(2);
  expect(size.stderr).toMatch(/--maxmemory \/ KV_MAXMEMORY must be a size such as 256mb/);
  const policy = await stderrAndCode(run(['--maxmemory-policy', 'sometimes']));
  expect(policy.code).toBe(2);
  expect(policy.stderr).toMatch(/--maxmemory-policy \/ KV_MAXMEMORY_POLICY must be one of/);
});

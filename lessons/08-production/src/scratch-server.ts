// Servers of our own for the experiments that change server settings. `CONFIG SET maxmemory`
// and an eviction policy apply to the whole server: on a shared one they would evict other
// people's keys (and the view counters of this very wiki). So the memory demos, and the
// checkpoints, fill a throwaway server: the workshop's engine, and a real valkey-server (or
// redis-server) when one is installed, on a Unix socket in a temporary folder, saving nothing.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKvServer } from '@workshop/kv-server';

export interface ScratchServer {
  /** What it is, for printed figures: "the workshop engine", "valkey-server 8.0.1". */
  name: string;
  /** For iovalkey: a redis:// URL, or the path of a Unix socket. */
  url: string;
  close(): Promise<void>;
}

/** The workshop's engine (packages/kv-server), RESP only, in this process. */
export async function startScratchEngine(): Promise<ScratchServer> {
  const server = await startKvServer({ restPort: 0, respPort: 0 });
  return { name: 'the workshop engine', url: server.respUrl ?? '', close: () => server.close() };
}

/** The version of `program` (valkey-server, redis-server), or null when it is not installed. */
export function installedVersion(program: string): string | null {
  const run = spawnSync(program, ['--version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) return null;
  return run.stdout.match(/v=(\S+)/)?.[1] ?? 'unknown';
}

/** A real server of its own (`valkey-server` or `redis-server`), on a socket, saving nothing. */
export async function startScratchProgram(program: string): Promise<ScratchServer> {
  const version = installedVersion(program);
  if (version === null) throw new Error(`${program} is not installed (or not on the PATH).`);
  const dir = mkdtempSync(join(tmpdir(), 'lesson-08-'));
  const socket = join(dir, 'server.sock');
  const child: ChildProcess = spawn(
    program,
    ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  // Ready when it says so ("Ready to accept connections"); gone if it exits first.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${program} did not start: ${output}`)),
      10_000,
    );
    const check = () => {
      if (output.includes('eady to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${program} exited (${code}) before it was ready: ${output}`));
    });
  });
  return {
    name: `${program} ${version}`,
    url: socket,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

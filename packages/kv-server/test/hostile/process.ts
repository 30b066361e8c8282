// A kv-server in a process of its own (the `kv-server` command, as a learner runs it), for the
// hostile suite: an attack that crashed it, or grew it without bound, shows up as a dead process
// or a high RSS, not as a broken test runner.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/kv-server.mjs', import.meta.url));

export const TOKEN = 'hostile-test-token';
export const AUTH = { Authorization: `Bearer ${TOKEN}` };

export interface ServerProcess {
  child: ChildProcess;
  restUrl: string;
  restPort: number;
  respPort: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resident memory of the server process, in MB. */
  rssMb(): number;
  stop(): Promise<number | null>;
}

export async function startServer(args: string[] = []): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, '--rest-port', '0', '--resp-port', '0', '--token', TOKEN, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk) => {
    out += String(chunk);
  });
  child.stderr!.on('data', (chunk) => {
    out += String(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/Ctrl\+C/.test(out)) resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`kv-server exited (${code}):\n${out}`)));
  });
  const restUrl = /Upstash REST\s+(\S+)/.exec(out)![1]!;
  const respPort = Number(/Redis \(RESP\)\s+redis:\/\/[^:]+:(\d+)/.exec(out)![1]);
  return {
    child,
    restUrl,
    restPort: Number(new URL(restUrl).port),
    respPort,
    output: () => out,
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code as number | null;
    },
  };
}

/** Prints the server's RSS after an attack, for the report, and checks it is still running. */
export function reportRss(server: ServerProcess, attack: string): number {
  expect(server.child.exitCode, `kv-server died during: ${attack}`).toBeNull();
  const rss = server.rssMb();
  console.log(`[hostile] ${attack}: RSS ${rss} MB`);
  return rss;
}

/** A raw TCP connection with everything it received and whether it was closed. */
export interface Raw {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  isClosed(): boolean;
}

export function rawConnect(port: number, host = '127.0.0.1'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let data = '';
    let done = false;
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
    });
    const closed = new Promise<void>((r) => {
      socket.on('close', () => {
        done = true;
        r();
      });
    });
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({ socket, received: () => data, closed, isClosed: () => done }),
    );
    socket.once('error', reject);
  });
}

/** One command over a fresh RESP connection; the raw reply text. Fails after `withinMs`. */
export async function respCommand(port: number, line: string, withinMs = 2000): Promise<string> {
  const raw = await rawConnect(port);
  try {
    raw.socket.write(`${line}\r\n`);
    const deadline = Date.now() + withinMs;
    while (!/\r\n/.test(raw.received())) {
      if (Date.now() > deadline) throw new Error(`no reply to ${line} within ${withinMs} ms`);
      if (raw.isClosed()) throw new Error(`connection closed before a reply to ${line}`);
      await sleep(5);
    }
    // Bulk replies: wait for the payload too.
    const bulk = /^\$(\d+)\r\n/.exec(raw.received());
    while (bulk && raw.received().length < bulk[0].length + Number(bulk[1]) + 2) await sleep(5);
    return raw.received();
  } finally {
    raw.socket.destroy();
  }
}

/** Sends a REST command with the token; the JSON body. */
export async function rest(server: ServerProcess, argv: unknown[]): Promise<unknown> {
  const res = await fetch(server.restUrl, {
    method: 'POST',
    headers: AUTH,
    body: JSON.stringify(argv),
    signal: AbortSignal.timeout(3000),
  });
  return res.json();
}

/** Resolves when `condition` holds, polling; fails after `withinMs`. */
export async function eventually(
  condition: () => boolean,
  withinMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw HTTP request on a fresh connection; the whole response text. */
export async function rawHttp(port: number, request: string, withinMs = 3000): Promise<string> {
  const raw = await rawConnect(port);
  raw.socket.write(request);
  await Promise.race([raw.closed, sleep(withinMs)]);
  raw.socket.destroy();
  return raw.received();
}

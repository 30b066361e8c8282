// A web page cannot read or change the local kv-server (issue 9): in Debian's Chromium, a page
// served from another port tries fetch with the token (simple POST and GET, the token in the URL,
// preflighted requests with the Authorization header), and a page whose host name resolves to
// 127.0.0.1 (DNS rebinding) tries the same from the kv-server's own origin. Every attempt fails
// and the key is unchanged. The kv-server runs as the `kv-server` command, a process of its own.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from './global-setup.ts';

const KV_BIN = fileURLToPath(
  new URL('../../../packages/kv-server/bin/kv-server.mjs', import.meta.url),
);
const TOKEN = 'cross-origin-test-token';

let kv: ChildProcess;
let kvUrl: string;
let kvPort: number;
let pageServer: Server;
let pageOrigin: string;
let browser: Browser;

beforeAll(async () => {
  kv = spawn(
    process.execPath,
    [KV_BIN, '--rest-port', '0', '--resp-port', 'off', '--token', TOKEN],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  kv.stdout?.on('data', (chunk) => {
    out += String(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    kv.stdout?.on('data', () => {
      if (/Ctrl\+C/.test(out)) resolve();
    });
    kv.once('exit', (code) => reject(new Error(`kv-server exited (${code}):\n${out}`)));
  });
  kvUrl = /Upstash REST\s+(\S+)/.exec(out)?.[1] ?? '';
  kvPort = Number(new URL(kvUrl).port);
  await command(['set', 'victim', 'intact']);

  // The attacker's page: another port of the same machine, so another origin.
  pageServer = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>attacker</title><p>hello</p>');
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

  browser = await launchChromium([
    // DNS rebinding: a name of the attacker's that now resolves to this machine.
    '--host-resolver-rules=MAP rebound.attacker.test 127.0.0.1',
  ]);
});

afterAll(async () => {
  await browser?.close();
  pageServer?.close();
  if (kv && kv.exitCode === null) {
    kv.kill('SIGTERM');
    await once(kv, 'exit');
  }
});

/** A command from this test process (no Origin): the legitimate client. */
async function command(argv: unknown[]): Promise<unknown> {
  const res = await fetch(kvUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(argv),
  });
  return ((await res.json()) as { result?: unknown }).result;
}

/** What the page's fetch calls got: each a readable body, or the error that stopped it. */
type Attempts = Record<string, string>;

/** Runs in the page: every way a page might try, each reported as what it could read. */
async function attack({ kv, token }: { kv: string; token: string }): Promise<Attempts> {
  const bearer = { Authorization: `Bearer ${token}` };
  const tries: Record<string, () => Promise<Response>> = {
    'simple POST, token in the URL': () =>
      fetch(`${kv}/set/victim/pwned?_token=${token}`, { method: 'POST' }),
    'simple POST body, token in the URL': () =>
      fetch(`${kv}/?_token=${token}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: '["set","victim","pwned"]',
      }),
    'no-cors POST flushall': () =>
      fetch(`${kv}/flushall?_token=${token}`, { method: 'POST', mode: 'no-cors' }),
    'GET, token in the URL': () => fetch(`${kv}/get/victim?_token=${token}`),
    'preflighted POST with the Authorization header': () =>
      fetch(`${kv}/set/victim/pwned`, { method: 'POST', headers: bearer }),
    'preflighted GET with the Authorization header': () =>
      fetch(`${kv}/get/victim`, { headers: bearer }),
    'preflighted JSON POST flushall': () =>
      fetch(`${kv}/`, {
        method: 'POST',
        headers: { ...bearer, 'Content-Type': 'application/json' },
        body: '["flushall"]',
      }),
  };
  const results: Attempts = {};
  for (const [name, attempt] of Object.entries(tries)) {
    try {
      const res = await attempt();
      // An opaque (no-cors) response cannot be read: type 'opaque', status 0, empty body.
      results[name] = `read ${res.type} ${res.status}: ${await res.text()}`;
    } catch (error) {
      results[name] = `failed: ${(error as Error).name}`;
    }
  }
  return results;
}

it('a page on another origin cannot read or change anything, token or not', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${pageOrigin}/`);
    const results = await page.evaluate(attack, { kv: kvUrl, token: TOKEN });
    for (const [name, result] of Object.entries(results)) {
      expect(result, name).toMatch(/^(failed: TypeError|read opaque 0: )$/);
    }
  } finally {
    await page.close();
  }
  expect(await command(['get', 'victim'])).toBe('intact');
  expect(await command(['dbsize'])).toBe(1);
});

it('a page reached through DNS rebinding (same origin as the kv-server) is refused by Host', async () => {
  const page = await browser.newPage();
  const origin = `http://rebound.attacker.test:${kvPort}`;
  try {
    // The attacker's server answered the first lookup with this page; the name now resolves
    // to 127.0.0.1, so the page's own-origin requests reach the kv-server.
    await page.route(`${origin}/`, (route) =>
      route.request().isNavigationRequest()
        ? route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>rebound</title>' })
        : route.continue(),
    );
    await page.goto(`${origin}/`);
    const results = await page.evaluate(attack, { kv: origin, token: TOKEN });
    for (const [name, result] of Object.entries(results)) {
      // Same origin: the page could read the responses, and each one is the 403 or 401 refusal.
      expect(result, name).toMatch(/^(failed: TypeError|read (basic|opaque) (0|401|403): .*)$/);
      expect(result, name).not.toMatch(/"result"/);
    }
  } finally {
    await page.close();
  }
  expect(await command(['get', 'victim'])).toBe('intact');
  expect(await command(['dbsize'])).toBe(1);
});

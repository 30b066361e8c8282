// The attacks of issue 9 at their full size, against a kv-server process with the default
// limits (as `pnpm stack` runs it), printing the server's RSS after each and how long a
// legitimate client waited. test/hostile/ checks the behaviour with scaled-down limits; this
// measures the real thing. About a minute; run it on a quiet machine:
//
//   pnpm --filter @workshop/kv-server exec tsx bench/hostile.ts

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/kv-server.mjs', import.meta.url));
const TOKEN = 'bench-hostile-token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const child = spawn(
  process.execPath,
  [BIN, '--rest-port', '0', '--resp-port', '0', '--token', TOKEN],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
child.stdout.on('data', (chunk) => {
  out += String(chunk);
});
while (!/Ctrl\+C/.test(out)) {
  if (child.exitCode !== null) throw new Error(out);
  await sleep(20);
}
const restUrl = /Upstash REST\s+(\S+)/.exec(out)?.[1] ?? '';
const restPort = Number(new URL(restUrl).port);
const respPort = Number(/Redis \(RESP\)\s+redis:\/\/[^:]+:(\d+)/.exec(out)?.[1]);

const rssMb = () =>
  Math.round(
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024,
  );

interface Conn {
  socket: Socket;
  data: string;
  closed: boolean;
}

function open(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const conn: Conn = { socket, data: '', closed: false };
    socket.on('data', (chunk: Buffer) => {
      conn.data += chunk.toString('latin1').slice(0, 200);
    });
    socket.on('close', () => {
      conn.closed = true;
    });
    socket.on('error', () => {});
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

/** PING round trip of a fresh legitimate connection, in ms (or 'no answer'). */
async function ping(): Promise<string> {
  const started = performance.now();
  const conn = await open(respPort).catch(() => undefined);
  if (!conn) return 'refused';
  conn.socket.write('PING\r\n');
  while (!conn.data.includes('\r\n') && performance.now() - started < 5000) await sleep(2);
  conn.socket.destroy();
  return conn.data.startsWith('+PONG')
    ? `${(performance.now() - started).toFixed(1)} ms`
    : 'no answer';
}

async function restGet(): Promise<string> {
  const res = await fetch(`${restUrl}/get/acked`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(5000),
  });
  return `${res.status} ${await res.text()}`;
}

const rows: string[][] = [];
const record = async (attack: string, detail: string) => {
  rows.push([attack, `${rssMb()} MB`, await ping(), detail]);
  console.log(rows.at(-1)?.join(' | '));
};

await restGet(); // warm up
await fetch(restUrl, {
  method: 'POST',
  headers: { Authorization: `Bearer ${TOKEN}` },
  body: '["set","acked","value"]',
});
await record('idle server', '');

// 1. 520 connections announcing a 1M-element array, then waiting.
{
  const conns: Conn[] = [];
  for (let i = 0; i < 520; i++) {
    const conn = await open(respPort);
    conn.socket.write('*1048576\r\n');
    conns.push(conn);
  }
  await sleep(3000);
  await record('520 x *1048576, waiting 3 s', `${conns.filter((c) => c.closed).length} closed`);
  for (const c of conns) c.socket.destroy();
}

// 2. 20 connections each sending 60 MB of an unfinished 61 MB bulk string.
{
  const conns: Conn[] = [];
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  for (let i = 0; i < 20; i++) {
    const conn = await open(respPort);
    conn.socket.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${61 * 1024 * 1024}\r\n`);
    conns.push(conn);
  }
  for (let mb = 0; mb < 60; mb++) {
    for (const conn of conns) if (!conn.closed) conn.socket.write(chunk);
    await sleep(5);
  }
  await sleep(1000);
  const refused = conns.filter((c) => c.data.includes('too much unfinished input')).length;
  await record('20 x 60 MB of an unfinished bulk string', `${refused} refused over --max-buffered`);
  for (const c of conns) c.socket.destroy();
}

// 3. 150 unfinished 9 MB REST bodies (8 MB sent each).
{
  const conns: Conn[] = [];
  const chunk = Buffer.alloc(1024 * 1024, 'z');
  for (let i = 0; i < 150; i++) {
    const conn = await open(restPort);
    conn.socket.write(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${9 * 1024 * 1024}\r\n\r\n`,
    );
    conns.push(conn);
  }
  for (let mb = 0; mb < 8; mb++) {
    for (const conn of conns) if (!conn.closed) conn.socket.write(chunk);
    await sleep(20);
  }
  await sleep(1000);
  const busy = conns.filter((c) => c.data.startsWith('HTTP/1.1 503')).length;
  await record(
    '150 unfinished 9 MB REST bodies',
    `${busy} answered 503; REST: ${(await restGet()).slice(0, 40)}`,
  );
  for (const c of conns) c.socket.destroy();
}

// 4. 9,600 idle connections to each port: together past the machine's 20,000 descriptors, where
// every new connection used to be reset. maxclients (fitted to ulimit -n) refuses them instead.
{
  const resp: Conn[] = [];
  const rest: Conn[] = [];
  for (let i = 0; i < 9_600; i++) {
    resp.push(await open(respPort));
    rest.push(await open(restPort));
  }
  await sleep(500);
  const refused = resp.filter((c) => c.data.startsWith('-ERR max number of clients reached'));
  const late = await fetch(`${restUrl}/ping`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    .then((res) => `${res.status}`)
    .catch((error: Error) => error.message);
  // A new client is refused too while they are open: that is maxclients.
  await record(
    '9,600 idle connections on each port',
    `RESP: ${refused.length} got max number of clients reached; a new REST request: ${late}`,
  );
  for (const c of [...resp, ...rest]) c.socket.destroy();
  await sleep(1000);
}

// 5. A web page: POST /flushall?_token= with a foreign Origin and Host; HTTP to the RESP port.
{
  const res = await fetch(`${restUrl}/flushall?_token=${TOKEN}`, {
    method: 'POST',
    headers: { Origin: 'http://attacker.example', Host: 'attacker.example' },
  });
  const resp = await open(respPort);
  resp.socket.write('POST / HTTP/1.1\r\nHost: attacker.example\r\n\r\nSET pwned yes\r\n');
  for (let i = 0; i < 100 && !resp.closed; i++) await sleep(20);
  await record(
    'web page: flushall with Origin/Host; HTTP to RESP',
    `REST ${res.status}; RESP ${resp.closed ? 'closed' : 'open'}; key: ${(await restGet()).slice(4)}`,
  );
}

child.kill('SIGTERM');
await once(child, 'exit');
console.log(
  '\n| attack | RSS after | PING of a new client | detail |\n| --- | ---: | ---: | --- |',
);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);

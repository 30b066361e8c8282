// `pnpm lesson 9`: a Redis server whose keys are rows in the stack's Postgres. It starts the
// server, shows the bytes RESP puts on the wire (from redis-cli when it is installed, and from a
// raw socket), then runs lessons 03 and 04's cache, counters and limiter through it, unchanged.

import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import { createViewCounter } from './counters.ts';
import { createRateLimiter } from './rate-limit.ts';
import { startRespServer } from './resp-server.ts';
import { createValkeyStore, createValkeyStoreClient } from './valkey-store.ts';
import { createWiki } from './wiki.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(9);

const config = loadConfig();
const pool = createPool(config);
// Bytes on the wire are printed only while `tap` is on (section 2).
let tap = false;
const closers: (() => void)[] = [];
const server = await startRespServer({
  pool,
  unlogged: true,
  onWire: (direction, bytes) => {
    if (tap) console.log(`   ${direction === 'in' ? 'client ->' : 'server <-'} ${visible(bytes)}`);
  },
});

/** Bytes as text, with \r\n and anything unprintable spelled out. */
function visible(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 13) text += '\\r';
    else if (byte === 10) text += '\\n';
    else if (byte < 32 || byte > 126) text += `\\x${byte.toString(16).padStart(2, '0')}`;
    else text += String.fromCharCode(byte);
  }
  return text;
}

/** Writes `bytes` on a new connection and waits until `replies` lines of reply came back. */
function sendRaw(bytes: string, replies: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.split('\r\n').length > replies) {
        socket.destroy();
        resolve();
      }
    });
  });
}

/** redis-cli, when it is installed, with its own arguments; false when it is not. */
function redisCli(...args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('redis-cli', ['-p', String(server.port), ...args], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', () => resolve(true));
  });
}

try {
  console.log('Lesson 09: Redis on Postgres\n');
  const where = config.databaseSource === 'embedded' ? 'the embedded PGlite' : 'DATABASE_URL';
  console.log(
    `1. A RESP server on ${server.url}, keys in ${where}, table ${server.table} (UNLOGGED)`,
  );
  console.log(`   ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}\n`);

  console.log('2. RESP on the wire');
  tap = true;
  // #region wire-demo
  if (await redisCli('SET', 'greeting', 'héllo')) {
    console.log('   ^ redis-cli SET greeting héllo: an array (*3) of bulk strings ($3 SET ...)');
  } else {
    console.log('   (redis-cli is not installed: the same bytes, sent from a socket)');
    await sendRaw('*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$6\r\nh\xc3\xa9llo\r\n', 1);
  }
  await sendRaw('GET greeting\r\n', 2);
  console.log('   ^ an inline command, as typed in telnet; "héllo" is 6 bytes in UTF-8: $6');
  await sendRaw('DEL visits\r\nINCR visits\r\nINCR visits\r\nGET visits\r\nNOSUCH thing\r\n', 5);
  console.log('   ^ five commands in one write (a pipeline), five replies in their order');
  // #endregion wire-demo
  tap = false;

  console.log('\n3. Lessons 03 and 04, unchanged, through this server');
  const client = createValkeyStoreClient(server.url);
  closers.push(() => client.disconnect());
  const store = createValkeyStore(client);
  const events: string[] = [];
  const wiki = createWiki({
    pool,
    store,
    client,
    ttlSeconds: 60,
    onCacheEvent: (event) => events.push(event.kind),
  });
  await store.del('articles:list');
  for (const round of ['first', 'second']) {
    const start = performance.now();
    const list = await wiki.listArticles();
    const ms = performance.now() - start;
    console.log(
      `   ${round} list of ${list.length} articles: ${events.at(-1)?.toUpperCase()} in ${ms.toFixed(1)} ms`,
    );
  }
  const views = createViewCounter({ store });
  await store.del('views:article-00042');
  await Promise.all(Array.from({ length: 100 }, () => views.recordView('article-00042')));
  console.log(`   100 concurrent views counted with INCR: ${await views.views('article-00042')}`);
  const limiter = createRateLimiter({
    store,
    name: `demo-${Date.now()}`,
    limit: 3,
    windowSeconds: 2,
  });
  const decisions: string[] = [];
  for (let i = 0; i < 4; i++)
    decisions.push((await limiter.hit('ada')).allowed ? 'allowed' : 'refused');
  console.log(`   fixed window, 3 per 2 s (MULTI, INCR, EXPIRE NX, EXEC): ${decisions.join(', ')}`);

  console.log('\n4. The rows behind those keys');
  // #region rows
  const { rows } = await pool.query(
    `SELECT convert_from(key, 'UTF8') AS key, type, octet_length(value) AS bytes,
            round(extract(epoch FROM expires_at - now())) AS expires_in_s
     FROM ${server.table} WHERE db = 0 ORDER BY id DESC LIMIT 6`,
  );
  // #endregion rows
  for (const row of rows) {
    const expiry = row.expires_in_s === null ? 'no expiry' : `expires in ${row.expires_in_s} s`;
    console.log(
      `   ${String(row.key).padEnd(28)} ${row.type.padEnd(6)} ${String(row.bytes ?? '-').padStart(6)} bytes  ${expiry}`,
    );
  }
} finally {
  for (const close of closers) close();
  await server.close();
  await pool.end();
}

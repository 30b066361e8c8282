// What a hostile client cannot make the server do: anything that listens is attacked, by a
// client that lies about sizes, by one that never reads its replies, by a web page.
import { connect, type Socket } from 'node:net';
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { MAX_BULK_BYTES, MAX_LINE_BYTES, MAX_UNPARSED_BYTES } from '../src/resp.ts';
import { MAX_QUEUED_BYTES } from '../src/resp-server.ts';
import { command, useRespServer } from './server.ts';

const stack = useTestStack();
const resp = useRespServer(stack);
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw connection that records what came back and when the server closed it. */
function open() {
  const socket = connect(resp.server.port, '127.0.0.1');
  const state = { socket, received: [] as Buffer[], bytes: 0, closed: false };
  socket.on('data', (chunk) => {
    state.received.push(chunk);
    state.bytes += chunk.length;
  });
  socket.on('error', () => {}); // the server hanging up mid-write: EPIPE or ECONNRESET
  socket.on('close', () => {
    state.closed = true;
  });
  return state;
}

/** Writes `total` bytes in 64 KB pieces, each when the last has left; answers how many went. */
async function trickle(socket: Socket, total: number, stop: () => boolean): Promise<number> {
  const piece = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  while (sent < total && !stop() && !socket.destroyed) {
    await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
    sent += piece.length;
  }
  return sent;
}

async function until(condition: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(10);
}

describe('limits', () => {
  it('refuses a bulk string longer than the maximum as soon as its header says so', async () => {
    const client = open();
    client.socket.write(`*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$${1024 * MB}\r\n`);
    await trickle(client.socket, 4 * MB, () => client.closed);
    await until(() => client.closed);
    expect(
      Buffer.concat(client.received).toString('latin1'),
      `a $ header over ${MAX_BULK_BYTES / MB} MB (MAX_BULK_BYTES) must get "-ERR Protocol error: invalid bulk length" at once, not wait for a gigabyte`,
    ).toBe('-ERR Protocol error: invalid bulk length\r\n');
    expect(client.closed, 'after a protocol error the server must close the connection').toBe(true);
  });

  it('closes a connection whose unparsed input passes the limit', async () => {
    const rssBefore = process.memoryUsage().rss;
    const client = open();
    // Three 30 MB values: each one allowed, together more than the server keeps for a client.
    const value = 30 * MB;
    client.socket.write(`*7\r\n$4\r\nMSET\r\n`);
    let sent = 0;
    for (const key of ['a', 'b', 'c']) {
      client.socket.write(`$1\r\n${key}\r\n$${value}\r\n`);
      sent += await trickle(client.socket, value, () => client.closed);
      client.socket.write('\r\n');
    }
    await until(() => client.closed);
    const grown = (process.memoryUsage().rss - rssBefore) / MB;
    expect(
      Buffer.concat(client.received).toString('latin1'),
      `more than ${MAX_UNPARSED_BYTES / MB} MB read and not parsed yet (MAX_UNPARSED_BYTES) must get "-ERR Protocol error: ..." and a close`,
    ).toMatch(/^-ERR Protocol error: .*unparsed/);
    expect(client.closed, 'the server must close the connection after the limit').toBe(true);
    expect(
      sent / MB,
      'the server must stop reading at the limit, not take the whole command',
    ).toBeLessThan(MAX_UNPARSED_BYTES / MB + 16);
    // Generous: this process also runs the test and Postgres, and the garbage collector lags.
    expect(grown, 'the server must not keep more than the limit per connection').toBeLessThan(
      (3 * MAX_UNPARSED_BYTES) / MB,
    );
  });

  it('takes an inline command of 64 KB, and refuses one a byte longer even when it ends', async () => {
    // `ECHO xxx...\r\n`, exactly MAX_LINE_BYTES long with its \r\n, then one byte longer.
    const word = 'x'.repeat(MAX_LINE_BYTES - 'ECHO \r\n'.length);
    const echoed = `$${word.length}\r\n${word}\r\n`;
    const longest = await resp.raw(`ECHO ${word}\r\n`, echoed.length);
    expect(
      longest.toString('latin1') === echoed,
      `an inline command of ${MAX_LINE_BYTES / 1024} KB with its \\r\\n (MAX_LINE_BYTES) is allowed: it must be answered`,
    ).toBe(true);
    const tooLong = await resp.raw(`ECHO ${word}x\r\n`, echoed.length);
    expect(
      tooLong.toString('latin1').slice(0, 80),
      `an inline command longer than ${MAX_LINE_BYTES / 1024} KB (MAX_LINE_BYTES) must get "-ERR Protocol error: too big inline request" and a close, even when its \\n came in the same read`,
    ).toBe('-ERR Protocol error: too big inline request\r\n');
  });

  it('refuses a line without end once it passes 64 KB, not at 64 MB', async () => {
    const client = open();
    client.socket.write('ECHO ');
    await trickle(client.socket, 8 * MB, () => client.closed);
    await until(() => client.closed, 3000);
    expect(
      Buffer.concat(client.received).toString('latin1'),
      `a line longer than ${MAX_LINE_BYTES / 1024} KB (MAX_LINE_BYTES) that has not ended must get "-ERR Protocol error: too big inline request" and a close, not be kept until the unparsed limit`,
    ).toBe('-ERR Protocol error: too big inline request\r\n');
    expect(client.closed, 'after a protocol error the server must close the connection').toBe(true);
  });

  it('refuses a * or $ header line without end once it passes 64 KB', async () => {
    const cases = [
      { start: '*', what: 'mbulk count string' },
      { start: '*1\r\n$', what: 'bulk count string' },
    ];
    for (const { start, what } of cases) {
      const client = open();
      client.socket.write(start);
      await trickle(client.socket, 8 * MB, () => client.closed);
      await until(() => client.closed, 3000);
      expect(
        Buffer.concat(client.received).toString('latin1'),
        `a header line (${JSON.stringify(start)} then no \\n) longer than ${MAX_LINE_BYTES / 1024} KB (MAX_LINE_BYTES) must get "-ERR Protocol error: too big ${what}" and a close`,
      ).toBe(`-ERR Protocol error: too big ${what}\r\n`);
      expect(client.closed, 'after a protocol error the server must close the connection').toBe(
        true,
      );
    }
  });

  it('names only the first 128 characters of arguments of an unknown command, as Redis does', async () => {
    const words = Array.from({ length: 10_000 }, (_, i) => `w${i}`);
    // What Redis 7 answers to the same command.
    const expected = `-ERR unknown command 'NOSUCH', with args beginning with: ${words
      .slice(0, 23)
      .map((word) => `'${word}' `)
      .join('')}\r\n`;
    const reply = await resp.raw(command('NOSUCH', ...words), expected.length);
    expect(
      reply.toString('latin1').slice(0, 300),
      'an unknown command gets its arguments "beginning with" only their first 128 characters, not all of them (a million arguments would make a reply of megabytes)',
    ).toBe(expected);
  });

  it('refuses to queue more than the maximum in one MULTI, and EXEC then runs none of it', async () => {
    const key = `limits-multi-${Date.now()}`;
    const value = Buffer.alloc(8 * MB, 'v');
    // Nine SETs of 8 MB: seven are queued, the eighth goes over 64 MB (with what each argument
    // is counted for), the ninth comes after it.
    const sets = Math.ceil(MAX_QUEUED_BYTES / value.length) + 1;
    const queued = Math.floor(MAX_QUEUED_BYTES / value.length) - 1;
    const refused = `-ERR MULTI queued more than ${MAX_QUEUED_BYTES / MB} MB\r\n`;
    const beforeExec = `+OK\r\n${'+QUEUED\r\n'.repeat(queued)}${refused.repeat(sets - queued)}`;
    const afterExec = '-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n';
    const sent = Buffer.concat([
      command('MULTI'),
      ...Array.from({ length: sets }, () => command('SET', key, value)),
      command('EXEC'),
      command('GET', key),
    ]);
    const reply = await resp.raw(sent, beforeExec.length + afterExec.length);
    expect(
      reply.subarray(0, beforeExec.length).toString('latin1'),
      `a MULTI that queues more than ${MAX_QUEUED_BYTES / MB} MB (MAX_QUEUED_BYTES) must get an error, not QUEUED: a client that queues forever would fill the server's memory`,
    ).toBe(beforeExec);
    expect(
      reply.subarray(beforeExec.length).toString('latin1'),
      'once a MULTI has gone over its limit, EXEC must refuse the whole transaction (EXECABORT), so that nothing of it runs',
    ).toBe(afterExec);
  });

  it('stops running the commands of a client that does not read its replies', async () => {
    const key = `limits-big-${Date.now()}`;
    const value = Buffer.alloc(MB, 'v');
    await resp.client().set(key, value);
    const gets = 64; // 64 MB of replies if the server ran them all
    const getsBefore = resp.server.calls.get('get') ?? 0;
    const client = open();
    client.socket.pause(); // pipelines, never reads
    client.socket.write(Buffer.concat(Array.from({ length: gets }, () => command('GET', key))));
    // Until the server has run some GETs and stopped (none for a second: one GET can take longer
    // than a moment on a loaded machine), or has run them all. What it ran sits in the kernel
    // and in its memory.
    let ran = 0;
    const deadline = Date.now() + 20_000;
    for (let idle = 0; (idle < 5 || ran === 0) && ran < gets && Date.now() < deadline; ) {
      await sleep(200);
      const now = (resp.server.calls.get('get') ?? 0) - getsBefore;
      idle = now === ran ? idle + 1 : 0;
      ran = now;
    }
    const queued = resp.server.queuedReplyBytes() / MB;
    expect(
      queued,
      'replies a client does not read must not pile up: when socket.write() answers false, wait for "drain" before running the next command',
    ).toBeLessThan(4);
    expect(
      ran,
      'the server must stop running commands while their replies cannot leave',
    ).toBeLessThan(gets);
    client.socket.resume();
    const expected = gets * (value.length + `$${value.length}\r\n\r\n`.length);
    await until(() => client.bytes >= expected, 30_000);
    client.socket.destroy();
    expect(
      client.bytes,
      'once the client reads again, every reply must arrive (backpressure waits, it drops nothing)',
    ).toBe(expected);
  }, 60_000);

  it('hangs up on an HTTP POST before anything in it runs', async () => {
    const key = `limits-post-${Date.now()}`;
    const client = open();
    client.socket.write(
      `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 20\r\n\r\nSET ${key} evil\r\n`,
    );
    await until(() => client.closed, 5000);
    expect(
      client.closed,
      'a line starting with POST is a web page talking to the server: close the connection (as Redis does)',
    ).toBe(true);
    expect(client.bytes, 'nothing of an HTTP request may be answered').toBe(0);
    expect(
      await resp.client().get(key),
      'the SET in the body of a POST must never run: close the connection as soon as POST arrives',
    ).toBeNull();
  });

  it('hangs up at a Host: line, so that no HTTP request runs a command', async () => {
    const key = `limits-host-${Date.now()}`;
    const client = open();
    client.socket.write(`GET /?x HTTP/1.1\r\nHost: localhost\r\n\r\nSET ${key} evil\r\n`);
    await until(() => client.closed, 5000);
    expect(
      client.closed,
      'a "Host:" line is a browser talking to the server: close the connection (as Redis does)',
    ).toBe(true);
    expect(
      await resp.client().get(key),
      'the SET after the Host: line must never run: close the connection as soon as Host: arrives',
    ).toBeNull();
  });
});

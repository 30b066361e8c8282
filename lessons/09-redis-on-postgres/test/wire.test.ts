// RESP on the wire: the bytes a client sends and the bytes the server must answer, exactly.
import { connect } from 'node:net';
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { command, useRespServer } from './server.ts';

const stack = useTestStack();
const resp = useRespServer(stack);
const text = (bytes: Buffer) => bytes.toString('latin1');

describe('RESP framing', () => {
  it('answers each reply type with its first byte: + - : $ *', async () => {
    const key = `wire-types-${Date.now()}`;
    const sent = Buffer.concat([
      command('SET', key, 'hello'),
      command('GET', key),
      command('INCR', key),
      command('EXISTS', key, key),
      command('GET', `${key}-missing`),
      command('MGET', key, `${key}-missing`),
    ]);
    const expected =
      '+OK\r\n$5\r\nhello\r\n-ERR value is not an integer or out of range\r\n:2\r\n$-1\r\n*2\r\n$5\r\nhello\r\n$-1\r\n';
    expect(
      text(await resp.raw(sent, expected.length)),
      'each reply must be framed as RESP2: +simple, -error, :integer, $length then bytes ($-1 for nil), *count then the items',
    ).toBe(expected);
  });

  it('counts a bulk string in bytes, not characters', async () => {
    const key = `wire-bytes-${Date.now()}`;
    const value = 'café ☕'; // 6 characters, 10 bytes in UTF-8
    const expected = `+OK\r\n$${Buffer.byteLength(value)}\r\n${value}\r\n`;
    const reply = await resp.raw(
      Buffer.concat([command('SET', key, value), command('GET', key)]),
      Buffer.byteLength(expected),
    );
    expect(
      reply.toString(),
      `"${value}" is 10 bytes in UTF-8: the header must say $10 (a byte length), not $6 (its length in characters)`,
    ).toBe(expected);
  });

  it('understands inline commands, as typed in telnet', async () => {
    const key = `wire-inline-${Date.now()}`;
    const expected = '+PONG\r\n+OK\r\n$5\r\nworld\r\n';
    const reply = await resp.raw(`PING\r\nSET ${key} world\r\nGET ${key}\n`, expected.length);
    expect(
      text(reply),
      'a line that does not start with * is an inline command: words separated by spaces, ended by \\r\\n or \\n',
    ).toBe(expected);
  });

  it('parses a command split across reads, and many commands in one read', async () => {
    const key = `wire-split-${Date.now()}`;
    const whole = Buffer.concat([command('SET', key, 'abc'), command('GET', key)]);
    const expected = '+OK\r\n$3\r\nabc\r\n';
    // Byte by byte: every read is a fragment of a command.
    const socket = connect(resp.server.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    for (const byte of whole) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const deadline = Date.now() + 3000;
    while (Buffer.concat(received).length < expected.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.destroy();
    expect(
      text(Buffer.concat(received)),
      'the parser must keep a half-received command until the rest arrives (TCP delivers bytes, not messages)',
    ).toBe(expected);
  });

  it('answers a pipeline in the order it was sent, whatever each command costs', async () => {
    const key = `wire-order-${Date.now()}`;
    // ZRANGE runs two queries, SET one, PING and ECHO none: run concurrently, PING would
    // answer first. Replies must come back in the order of the commands.
    const sent = Buffer.concat([
      command('ZINCRBY', key, '1', 'a'),
      command('ZRANGE', key, '0', '-1'),
      command('PING'),
      command('SET', `${key}:s`, 'v'),
      command('ECHO', 'last'),
      ...Array.from({ length: 10 }, (_, i) => command('INCRBY', `${key}:n`, String(i))),
    ]);
    const incrs = Array.from({ length: 10 }, (_, i) => `:${(i * (i + 1)) / 2}\r\n`).join('');
    const expected = `$1\r\n1\r\n*1\r\n$1\r\na\r\n+PONG\r\n+OK\r\n$4\r\nlast\r\n${incrs}`;
    expect(
      text(await resp.raw(sent, expected.length)),
      'replies must leave in the order the commands came: run one connection’s commands one after the other, not each as soon as it arrives',
    ).toBe(expected);
  });

  it('says "unknown command" for what it does not implement, and keeps the connection', async () => {
    const expected =
      "-ERR unknown command 'LPUSH', with args beginning with: 'list' 'x' \r\n-ERR wrong number of arguments for 'get' command\r\n+PONG\r\n";
    const reply = await resp.raw(
      Buffer.concat([command('LPUSH', 'list', 'x'), command('GET'), command('PING')]),
      expected.length,
    );
    expect(
      text(reply),
      'a command the server does not know must get an error (never +OK), and the next command must still be answered',
    ).toBe(expected);
  });

  it('answers a protocol error and closes the connection', async () => {
    const reply = await resp.raw('*1\r\n:oops\r\n', 44);
    expect(
      text(reply),
      "in an array of bulk strings, each item must start with '$': anything else is a protocol error",
    ).toBe("-ERR Protocol error: expected '$', got ':'\r\n");
  });

  it('refuses a negative bulk length instead of reading an empty argument', async () => {
    // Enough PINGs after it that a server which runs `ECHO ""` answers more than the error's bytes.
    const pings = command('PING').toString('latin1').repeat(6);
    const reply = await resp.raw(`*2\r\n$4\r\nECHO\r\n$-5\r\n\r\n${pings}`, 42);
    expect(
      text(reply),
      '`$-5` is no length: it must be "-ERR Protocol error: invalid bulk length" (then close), as Redis answers, not an empty argument',
    ).toBe('-ERR Protocol error: invalid bulk length\r\n');
  });
});

// Hostile input against CommandDecoder.peek, the RESP fast lane's read (resp/fast-lane.ts): it
// reports a whole command's argument offsets in the read buffer without the checks of the full
// decode (`next()`), so a lying or malformed header must make it decline (return 0, and `next()`
// then answers with its error), never report a command the full decode would not yield, never
// give an offset outside the buffer, never read a byte past it.
//
// Each input is fed in several ways (whole, one byte at a time, cut in two at every byte) to two
// decoders: the reference reads with `next()` only; the other first asks `peek()`, as the RESP
// server does, takes what it reports (checking the offsets) and skips it, else calls `next()`.
// Both must give the same commands, the same error and keep the same unread bytes.

import { describe, expect, it } from 'vitest';
import {
  CommandDecoder,
  encodeCommand,
  MAX_PEEK_ARGS,
  type RespLimits,
  RespProtocolError,
} from '../../src/protocol/resp-codec.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

/** What a decoder made of the input: each command (latin1 strings), then the error if any. */
interface Outcome {
  commands: string[][];
  error?: string;
  /** Bytes received and not yet read as a command when the input ran out. */
  unread: number;
}

/**
 * `bytes` as a view into a larger buffer whose bytes around it would complete a command, so a
 * read past the view's end (or before its start) changes what is decoded.
 */
function poisoned(bytes: Buffer): Buffer {
  const around = b('$3\r\nxyz\r\n*1\r\n$4\r\nPING\r\n');
  const whole = Buffer.concat([around, bytes, around]);
  return whole.subarray(around.length, around.length + bytes.length);
}

/** The commands and error `next()` alone reads from `chunks`. */
function reference(chunks: Buffer[], limits: Partial<RespLimits>): Outcome {
  const decoder = new CommandDecoder(limits);
  const commands: string[][] = [];
  for (const chunk of chunks) {
    decoder.push(poisoned(chunk));
    try {
      for (let argv = decoder.next(); argv !== undefined; argv = decoder.next()) {
        commands.push(argv.map((a) => a.toString('latin1')));
      }
    } catch (error) {
      if (!(error instanceof RespProtocolError)) throw error;
      return { commands, error: error.message, unread: decoder.bufferedBytes };
    }
  }
  return { commands, unread: decoder.bufferedBytes };
}

/** Fails the test (a plain throw: `expect` per byte fed is slow). */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`peek: ${what}`);
}

/** The same, asking `peek()` first each time; counts the commands peek took. */
function withPeek(chunks: Buffer[], limits: Partial<RespLimits>): Outcome & { peeked: number } {
  const decoder = new CommandDecoder(limits);
  const commands: string[][] = [];
  let peeked = 0;
  for (const chunk of chunks) {
    decoder.push(poisoned(chunk));
    try {
      while (true) {
        const argc = peekWatched(decoder);
        check(Number.isInteger(argc) && argc >= 0 && argc <= MAX_PEEK_ARGS, `argc ${argc}`);
        if (argc > 0) {
          const buf = decoder.peekBuffer;
          const spans = Array.from(decoder.spans.subarray(0, 2 * argc));
          // Every offset inside the buffer, in order, arguments not overlapping.
          let previous = 0;
          for (let i = 0; i < argc; i++) {
            const start = spans[2 * i]!;
            const end = spans[2 * i + 1]!;
            check(previous <= start && start <= end && end <= buf.length, `spans ${spans}`);
            previous = end;
          }
          // Asking again changes nothing: peek consumed nothing.
          check(decoder.peek() === argc, 'a second peek differs');
          check(String(decoder.spans.subarray(0, 2 * argc)) === String(spans), 'spans moved');
          const argv: string[] = [];
          for (let i = 0; i < argc; i++) {
            argv.push(buf.subarray(spans[2 * i]!, spans[2 * i + 1]!).toString('latin1'));
          }
          commands.push(argv);
          peeked++;
          decoder.skipPeeked();
          continue;
        }
        const argv = decoder.next();
        if (argv === undefined) break;
        commands.push(argv.map((a) => a.toString('latin1')));
      }
    } catch (error) {
      if (!(error instanceof RespProtocolError)) throw error;
      return { commands, error: error.message, unread: decoder.bufferedBytes, peeked };
    }
  }
  return { commands, unread: decoder.bufferedBytes, peeked };
}

/**
 * Runs `peek()` with the decoder's buffer behind a Proxy that records each index read, and
 * fails on a read outside the buffer (a Buffer read past its end gives undefined, so such a
 * read is otherwise invisible). Only peek sees the Proxy (also around the buffer it makes by
 * joining pending reads): the decoder gets the real buffer back.
 */
function peekWatched(decoder: CommandDecoder): number {
  const inner = decoder as unknown as { buf: Buffer; merge(): void };
  const outside: string[] = [];
  let real = inner.buf;
  const watch = (target: Buffer) =>
    new Proxy(target, {
      get(target, key) {
        if (typeof key === 'string' && /^-?\d+$/.test(key)) {
          const index = Number(key);
          if (index < 0 || index >= target.length) outside.push(`${key} of ${target.length}`);
          return target[index];
        }
        return Reflect.get(target, key);
      },
    });
  const merge = Object.getPrototypeOf(CommandDecoder.prototype).merge as () => void;
  inner.buf = watch(real);
  inner.merge = function (this: typeof inner) {
    this.buf = real;
    merge.call(this);
    real = this.buf;
    this.buf = watch(real);
  };
  try {
    return decoder.peek();
  } finally {
    inner.buf = real;
    delete (inner as { merge?: unknown }).merge;
    check(outside.length === 0, `read index ${outside}`);
  }
}

/** The ways `wire` is fed: whole, a byte at a time, and cut in two at every byte. */
function feeds(wire: Buffer): Buffer[][] {
  const ways: Buffer[][] = [[wire], [...wire].map((byte) => Buffer.from([byte]))];
  for (let cut = 1; cut < wire.length; cut++)
    ways.push([wire.subarray(0, cut), wire.subarray(cut)]);
  return ways;
}

/** Checks `wire` fed every way; returns what the whole-input peek run gave. */
function agrees(wire: Buffer, limits: Partial<RespLimits> = {}): Outcome & { peeked: number } {
  let whole: (Outcome & { peeked: number }) | undefined;
  for (const chunks of feeds(wire)) {
    const expected = reference(chunks, limits);
    const got = withPeek(chunks, limits);
    const { peeked: _, ...compared } = got;
    if (JSON.stringify(compared) !== JSON.stringify(expected)) {
      expect(compared, `${JSON.stringify(wire.toString('latin1'))} in ${chunks.length}`).toEqual(
        expected,
      );
    }
    whole ??= got;
  }
  return whole!;
}

const GET = '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n';

/** Hostile inputs, each alone and after a plain command (peek then meets it mid-buffer). */
const HOSTILE: string[] = [
  // Bulk lengths: negative, huge, not numbers.
  '*1\r\n$-1\r\n',
  '*1\r\n$-5\r\nabc\r\n',
  '*1\r\n$-0\r\n\r\n',
  '*2\r\n$3\r\nGET\r\n$99999999999999999999\r\nk\r\n',
  '*1\r\n$1000000000\r\nabc\r\n',
  '*1\r\n$4294967296\r\n',
  '*1\r\n$536870913\r\n',
  '*1\r\n$abc\r\nabc\r\n',
  '*1\r\n$3x\r\nabc\r\n',
  '*1\r\n$ 3\r\nabc\r\n',
  '*1\r\n$+3\r\nabc\r\n',
  '*1\r\n$\r\nabc\r\n',
  '*1\r\n$3.0\r\nabc\r\n',
  '*1\r\n$03\r\nabc\r\n',
  '*1\r\n$000000003\r\nabc\r\n',
  '*1\r\n$0000000003\r\nabc\r\n',
  // Array counts: 0, -1, 2^31, 1M, others.
  '*0\r\n',
  '*-1\r\n',
  '*-2\r\n$3\r\nGET\r\n',
  '*2147483648\r\n$3\r\nGET\r\n',
  '*1048576\r\n$3\r\nGET\r\n',
  '*1048577\r\n',
  '*999999999\r\n',
  '*abc\r\n',
  '*\r\n',
  '*01\r\n$4\r\nPING\r\n',
  `*${MAX_PEEK_ARGS + 1}\r\n${'$1\r\na\r\n'.repeat(MAX_PEEK_ARGS + 1)}`,
  // Missing or broken CRLF.
  '*1\n$4\r\nPING\r\n',
  '*1\r$4\r\nPING\r\n',
  '*1\r\n$4\nPING\r\n',
  '*1\r\n$4\r\nPING\n',
  '*1\r\n$4\r\nPING\r',
  '*1\r\n$4\r\nPINGXY',
  '*1\r\n$4\r\nPING\n\r',
  '*1\r\n$4\r\r\nPING\r\n',
  // A bulk length that says 3 while the bytes run on, or stop short.
  '*2\r\n$3\r\nGET\r\n$3\r\nkeyx\r\n',
  '*2\r\n$3\r\nGETS\r\n$1\r\nk\r\n',
  '*2\r\n$3\r\nGE\r\n$1\r\nk\r\n',
  // Inline commands.
  'GET k\r\n',
  'get k\n',
  '\r\n',
  '\n',
  '"a b" \'c\'\r\n',
  ' *1\r\n$4\r\nPING\r\n',
  // Nested arrays and other types where a bulk string belongs.
  '*1\r\n*1\r\n$4\r\nPING\r\n',
  '*2\r\n$3\r\nGET\r\n*0\r\n',
  '*1\r\n:1\r\n',
  '*1\r\n+OK\r\n',
  '*1\r\n-ERR\r\n',
  '*1\r\n\r\n',
  // Ends mid-argument (every other cut comes from the feeds).
  '*2\r\n$3\r\nGET\r\n$3\r\nke',
  '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n',
  '*1\r\n$4\r\n',
  '*1\r\n$4',
  '*1',
  '*',
];

describe('CommandDecoder.peek on hostile input', () => {
  it('declines or agrees with the full decode on every malformed or lying input, cut anywhere', () => {
    for (const text of HOSTILE) {
      agrees(b(text));
      agrees(b(GET + text));
      agrees(b(text + GET));
    }
  });

  it('takes every whole command of up to MAX_PEEK_ARGS short arguments, and only those', () => {
    for (let argc = 1; argc <= MAX_PEEK_ARGS + 1; argc++) {
      const argv = Array.from(
        { length: argc },
        (_, i) => 'x'.repeat(i % 7) + '\r\n$*'.slice(i % 4),
      );
      const wire = Buffer.concat([encodeCommand(argv), encodeCommand(['PING'])]);
      const result = reference([wire], {});
      expect(result.commands).toEqual([argv, ['PING']]);
      const decoder = new CommandDecoder();
      decoder.push(poisoned(wire));
      expect(decoder.peek()).toBe(argc <= MAX_PEEK_ARGS ? argc : 0);
    }
    // A pipeline read whole: peek takes each command in turn, the last one ending the buffer.
    const pipeline = Buffer.concat([
      encodeCommand(['SET', 'k', '']),
      encodeCommand(['GET', 'k']),
      encodeCommand(['MSET', 'a', '1', 'b', '2']),
    ]);
    const got = agrees(pipeline);
    expect(got.peeked).toBe(3);
    expect(got.unread).toBe(0);
  });

  it('declines past each limit and lets the full decode give its error', () => {
    const set = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n';
    expect(agrees(b(set), { maxArrayLength: 2 }).error).toBe(
      'ERR Protocol error: invalid multibulk length',
    );
    expect(agrees(b(set), { maxArrayLength: 3 }).peeked).toBe(1);
    expect(agrees(b(set), { maxBulkLength: 4 }).error).toBe(
      'ERR Protocol error: invalid bulk length',
    );
    expect(agrees(b(set), { maxBulkLength: 5 }).peeked).toBe(1);
    // Three arguments of 3 + 1 + 5 bytes, each counted with its overhead.
    const cost = 9 + 3 * 96;
    expect(agrees(b(set), { maxCommandBytes: cost - 1 }).error).toBe(
      'ERR Protocol error: command too large',
    );
    expect(agrees(b(set), { maxCommandBytes: cost }).peeked).toBe(1);
  });

  it('agrees with the full decode on randomly damaged pipelines', () => {
    // A fixed seed: the same inputs every run (a failure names its input).
    let seed = 0x5eed;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = b('*$\r\n-0123456789:+x');
    const base = Buffer.concat([
      encodeCommand(['SET', 'key', 'value']),
      encodeCommand(['GET', 'key']),
      encodeCommand(['LPUSH', 'l', 'a', 'b', 'c']),
    ]);
    for (let round = 0; round < 500; round++) {
      const bytes = [...base];
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(bytes.length);
        const byte = alphabet[random(alphabet.length)]!;
        const kind = random(3);
        if (kind === 0) bytes[at] = byte;
        else if (kind === 1) bytes.splice(at, 0, byte);
        else bytes.splice(at, 1);
      }
      agrees(Buffer.from(bytes));
    }
  });
});

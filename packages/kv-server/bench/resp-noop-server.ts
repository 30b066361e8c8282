// The floor for bench/resp-cpu.ts (NOOP=1): a Node `net` server that parses nothing and answers
// every command with +OK, one socket write per read, as kv-server writes its replies. What it
// costs per request is what any Node server pays for the socket path (libuv, the stream
// machinery, the read and write system calls); kv-server's own work is what it costs above it.
// It counts commands by their `*` bytes, which is exact for redis-benchmark's fixed keys and
// values (none holds a `*`). Prints its port, then serves until killed.
//
// NOOP_VARIANT picks how it reads and writes, to measure the socket path's options side by side
// (NOOP=data,string,... in bench/resp-cpu.ts):
//   data      'data' events, a cached Buffer per reply count (the default, kv-server's way)
//   string    'data' events, the replies written as a latin1 string
//   copy      'data' events, a new Buffer per write (what a writer that never reuses pays)
//   cork      'data' events, cork() / write / uncork()
//   options   createServer({ noDelay, highWaterMark }) instead of setNoDelay per socket
//   readable  'readable' events and read() in a loop
//   immediate 'data' events; the replies wait for one setImmediate that writes every
//             connection's at the end of the event-loop turn (as Redis writes in beforeSleep)
//   onread    reads into one reused Buffer through net.Socket's `onread` option. A server's
//             accepted sockets do not take that option (net.Server does not pass it on, in
//             Node 20 to 24), so this wraps the accepted socket's internal handle: only here,
//             to measure what the option would save, never in kv-server.

import { createServer, Socket } from 'node:net';

const VARIANT = process.env.NOOP_VARIANT ?? 'data';
const replies: Buffer[] = [];
function oks(n: number): Buffer {
  replies[n] ??= Buffer.from('+OK\r\n'.repeat(n), 'latin1');
  return replies[n];
}
const strings: string[] = [];
function okString(n: number): string {
  strings[n] ??= '+OK\r\n'.repeat(n);
  return strings[n];
}

function count(chunk: Buffer, length = chunk.length): number {
  let n = 0;
  for (let i = chunk.indexOf(42); i !== -1 && i < length; i = chunk.indexOf(42, i + 1)) n++;
  return n;
}

/** `immediate`: the connections with replies to write this turn, and how many each. */
const pending = new Map<Socket, number>();
function writePending(): void {
  for (const [socket, n] of pending) socket.write(oks(n));
  pending.clear();
}

function serve(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  if (VARIANT === 'options') {
    socket.on('data', (chunk: Buffer) => {
      const n = count(chunk);
      if (n > 0) socket.write(oks(n));
    });
    return;
  }
  socket.setNoDelay(true);
  switch (VARIANT) {
    case 'data':
      socket.on('data', (chunk: Buffer) => {
        const n = count(chunk);
        if (n > 0) socket.write(oks(n));
      });
      return;
    case 'string':
      socket.on('data', (chunk: Buffer) => {
        const n = count(chunk);
        if (n > 0) socket.write(okString(n), 'latin1');
      });
      return;
    case 'copy':
      socket.on('data', (chunk: Buffer) => {
        const n = count(chunk);
        if (n > 0) socket.write(Buffer.from(oks(n)));
      });
      return;
    case 'cork':
      socket.on('data', (chunk: Buffer) => {
        const n = count(chunk);
        if (n === 0) return;
        socket.cork();
        socket.write(oks(n));
        socket.uncork();
      });
      return;
    case 'immediate':
      socket.on('data', (chunk: Buffer) => {
        const n = count(chunk);
        if (n === 0) return;
        if (pending.size === 0) setImmediate(writePending);
        pending.set(socket, (pending.get(socket) ?? 0) + n);
      });
      return;
    case 'readable':
      socket.on('readable', () => {
        let chunk: Buffer | null = socket.read();
        while (chunk !== null) {
          const n = count(chunk);
          if (n > 0) socket.write(oks(n));
          chunk = socket.read();
        }
      });
      return;
    case 'onread': {
      // biome-ignore lint/suspicious/noExplicitAny: the measurement's one use of internals.
      const handle = (socket as any)._handle;
      const buffer = Buffer.allocUnsafe(64 * 1024);
      const wrapped: Socket = new Socket({
        // @ts-expect-error `handle` is net.Socket's undocumented option.
        handle,
        readable: true,
        writable: true,
        onread: {
          buffer,
          callback: (nread: number) => {
            const n = count(buffer, nread);
            if (n > 0) wrapped.write(oks(n));
            return true;
          },
        },
      });
      wrapped.setNoDelay(true);
      wrapped.on('error', () => wrapped.destroy());
      return;
    }
    default:
      throw new Error(`unknown NOOP_VARIANT ${VARIANT}`);
  }
}

const server =
  VARIANT === 'options'
    ? createServer({ noDelay: true, highWaterMark: 64 * 1024 }, serve)
    : createServer({ pauseOnConnect: VARIANT === 'onread' }, serve);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`port ${typeof address === 'object' && address !== null ? address.port : 0}`);
});

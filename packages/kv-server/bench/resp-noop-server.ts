// The floor for bench/resp-cpu.ts (NOOP=1): a Node `net` server that parses nothing and answers
// every command with +OK, one socket write per read, as kv-server writes its replies. What it
// costs per request is what any Node server pays for the socket path (libuv, the stream
// machinery, the read and write system calls); kv-server's own work is what it costs above it.
// It counts commands by their `*` bytes, which is exact for redis-benchmark's fixed keys and
// values (none holds a `*`). Prints its port, then serves until killed.

import { createServer } from 'node:net';

const replies: Buffer[] = [];
function oks(n: number): Buffer {
  replies[n] ??= Buffer.from('+OK\r\n'.repeat(n), 'latin1');
  return replies[n];
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    let n = 0;
    for (let i = chunk.indexOf(42); i !== -1; i = chunk.indexOf(42, i + 1)) n++;
    if (n > 0) socket.write(oks(n));
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`port ${typeof address === 'object' && address !== null ? address.port : 0}`);
});

// A no-op node:http server for bench/rest-cpu.ts that uses node:http the way kv-server's REST
// server does, and does nothing else: it answers every request with the same fixed JSON as the
// plain no-op (throughput.ts's startNoop), after
//   - reading the request headers admit() and dispatch() read (Host, Origin, Authorization,
//     Content-Length, Upstash-Encoding),
//   - collecting the body through shared 'data' and 'end' listeners, with a 'close' listener
//     added on the first chunk, and the request's state on the request object,
//   - answering with one writeHead of a flat header array (Content-Type, Content-Length,
//     upstash-sync-token) and one end.
// What it costs above the plain no-op is what kv-server's use of node:http costs; what
// kv-server costs above it is kv-server's own work (routing, the checks, the engine, the JSON).
// Prints its port, then serves until killed.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { NOOP_PIPELINE_REPLY, NOOP_SINGLE_REPLY } from './noop-replies.ts';

const STATE = Symbol('state');

interface State {
  res: ServerResponse;
  first: Buffer | undefined;
  held: number;
}
type Reading = IncomingMessage & { [STATE]?: State };

let counter = 0;

function onData(this: Reading, chunk: Buffer): void {
  const state = this[STATE]!;
  if (state.held === 0) this.on('close', onClose);
  state.held += chunk.length;
  state.first ??= chunk;
}

function onClose(this: Reading): void {
  this[STATE]!.held = 0;
}

function onEnd(this: Reading): void {
  const state = this[STATE]!;
  const json = this.url === '/pipeline' ? NOOP_PIPELINE_REPLY : NOOP_SINGLE_REPLY;
  state.first = undefined;
  state.res.writeHead(200, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(Buffer.byteLength(json)),
    'upstash-sync-token',
    String(++counter),
  ]);
  state.res.end(json);
}

const server = createServer(
  // kv-server's own options (rest-server.ts).
  { connectionsCheckingInterval: 250, requestTimeout: 300_000, headersTimeout: 66_000 },
  (req: Reading, res) => {
    const h = req.headers;
    const refused =
      h.host === undefined ||
      h.origin !== undefined ||
      h.authorization === undefined ||
      Number(h['content-length'] ?? 0) > 1e9 ||
      h['upstash-encoding'] !== undefined;
    if (refused) {
      res.writeHead(400).end();
      return;
    }
    req[STATE] = { res, first: undefined, held: 0 };
    req.on('data', onData);
    req.on('end', onEnd);
  },
);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(typeof address === 'object' && address ? address.port : 0);
});
// Exit normally on Ctrl-C, so that a `node --cpu-prof` run of it writes its profile.
process.on('SIGINT', () => process.exit(0));

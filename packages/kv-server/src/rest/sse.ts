// Upstash's pub/sub over HTTP: `POST /subscribe/<channel>`, `POST /psubscribe/<pattern>` and
// `POST /monitor` answer with a Server-Sent Events stream that stays open. One event per Redis
// reply, its fields joined by commas, exactly what @upstash/redis parses (and @upstash/realtime,
// which waits for the `subscribe` confirmation before its subscribe() resolves):
//
//   data: subscribe,<channel>,<count>
//   data: message,<channel>,<payload>
//   data: pmessage,<pattern>,<channel>,<payload>
//   data: "OK"                        (MONITOR, then one line per command)
//   : keepalive                       (a comment every `keepAliveMs`: clients skip it)
//
// Payloads go out raw (never base64). A line break would end the event early, so CR and LF in a
// payload are sent as spaces: a JSON payload (what @upstash/redis publishes) stays the same JSON,
// since raw line breaks can only be whitespace there. The stream ends when the client aborts the
// request (the subscription is dropped at once) or when its unsent output passes the pub/sub
// output limit.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventSink } from '../protocol/backend.ts';
import { ErrorReply, PushReply, type Reply, SimpleString } from '../protocol/reply.ts';

/** The bytes of one field: strings as they are, numbers as text, nil as empty. */
function field(reply: Reply): Buffer {
  if (Buffer.isBuffer(reply)) return reply;
  if (typeof reply === 'number' || typeof reply === 'bigint') return Buffer.from(String(reply));
  if (reply instanceof SimpleString) return Buffer.from(reply.value, 'latin1');
  if (reply instanceof ErrorReply) return Buffer.from(reply.message, 'latin1');
  if (reply === null) return Buffer.alloc(0);
  return Buffer.from(String(reply));
}

/** `data: a,b,c` for a reply; a status (a MONITOR line) is sent as its text. */
export function eventLine(reply: Reply): Buffer {
  const items: Reply[] =
    reply instanceof PushReply ? reply.items : Array.isArray(reply) ? reply : [reply];
  const parts: Buffer[] = [];
  for (const item of items) {
    if (parts.length > 0) parts.push(COMMA);
    parts.push(field(item));
  }
  const body = Buffer.concat(parts);
  // Line breaks would split the event (see the file comment): they become spaces.
  for (let i = 0; i < body.length; i++) if (body[i] === 0x0a || body[i] === 0x0d) body[i] = 0x20;
  return Buffer.concat([DATA, body, END]);
}

const DATA = Buffer.from('data: ');
const COMMA = Buffer.from(',');
const END = Buffer.from('\n\n');

/**
 * Sends the event-stream headers and returns the sink for `res`. `onClose` runs once, when the
 * client goes away or the stream is ended.
 */
export function openEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  keepAliveMs: number,
  onClose: () => void,
): EventSink {
  // The headers go out with the first event (the subscribe confirmation), so a backend that
  // cannot subscribe still gets an ordinary JSON error response.
  const head = () => {
    if (res.headersSent) return;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      // Proxies (nginx) would otherwise hold events back.
      'X-Accel-Buffering': 'no',
    });
  };
  req.socket.setNoDelay(true);
  // An open stream is not idle: no socket timeout may end it.
  req.socket.setTimeout(0);
  let closed = false;
  const timer =
    keepAliveMs > 0
      ? setInterval(() => {
          if (res.destroyed) return;
          head();
          res.write(': keepalive\n\n');
        }, keepAliveMs)
      : undefined;
  timer?.unref();
  const finish = () => {
    if (closed) return;
    closed = true;
    if (timer !== undefined) clearInterval(timer);
    onClose();
  };
  res.on('close', finish);
  return {
    send(reply) {
      if (closed || res.destroyed) return;
      head();
      res.write(eventLine(reply));
    },
    pendingBytes: () => res.writableLength,
    close(graceful = false) {
      if (closed) return;
      finish();
      if (graceful) res.end();
      else res.destroy();
    },
  };
}

// Replies as Upstash REST JSON. Shapes follow RESP2 (integer -> number, nil -> null, strings ->
// string, arrays -> arrays, never an object), and with `Upstash-Encoding: base64` every string
// at every level is base64 except a top-level "OK": @upstash/redis base64-decodes anything else
// that looks like base64, so plain "test" would come back as garbage bytes.

import { ErrorReply, NULL_ARRAY, type Reply, SimpleString, toResp2 } from '../protocol/reply.ts';

/** `{"result": ...}` for a success, `{"error": "..."}` for an error reply. */
export function replyToJson(reply: Reply, base64: boolean): string {
  // Integers first: INCR, DEL, EXPIRE... the commonest replies, with no class checks before.
  if (typeof reply === 'number') {
    return Number.isFinite(reply) ? `{"result":${reply}}` : '{"result":null}';
  }
  if (reply instanceof ErrorReply) return `{"error":${stringToJson(reply.message, false)}}`;
  if (reply instanceof SimpleString && reply.value === 'OK') return '{"result":"OK"}';
  return `{"result":${valueToJson(reply, base64)}}`;
}

/** One JSON value for a reply nested anywhere (errors inside arrays become their message). */
export function valueToJson(reply: Reply, base64: boolean): string {
  if (reply === null || reply === NULL_ARRAY) return 'null';
  if (typeof reply === 'number') return Number.isFinite(reply) ? String(reply) : 'null';
  // JSON numbers have no size limit: keep every digit of a 64-bit integer.
  if (typeof reply === 'bigint') return reply.toString();
  if (Buffer.isBuffer(reply)) {
    return JSON.stringify(base64 ? reply.toString('base64') : reply.toString('utf8'));
  }
  if (reply instanceof SimpleString) return stringToJson(reply.value, base64);
  if (reply instanceof ErrorReply) return stringToJson(reply.message, base64);
  if (Array.isArray(reply)) {
    let out = '[';
    for (let i = 0; i < reply.length; i++) {
      if (i > 0) out += ',';
      out += valueToJson(reply[i] as Reply, base64);
    }
    return `${out}]`;
  }
  // RESP3-only types: REST answers like RESP2 (Upstash's JSON follows RESP2).
  const resp2 = toResp2(reply);
  return resp2 === reply ? 'null' : valueToJson(resp2, base64);
}

/** Status and error texts are latin1 JS strings like the engine's values: bytes, one per char. */
function stringToJson(text: string, base64: boolean): string {
  const bytes = Buffer.from(text, 'latin1');
  return JSON.stringify(base64 ? bytes.toString('base64') : bytes.toString('utf8'));
}

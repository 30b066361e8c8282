// EXERCISE (lesson 9): RESP2, the Redis serialization protocol, both ways, one TODO(lesson 9) at
// a time: the encoders that turn replies into bytes, and the parser that turns the bytes a
// client sends into commands. The server around it (resp-server.ts), the command table
// (commands.ts) and the SQL (keyspace.ts) are given: every checkpoint goes through this file.

// #region encode
// Every reply starts with one byte that says its type and ends its header with \r\n.
// Lengths count bytes, not characters: "é" is 2 bytes in UTF-8, and a client reads exactly
// as many bytes as the header announced.
const CRLF = '\r\n';

/** `+OK`: a short status line (it cannot contain \r or \n). */
export const simple = (text: string) => Buffer.from(`+${text}${CRLF}`);

/** `-ERR ...`: an error; the first word is its code (ERR, WRONGTYPE, EXECABORT...). */
export const error = (message: string) => Buffer.from(`-${message}${CRLF}`);

/** `:42`: a signed 64-bit integer, written in decimal. */
export const integer = (n: number | bigint | string) => Buffer.from(`:${n}${CRLF}`);

/** `$5\r\nhello`: a length in bytes, then the bytes (any bytes). `$-1`: nil. */
export function bulk(value: Buffer | string | null): Buffer {
  // TODO(lesson 9): nil is `$-1\r\n`. Otherwise `$<length>\r\n<bytes>\r\n`, where the length
  // counts the bytes (Buffer.from(value) for a string), not the characters.
  throw new Error(`TODO(lesson 9): bulk(${String(value)}) in src/resp.ts`);
}

/** `*2\r\n...`: a count, then that many replies, each encoded on its own. `*-1`: nil. */
export function array(items: Buffer[] | null): Buffer {
  // TODO(lesson 9): nil is `*-1\r\n`; otherwise `*<count>\r\n` followed by the items, which
  // are already encoded.
  throw new Error(`TODO(lesson 9): array(${items?.length} items) in src/resp.ts`);
}
// #endregion encode

/** A client broke the protocol: the server answers `-ERR Protocol error: ...` and hangs up. */
export class ProtocolError extends Error {}

// #region limits
// What one client may make the server hold. Anything that listens is attacked, by clients that
// lie about sizes: without these a `$1000000000` header would make the server wait for (and
// keep) a gigabyte. Redis's own limits are larger (proto-max-bulk-len 512 MB,
// client-query-buffer-limit 1 GB); a wiki's values are kilobytes, so this lesson keeps less.
const MB = 1024 * 1024;
/** The longest argument, in bytes (Redis: proto-max-bulk-len, 512 MB). */
export const MAX_BULK_BYTES = 32 * MB;
/** The most bytes read but not parsed yet, per connection (Redis: client-query-buffer-limit). */
export const MAX_UNPARSED_BYTES = 64 * MB;
/** The most arguments in one command (Redis before 7.0 allowed 1024 * 1024 too). */
const MAX_ARGUMENTS = 1024 * 1024;
/** The longest line with its \r\n: inline command or header (Redis: PROTO_INLINE_MAX_SIZE). */
export const MAX_LINE_BYTES = 64 * 1024;
// #endregion limits

// #region parse
/**
 * Commands from a stream of bytes. TCP delivers bytes, not messages: one read may hold half a
 * command or ten of them (a pipeline), so the parser keeps what it has not used yet and
 * answers every command that is complete.
 */
export function createParser() {
  // The bytes not parsed yet are space[0, used). `space` doubles when it is full, so a large
  // command that arrives in many reads is copied a few times in all; Buffer.concat of all so far
  // on every read would copy it again each time (a 32 MB value in 64 KB reads: 8 GB copied).
  let space = Buffer.alloc(0);
  let used = 0;
  // How far the first incomplete command has been walked (see isComplete), kept between reads.
  const walked = { next: 0, left: -1 };

  /** Adds the bytes just read; answers the commands they completed, in order. */
  function push(chunk: Buffer): Buffer[][] {
    if (used + chunk.length > MAX_UNPARSED_BYTES) {
      throw new ProtocolError(`more than ${MAX_UNPARSED_BYTES / MB} MB of unparsed input`);
    }
    if (used + chunk.length > space.length) {
      const size = Math.max(2 * space.length, used + chunk.length);
      const bigger = Buffer.allocUnsafe(Math.min(size, MAX_UNPARSED_BYTES));
      space.copy(bigger, 0, 0, used);
      space = bigger;
    }
    chunk.copy(space, used);
    used += chunk.length;
    const buffered = space.subarray(0, used);
    const commands: Buffer[][] = [];
    let offset = 0;
    for (;;) {
      // Parse only a command that is all here: parsing one that is not, from its start, on every
      // read is slow for a command of many arguments sent in many pieces.
      if (!isComplete(buffered, offset, walked)) break;
      const parsed =
        buffered[offset] === 0x2a // '*': an array of bulk strings, what clients send
          ? parseArray(buffered, offset)
          : parseInline(buffered, offset); // anything else: a line typed by hand (telnet, nc)
      offset = parsed.next;
      walked.next = 0; // the next command's walk starts from its beginning
      walked.left = -1;
      if (parsed.args.length > 0) commands.push(parsed.args);
    }
    if (offset > 0) {
      // The commands' arguments point into `space` (no copy) and run later. Keep only the rest,
      // as a view exactly its size: the next read then goes into a new buffer, never over them.
      space = buffered.subarray(offset);
      used = space.length;
    }
    return commands;
  }
  return { push };
}

/**
 * `*<count>\r\n` then `count` times `$<length>\r\n<bytes>\r\n`. Only a command that is all here
 * gets this far (isComplete), so nothing can be missing.
 */
function parseArray(buf: Buffer, start: number): { args: Buffer[]; next: number } {
  const header = readLine(buf, start);
  const count = toCount(header.line.subarray(1), 'multibulk length');
  // TODO(lesson 9): then `count` times: a line `$<length>` (readLine again; anything but '$'
  // first is a ProtocolError), then exactly `length` bytes and \r\n. Answer the arguments and
  // the offset after the last \r\n.
  throw new Error(`TODO(lesson 9): parseArray(${count} arguments) in src/resp.ts`);
}

/** `SET greeting hello\r\n`: words separated by spaces, ended by \n (\r\n from telnet). */
function parseInline(buf: Buffer, start: number): { args: Buffer[]; next: number } {
  const line = readLine(buf, start);
  // TODO(lesson 9): the line's words, split on spaces (empty ones dropped), each as a Buffer;
  // the next command starts at line.next.
  throw new Error(`TODO(lesson 9): parseInline(${line.line.length} bytes) in src/resp.ts`);
}
// #endregion parse

/**
 * Whether the command at `start` has arrived whole (or is wrong: the parser then says why).
 * `walked` remembers where the next `$` header starts (counted from `start`) and how many
 * arguments are left, so each byte of a command that arrives in many reads is walked once.
 */
function isComplete(buf: Buffer, start: number, walked: { next: number; left: number }) {
  if (buf[start] !== 0x2a) return findLine(buf, start) !== null; // an inline command: a line
  if (walked.left < 0) {
    const header = findLine(buf, start, 'mbulk count string');
    if (header === null) return false;
    walked.left = toCount(header.line.subarray(1), 'multibulk length');
    walked.next = header.next - start;
  }
  while (walked.left > 0) {
    const line = findLine(buf, start + walked.next, 'bulk count string');
    if (line === null) return false;
    if (line.line[0] !== 0x24) return true; // not a bulk string: parseArray answers the error
    const end = line.next + toCount(line.line.subarray(1), 'bulk length') + 2;
    if (buf.length < end) return false;
    walked.next = end - start;
    walked.left--;
  }
  return true;
}

/**
 * The line at `start` up to \n (without the \r\n) and where the next one begins, or null while
 * its \n has not arrived. `what` names the line in the error when it is too long, as Redis does.
 */
function findLine(buf: Buffer, start: number, what = 'inline request') {
  const newline = buf.indexOf(0x0a, start);
  // A line, or what has come of it, may be 64 KB at most: a client that sends one without end
  // is refused there, not kept (and searched again on every read) until 64 MB of it.
  const length = (newline === -1 ? buf.length : newline + 1) - start;
  if (length > MAX_LINE_BYTES) throw new ProtocolError(`too big ${what}`);
  if (newline === -1) return null;
  const end = newline > start && buf[newline - 1] === 0x0d ? newline - 1 : newline;
  return { line: buf.subarray(start, end), next: newline + 1 };
}

/** A line of a command that isComplete has found whole, so its \n is there. */
function readLine(buf: Buffer, start: number) {
  const line = findLine(buf, start);
  if (line === null) throw new Error('readLine: a line without its \\n');
  return line;
}

/** The most a header may say: `$` gives a length in bytes, `*` a number of arguments. */
const MAX_COUNT = { 'bulk length': MAX_BULK_BYTES, 'multibulk length': MAX_ARGUMENTS };

/**
 * The number in a `$3` or `*3` header; a protocol error when it is not one, or too big. As in
 * Redis, `*0` and `*-1` are an empty command, but a `$` length below 0 is an error: taken as 0,
 * it would turn a client's bug into an empty argument that runs.
 */
function toCount(digits: Buffer, what: keyof typeof MAX_COUNT): number {
  const text = digits.toString('latin1');
  const n = Number(text);
  const tooSmall = what === 'bulk length' && n < 0;
  if (!/^-?\d+$/.test(text) || n > MAX_COUNT[what] || tooSmall) {
    throw new ProtocolError(`invalid ${what}`);
  }
  return Math.max(n, 0);
}

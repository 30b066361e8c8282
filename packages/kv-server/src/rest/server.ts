// The Upstash REST surface (see shared/UPSTASH-PROTOCOL.md): POST a JSON command to `/`, a JSON
// array of commands to `/pipeline` or `/multi-exec`, or use the path form `/set/key/value`.
// Every response body is JSON, errors included, because @upstash/redis parses every body.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ErrorReply, NULL_ARRAY, type Reply } from '../engine/reply.ts';
import { BackendUnavailableError, type CommandBackend } from './backend.ts';
import { replyToJson } from './json.ts';
import { refusal } from './refused.ts';

export interface RestServerOptions {
  token: string;
  backend: CommandBackend;
  /** Largest request body accepted (Upstash documents 10 MB). */
  maxBodyBytes?: number;
  /** Most commands in one `/pipeline` or `/multi-exec` request. */
  maxCommands?: number;
  log?: (line: string) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_COMMANDS = 10_000;

/** A request the server refuses as a whole, with its HTTP status and the JSON error text. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ALLOWED_METHODS = new Set(['HEAD', 'GET', 'POST', 'PUT']);
const EXAMPLE = 'a JSON array like ["set","key","value"]';

export function createRestServer(options: RestServerOptions): Server {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxCommands = options.maxCommands ?? DEFAULT_MAX_COMMANDS;
  const tokenDigest = digest(options.token);
  let syncCounter = 0;

  const server = createServer((req, res) => {
    // Read-your-writes: a value that changes on every request; a single node needs no more.
    res.setHeader('upstash-sync-token', String(++syncCounter));
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof HttpError) {
        send(res, error.status, { error: error.message });
      } else if (error instanceof BackendUnavailableError) {
        send(res, 502, { error: message });
      } else {
        options.log?.(`kv-server: REST request failed: ${message}`);
        send(res, 500, { error: `ERR kv-server internal error: ${message}` });
      }
    });
  });
  // @upstash/redis keeps connections alive; an idle timeout shorter than the client's invites
  // races where the client reuses a socket the server is closing. Headers must time out later.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (!ALLOWED_METHODS.has(method)) {
      res.setHeader('Allow', 'HEAD, GET, POST, PUT');
      throw new HttpError(
        405,
        `ERR method ${method} is not allowed: use POST (or GET for the path form)`,
      );
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!authorized(req, url)) {
      throw new HttpError(
        401,
        'WRONGPASS invalid or missing auth token: send the header "Authorization: Bearer <token>" with the token kv-server printed when it started',
      );
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) throw tooLarge(req, maxBody);
    const body = await readBody(req, maxBody);
    if (body === undefined) throw tooLarge(req, maxBody);

    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (path === '/') {
      const argv = toArgv(parseJson(body), 'the body');
      checkRefused(argv);
      await sendSingle(res, argv, base64);
    } else if (path === '/pipeline' || path === '/multi-exec') {
      const argvs = parseBatch(parseJson(body), maxCommands);
      if (path === '/pipeline') {
        await sendPipeline(res, await options.backend.pipeline(argvs), base64);
      } else {
        const reply = await options.backend.transaction(argvs);
        if (reply instanceof ErrorReply) {
          sendRaw(res, 400, replyToJson(reply, false));
        } else if (reply === NULL_ARRAY || !Array.isArray(reply)) {
          throw new HttpError(409, 'EXECABORT the transaction was aborted: a watched key changed');
        } else {
          sendRaw(res, 200, `[${reply.map((r) => replyToJson(r, base64)).join(',')}]`);
        }
      }
    } else {
      const argv = pathArgv(url, method, body);
      const name = argv[0]?.toString('latin1') ?? '';
      if (!options.backend.knows(name)) {
        throw new HttpError(
          404,
          `ERR no endpoint or command at ${JSON.stringify(url.pathname)}: POST ${EXAMPLE} to /, commands to /pipeline or /multi-exec, or use /<command>/<arg>/...`,
        );
      }
      await sendSingle(res, argv, base64);
    }
  }

  async function sendSingle(res: ServerResponse, argv: Buffer[], base64: boolean): Promise<void> {
    const reply: Reply = await options.backend.command(argv);
    sendRaw(res, reply instanceof ErrorReply ? 400 : 200, replyToJson(reply, base64));
  }

  function parseBatch(value: unknown, max: number): Buffer[][] {
    if (!Array.isArray(value) || value.length === 0) {
      throw new HttpError(
        400,
        `ERR the body must be a non-empty JSON array of commands, each ${EXAMPLE}; got ${describe(value)}`,
      );
    }
    if (value.length > max) {
      throw new HttpError(
        400,
        `ERR ${value.length} commands in one request is over the limit of ${max}: split it`,
      );
    }
    const argvs = value.map((command, i) => toArgv(command, `command ${i + 1}`));
    for (const argv of argvs) checkRefused(argv);
    return argvs;
  }

  function authorized(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ')
      ? header.slice(7).trim()
      : (url.searchParams.get('_token') ?? '');
    // Compare digests so the time taken says nothing about how much of the token was right.
    return given !== '' && timingSafeEqual(digest(given), tokenDigest);
  }

  return server;
}

function checkRefused(argv: Buffer[]): void {
  const why = refusal(argv[0]?.toString('latin1') ?? '');
  if (why !== undefined) throw new HttpError(400, why);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function tooLarge(req: IncomingMessage, max: number): HttpError {
  // Nothing more is buffered. The rest of the body is discarded as it arrives, so a client
  // still writing it gets to read the 413 instead of a reset connection; a client that keeps
  // sending far more, or for long, is cut off.
  let discarded = 0;
  const cutOff = () => req.socket.destroy();
  const timer = setTimeout(cutOff, 2000).unref();
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > 4 * max) cutOff();
  });
  req.on('end', () => clearTimeout(timer));
  req.resume();
  return new HttpError(
    413,
    `ERR request body is over the ${Math.round(max / 1024 / 1024)} MB limit: store less per request or split it`,
  );
}

/** The whole body, or undefined as soon as it grows past `max` (the rest is never buffered). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        chunks.length = 0;
        tooBig = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (!tooBig) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) {
    throw new HttpError(400, `ERR empty request body: send ${EXAMPLE}`);
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new HttpError(400, `ERR malformed JSON body (${detail}): send ${EXAMPLE}`);
  }
}

/** A JSON command as Redis arguments: strings as UTF-8, numbers and booleans as their text. */
function toArgv(value: unknown, what: string): Buffer[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, `ERR ${what} must be ${EXAMPLE}; got ${describe(value)}`);
  }
  const argv = value.map((arg: unknown, i) => {
    if (typeof arg === 'string') return Buffer.from(arg, 'utf8');
    if (typeof arg === 'number' || typeof arg === 'boolean')
      return Buffer.from(String(arg), 'latin1');
    throw new HttpError(
      400,
      `ERR argument ${i + 1} of ${what} is ${describe(arg)}: arguments must be strings, numbers or booleans (JSON.stringify objects first)`,
    );
  });
  return argv;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** `/set/key/value?EX=100` -> set key value EX 100 (+ the raw POST body as a last argument). */
function pathArgv(url: URL, method: string, body: Buffer): Buffer[] {
  const argv = url.pathname
    .split('/')
    .slice(1)
    .filter((segment, i, all) => segment !== '' || i < all.length - 1)
    .map(percentDecode);
  for (const [key, value] of url.searchParams) {
    if (key === '_token') continue;
    argv.push(Buffer.from(key, 'utf8'));
    if (value !== '') argv.push(Buffer.from(value, 'utf8'));
  }
  if ((method === 'POST' || method === 'PUT') && body.length > 0) argv.push(body);
  checkRefused(argv);
  return argv;
}

/** Percent-decoding to bytes, so `%FF` is the byte 0xFF rather than an invalid UTF-8 error. */
function percentDecode(segment: string): Buffer {
  if (!segment.includes('%')) return Buffer.from(segment, 'utf8');
  const bytes: number[] = [];
  const raw = Buffer.from(segment, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === 37 ? raw.toString('latin1', i + 1, i + 3) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(raw[i]!);
    }
  }
  return Buffer.from(bytes);
}

/** Responses up to this size are sent whole (with a Content-Length); larger ones are streamed. */
const STREAM_ABOVE_BYTES = 1024 * 1024;

/**
 * Writes a pipeline's replies as they come. Small responses go out in one piece; a large one is
 * streamed, waiting for the client to read, so a pipeline of big replies never sits in memory
 * all at once. A backend failure before the first reply is a 502; after it, an error entry.
 */
async function sendPipeline(
  res: ServerResponse,
  replies: Iterable<Reply | Promise<Reply>>,
  base64: boolean,
): Promise<void> {
  let pieces: string[] = [];
  let size = 0;
  let streaming = false;
  let first = true;
  for (const pending of replies) {
    let piece: string;
    try {
      piece = replyToJson(await pending, base64);
    } catch (error) {
      if (first || !(error instanceof BackendUnavailableError)) throw error;
      piece = JSON.stringify({ error: error.message });
    }
    first = false;
    if (res.destroyed) return; // the client went away: stop running its commands
    if (!streaming) {
      pieces.push(piece);
      size += piece.length;
      if (size <= STREAM_ABOVE_BYTES) continue;
      streaming = true;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      piece = `[${pieces.join(',')}`;
      pieces = [];
    } else {
      piece = `,${piece}`;
    }
    if (!res.write(piece)) await drained(res);
  }
  if (streaming) res.end(']');
  else sendRaw(res, 200, `[${pieces.join(',')}]`);
}

/** Resolves when the client has read what was written, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function send(res: ServerResponse, status: number, body: { error: string }): void {
  sendRaw(res, status, JSON.stringify(body));
}

function sendRaw(res: ServerResponse, status: number, json: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}

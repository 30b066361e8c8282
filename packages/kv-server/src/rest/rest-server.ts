// The Upstash REST surface (see shared/UPSTASH-PROTOCOL.md): POST a JSON command to `/`, a JSON
// array of commands to `/pipeline` or `/multi-exec`, or use the path form `/set/key/value`.
// Every response body is JSON, errors included, because @upstash/redis parses every body.

import { hash, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { isIP, type Socket } from 'node:net';
import { createLimits, type ServerLimits } from '../limits.ts';
import {
  BackendUnavailableError,
  type CancelSignal,
  type CommandBackend,
  type ReplyWaiter,
  type StreamKind,
} from '../protocol/backend.ts';
import { ErrorReply, NULL_ARRAY, type Reply } from '../protocol/reply.ts';
import { argvAt, argvsOf, FIRST, parseSpans, SPANS } from './fast-json.ts';
import { replyToJson } from './json.ts';
import { refusalOf } from './refused.ts';
import { openEventStream } from './sse.ts';

export interface RestServerOptions {
  token: string;
  backend: CommandBackend;
  /** Largest request body accepted (Upstash documents 10 MB). */
  maxBodyBytes?: number;
  /** Most commands in one `/pipeline` or `/multi-exec` request. */
  maxCommands?: number;
  /** maxclients, the request timeout, bytes buffered across requests; read at each check. */
  limits?: ServerLimits;
  /**
   * Host header names accepted besides loopback names and the address a request arrived on
   * (`--allow-host`; `*` accepts any). Anything else is refused: DNS rebinding.
   */
  allowHosts?: readonly string[];
  /** Origins (`http://localhost:5173`) whose pages may call the server (`--allow-origin`). */
  allowOrigins?: readonly string[];
  /** Pub/sub event streams (rest/sse.ts): a keep-alive comment this often; 0 = none. */
  sseKeepAliveMs?: number;
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

// HEAD is not among them: a HEAD of the path form would run the command and hide the result.
const ALLOWED_METHODS = new Set(['GET', 'POST', 'PUT']);
const EXAMPLE = 'a JSON array like ["set","key","value"]';

export function createRestServer(options: RestServerOptions): Server {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxCommands = options.maxCommands ?? DEFAULT_MAX_COMMANDS;
  const limits = options.limits ?? createLimits();
  const allowHosts = new Set((options.allowHosts ?? []).map(normalizeHost));
  const allowOrigins = new Set(options.allowOrigins ?? []);
  const tokenDigest = digest(options.token);
  let syncCounter = 0;
  /** Open connections, and those over maxclients (answered 503, then closed). */
  let connections = 0;
  const overCap = new WeakSet<Socket>();
  /** Request body bytes held right now, across all requests (limits.maxBufferedBytes). */
  let buffered = 0;

  // A request (headers and body) must arrive within limits.requestTimeoutMs (fixed when the
  // server starts: Node reads it once). Node checks every connectionsCheckingInterval (30 s by
  // default): often enough here that the timeout is kept to within a quarter of a second.
  const requestTimeout = limits.requestTimeoutMs;
  const server = createServer(
    {
      connectionsCheckingInterval: 250,
      requestTimeout,
      headersTimeout: requestTimeout > 0 ? Math.min(66_000, requestTimeout) : 66_000,
    },
    onRequest,
  );
  // @upstash/redis keeps connections alive; an idle timeout shorter than the client's invites
  // races where the client reuses a socket the server is closing. (Since Node 18 the headers
  // timeout counts from a request's first byte, so an idle kept-alive connection is not hit.)
  server.keepAliveTimeout = 65_000;

  server.on('connection', (socket: Socket) => {
    connections++;
    socket.once('close', () => connections--);
    if (connections > limits.maxClients) {
      overCap.add(socket);
      // Its first request is answered 503; one that sends nothing is not kept.
      setTimeout(() => socket.destroy(), 2000).unref();
    }
  });

  // Requests Node's HTTP parser refuses (double Content-Length, Content-Length with
  // Transfer-Encoding, oversized headers, the request timeout) get a JSON body too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    const detail =
      status === 408
        ? `the request did not arrive within ${Math.round(limits.requestTimeoutMs / 1000)} s`
        : `${error.code ?? 'parse error'}: ${error.message}`;
    const json = JSON.stringify({ error: `ERR malformed HTTP request (${detail})` });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  });

  /**
   * The checks every route goes through before anything runs: the connection cap, the request
   * target, Host (DNS rebinding), Origin (web pages; CORS preflights for allowed origins only),
   * the method, and the token (never from the URL). Returns the parsed target, or undefined when
   * the request was answered here (a preflight).
   */
  function admit(req: IncomingMessage, res: ServerResponse): Target | undefined {
    if (overCap.has(req.socket)) {
      res.shouldKeepAlive = false;
      throw new HttpError(
        503,
        `ERR max number of clients reached (${limits.maxClients} connections): close some, or raise maxclients`,
      );
    }
    const target = parseTarget(req.url ?? '/');
    if (!hostAllowed(req)) {
      throw new HttpError(
        403,
        `ERR Host ${JSON.stringify(req.headers.host)} is not this server: kv-server answers only requests addressed to a loopback name or its own address (a web page could otherwise reach it through DNS rebinding); start it with --allow-host <name> to accept that name`,
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!allowOrigins.has(origin)) {
        throw new HttpError(
          403,
          `ERR requests from web pages (Origin ${JSON.stringify(origin)}) are refused: start kv-server with --allow-origin ${origin} to let that page call it`,
        );
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', 'upstash-sync-token');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        res.setHeader('upstash-sync-token', String(++syncCounter));
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'GET, POST, PUT',
          'Access-Control-Allow-Headers':
            req.headers['access-control-request-headers'] ?? 'Authorization, Content-Type',
          'Access-Control-Max-Age': '600',
        });
        res.end();
        req.resume();
        return undefined;
      }
    }
    const method = req.method ?? 'GET';
    if (!ALLOWED_METHODS.has(method)) {
      res.setHeader('Allow', 'GET, POST, PUT');
      throw new HttpError(
        405,
        `ERR method ${method} is not allowed: use POST (or GET for the path form)`,
      );
    }
    if (target.query !== NO_QUERY && target.query.has('_token')) {
      throw new HttpError(
        401,
        'WRONGPASS a token in the URL (?_token=) is not accepted, since any web page can put one in a link: send the header "Authorization: Bearer <token>" instead',
      );
    }
    if (!authorized(req)) {
      throw new HttpError(
        401,
        'WRONGPASS invalid or missing auth token: send the header "Authorization: Bearer <token>" with the token kv-server printed when it started',
      );
    }
    return target;
  }

  /**
   * Host headers seen that name a loopback name or address: allowed whatever the connection,
   * so the next request with the same header (every request of a client) skips the parsing.
   * Bounded: a client sending ever new names only makes it stop remembering.
   */
  const loopbackHosts = new Set<string>();
  const rememberLoopback = (header: string): true => {
    if (loopbackHosts.size < 64) loopbackHosts.add(header);
    return true;
  };

  /** Loopback names, the address this request arrived on, and what --allow-host lists. */
  function hostAllowed(req: IncomingMessage): boolean {
    const header = req.headers.host;
    // HTTP/1.0 clients may send none; browsers always do.
    if (header === undefined) return true;
    if (loopbackHosts.has(header) || allowHosts.has('*')) return true;
    const host = normalizeHost(header);
    if (host === 'localhost' || host.endsWith('.localhost')) return rememberLoopback(header);
    if (isIP(host) !== 0) {
      if (isLoopback(host)) return rememberLoopback(header);
      const local = normalizeHost(req.socket.localAddress ?? '');
      if (host === local || `::ffff:${host}` === local) return true;
    }
    return allowHosts.has(host);
  }

  /** Holds `bytes` more of request bodies; false when the shared budget is spent. */
  function hold(bytes: number): boolean {
    if (buffered + bytes > limits.maxBufferedBytes) return false;
    buffered += bytes;
    return true;
  }

  /**
   * Every request: the checks of admit(), then its body is read (onData/onEnd below) and
   * dispatch() runs it. The hot path (`POST /` and `/pipeline` on the engine) allocates no
   * closure and no promise: the listeners are shared, the request's state is one object.
   */
  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    let target: Target | undefined;
    try {
      target = admit(req, res);
      if (target === undefined) return;
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBody) throw tooLarge(req, maxBody);
    } catch (error) {
      fail(res, error);
      return;
    }
    (req as Reading)[READING] = {
      res,
      target,
      first: undefined,
      chunks: undefined,
      size: 0,
      held: 0,
      stopped: false,
    };
    req.on('data', onData);
    req.on('end', onEnd);
  }

  /**
   * A chunk of the body. The body is dropped (413) as soon as it grows past maxBody (the rest
   * is never buffered), and refused (503) when the bytes held across all requests would pass
   * their limit. Bytes held go back to that budget when the request is answered or closed,
   * however it ends.
   */
  function onData(this: IncomingMessage, chunk: Buffer): void {
    const state = (this as Reading)[READING]!;
    state.size += chunk.length;
    if (state.size > maxBody) {
      stopReading(this, state, true);
      return;
    }
    if (!hold(chunk.length)) {
      stopReading(this, state, false);
      return;
    }
    // Read to the end, or the connection died: the chunks are no longer held here.
    if (state.held === 0) this.on('close', onClose);
    state.held += chunk.length;
    if (state.first === undefined) state.first = chunk;
    else if (state.chunks === undefined) state.chunks = [state.first, chunk];
    else state.chunks.push(chunk);
  }

  /** The body is over maxBody (`tooBig`) or over the shared budget: refused, rest discarded. */
  function stopReading(req: IncomingMessage, state: RequestState, tooBig: boolean): void {
    req.off('data', onData);
    state.first = undefined;
    state.chunks = undefined;
    // Dropped now (the rest is discarded unread): the budget gets them back at once.
    buffered -= state.held;
    state.held = 0;
    state.stopped = true;
    fail(state.res, tooBig ? tooLarge(req, maxBody) : busy(req, limits.maxBufferedBytes));
  }

  function onClose(this: IncomingMessage): void {
    const state = (this as Reading)[READING]!;
    buffered -= state.held;
    state.held = 0;
  }

  function onEnd(this: IncomingMessage): void {
    const state = (this as Reading)[READING]!;
    if (state.stopped) return;
    // A body that arrived in one chunk (nearly all of them) is used as it is, not copied.
    const body =
      state.chunks !== undefined
        ? Buffer.concat(state.chunks, state.size)
        : (state.first ?? EMPTY_BODY);
    state.first = undefined;
    state.chunks = undefined;
    let pending: Promise<void> | undefined;
    try {
      pending = dispatch(this, state.res, state.target, body);
    } catch (error) {
      fail(state.res, error);
    }
    if (pending !== undefined) {
      pending.catch((error: unknown) => fail(state.res, error));
    } else {
      // Answered: its body is no longer held.
      buffered -= state.held;
      state.held = 0;
    }
  }

  /** Runs a request whose body has arrived; a promise when its answer is still to come. */
  function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    admitted: Target,
    body: Buffer,
  ): Promise<void> | undefined {
    const encoding = req.headers['upstash-encoding'];
    const base64 = encoding !== undefined && String(encoding).toLowerCase() === 'base64';
    const raw = admitted.path;
    const path =
      raw === '/' || raw.charCodeAt(raw.length - 1) !== 47 ? raw : raw.replace(/\/+$/, '') || '/';

    if (path === '/') {
      // The engine's fast lane runs a plain SET, GET, INCR or DECR straight from the body's bytes.
      const simple = parseSpans(body, false) === 1;
      const laned = simple ? options.backend.runSpans?.(body, SPANS, FIRST, 1) : undefined;
      if (laned !== undefined) {
        sendReply(res, laned[0]!, base64);
        return undefined;
      }
      const argv = simple ? argvAt(body, 0) : toArgv(parseJson(body), 'the body');
      checkRefused(argv);
      return sendSingle(res, argv, base64);
    }
    if (path === '/pipeline' || path === '/multi-exec') {
      const count = parseSpans(body, true);
      // A pipeline of the engine's fast-lane commands (see above) runs in one go, unless its
      // client is already gone (the normal path then stops after the first command).
      if (path === '/pipeline' && count > 0 && count <= maxCommands && !res.destroyed) {
        const laned = options.backend.runSpans?.(body, SPANS, FIRST, count);
        if (laned !== undefined) {
          sendReplies(res, laned, base64);
          return undefined;
        }
      }
      let argvs: Buffer[][];
      if (count === 0 || count > maxCommands) {
        argvs = parseBatch(parseJson(body), maxCommands);
      } else {
        argvs = argvsOf(body, count);
        for (const argv of argvs) checkRefused(argv);
      }
      if (path === '/pipeline') {
        // A blocking command in it gives up when the client goes away. (A ClientGone, not an
        // AbortController: see sendSingle.)
        const gone = new ClientGone();
        const replies = options.backend.pipeline(argvs, gone);
        if (replies instanceof Promise) {
          watchClose(res, gone);
          return replies.then((all) => sendPipeline(res, all, base64, gone));
        }
        return sendPipeline(res, replies, base64, gone);
      }
      const reply = options.backend.transaction(argvs);
      if (reply instanceof Promise) return reply.then((r) => sendTransaction(res, r, base64));
      sendTransaction(res, reply, base64);
      return undefined;
    }

    // Pub/sub over Server-Sent Events: the whole rest of the path is the channel or pattern
    // (@upstash/redis puts it there unencoded, slashes included).
    const stream = /^\/(subscribe|psubscribe)\/(.+)$/.exec(raw);
    if (stream !== null || path === '/monitor') {
      const kind = (stream?.[1] ?? 'monitor') as StreamKind;
      res.setHeader('upstash-sync-token', String(++syncCounter));
      return openStream(req, res, kind, stream ? [percentDecode(stream[2]!)] : []);
    }

    const argv = pathArgv(admitted, req.method ?? 'GET', body);
    const name = argv[0]?.toString('latin1') ?? '';
    if (!options.backend.knows(name)) {
      throw new HttpError(
        404,
        `ERR no endpoint or command at ${JSON.stringify(raw)}: POST ${EXAMPLE} to /, commands to /pipeline or /multi-exec, or use /<command>/<arg>/...`,
      );
    }
    return sendSingle(res, argv, base64);
  }

  function sendTransaction(res: ServerResponse, reply: Reply, base64: boolean): void {
    if (reply instanceof ErrorReply) {
      sendRaw(res, 400, replyToJson(reply, false));
    } else if (reply === NULL_ARRAY || !Array.isArray(reply)) {
      throw new HttpError(409, 'EXECABORT the transaction was aborted: a watched key changed');
    } else {
      sendRaw(res, 200, `[${reply.map((r) => replyToJson(r, base64)).join(',')}]`);
    }
  }

  /** The answer for an error thrown anywhere in a request. */
  function fail(res: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof HttpError) {
      send(res, error.status, { error: error.message });
    } else if (error instanceof BackendUnavailableError) {
      send(res, 502, { error: message });
    } else {
      options.log?.(`kv-server: REST request failed: ${message}`);
      send(res, 500, { error: `ERR kv-server internal error: ${message}` });
    }
  }

  function send(res: ServerResponse, status: number, body: { error: string }): void {
    sendRaw(res, status, JSON.stringify(body));
  }

  /**
   * A whole JSON response: one writeHead with its headers as a flat array (no setHeader, no
   * header object) and one end. Read-your-writes: upstash-sync-token changes on every response;
   * a single node needs no more.
   */
  function sendRaw(res: ServerResponse, status: number, json: string): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, [
      'Content-Type',
      'application/json',
      'Content-Length',
      String(Buffer.byteLength(json)),
      'upstash-sync-token',
      String(++syncCounter),
    ]);
    res.end(json);
  }

  /** A pipeline's replies, all made already (the engine's fast lane): one JSON response. */
  function sendReplies(res: ServerResponse, replies: Reply[], base64: boolean): void {
    let out = '[';
    for (let i = 0; i < replies.length; i++) {
      if (i > 0) out += ',';
      out += replyToJson(replies[i]!, base64);
    }
    sendRaw(res, 200, `${out}]`);
  }

  /**
   * Writes a pipeline's replies. The engine's replies are values: they become JSON in one
   * synchronous loop and go out as one string. Once a reply is a promise (a forwarding backend,
   * a blocking command) or the response passes STREAM_ABOVE_BYTES, pipelineRest takes over.
   */
  function sendPipeline(
    res: ServerResponse,
    replies: Iterable<Reply | Promise<Reply>>,
    base64: boolean,
    gone: ClientGone,
  ): Promise<void> | undefined {
    const it = replies[Symbol.iterator]();
    let out = '';
    try {
      for (let step = it.next(); step.done !== true; step = it.next()) {
        const reply = step.value;
        if (reply instanceof Promise) {
          watchClose(res, gone);
          return pipelineRest(res, it, reply, out, base64);
        }
        const piece = replyToJson(reply, base64);
        if (res.destroyed) {
          it.return?.(); // the client went away: stop running its commands
          return undefined;
        }
        out = out === '' ? piece : `${out},${piece}`;
        if (out.length > STREAM_ABOVE_BYTES) return pipelineRest(res, it, undefined, out, base64);
      }
    } catch (error) {
      it.return?.();
      throw error;
    }
    sendRaw(res, 200, `[${out}]`);
    return undefined;
  }

  /**
   * The rest of a pipeline, each reply awaited as it comes (`current` first, if any). A small
   * response still goes out in one piece; a large one is streamed, waiting for the client to
   * read, so a pipeline of big replies never sits in memory all at once. A backend failure
   * before the first reply is a 502; after it, an error entry. `out`: the replies so far, as
   * JSON joined by commas.
   */
  async function pipelineRest(
    res: ServerResponse,
    it: Iterator<Reply | Promise<Reply>>,
    current: Reply | Promise<Reply> | undefined,
    out: string,
    base64: boolean,
  ): Promise<void> {
    let pieces: string[] = out === '' ? [] : [out];
    let size = out.length;
    let first = out === '';
    let streaming = false;
    let pending = current;
    try {
      if (size > STREAM_ABOVE_BYTES) {
        streaming = true;
        startStreaming(res);
        pieces = [];
        if (!res.write(`[${out}`)) await drained(res);
      }
      for (;;) {
        if (pending === undefined) {
          const step = it.next();
          if (step.done === true) break;
          pending = step.value;
        }
        let piece: string;
        try {
          // The engine's replies are values, not promises: no microtask per command for them.
          piece = replyToJson(pending instanceof Promise ? await pending : pending, base64);
        } catch (error) {
          if (first || !(error instanceof BackendUnavailableError)) throw error;
          piece = JSON.stringify({ error: error.message });
        }
        pending = undefined;
        first = false;
        if (res.destroyed) {
          it.return?.(); // the client went away: stop running its commands
          return;
        }
        if (!streaming) {
          pieces.push(piece);
          size += piece.length;
          if (size <= STREAM_ABOVE_BYTES) continue;
          streaming = true;
          startStreaming(res);
          piece = `[${pieces.join(',')}`;
          pieces = [];
        } else {
          piece = `,${piece}`;
        }
        if (!res.write(piece)) await drained(res);
      }
    } catch (error) {
      it.return?.();
      throw error;
    }
    if (streaming) res.end(']');
    else sendRaw(res, 200, `[${pieces.join(',')}]`);
  }

  function startStreaming(res: ServerResponse): void {
    res.writeHead(200, [
      'Content-Type',
      'application/json',
      'upstash-sync-token',
      String(++syncCounter),
    ]);
  }

  /** An event stream (rest/sse.ts): open until the client aborts the request. */
  async function openStream(
    req: IncomingMessage,
    res: ServerResponse,
    kind: StreamKind,
    names: Buffer[],
  ): Promise<void> {
    let stop: (() => void) | undefined;
    let gone = false;
    const sink = openEventStream(req, res, options.sseKeepAliveMs ?? 15_000, () => {
      gone = true;
      stop?.();
    });
    stop = await options.backend.stream(kind, names, sink);
    if (gone) stop();
  }

  function sendSingle(
    res: ServerResponse,
    argv: Buffer[],
    base64: boolean,
  ): Promise<void> | undefined {
    // A blocking command (BLPOP) gives up when the client goes away. Watched only while a reply
    // is pending: an AbortController per request (and the DOMException of its abort() when
    // every response closes) was ~10% of the REST path's busy time under autocannon.
    // A forwarding backend takes a plain command with an object to answer it (no promise).
    if (options.backend.commandTo?.(argv, new Answer(res, base64)) === true) return undefined;
    const gone = new ClientGone();
    const reply = options.backend.command(argv, gone);
    if (reply instanceof Promise) {
      watchClose(res, gone);
      return reply.then((r) => sendReply(res, r, base64));
    }
    sendReply(res, reply, base64);
    return undefined;
  }

  /** Where a forwarded command's reply (or its backend's failure) goes: writes the response. */
  class Answer implements ReplyWaiter {
    constructor(
      private readonly res: ServerResponse,
      private readonly base64: boolean,
    ) {}

    resolve(reply: Reply): void {
      try {
        sendReply(this.res, reply, this.base64);
      } catch (error) {
        fail(this.res, error);
      }
    }

    reject(error: Error): void {
      fail(this.res, error);
    }
  }

  function sendReply(res: ServerResponse, reply: Reply, base64: boolean): void {
    sendRaw(res, reply instanceof ErrorReply ? 400 : 200, replyToJson(reply, base64));
  }

  function authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    // A connection that was already let in with this exact header: compared with what this
    // client itself sent, so its timing tells nothing about a token the client lacks.
    const socket = req.socket as Verified;
    if (header !== '' && socket[VERIFIED] === header) return true;
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    // Compare digests so the time taken says nothing about how much of the token was right.
    const ok = given !== '' && timingSafeEqual(digest(given), tokenDigest);
    if (ok) socket[VERIFIED] = header;
    return ok;
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

  return server;
}

/** What a backend watches to give up a blocking command (the part of AbortSignal it uses). */
class ClientGone implements CancelSignal {
  aborted = false;
  /** Made only when something listens: nearly every request ends with nobody listening. */
  private listeners: (() => void)[] | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.listeners === undefined) this.listeners = [listener];
    else this.listeners.push(listener);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener();
  }
}

/** Aborts `gone` when the response closes (the client went away), or now if it has. */
function watchClose(res: ServerResponse, gone: ClientGone): void {
  if (res.destroyed) gone.abort();
  else res.once('close', () => gone.abort());
}

/** A request's state while its body arrives, kept on the request (see onRequest). */
interface RequestState {
  res: ServerResponse;
  target: Target;
  /** The first chunk, and all of them once there is more than one. */
  first: Buffer | undefined;
  chunks: Buffer[] | undefined;
  size: number;
  /** Bytes taken from the shared budget (limits.maxBufferedBytes), not yet given back. */
  held: number;
  /** Refused while it arrived (too large, over the budget): its end is ignored. */
  stopped: boolean;
}

const READING = Symbol('reading');
type Reading = IncomingMessage & { [READING]?: RequestState };
/** On a socket: the Authorization header a request on it was accepted with. */
const VERIFIED = Symbol('verified');
type Verified = Socket & { [VERIFIED]?: string };
const EMPTY_BODY = Buffer.alloc(0);

type ReadonlyURLSearchParams = Omit<URLSearchParams, 'append' | 'delete' | 'set' | 'sort'>;

/** The request target as sent: the path is never normalised (`..` in the path form is data). */
interface Target {
  /** The raw path, still percent-encoded. */
  path: string;
  query: ReadonlyURLSearchParams;
}

/**
 * A path the URL parser always accepts (one leading slash, then letters, digits, `-._~/%`): the
 * common `/`, `/pipeline`, `/get/key`, checked without parsing a URL per request. (`//host`
 * forms are left to the parser: `//999.999.999.999` is an invalid host.)
 */
const PLAIN_PATH = /^\/(?!\/)[\w\-.~/%]*$/;
/** The query of a target without one; never changed (targets are only read). */
const NO_QUERY: ReadonlyURLSearchParams = new URLSearchParams();

function parseTarget(raw: string): Target {
  // Only the origin form (`/path?query`) is served; `*`, absolute URLs and anything that is
  // not a path are a 400 with a JSON body, never an exception.
  // A target no URL parser accepts (`//[/x`: a bracket where a host would be) is refused too,
  // though only the raw path is used: what a proxy or a client library would choke on.
  if (!raw.startsWith('/') || (!PLAIN_PATH.test(raw) && !URL.canParse(raw, 'http://localhost'))) {
    throw new HttpError(
      400,
      `ERR invalid request target ${JSON.stringify(raw.slice(0, 100))}: expected a path such as /pipeline or /get/key`,
    );
  }
  const q = raw.indexOf('?');
  return q === -1
    ? { path: raw, query: NO_QUERY }
    : { path: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
}

/** A Host header (or an address) without its port or brackets, lower case, no trailing dot. */
function normalizeHost(value: string): string {
  let host = value.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? host.slice(1) : host.slice(1, end);
  } else if (host.indexOf(':') === host.lastIndexOf(':')) {
    host = host.replace(/:\d*$/, ''); // name:port (a bare IPv6 address keeps its colons)
  }
  return host.replace(/\.$/, '');
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\.\d+\.\d+\.\d+$/.test(ip) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(ip);
}

function checkRefused(argv: Buffer[]): void {
  const why = refusalOf(argv[0]);
  if (why !== undefined) throw new HttpError(400, why);
}

function digest(text: string): Buffer {
  // The one-shot hash: a Hash object per request was ~5% of the REST path under autocannon.
  return hash('sha256', text, 'buffer');
}

function tooLarge(req: IncomingMessage, max: number): HttpError {
  discardRest(req, max);
  return new HttpError(
    413,
    `ERR request body is over the ${Math.round(max / 1024 / 1024)} MB limit: store less per request or split it`,
  );
}

function busy(req: IncomingMessage, max: number): HttpError {
  discardRest(req, DEFAULT_MAX_BODY_BYTES);
  return new HttpError(
    503,
    `ERR kv-server is already holding ${Math.round(max / 1024 / 1024)} MB of unfinished request bodies: try again in a moment`,
  );
}

function discardRest(req: IncomingMessage, max: number): void {
  // Nothing more is buffered. The rest of the body is discarded as it arrives, so a client
  // still writing it gets to read the error instead of a reset connection; a client that keeps
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
function pathArgv(target: Target, method: string, body: Buffer): Buffer[] {
  const argv = target.path
    .split('/')
    .slice(1)
    .filter((segment, i, all) => segment !== '' || i < all.length - 1)
    .map(percentDecode);
  for (const [key, value] of target.query) {
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

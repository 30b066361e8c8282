// The connection registry: every RESP client connection, in one place the RESP surface, the
// engine's CLIENT command and pub/sub can all reach. The RESP server creates a ClientInfo per
// connection (id, addresses, the hooks to write to and close it); the engine handler registers it
// in `engine.clients` and links it to the connection's Session.

import type { Reply } from '../protocol/reply.ts';
import type { Session } from './engine.ts';

/** CLIENT TRACKING state of one connection (see tracking.ts). */
export interface TrackingState {
  /** Client id the invalidations go to (REDIRECT), or 0 for the connection itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  prefixes: string[];
  /** CLIENT CACHING yes/no for the next command (OPTIN / OPTOUT modes). */
  caching: boolean | undefined;
}

export class ClientInfo {
  /** Set by CLIENT SETNAME (and HELLO ... SETNAME). */
  name: string | undefined = undefined;
  /** 2 or 3: the protocol the connection asked for with HELLO. */
  protocol: 2 | 3 = 2;
  /** CLIENT SETINFO lib-name / lib-ver. */
  libName = '';
  libVer = '';
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  lastInteraction: number;
  /** The last command run, as CLIENT LIST shows it (`client|list`, `get`, `NULL`). */
  lastCommand = 'NULL';
  /** The database the connection has SELECTed (kept in step by the engine). */
  db = 0;
  /** Whether the connection is in MULTI, and how many commands it queued (CLIENT LIST). */
  multi = -1;
  /** Pub/sub subscription counts (kept by pub/sub). */
  subscriptions = 0;
  patternSubscriptions = 0;
  shardSubscriptions = 0;
  noEvict = false;
  noTouch = false;
  /** CLIENT REPLY: 'on', 'off', or 'skip' (skip the next reply only). */
  replyMode: 'on' | 'off' | 'skip' = 'on';
  tracking: TrackingState | undefined = undefined;
  /** Flag letters that other parts add (`P` pub/sub, `b` blocked, `x` MULTI ...). */
  readonly extraFlags = new Set<string>();
  /** The engine session of the connection (engine mode; CLIENT UNBLOCK, pub/sub). */
  session: Session | undefined = undefined;
  /** CLIENT REPLY SKIP: the reply after this one is dropped too. */
  skipNextReply = false;
  /** Set by the surface: closes the connection (CLIENT KILL). */
  kill: () => void = () => {};
  /**
   * Set by the surface: writes an out-of-band reply (a RESP3 push, or its RESP2 array form) to
   * the connection now, between replies. Returns false when the connection is gone.
   */
  push: (reply: Reply) => boolean = () => false;
  /** Bytes waiting in the connection's output buffer (CLIENT LIST's omem), set by the surface. */
  outputBytes: () => number = () => 0;
  /** Bytes of unparsed input (CLIENT LIST's qbuf), set by the surface. */
  inputBytes: () => number = () => 0;

  constructor(
    readonly id: number,
    /** `ip:port` of the peer and of our end. */
    readonly addr: string,
    readonly laddr: string,
    now: number = Date.now(),
  ) {
    this.createdAt = now;
    this.lastInteraction = now;
  }

  /** The flags field of CLIENT LIST (`N` when none). */
  flags(): string {
    let f = '';
    if (this.multi >= 0) f += 'x';
    for (const flag of this.extraFlags) f += flag;
    if (this.tracking !== undefined) f += 't';
    if (this.tracking?.redirect && this.tracking.redirect !== 0) f += 'R';
    if (this.tracking?.bcast) f += 'B';
    if (this.noEvict) f += 'e';
    if (this.noTouch) f += 'T';
    return f === '' ? 'N' : f;
  }

  /** One line of CLIENT LIST / CLIENT INFO, fields in Redis 7.2's order. */
  describe(now: number = Date.now()): string {
    const omem = this.outputBytes();
    const qbuf = this.inputBytes();
    return [
      `id=${this.id}`,
      `addr=${this.addr}`,
      `laddr=${this.laddr}`,
      `fd=${this.id + 7}`,
      `name=${this.name ?? ''}`,
      `age=${Math.floor((now - this.createdAt) / 1000)}`,
      `idle=${Math.floor((now - this.lastInteraction) / 1000)}`,
      `flags=${this.flags()}`,
      `db=${this.db}`,
      `sub=${this.subscriptions}`,
      `psub=${this.patternSubscriptions}`,
      `ssub=${this.shardSubscriptions}`,
      `multi=${this.multi}`,
      `qbuf=${qbuf}`,
      `qbuf-free=${qbuf > 0 ? 20474 - Math.min(qbuf, 20474) : 0}`,
      'argv-mem=0',
      'multi-mem=0',
      'rbs=1024',
      'rbp=0',
      'obl=0',
      'oll=0',
      `omem=${omem}`,
      `tot-mem=${22000 + qbuf + omem}`,
      `events=r${omem > 0 ? 'w' : ''}`,
      `cmd=${this.lastCommand}`,
      'user=default',
      `redir=${this.tracking?.redirect ? this.tracking.redirect : -1}`,
      `resp=${this.protocol}`,
      `lib-name=${this.libName}`,
      `lib-ver=${this.libVer}`,
    ].join(' ');
  }
}

/** Every open RESP connection by id. */
export class ClientRegistry {
  private readonly byId = new Map<number, ClientInfo>();
  private lastId = 0;

  /** A fresh id: never reused, always increasing (CLIENT ID's guarantee). */
  nextId(): number {
    return ++this.lastId;
  }

  add(client: ClientInfo): void {
    this.byId.set(client.id, client);
  }

  remove(client: ClientInfo): void {
    this.byId.delete(client.id);
  }

  get(id: number): ClientInfo | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<ClientInfo> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}

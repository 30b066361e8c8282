// CLIENT TRACKING: server-assisted client-side caching (what node-redis's client-side cache
// uses). In the default mode the server remembers which client read which key, and when the key
// changes sends each of them one `invalidate` push and forgets the key; in BCAST mode every
// change of a key under a registered prefix is sent, read or not. Invalidations are queued and
// sent after the command that caused them (a microtask), so a client that changes a key it
// cached gets its reply first, as in Redis 7.
//
// Delivery: a RESP3 connection gets `>2 invalidate [keys]`; with REDIRECT the target gets it, or,
// when the target speaks RESP2, the Pub/Sub message Redis sends on `__redis__:invalidate`. A
// flush invalidates everything: the key list is null.

import { bulk, PushReply, type Reply } from '../protocol/reply.ts';
import type { ClientInfo, TrackingState } from './clients.ts';
import type { Engine } from './engine.ts';

/** The table of remembered keys is bounded (Redis's tracking-table-max-keys is 1M). */
const MAX_KEYS = 1_000_000;

export class Tracking {
  /** Default mode: key -> ids of the clients that may have it cached. */
  private readonly table = new Map<string, Set<number>>();
  /** Client id -> keys to invalidate (null: everything, after a flush). */
  private readonly pending = new Map<number, Set<string> | null>();
  private scheduled = false;
  private readonly tracking = new Set<ClientInfo>();
  /** The client whose command is running (NOLOOP skips its own changes). */
  current: ClientInfo | undefined;

  constructor(private readonly engine: Engine) {
    engine.keyListeners.push((_db, key) => this.keyChanged(key));
  }

  get enabledCount(): number {
    return this.tracking.size;
  }

  enable(client: ClientInfo, state: TrackingState): void {
    client.tracking = state;
    this.tracking.add(client);
  }

  disable(client: ClientInfo): void {
    client.tracking = undefined;
    this.tracking.delete(client);
    this.pending.delete(client.id);
  }

  /** After a read-only command: the client may now cache these keys. */
  remember(client: ClientInfo, keys: readonly string[]): void {
    const state = client.tracking;
    if (state === undefined || state.bcast) return;
    if (state.optin && state.caching !== true) return;
    if (state.optout && state.caching === false) return;
    for (const key of keys) {
      let ids = this.table.get(key);
      if (ids === undefined) {
        if (this.table.size >= MAX_KEYS) this.evictOne();
        ids = new Set();
        this.table.set(key, ids);
      }
      ids.add(client.id);
    }
  }

  /** FLUSHDB / FLUSHALL: every tracking client drops its whole cache. */
  flushed(): void {
    this.table.clear();
    for (const client of this.tracking) this.queue(client, null);
  }

  private keyChanged(key: string): void {
    if (this.tracking.size === 0) return;
    const ids = this.table.get(key);
    if (ids !== undefined) {
      this.table.delete(key);
      for (const id of ids) {
        const client = this.engine.clients.get(id);
        if (client?.tracking === undefined || client.tracking.bcast) continue;
        if (client.tracking.noloop && client === this.current) continue;
        this.queue(client, key);
      }
    }
    for (const client of this.tracking) {
      const state = client.tracking;
      if (state === undefined || !state.bcast) continue;
      if (state.noloop && client === this.current) continue;
      if (state.prefixes.length > 0 && !state.prefixes.some((p) => key.startsWith(p))) continue;
      this.queue(client, key);
    }
  }

  private queue(client: ClientInfo, key: string | null): void {
    const keys = this.pending.get(client.id);
    if (key === null) this.pending.set(client.id, null);
    else if (keys === undefined) this.pending.set(client.id, new Set([key]));
    else keys?.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.deliver());
    }
  }

  private deliver(): void {
    this.scheduled = false;
    for (const [id, keys] of this.pending) {
      const client = this.engine.clients.get(id);
      if (client?.tracking === undefined) continue;
      const list: Reply = keys === null ? null : [...keys].map(bulk);
      const redirect = client.tracking.redirect;
      const target = redirect ? this.engine.clients.get(redirect) : client;
      if (target === undefined) {
        // The redirect target went away: Redis tells a RESP3 client its redirect is broken.
        if (client.protocol === 3)
          client.push(new PushReply([bulk('tracking-redir-broken'), redirect]));
        continue;
      }
      if (target.protocol === 3) target.push(new PushReply([bulk('invalidate'), list]));
      else if (redirect && target.subscriptions > 0) {
        target.push([bulk('message'), bulk('__redis__:invalidate'), list]);
      }
    }
    this.pending.clear();
  }

  private evictOne(): void {
    const first = this.table.keys().next();
    if (first.done) return;
    const key = first.value;
    const ids = this.table.get(key) ?? new Set<number>();
    this.table.delete(key);
    for (const id of ids) {
      const client = this.engine.clients.get(id);
      if (client !== undefined) this.queue(client, key);
    }
  }
}

const registries = new WeakMap<Engine, Tracking>();

/** The tracking state of an engine (created on first use). */
export function trackingOf(engine: Engine): Tracking {
  let tracking = registries.get(engine);
  if (tracking === undefined) {
    tracking = new Tracking(engine);
    registries.set(engine, tracking);
  }
  return tracking;
}

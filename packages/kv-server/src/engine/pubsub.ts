// Pub/sub and MONITOR state: who listens to which channel, pattern or shard channel, and who
// watches every command. A listener is a `Subscriber`: a RESP connection (its engine Session) or
// a REST Server-Sent Events stream. Delivery is synchronous: PUBLISH hands each message to the
// subscriber's sink, which queues it on that connection's socket (RESP) or response (SSE).

import { DEFAULT_PUBSUB_LIMITS, type OutputLimits } from '../limits.ts';
import { bulk, PushReply, type Reply, SimpleString } from '../protocol/reply.ts';
import type { Engine, Session } from './engine.ts';
import { globMatch } from './glob.ts';

export class Subscriber {
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** When the output first went over the soft limit (0: it is under). */
  private softSince = 0;

  constructor(
    /** Writes one push (a message or a confirmation) to the listener. */
    private readonly sink: (reply: Reply) => void,
    /** Bytes written to the listener and not yet sent (0 if unknown). */
    private readonly pendingBytes: () => number = () => 0,
    /** Closes the listener (output limit reached). */
    private readonly disconnect: () => void = () => {},
    private readonly limits: OutputLimits = DEFAULT_PUBSUB_LIMITS,
    /** Called when the subscription counts change (CLIENT LIST's sub/psub/ssub). */
    readonly onChange: () => void = () => {},
  ) {}

  /** Channel + pattern subscriptions: the count SUBSCRIBE/UNSUBSCRIBE replies carry. */
  get count(): number {
    return this.channels.size + this.patterns.size;
  }

  get total(): number {
    return this.count + this.shardChannels.size;
  }

  deliver(reply: Reply): void {
    this.sink(reply);
    this.checkLimits();
  }

  private checkLimits(): void {
    const pending = this.pendingBytes();
    const { hardBytes, softBytes, softSeconds } = this.limits;
    if (hardBytes > 0 && pending > hardBytes) {
      this.disconnect();
      return;
    }
    if (softBytes > 0 && pending > softBytes) {
      const now = Date.now();
      if (this.softSince === 0) this.softSince = now;
      else if (now - this.softSince >= softSeconds * 1000) this.disconnect();
    } else {
      this.softSince = 0;
    }
  }
}

type Kind = 'channel' | 'pattern' | 'shard';

/** One MONITOR listener: gets every command as Redis's status line. */
export type MonitorSink = (line: SimpleString) => void;

/** Commands MONITOR does not show (Redis skips admin commands and the ones that carry secrets). */
const NOT_MONITORED = new Set([
  'monitor',
  'auth',
  'hello',
  'config',
  'debug',
  'shutdown',
  'save',
  'bgsave',
  'bgrewriteaof',
  'replicaof',
  'slaveof',
  'acl',
  'module',
  'migrate',
  'failover',
]);

export class PubSubHub {
  private readonly channels = new Map<string, Set<Subscriber>>();
  private readonly patterns = new Map<string, Set<Subscriber>>();
  private readonly shardChannels = new Map<string, Set<Subscriber>>();
  private readonly monitors = new Set<MonitorSink>();
  /** Subscriber state of each RESP session that ever subscribed. */
  private readonly sessions = new WeakMap<Session, Subscriber>();
  /** Whether any session ever subscribed: until then `isSubscribed` needs no lookup. */
  private anySessions = false;
  private readonly sessionMonitors = new WeakMap<Session, MonitorSink>();
  readonly limits: OutputLimits = { ...DEFAULT_PUBSUB_LIMITS };

  private table(kind: Kind): Map<string, Set<Subscriber>> {
    return kind === 'channel'
      ? this.channels
      : kind === 'pattern'
        ? this.patterns
        : this.shardChannels;
  }

  private own(sub: Subscriber, kind: Kind): Set<string> {
    return kind === 'channel'
      ? sub.channels
      : kind === 'pattern'
        ? sub.patterns
        : sub.shardChannels;
  }

  /** Adds a subscription; false when `sub` already had it. */
  add(sub: Subscriber, kind: Kind, name: string): boolean {
    const own = this.own(sub, kind);
    if (own.has(name)) return false;
    own.add(name);
    const table = this.table(kind);
    let set = table.get(name);
    if (set === undefined) {
      set = new Set();
      table.set(name, set);
    }
    set.add(sub);
    sub.onChange();
    return true;
  }

  /** Removes a subscription; false when `sub` did not have it. */
  remove(sub: Subscriber, kind: Kind, name: string): boolean {
    const own = this.own(sub, kind);
    if (!own.delete(name)) return false;
    const table = this.table(kind);
    const set = table.get(name);
    set?.delete(sub);
    if (set?.size === 0) table.delete(name);
    sub.onChange();
    return true;
  }

  /** Drops every subscription of `sub` (its connection closed, or RESET). */
  removeAll(sub: Subscriber): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const name of [...this.own(sub, kind)]) this.remove(sub, kind, name);
    }
  }

  /** PUBLISH: delivers to channel subscribers, then to matching patterns; returns the count. */
  publish(channel: string, message: Buffer): number {
    let receivers = 0;
    const ch = bulk(channel);
    const direct = this.channels.get(channel);
    if (direct !== undefined) {
      // One reply for all: it is only read. A copy of the set: a subscriber disconnected for
      // its output limit leaves it while we iterate.
      const push = new PushReply([MESSAGE, ch, message]);
      for (const sub of [...direct]) {
        sub.deliver(push);
        receivers++;
      }
    }
    for (const [pattern, subs] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      const push = new PushReply([PMESSAGE, bulk(pattern), ch, message]);
      for (const sub of [...subs]) {
        sub.deliver(push);
        receivers++;
      }
    }
    return receivers;
  }

  /** SPUBLISH: shard channel subscribers only. */
  spublish(channel: string, message: Buffer): number {
    const subs = this.shardChannels.get(channel);
    if (subs === undefined) return 0;
    const push = new PushReply([bulk('smessage'), bulk(channel), message]);
    for (const sub of [...subs]) sub.deliver(push);
    return subs.size;
  }

  /** Channels (or shard channels) with at least one subscriber, optionally filtered by a glob. */
  activeChannels(shard: boolean, pattern: string | undefined): string[] {
    const names = [...(shard ? this.shardChannels : this.channels).keys()];
    return pattern === undefined ? names : names.filter((name) => globMatch(pattern, name));
  }

  subscriberCount(shard: boolean, channel: string): number {
    return (shard ? this.shardChannels : this.channels).get(channel)?.size ?? 0;
  }

  /** PUBSUB NUMPAT: distinct patterns with a subscriber (Redis 7.0 counts patterns, not clients). */
  get patternCount(): number {
    return this.patterns.size;
  }

  /** The subscriber behind a RESP session, created on its first SUBSCRIBE. */
  forSession(session: Session, create: true): Subscriber;
  forSession(session: Session, create: false): Subscriber | undefined;
  forSession(session: Session, create: boolean): Subscriber | undefined {
    let sub = this.sessions.get(session);
    if (sub === undefined && create) {
      const client = session.client;
      sub = new Subscriber(
        (reply) => {
          client?.push(reply);
        },
        () => client?.outputBytes() ?? 0,
        () => client?.kill(),
        this.limits,
        () => {
          if (client === undefined || sub === undefined) return;
          client.subscriptions = sub.channels.size;
          client.patternSubscriptions = sub.patterns.size;
          client.shardSubscriptions = sub.shardChannels.size;
          if (sub.total > 0) client.extraFlags.add('P');
          else client.extraFlags.delete('P');
        },
      );
      this.sessions.set(session, sub);
      this.anySessions = true;
    }
    return sub;
  }

  /** A session is subscribed when it has any subscription (Redis's CLIENT_PUBSUB flag). */
  isSubscribed(session: Session): boolean {
    // Asked before every command of a RESP2 connection.
    if (!this.anySessions) return false;
    return (this.sessions.get(session)?.total ?? 0) > 0;
  }

  /** MONITOR for a RESP session; false when it already monitors (Redis then stays silent). */
  startMonitor(session: Session, sink: MonitorSink): boolean {
    if (this.sessionMonitors.has(session)) return false;
    this.sessionMonitors.set(session, sink);
    this.monitors.add(sink);
    return true;
  }

  isMonitoring(session: Session): boolean {
    return this.sessionMonitors.has(session);
  }

  stopMonitor(session: Session): void {
    const sink = this.sessionMonitors.get(session);
    if (sink === undefined) return;
    this.sessionMonitors.delete(session);
    this.monitors.delete(sink);
  }

  /** A monitor that is not a RESP session (a REST `/monitor` stream). */
  addMonitor(sink: MonitorSink): void {
    this.monitors.add(sink);
  }

  removeMonitor(sink: MonitorSink): void {
    this.monitors.delete(sink);
  }

  get monitorCount(): number {
    return this.monitors.size;
  }

  /** Whether anyone monitors (the cheap check before building a line). */
  get monitoring(): boolean {
    return this.monitors.size > 0;
  }

  /** Shows one command to every MONITOR, in Redis's line format. */
  feedMonitors(db: number, source: string, argv: Buffer[]): void {
    if (this.monitors.size === 0) return;
    const name = argv[0]?.toString('latin1').toLowerCase() ?? '';
    if (NOT_MONITORED.has(name)) return;
    const now = Date.now();
    // Microseconds, as Redis prints them; the sub-millisecond digits come from the monotonic clock.
    const micros = (now % 1000) * 1000 + Math.floor((performance.now() % 1) * 1000);
    const head = `${Math.floor(now / 1000)}.${String(micros).padStart(6, '0')} [${db} ${source}]`;
    const line = new SimpleString(`${head} ${argv.map(repr).join(' ')}`);
    for (const sink of [...this.monitors]) sink(line);
  }
}

const MESSAGE = bulk('message');
const PMESSAGE = bulk('pmessage');

const hubs = new WeakMap<Engine, PubSubHub>();

/** The pub/sub state of an engine (one per engine, created on first use). */
/**
 * The last engine asked about and its hub: every command asks (a WeakMap lookup each time
 * was measurable); only one engine is held this way.
 */
let lastEngine: Engine | undefined;
let lastPubSubHub: PubSubHub | undefined;

export function pubsubOf(engine: Engine): PubSubHub {
  if (engine === lastEngine) return lastPubSubHub!;
  let hub = hubs.get(engine);
  if (hub === undefined) {
    hub = new PubSubHub();
    hubs.set(engine, hub);
  }
  lastEngine = engine;
  lastPubSubHub = hub;
  return hub;
}

/** Redis's sdscatrepr: a quoted string with `\n`, `\"`, `\xhh` escapes (MONITOR's arguments). */
export function repr(arg: Buffer): string {
  let out = '"';
  for (const byte of arg) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x22) out += '\\"';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x07) out += '\\a';
    else if (byte === 0x08) out += '\\b';
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

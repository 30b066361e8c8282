// How a surface (a RESP connection, a REST request) runs one command on the engine, with what
// surrounds a command in Redis's processCommand/call: the RESP2 subscribed-connection rule,
// MONITOR's feed, a blocking command's wait, and serving the clients that a write unblocked.

import { bulk, err, QUEUED, type Reply } from '../protocol/reply.ts';
import { blockingOf } from './blocking.ts';
import { redisMetadata } from './command-docs.ts';
import { commandName } from './command-name.ts';
import type { Engine, Session } from './engine.ts';
import { pubsubOf } from './pubsub.ts';
import { scriptCommand } from './scripting/scripting.ts';

/** What a RESP2 connection with subscriptions may still send. */
const SUBSCRIBED_ALLOWED = new Set([
  'subscribe',
  'ssubscribe',
  'psubscribe',
  'unsubscribe',
  'sunsubscribe',
  'punsubscribe',
  'ping',
  'quit',
  'reset',
]);

/** Commands MONITOR shows before they run (see runCommand). */
const SHOWN_BEFORE = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

export interface RunOptions {
  /** Longest a blocking command may wait here (REST: its request timeout); 0 = no cap. */
  maxBlockMs?: number;
  /** MONITOR's client field (`ip:port`); defaults to the session's connection address. */
  source?: string;
}

const NO_OPTIONS: RunOptions = {};

/**
 * Runs `argv` for `session`. Returns the reply, or a promise of it when the command blocks
 * (BLPOP on an empty list); `cancelCommand` ends such a wait when the client goes away.
 * `name`, when the caller already has it, is `commandName(argv[0])`.
 */
export function runCommand(
  engine: Engine,
  session: Session,
  argv: Buffer[],
  options: RunOptions = NO_OPTIONS,
  name?: string,
): Reply | Promise<Reply> {
  const hub = pubsubOf(engine);
  const blocking = blockingOf(engine);
  const first = argv[0];
  if (first === undefined) return engine.execute(session, argv);
  name ??= commandName(first);

  if (session.protocol === 2 && hub.isSubscribed(session)) {
    const spec = engine.command(name);
    // Unknown commands and wrong arities get their usual errors first, as in Redis.
    if (spec !== undefined && arityOk(spec.arity, argv.length)) {
      if (name === 'ping' && argv.length <= 2) {
        // In RESP2 a subscribed connection can only receive arrays, so PING answers as one.
        return [bulk('pong'), argv[1] === undefined ? bulk('') : Buffer.from(argv[1])];
      }
      const full = SUBSCRIBED_ALLOWED.has(name) ? undefined : fullName(name, argv);
      if (full !== undefined) {
        return err(
          `ERR Can't execute '${full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
        );
      }
    }
  }

  // MONITOR sees a command once it ran, as Redis feeds monitors after call(): a queued command
  // at EXEC (not when queued), the EXEC after them, SELECT with its new database.
  // (feedMonitor is a plain function: a closure per command cost ~3% under redis-benchmark.)
  const queued = session.inMulti && name === 'exec' ? [...session.queue] : undefined;
  // Scripts are shown before they run, so their own commands (`[0 lua] ...`) follow them, as
  // Redis's evalGenericCommand does (feedMonitor then skips them).
  if (hub.monitoring && !session.inMulti && SHOWN_BEFORE.has(name)) {
    hub.feedMonitors(session.dbIndex, options.source ?? session.client?.addr ?? 'rest', argv);
  }
  // Scripting: BUSY while a slow script runs; EVAL may finish asynchronously past the threshold.
  const scripted = scriptCommand(engine, session, argv, name);
  if (scripted instanceof Promise) {
    return scripted.then(
      (reply) => {
        feedMonitor(engine, session, options, queued, argv, reply);
        blocking.serveReady();
        return reply;
      },
      (error: unknown) => {
        blocking.serveReady();
        throw error;
      },
    );
  }
  if (scripted !== undefined) {
    feedMonitor(engine, session, options, queued, argv, scripted);
    blocking.serveReady();
    return scripted;
  }
  blocking.begin(argv);
  let reply: Reply;
  let pending: ReturnType<typeof blocking.takePending>;
  try {
    reply = engine.execute(session, argv, name);
  } finally {
    pending = blocking.takePending(session);
  }
  if (hub.monitoring) feedMonitor(engine, session, options, queued, argv, reply);
  // Clients unblocked by what this command (or EXEC, or a script) wrote: served now, after it.
  blocking.serveReady();
  if (pending !== undefined) return blocking.wait(session, pending, options.maxBlockMs ?? 0);
  return reply;
}

function feedMonitor(
  engine: Engine,
  session: Session,
  options: RunOptions,
  queued: Buffer[][] | undefined,
  argv: Buffer[],
  reply: Reply,
): void {
  const hub = pubsubOf(engine);
  if (!hub.monitoring) return;
  if (reply === QUEUED || SHOWN_BEFORE.has(commandName(argv[0]!))) return;
  const source = options.source ?? session.client?.addr ?? 'rest';
  if (queued !== undefined && Array.isArray(reply)) {
    for (const command of queued) hub.feedMonitors(session.dbIndex, source, command);
  }
  hub.feedMonitors(session.dbIndex, source, argv);
}

/** The connection of a blocked (or subscribed, or monitoring) session went away. */
export function leaveSession(engine: Engine, session: Session): void {
  blockingOf(engine).cancel(session);
  const hub = pubsubOf(engine);
  const sub = hub.forSession(session, false);
  if (sub !== undefined) hub.removeAll(sub);
  hub.stopMonitor(session);
}

/**
 * Redis's name for the command in errors: `client|list` for a subcommand. Undefined when the
 * subcommand is unknown or its arity wrong: the command then answers with its own error, which
 * Redis checks before the subscribed-connection rule.
 */
function fullName(name: string, argv: Buffer[]): string | undefined {
  const subcommands = redisMetadata().info.get(name)?.[9];
  if (!Array.isArray(subcommands) || subcommands.length === 0) return name;
  const sub = argv[1];
  if (sub === undefined) return undefined;
  const full = `${name}|${sub.toString('latin1').toLowerCase()}`;
  const entry = subcommands.find((e) => Array.isArray(e) && e[0] === full) as
    | [string, number]
    | undefined;
  if (entry === undefined || !arityOk(entry[1], argv.length)) return undefined;
  return full;
}

function arityOk(arity: number, count: number): boolean {
  return arity >= 0 ? count === arity : count >= -arity;
}

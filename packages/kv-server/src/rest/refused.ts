// Commands that change the state of the connection they run on. Over REST every request is a
// connection of its own (and, when forwarding, a connection shared with other requests), so
// such a command would either do nothing or leak into someone else's request: refuse it and
// say what to use instead.

import { SUBSCRIBE_COMMANDS } from '../protocol/command-groups.ts';

const ADVICE: Record<string, string> = {
  multi: 'use the /multi-exec endpoint (redis.multi() or redis.transaction() in @upstash/redis)',
  exec: 'use the /multi-exec endpoint (redis.multi() or redis.transaction() in @upstash/redis)',
  discard: 'use the /multi-exec endpoint (redis.multi() or redis.transaction() in @upstash/redis)',
  watch: 'WATCH needs a connection of its own: use the RESP port (iovalkey) for optimistic locking',
  unwatch:
    'WATCH needs a connection of its own: use the RESP port (iovalkey) for optimistic locking',
  select: 'choose the database in the server URL instead (redis://host:port/db)',
  hello: 'the REST surface always speaks RESP2 shapes as JSON',
  auth: 'REST requests authenticate with the bearer token instead',
  subscribe:
    'use the Server-Sent Events route POST /subscribe/<channel> (redis.subscribe() in @upstash/redis), or the RESP port',
  psubscribe:
    'use the Server-Sent Events route POST /psubscribe/<pattern> (redis.psubscribe() in @upstash/redis), or the RESP port',
  monitor: 'use the Server-Sent Events route POST /monitor, or the RESP port',
};

const STATEFUL = new Set([
  ...Object.keys(ADVICE),
  ...SUBSCRIBE_COMMANDS,
  'monitor',
  'reset',
  'client',
  'replicaof',
  'slaveof',
  'sync',
  'psync',
  'quit',
  'readonly',
  'readwrite',
  'asking',
]);

/** The first letters of those names: most commands start with none of them. */
const FIRST_LETTERS = new Set([...STATEFUL].map((name) => name.charCodeAt(0)));

/**
 * refusal() of a command name's bytes (argv[0]). A name whose first byte is no letter any
 * refused name starts with (in either case) is let through without being decoded.
 */
export function refusalOf(name: Buffer | undefined): string | undefined {
  if (name === undefined) return refusal('');
  // ASCII letters only: `| 0x20` lowercases them (no other latin1 byte lowercases to one).
  if (name.length > 0 && !FIRST_LETTERS.has(name[0]! | 0x20)) return undefined;
  return refusal(name.toString('latin1'));
}

/** The error text for a connection-state command sent over REST, or undefined when it may run. */
function refusal(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (!STATEFUL.has(lower)) return undefined;
  const advice = ADVICE[lower] ?? 'it is not available over REST; use the RESP port for it';
  return `ERR '${lower}' changes connection state, which a REST request does not keep: ${advice}`;
}

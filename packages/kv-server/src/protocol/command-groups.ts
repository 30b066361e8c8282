// Command families that several places treat alike: a script may not call them (engine/scripting),
// the REST surface refuses or routes them (rest/refused.ts, forward/backend.ts), the argument fuzzer skips them
// (test/differential/fuzz-args.ts). One list each, so a new member is added once.

/** They put the connection in (or take it out of) the subscribed context. */
export const SUBSCRIBE_COMMANDS = [
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
] as const;

/** The blocking pops and moves: they hold their connection until served or timed out. */
export const BLOCKING_POPS = [
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
] as const;

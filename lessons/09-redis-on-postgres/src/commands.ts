// The command table: each command's arity and what it does, from RESP arguments to a RESP
// reply. The SQL is in keyspace.ts; the connection's own commands (SELECT, MULTI, EXEC, HELLO,
// CLIENT, QUIT) are in resp-server.ts, because they change the connection, not the keys.

import { CommandError, type Keyspace, NOT_INTEGER, type Queryable } from './keyspace.ts';
import { array, bulk, integer, simple } from './resp.ts';

export interface CommandContext {
  keyspace: Keyspace;
  /** The pool, or the transaction's client inside EXEC. */
  q: Queryable;
  /** The connection's database number (SELECT). */
  db: number;
}

type Run = (ctx: CommandContext, args: Buffer[]) => Promise<Buffer>;

// #region table
/**
 * name -> [arity, run]. Arity counts the name too, as Redis does: 2 is exactly `GET key`,
 * -3 is at least three (`DEL key [key ...]` is -2).
 */
export const COMMANDS: Record<string, [arity: number, run: Run]> = {
  ping: [-1, async (_, [message]) => (message ? bulk(message) : simple('PONG'))],
  echo: [2, async (_, [message]) => bulk(message ?? null)],
  get: [2, async ({ keyspace, q, db }, [key]) => bulk(await keyspace.get(q, db, need(key)))],
  set: [-3, setCommand],
  mget: [
    -2,
    async ({ keyspace, q, db }, keys) => array((await keyspace.mget(q, db, keys)).map(bulk)),
  ],
  mset: [-3, msetCommand],
  del: [-2, async ({ keyspace, q, db }, keys) => integer(await keyspace.del(q, db, keys))],
  exists: [-2, async ({ keyspace, q, db }, keys) => integer(await keyspace.exists(q, db, keys))],
  incr: [2, (ctx, [key]) => incrBy(ctx, key, 1n)],
  decr: [2, (ctx, [key]) => incrBy(ctx, key, -1n)],
  incrby: [3, (ctx, [key, by]) => incrBy(ctx, key, toInteger(by))],
  decrby: [3, (ctx, [key, by]) => incrBy(ctx, key, -toInteger(by))],
  expire: [-3, (ctx, args) => expireCommand(ctx, args, 1000, 'expire')],
  pexpire: [-3, (ctx, args) => expireCommand(ctx, args, 1, 'pexpire')],
  ttl: [
    2,
    async ({ keyspace, q, db }, [key]) => integer(toSeconds(await keyspace.pttl(q, db, need(key)))),
  ],
  pttl: [2, async ({ keyspace, q, db }, [key]) => integer(await keyspace.pttl(q, db, need(key)))],
  persist: [
    2,
    async ({ keyspace, q, db }, [key]) => integer(await keyspace.persist(q, db, need(key))),
  ],
  type: [2, async ({ keyspace, q, db }, [key]) => simple(await keyspace.typeOf(q, db, need(key)))],
  scan: [-2, scanCommand],
  dbsize: [1, async ({ keyspace, q, db }) => integer(await keyspace.dbsize(q, db))],
  flushdb: [-1, async ({ keyspace, q, db }) => ok(await keyspace.flush(q, db))],
  flushall: [-1, async ({ keyspace, q }) => ok(await keyspace.flush(q, 'all'))],
  zincrby: [4, zincrbyCommand],
  zrange: [-4, zrangeCommand],
  zscore: [3, zscoreCommand],
};
// #endregion table

const SYNTAX = 'ERR syntax error';

/** `+OK`, once the write it is given has finished. */
const ok = (_done: unknown) => simple('OK');

/** The argument the arity check guarantees is there. */
function need(arg: Buffer | undefined): Buffer {
  if (!arg) throw new CommandError(SYNTAX);
  return arg;
}

/** A whole decimal integer in 64 bits, or Redis's error. */
function toInteger(arg: Buffer | undefined): bigint {
  const text = arg?.toString('latin1') ?? '';
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(text)) throw new CommandError(NOT_INTEGER);
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw new CommandError(NOT_INTEGER);
  return n;
}

/** TTL from PTTL: -1 and -2 stay; milliseconds round to the nearest second, as Redis does. */
function toSeconds(ms: number): number {
  return ms < 0 ? ms : Math.floor((ms + 500) / 1000);
}

async function incrBy({ keyspace, q, db }: CommandContext, key: Buffer | undefined, by: bigint) {
  return integer(await keyspace.incrby(q, db, need(key), by));
}

// #region set-options
/** SET key value [NX | XX] [GET] [EX seconds | PX milliseconds] */
async function setCommand({ keyspace, q, db }: CommandContext, args: Buffer[]) {
  const [key, value, ...rest] = args;
  let ttlMs: number | undefined;
  let condition: 'NX' | 'XX' | undefined;
  let get = false;
  for (let i = 0; i < rest.length; i++) {
    const option = rest[i]?.toString('latin1').toUpperCase();
    if ((option === 'NX' || option === 'XX') && !condition) condition = option;
    else if (option === 'GET' && !get) get = true;
    else if ((option === 'EX' || option === 'PX') && ttlMs === undefined) {
      const amount = Number(toInteger(rest[++i]));
      if (amount <= 0) throw new CommandError("ERR invalid expire time in 'set' command");
      ttlMs = option === 'EX' ? amount * 1000 : amount;
    } else throw new CommandError(SYNTAX);
  }
  const result = await keyspace.set(q, db, need(key), need(value), { ttlMs, condition, get });
  if (get) return bulk(result.old); // with GET, the reply is the old value, written or not
  return result.written ? simple('OK') : bulk(null);
}
// #endregion set-options

async function msetCommand({ keyspace, q, db }: CommandContext, args: Buffer[]) {
  if (args.length % 2 !== 0)
    throw new CommandError("ERR wrong number of arguments for 'mset' command");
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 0; i < args.length; i += 2) pairs.push([need(args[i]), need(args[i + 1])]);
  await keyspace.mset(q, db, pairs);
  return simple('OK');
}

async function expireCommand(ctx: CommandContext, args: Buffer[], unitMs: number, name: string) {
  const [key, amount, flag, ...extra] = args;
  const option = flag?.toString('latin1').toUpperCase();
  if (extra.length > 0 || (option && !['NX', 'XX', 'GT', 'LT'].includes(option))) {
    throw new CommandError(`ERR Unsupported option ${flag?.toString() ?? ''}`);
  }
  const ms = Number(toInteger(amount)) * unitMs;
  if (!Number.isSafeInteger(ms)) {
    throw new CommandError(`ERR invalid expire time in '${name}' command`);
  }
  const mode = option as 'NX' | 'XX' | 'GT' | 'LT' | undefined;
  return integer(await ctx.keyspace.pexpire(ctx.q, ctx.db, need(key), ms, mode));
}

// #region scan-command
/** SCAN cursor [MATCH pattern] [COUNT count]: MATCH filters what each step found. */
async function scanCommand({ keyspace, q, db }: CommandContext, args: Buffer[]) {
  const [cursorArg, ...rest] = args;
  const cursor = toInteger(cursorArg);
  let count = 10;
  let match: RegExp | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const option = rest[i]?.toString('latin1').toUpperCase();
    const value = rest[i + 1];
    if (option === 'COUNT' && value) count = Number(toInteger(value));
    else if (option === 'MATCH' && value) match = globToRegExp(value.toString('latin1'));
    else throw new CommandError(SYNTAX);
    if (count < 1) throw new CommandError(SYNTAX);
  }
  const { next, keys } = await keyspace.scan(q, db, cursor, count);
  const found = match ? keys.filter((key) => match.test(key.toString('latin1'))) : keys;
  return array([bulk(next), array(found.map(bulk))]);
}
// #endregion scan-command

/** Redis's glob: * any run, ? one byte, [abc] [a-z] [^a] a class, \x the byte x itself. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '\\' && i + 1 < glob.length) source += literal(glob[++i] as string);
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        const inside = glob.slice(i + 1, end);
        const negated = inside.startsWith('^');
        const body = (negated ? inside.slice(1) : inside).replace(/[\\\]]/g, '\\$&');
        source += `[${negated ? '^' : ''}${body}]`;
        i = end;
      }
    } else source += literal(c);
  }
  return new RegExp(`^${source}$`);
}

const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A score as Redis writes it: integers without a decimal point, inf as "inf". */
function formatScore(score: number): string {
  if (score === Number.POSITIVE_INFINITY) return 'inf';
  if (score === Number.NEGATIVE_INFINITY) return '-inf';
  return String(score);
}

function toScore(arg: Buffer | undefined): number {
  const text = arg?.toString('latin1') ?? '';
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n))
    throw new CommandError('ERR value is not a valid float');
  return n;
}

async function zincrbyCommand({ keyspace, q, db }: CommandContext, [key, by, member]: Buffer[]) {
  const score = await keyspace.zincrby(q, db, need(key), toScore(by), need(member));
  return bulk(formatScore(score));
}

/** ZRANGE key start stop [REV] [WITHSCORES]: by rank only (no BYSCORE, BYLEX, LIMIT). */
async function zrangeCommand({ keyspace, q, db }: CommandContext, args: Buffer[]) {
  const [key, start, stop, ...options] = args;
  let rev = false;
  let withScores = false;
  for (const option of options.map((o) => o.toString('latin1').toUpperCase())) {
    if (option === 'REV') rev = true;
    else if (option === 'WITHSCORES') withScores = true;
    else throw new CommandError(SYNTAX);
  }
  const pairs = await keyspace.zrange(
    q,
    db,
    need(key),
    Number(toInteger(start)),
    Number(toInteger(stop)),
    rev,
  );
  return array(
    pairs.flatMap(([member, score]) =>
      withScores ? [bulk(member), bulk(formatScore(score))] : [bulk(member)],
    ),
  );
}

async function zscoreCommand({ keyspace, q, db }: CommandContext, [key, member]: Buffer[]) {
  const score = await keyspace.zscore(q, db, need(key), need(member));
  return bulk(score === null ? null : formatScore(score));
}

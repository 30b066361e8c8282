// The keys, in Postgres: one row per key, the value as bytes (bytea), the expiry as a
// timestamp. Each command is one SQL statement where it can be, so Postgres's own row locks
// make it atomic (two INCRs of one key queue on that key's row, not on the whole table).

import type pg from 'pg';

/** What runs a query: the pool, or inside EXEC the one client that holds the transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** A command's error, sent to the client as `-<message>`. */
export class CommandError extends Error {}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';

// #region schema
/**
 * The table `name` (and `name_zset` for sorted-set members). UNLOGGED skips the write-ahead log:
 * writes are cheaper, and after a crash Postgres empties the table, which is what a cache may do.
 */
export function schemaSql(name: string, { unlogged }: { unlogged: boolean }): string {
  const kind = unlogged ? 'UNLOGGED TABLE' : 'TABLE';
  return `
CREATE ${kind} IF NOT EXISTS ${name} (
  db smallint NOT NULL,                   -- SELECT's database number, 0 to 15
  key bytea NOT NULL,                     -- any bytes, as in Redis
  type text NOT NULL DEFAULT 'string',    -- 'string' or 'zset'
  value bytea,                            -- a string's bytes; NULL for a sorted set
  expires_at timestamptz,                 -- NULL: never expires
  id bigint GENERATED ALWAYS AS IDENTITY, -- SCAN's cursor walks keys in this order
  PRIMARY KEY (db, key)
);
CREATE INDEX IF NOT EXISTS ${name}_scan ON ${name} (db, id);
CREATE INDEX IF NOT EXISTS ${name}_expiry ON ${name} (expires_at) WHERE expires_at IS NOT NULL;
CREATE ${kind} IF NOT EXISTS ${name}_zset (
  db smallint NOT NULL,
  key bytea NOT NULL,
  member bytea NOT NULL,
  score double precision NOT NULL,
  PRIMARY KEY (db, key, member),
  FOREIGN KEY (db, key) REFERENCES ${name} ON DELETE CASCADE
);`;
}
// #endregion schema

/** SET's options, already checked by the command table. */
export interface SetOptions {
  /** Milliseconds until it expires (EX, PX); undefined: no expiry. */
  ttlMs?: number;
  condition?: 'NX' | 'XX';
  /** GET: answer the old value. */
  get?: boolean;
}

/** The commands over one table. `db` is SELECT's number, `key` and values are raw bytes. */
export function createKeyspace(table: string) {
  // A key is there if its row is and it has not expired. Expired rows are skipped by every
  // read at once and deleted by the sweeper later.
  const LIVE = `(expires_at IS NULL OR expires_at > now())`;
  const zset = `${table}_zset`;

  // #region get
  async function get(q: Queryable, db: number, key: Buffer): Promise<Buffer | null> {
    const { rows } = await q.query<{ type: string; value: Buffer }>(
      `SELECT type, value FROM ${table} WHERE db = $1 AND key = $2 AND ${LIVE}`,
      [db, key],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.type !== 'string') throw new CommandError(WRONGTYPE);
    return row.value;
  }
  // #endregion get

  // #region set
  /** SET: answers whether it wrote, and with `get`, the value it replaced. */
  async function set(
    q: Queryable,
    db: number,
    key: Buffer,
    value: Buffer,
    { ttlMs, condition, get: withGet }: SetOptions = {},
  ): Promise<{ written: boolean; old: Buffer | null }> {
    const expiresAt = ttlMs === undefined ? null : `${ttlMs} milliseconds`;
    const expiry = `now() + $4::interval`;
    // NX: insert, or replace only a row that has expired. XX: update only a live row.
    // Plain: insert or replace. A live key of another type is replaced as Redis does, by
    // deleting it first (with its members): see replaceOtherType().
    const write =
      condition === 'XX'
        ? `UPDATE ${table} SET value = $3, expires_at = ${expiry}
           WHERE db = $1 AND key = $2 AND type = 'string' AND ${LIVE} RETURNING 1`
        : `INSERT INTO ${table} AS t (db, key, value, expires_at) VALUES ($1, $2, $3, ${expiry})
           ON CONFLICT (db, key) DO UPDATE SET type = 'string', value = $3, expires_at = ${expiry}
           WHERE ${condition === 'NX' ? '' : `t.type = 'string' OR`} t.expires_at <= now()
           RETURNING 1`;
    const sql = withGet
      ? // The old value, read (and locked) in the same statement as the write.
        `WITH old AS (SELECT type, value FROM ${table} WHERE db = $1 AND key = $2 AND ${LIVE} FOR UPDATE),
         written AS (${write})
         SELECT (SELECT type FROM old) AS type, (SELECT value FROM old) AS old,
                (SELECT count(*) FROM written)::int AS written`
      : write;
    const { rows } = await q.query(sql, [db, key, value, expiresAt]);
    if (withGet) {
      const row = rows[0] as { type: string | null; old: Buffer | null; written: number };
      if (row.type !== null && row.type !== 'string') throw new CommandError(WRONGTYPE);
      return { written: row.written === 1, old: row.old };
    }
    if (rows.length === 1) return { written: true, old: null };
    // Nothing written: NX found a live key, XX found none, or the row holds another type.
    if (condition === 'NX') return { written: false, old: null };
    if (await replaceOtherType(q, db, key)) return set(q, db, key, value, { ttlMs });
    return { written: false, old: null };
  }
  // #endregion set

  /** Deletes `key` (and its members) if it is live and holds something else than a string. */
  async function replaceOtherType(q: Queryable, db: number, key: Buffer) {
    const { rowCount } = await q.query(
      `DELETE FROM ${table} WHERE db = $1 AND key = $2 AND type <> 'string' AND ${LIVE}`,
      [db, key],
    );
    return (rowCount ?? 0) > 0;
  }

  async function mget(q: Queryable, db: number, keys: Buffer[]): Promise<(Buffer | null)[]> {
    const { rows } = await q.query<{ value: Buffer | null }>(
      `SELECT t.value FROM unnest($2::bytea[]) WITH ORDINALITY AS k(key, i)
       LEFT JOIN ${table} t ON t.db = $1 AND t.key = k.key AND t.type = 'string' AND ${LIVE}
       ORDER BY k.i`,
      [db, keys],
    );
    return rows.map((row) => row.value);
  }

  async function mset(q: Queryable, db: number, pairs: [Buffer, Buffer][]) {
    // One INSERT cannot touch a row twice: the last value of a key named twice wins, as in Redis.
    const last = new Map(pairs.map(([key, value]) => [key.toString('hex'), [key, value]]));
    const keys = [...last.values()].map(([key]) => key);
    const values = [...last.values()].map(([, value]) => value);
    await q.query(`DELETE FROM ${table} WHERE db = $1 AND key = ANY($2) AND type <> 'string'`, [
      db,
      keys,
    ]);
    await q.query(
      `INSERT INTO ${table} AS t (db, key, value)
       SELECT $1, k, v FROM unnest($2::bytea[], $3::bytea[]) AS u(k, v)
       ON CONFLICT (db, key) DO UPDATE SET type = 'string', value = excluded.value, expires_at = NULL`,
      [db, keys, values],
    );
  }

  // #region incr
  /** INCRBY: one statement that reads, adds and writes under the row's lock. */
  async function incrby(q: Queryable, db: number, key: Buffer, delta: bigint): Promise<string> {
    try {
      const { rows } = await q.query<{ n: string }>(
        `INSERT INTO ${table} AS t (db, key, value) VALUES ($1, $2, $3::text::bytea)
         ON CONFLICT (db, key) DO UPDATE SET
           type = 'string',
           value = (CASE WHEN t.expires_at <= now() THEN 0
                         ELSE encode(t.value, 'escape')::bigint END + $3::text::bigint)::text::bytea,
           expires_at = CASE WHEN t.expires_at <= now() THEN NULL ELSE t.expires_at END
         -- An expired key counts as missing. A live one must be a string that reads as a
         -- 64-bit integer (no spaces, no '+', no leading 0), or nothing is written.
         WHERE t.expires_at <= now()
           OR (t.type = 'string' AND encode(t.value, 'escape') ~ '^(0|-?[1-9][0-9]{0,18})$')
         RETURNING encode(value, 'escape') AS n`,
        [db, key, delta.toString()],
      );
      if (rows[0]) return rows[0].n;
    } catch (failure) {
      // 22003: numeric_value_out_of_range, the sum left the 64-bit range.
      if ((failure as { code?: string }).code === '22003') {
        throw new CommandError('ERR increment or decrement would overflow');
      }
      throw failure;
    }
    // No row written: the key holds a string that is not an integer, or another type.
    throw new CommandError((await typeOf(q, db, key)) === 'string' ? NOT_INTEGER : WRONGTYPE);
  }
  // #endregion incr

  async function del(q: Queryable, db: number, keys: Buffer[]): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      `WITH gone AS (DELETE FROM ${table} WHERE db = $1 AND key = ANY($2) RETURNING expires_at)
       SELECT count(*) FILTER (WHERE ${LIVE})::int AS n FROM gone`,
      [db, keys],
    );
    return rows[0]?.n ?? 0;
  }

  async function exists(q: Queryable, db: number, keys: Buffer[]): Promise<number> {
    // A key named twice counts twice, as in Redis: join each name, not each row.
    const { rows } = await q.query<{ n: number }>(
      `SELECT count(t.key)::int AS n FROM unnest($2::bytea[]) AS k(key)
       JOIN ${table} t ON t.db = $1 AND t.key = k.key AND ${LIVE}`,
      [db, keys],
    );
    return rows[0]?.n ?? 0;
  }

  // #region expire
  /** EXPIRE/PEXPIRE: a time in the past (0, negative) expires the key at once, as Redis does. */
  async function pexpire(
    q: Queryable,
    db: number,
    key: Buffer,
    ms: number,
    option?: 'NX' | 'XX' | 'GT' | 'LT',
  ): Promise<0 | 1> {
    const at = `now() + $3::interval`;
    const only = {
      NX: 'AND expires_at IS NULL',
      XX: 'AND expires_at IS NOT NULL',
      GT: `AND expires_at IS NOT NULL AND ${at} > expires_at`,
      LT: `AND (expires_at IS NULL OR ${at} < expires_at)`,
    };
    const { rowCount } = await q.query(
      `UPDATE ${table} SET expires_at = ${at}
       WHERE db = $1 AND key = $2 AND ${LIVE} ${option ? only[option] : ''}`,
      [db, key, `${ms} milliseconds`],
    );
    return rowCount === 1 ? 1 : 0;
  }

  /** PTTL: -2 no such key, -1 no expiry, else milliseconds left. */
  async function pttl(q: Queryable, db: number, key: Buffer): Promise<number> {
    const { rows } = await q.query<{ ms: string | null }>(
      `SELECT round(extract(epoch FROM expires_at - now()) * 1000)::bigint AS ms
       FROM ${table} WHERE db = $1 AND key = $2 AND ${LIVE}`,
      [db, key],
    );
    if (rows.length === 0) return -2;
    return rows[0]?.ms === null ? -1 : Number(rows[0]?.ms);
  }
  // #endregion expire

  async function persist(q: Queryable, db: number, key: Buffer): Promise<0 | 1> {
    const { rowCount } = await q.query(
      `UPDATE ${table} SET expires_at = NULL
       WHERE db = $1 AND key = $2 AND expires_at > now()`,
      [db, key],
    );
    return rowCount === 1 ? 1 : 0;
  }

  async function typeOf(q: Queryable, db: number, key: Buffer): Promise<string> {
    const { rows } = await q.query<{ type: string }>(
      `SELECT type FROM ${table} WHERE db = $1 AND key = $2 AND ${LIVE}`,
      [db, key],
    );
    return rows[0]?.type ?? 'none';
  }

  // #region scan
  /** SCAN: up to `count` rows after the cursor (a row id); cursor 0 when the walk is done. */
  async function scan(q: Queryable, db: number, cursor: bigint, count: number) {
    const { rows } = await q.query<{ id: string; key: Buffer; live: boolean }>(
      `SELECT id, key, ${LIVE} AS live FROM ${table}
       WHERE db = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [db, cursor.toString(), count],
    );
    const next = rows.length < count ? '0' : (rows.at(-1)?.id ?? '0');
    return { next, keys: rows.filter((row) => row.live).map((row) => row.key) };
  }
  // #endregion scan

  async function dbsize(q: Queryable, db: number): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE db = $1 AND ${LIVE}`,
      [db],
    );
    return rows[0]?.n ?? 0;
  }

  async function flush(q: Queryable, db: number | 'all') {
    if (db === 'all') await q.query(`DELETE FROM ${table}`);
    else await q.query(`DELETE FROM ${table} WHERE db = $1`, [db]);
  }

  // Sorted sets: the key's row says 'zset'; its members are rows of the _zset table, deleted
  // with the key (ON DELETE CASCADE). Enough for lesson 04's most-viewed list.
  async function zincrby(
    q: Queryable,
    db: number,
    key: Buffer,
    increment: number,
    member: Buffer,
  ): Promise<number> {
    const { rows } = await q.query<{ score: number }>(
      `WITH k AS (
         INSERT INTO ${table} AS t (db, key, type) VALUES ($1, $2, 'zset')
         ON CONFLICT (db, key) DO UPDATE SET type = t.type
         WHERE t.type = 'zset' AND (t.expires_at IS NULL OR t.expires_at > now())
         RETURNING 1)
       INSERT INTO ${zset} AS z (db, key, member, score)
       SELECT $1, $2, $3, $4 FROM k
       ON CONFLICT (db, key, member) DO UPDATE SET score = z.score + excluded.score
       RETURNING score`,
      [db, key, member, increment],
    );
    if (!rows[0]) {
      // The key holds another type, or has expired: an expired one is deleted (with its
      // members) and the sorted set starts anew; a live one of another type is an error.
      const { rowCount } = await q.query(
        `DELETE FROM ${table} WHERE db = $1 AND key = $2 AND expires_at <= now()`,
        [db, key],
      );
      if (rowCount === 1) return zincrby(q, db, key, increment, member);
    }
    if (!rows[0]) throw new CommandError(WRONGTYPE);
    return rows[0].score;
  }

  /** ZRANGE by rank, lowest first (or highest with `rev`): [member, score] pairs. */
  async function zrange(
    q: Queryable,
    db: number,
    key: Buffer,
    start: number,
    stop: number,
    rev: boolean,
  ): Promise<[Buffer, number][]> {
    const type = await typeOf(q, db, key);
    if (type === 'none') return [];
    if (type !== 'zset') throw new CommandError(WRONGTYPE);
    const order = rev ? 'score DESC, member DESC' : 'score, member';
    const { rows } = await q.query<{ member: Buffer; score: number; total: number }>(
      `SELECT member, score, (count(*) OVER ())::int AS total FROM ${zset}
       WHERE db = $1 AND key = $2 ORDER BY ${order}`,
      [db, key],
    );
    const total = rows[0]?.total ?? 0;
    const from = start < 0 ? Math.max(total + start, 0) : start;
    const to = stop < 0 ? total + stop : Math.min(stop, total - 1);
    return rows.slice(from, to + 1).map((row) => [row.member, row.score]);
  }

  async function zscore(q: Queryable, db: number, key: Buffer, member: Buffer) {
    const type = await typeOf(q, db, key);
    if (type !== 'none' && type !== 'zset') throw new CommandError(WRONGTYPE);
    const { rows } = await q.query<{ score: number }>(
      `SELECT score FROM ${zset} WHERE db = $1 AND key = $2 AND member = $3`,
      [db, key, member],
    );
    return type === 'none' ? null : (rows[0]?.score ?? null);
  }

  // #region sweep
  /** Deletes up to `limit` expired rows; reads already skip them, this frees their space. */
  async function sweep(q: Queryable, limit = 1000): Promise<number> {
    const { rowCount } = await q.query(
      `DELETE FROM ${table} WHERE (db, key) IN (
         SELECT db, key FROM ${table} WHERE expires_at <= now() LIMIT ${limit})`,
    );
    return rowCount ?? 0;
  }
  // #endregion sweep

  return {
    table,
    get,
    set,
    mget,
    mset,
    incrby,
    del,
    exists,
    pexpire,
    pttl,
    persist,
    typeOf,
    scan,
    dbsize,
    flush,
    zincrby,
    zrange,
    zscore,
    sweep,
  };
}

export type Keyspace = ReturnType<typeof createKeyspace>;

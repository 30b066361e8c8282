// Puts a database back the way it was, in tens of milliseconds instead of the 1.5-3 s of CPU that
// opening a new PGlite from the template costs: what `practice watch` (warm-stack.ts) does between
// two test files that share one warm PGlite. Exact, not approximate: every table's rows are
// compared by key with the captured ones, objects a test created are dropped, session state is
// discarded. Whatever it cannot undo exactly (a pristine table altered or dropped) it reports, and
// the caller replaces the database instead.
import type pg from 'pg';

interface PristineTable {
  /** Quoted, schema-qualified name. */
  name: string;
  /** The primary key's quoted columns; undefined when the table has none. */
  key: string[] | undefined;
  /** The columns an INSERT may set (quoted): all but generated ones. */
  columns: string[];
  /** Each row as row_to_json text, by its key as a JSON array (or by position, without a key). */
  rows: Map<string, string>;
}

export interface PristineDatabase {
  /** The next transaction id when captured or last reset: any write since then takes a newer one. */
  nextXid: number;
  catalog: string;
  /** Every user object, as dropNewObjects names them. */
  objects: Set<string>;
  tables: PristineTable[];
  sequences: { name: string; lastValue: string | null; isCalled: boolean; start: string }[];
}

// User objects are those with an OID from FirstNormalObjectId (16384) on. Names, not OIDs: a
// table dropped and created again the same way is the same table.
const CATALOG = `
SELECT coalesce(md5(string_agg(x, E'\\n' ORDER BY x)), '') AS fingerprint FROM (
  SELECT 'n ' || nspname FROM pg_namespace WHERE oid >= 16384
  UNION ALL SELECT 'c ' || oid::regclass::text || ' ' || relkind::text || relpersistence::text || relrowsecurity
    FROM pg_class WHERE oid >= 16384
  UNION ALL SELECT 'a ' || attrelid::regclass::text || ' ' || attnum || ' ' || attname || ' '
      || format_type(atttypid, atttypmod) || attnotnull || attisdropped || attidentity::text || attgenerated::text
    FROM pg_attribute WHERE attrelid >= 16384 AND attnum > 0
  UNION ALL SELECT 'd ' || adrelid::regclass::text || ' ' || adnum || ' ' || pg_get_expr(adbin, adrelid)
    FROM pg_attrdef WHERE oid >= 16384
  UNION ALL SELECT 'k ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE oid >= 16384
  UNION ALL SELECT 'i ' || pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid >= 16384
  UNION ALL SELECT 't ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text
    FROM pg_trigger WHERE oid >= 16384
  UNION ALL SELECT 'r ' || pg_get_ruledef(oid) FROM pg_rewrite WHERE oid >= 16384
  UNION ALL SELECT 'p ' || oid::regprocedure::text || ' ' || md5(prosrc) FROM pg_proc WHERE oid >= 16384
  UNION ALL SELECT 'y ' || format_type(oid, NULL) FROM pg_type WHERE oid >= 16384
  UNION ALL SELECT 'e ' || extname || ' ' || extversion FROM pg_extension WHERE oid >= 16384
  UNION ALL SELECT 'l ' || polrelid::regclass::text || ' ' || polname FROM pg_policy WHERE oid >= 16384
) AS objects(x)`;

const NEXT_XID = 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid';

/** xmin is a 32-bit transaction id; pg_snapshot_xmax gives it with its epoch. */
const xid32 = (text: string) => Number(BigInt(text) & 0xffffffffn);

async function nextXid(client: pg.ClientBase): Promise<number> {
  return xid32((await client.query<{ xid: string }>(NEXT_XID)).rows[0]?.xid ?? '0');
}

async function fingerprint(client: pg.ClientBase): Promise<string> {
  return (await client.query<{ fingerprint: string }>(CATALOG)).rows[0]?.fingerprint ?? '';
}

const keyOf = (key: string[] | undefined) => (key ? `json_build_array(${key.join(', ')})` : 'NULL');

/** Captures a database's state (call it on the clean database, with nothing else connected). */
export async function capturePristine(client: pg.ClientBase): Promise<PristineDatabase> {
  const { rows: tables } = await client.query<{
    name: string;
    key: string[] | null;
    columns: string[];
  }>(`
    SELECT c.oid::regclass::text AS name,
      (SELECT array_agg(quote_ident(a.attname) ORDER BY k.ord)
         FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord), pg_attribute a
        WHERE i.indrelid = c.oid AND i.indisprimary AND a.attrelid = c.oid AND a.attnum = k.attnum) AS key,
      (SELECT array_agg(quote_ident(a.attname) ORDER BY a.attnum) FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated::text = '') AS columns
    FROM pg_class c WHERE c.oid >= 16384 AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
    ORDER BY 1`);
  const captured: PristineTable[] = [];
  for (const table of tables) {
    const key = table.key ?? undefined;
    const { rows } = await client.query<{ k: string | null; r: string }>(
      `SELECT ${keyOf(key)}::text AS k, row_to_json(t)::text AS r FROM ${table.name} t`,
    );
    captured.push({
      name: table.name,
      key,
      columns: table.columns,
      rows: new Map(rows.map((row, i) => [row.k ?? String(i), row.r])),
    });
  }
  const { rows: sequences } = await client.query<{
    name: string;
    lastValue: string | null;
    isCalled: boolean;
    start: string;
  }>(`SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text AS "lastValue",
        last_value IS NOT NULL AS "isCalled", start_value::text AS start FROM pg_sequences`);
  return {
    nextXid: await nextXid(client),
    catalog: await fingerprint(client),
    objects: new Set(await objects(client)),
    tables: captured,
    sequences,
  };
}

/**
 * Session state first (an open transaction, settings, prepared statements, temporary tables,
 * advisory locks), then anything written since the capture (or the last reset). Returns false
 * when the database cannot be put back exactly: replace it.
 */
export async function resetToPristine(
  client: pg.ClientBase,
  pristine: PristineDatabase,
): Promise<boolean> {
  await client.query('ROLLBACK'); // a notice, not an error, outside a transaction
  await client.query('DISCARD ALL');
  for (const sequence of pristine.sequences) {
    await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [
      sequence.name,
      sequence.lastValue ?? sequence.start,
      sequence.isCalled,
    ]);
  }
  // Nothing written since: every write, DDL included, takes a transaction id (sequences do not:
  // they were set back above).
  if ((await nextXid(client)) === pristine.nextXid) return true;

  await dropNewObjects(client, pristine);
  if ((await fingerprint(client)) !== pristine.catalog) return false;

  // Replica mode: no triggers and no foreign-key actions while rows are put back, so the order of
  // the tables does not matter and a restored row does not cascade into another table.
  await client.query('SET session_replication_role = replica');
  try {
    for (const table of pristine.tables) await restoreTable(client, table, pristine.nextXid);
  } finally {
    await client.query('RESET session_replication_role');
  }
  pristine.nextXid = await nextXid(client);
  return true;
}

/** A table's rows back to the captured ones: only rows written since `since` can differ. */
async function restoreTable(client: pg.ClientBase, table: PristineTable, since: number) {
  const written = `(xmin::text)::bigint >= ${since}`;
  const { rows } = await client.query<{ n: number; changed: boolean }>(
    `SELECT count(*)::int AS n, coalesce(bool_or(${written}), false) AS changed FROM ${table.name}`,
  );
  // A row inserted or updated has a new xmin; a deleted one lowers the count (and an insert that
  // makes up for it has a new xmin).
  if (rows[0]?.n === table.rows.size && rows[0]?.changed === false) return;
  let missing: string[];
  if (table.key) {
    await client.query(`DELETE FROM ${table.name} WHERE ${written}`);
    const present = await client.query<{ k: string }>(
      `SELECT ${keyOf(table.key)}::text AS k FROM ${table.name}`,
    );
    const kept = new Set(present.rows.map((row) => row.k));
    missing = [...table.rows].filter(([key]) => !kept.has(key)).map(([, row]) => row);
  } else {
    await client.query(`DELETE FROM ${table.name}`);
    missing = [...table.rows.values()];
  }
  if (missing.length === 0) return;
  const columns = table.columns.join(', ');
  await client.query(
    `INSERT INTO ${table.name} (${columns}) OVERRIDING SYSTEM VALUE
       SELECT ${columns} FROM json_populate_recordset(NULL::${table.name}, $1::json)`,
    [`[${missing.join(',')}]`],
  );
}

// Every object a test could create, one line each (the DROP statement's object), to drop the ones
// the capture did not see. Indexes of constraints go with their constraint, routines and types of
// an extension with it.
const OBJECTS = `
  SELECT 'SCHEMA ' || quote_ident(nspname) AS id FROM pg_namespace WHERE oid >= 16384
  UNION ALL SELECT CASE relkind WHEN 'v' THEN 'VIEW ' WHEN 'm' THEN 'MATERIALIZED VIEW '
      WHEN 'S' THEN 'SEQUENCE ' WHEN 'f' THEN 'FOREIGN TABLE ' WHEN 'i' THEN 'INDEX ' ELSE 'TABLE ' END
      || oid::regclass::text FROM pg_class c
    WHERE oid >= 16384 AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i')
      AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = c.oid)
  UNION ALL SELECT 'ROUTINE ' || oid::regprocedure::text FROM pg_proc p WHERE oid >= 16384
    AND NOT EXISTS (SELECT FROM pg_depend WHERE objid = p.oid AND deptype = 'e')
  UNION ALL SELECT 'TYPE ' || format_type(t.oid, NULL) FROM pg_type t WHERE oid >= 16384
    AND typtype IN ('e', 'd', 'r', 'm')
    AND NOT EXISTS (SELECT FROM pg_depend WHERE objid = t.oid AND deptype = 'e')
  UNION ALL SELECT 'TRIGGER ' || quote_ident(tgname) || ' ON ' || tgrelid::regclass::text
    FROM pg_trigger WHERE oid >= 16384 AND NOT tgisinternal
  UNION ALL SELECT 'EXTENSION ' || quote_ident(extname) FROM pg_extension WHERE oid >= 16384`;

async function objects(client: pg.ClientBase): Promise<string[]> {
  return (await client.query<{ id: string }>(OBJECTS)).rows.map((row) => row.id);
}

/** Drops what a test created: schemas, relations, routines, types, triggers, extensions. */
async function dropNewObjects(client: pg.ClientBase, pristine: PristineDatabase) {
  for (const id of await objects(client)) {
    if (pristine.objects.has(id)) continue;
    // "TABLE x" -> "TABLE IF EXISTS x": an earlier CASCADE may have dropped it already.
    const [, kind, name] = /^((?:MATERIALIZED |FOREIGN )?\S+) (.*)$/.exec(id) ?? [];
    await client.query(`DROP ${kind} IF EXISTS ${name} CASCADE`);
  }
}

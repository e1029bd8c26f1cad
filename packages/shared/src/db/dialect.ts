import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, type QueryExecutorProvider, type RawBuilder, sql } from "kysely";

/**
 * Every difference between the two engines Tally runs on, named, in one place: embedded SQLite (the default)
 * and PostgreSQL (DATABASE_URL=postgres://…). Queries and migrations ask here instead of writing either
 * engine's spelling; anything not here is SQL both engines read the same way.
 */
export type Engine = "sqlite" | "postgres";

// biome-ignore lint/suspicious/noExplicitAny: any database, any transaction
type AnyDb = Kysely<any>;

/** The engine behind a database, a transaction or a connection. */
export function engineOf(db: QueryExecutorProvider): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}

export const isPostgres = (db: QueryExecutorProvider): boolean => engineOf(db) === "postgres";

/**
 * A request's independent reads, answered in the order given: at once on PostgreSQL (the pool gives each
 * its own connection, so their round trips and planning overlap; inside a transaction they queue on its
 * one connection), one after the other on SQLite (its driver is synchronous: Promise.all would not overlap them).
 */
export async function readAll<const T extends readonly (() => Promise<unknown>)[]>(
  db: QueryExecutorProvider,
  reads: T,
): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  type Out = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };
  if (isPostgres(db)) return (await Promise.all(reads.map((read) => read()))) as Out;
  const out: unknown[] = [];
  for (const read of reads) out.push(await read());
  return out as Out;
}

/**
 * One key of a JSON object held as text (runs.tags), as text; null when absent. SQLite's json_extract
 * takes a path (the key quoted, so dots and brackets in it are literal); PostgreSQL's ->> takes the key.
 */
export function jsonText(db: AnyDb, column: RawBuilder<unknown> | string, key: string): RawBuilder<string | null> {
  const col = typeof column === "string" ? sql.ref(column) : column;
  return isPostgres(db) ? sql<string | null>`(${col}::json ->> ${key})` : sql<string | null>`json_extract(${col}, ${`$."${key.replaceAll('"', "")}"`})`;
}

/** A run's value of a promoted tag key as the rollups store it: '' when the run lacks the key (untagged). */
export function tagValue(db: AnyDb, column: RawBuilder<unknown> | string, key: string): RawBuilder<string> {
  return sql<string>`coalesce(${jsonText(db, column, key)}, '')`;
}

/**
 * `column` is one of the values `subquery` answers. SQLite: IN (subquery), a list it seeks key by key.
 * PostgreSQL: = ANY(ARRAY(subquery)): the subquery runs once and its array narrows each index scan, where
 * IN (subquery) became a hash join in every UNION part that the index scans did not use (at 1M runs, the
 * statement for a year of one customer's weeks by model: 20 ms against 7.7).
 */
export function inSubquery(db: AnyDb, column: string, subquery: RawBuilder<unknown>): RawBuilder<unknown> {
  return isPostgres(db) ? sql`${sql.ref(column)} = any(array(${subquery}))` : sql`${sql.ref(column)} in (${subquery})`;
}

/** An aggregate collecting `value` into a JSON array; read the result with `jsonArray`. */
export function jsonArrayAgg(db: AnyDb, value: RawBuilder<unknown>): RawBuilder<unknown> {
  return isPostgres(db) ? sql`coalesce(json_agg(${value}), '[]'::json)` : sql`json_group_array(${value})`;
}

/** A `jsonArrayAgg` result: SQLite answers JSON text, PostgreSQL (through pg) a parsed array. */
export function jsonArray<T>(value: unknown): T[] {
  return (typeof value === "string" ? JSON.parse(value) : value) as T[];
}

/** The SQLite aggregate behind `numberRowsAgg`, registered on every SQLite connection (`connect.ts`). */
export const SQLITE_PACK_ROWS = "tally_pack_rows";

/**
 * An aggregate packing, row after row, the numbers `values` (never null; integers exact up to 2^53) as
 * big-endian float64s, one row's values after another's; read it with `numberRows(result, values.length)`.
 * PostgreSQL concatenates `float8send` of each into `string_agg`; SQLite calls SQLITE_PACK_ROWS
 * (`packRowsAggregate`). A year of days of quality is ~13,000 rows of 4 numbers: as JSON text
 * (`json_agg` / `json_group_array`) their floats cost PostgreSQL a third of the read at 1M runs (~12 → ~8 ms)
 * and SQLite over half (13 → 6.4 ms at 100,000 runs).
 */
export function numberRowsAgg(db: AnyDb, values: RawBuilder<unknown>[]): RawBuilder<unknown> {
  if (!isPostgres(db)) return sql`${sql.raw(SQLITE_PACK_ROWS)}(${sql.join(values)})`;
  const row = sql.join(
    values.map((v) => sql`float8send(cast(${v} as double precision))`),
    sql` || `,
  );
  return sql`coalesce(string_agg(${row}, ''::bytea), ''::bytea)`;
}

/** SQLITE_PACK_ROWS for better-sqlite3's `aggregate`: each group's rows of numbers as big-endian float64s. */
export const packRowsAggregate = {
  varargs: true,
  start: () => ({ bytes: new DataView(new ArrayBuffer(1024)), length: 0 }),
  step(pack: { bytes: DataView; length: number }, ...values: unknown[]): void {
    if (pack.length + 8 * values.length > pack.bytes.byteLength) {
      const larger = new Uint8Array(2 * (pack.length + 8 * values.length));
      larger.set(new Uint8Array(pack.bytes.buffer, 0, pack.length));
      pack.bytes = new DataView(larger.buffer);
    }
    for (const v of values) {
      pack.bytes.setFloat64(pack.length, Number(v));
      pack.length += 8;
    }
  },
  result: (pack: { bytes: DataView; length: number }): Buffer => Buffer.from(pack.bytes.buffer, 0, pack.length),
};

/** A `numberRowsAgg` result as one Float64Array: row r's value c at r · width + c. */
export function numberRows(value: unknown, width: number): Float64Array {
  if (!(value instanceof Uint8Array) || value.byteLength % (8 * width) !== 0) throw new Error(`numberRows: expected rows of ${width} packed float64s`);
  const bytes = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out = new Float64Array(value.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = bytes.getFloat64(i * 8);
  return out;
}

/** An aggregate joining `value` as text with commas (SQLite's group_concat; PostgreSQL's string_agg). */
export function commaJoin(db: AnyDb, value: RawBuilder<unknown>): RawBuilder<string | null> {
  return isPostgres(db) ? sql<string | null>`string_agg(${value}::text, ',')` : sql<string | null>`group_concat(${value})`;
}

/** A rollup table's storage clause: SQLite stores it in primary-key order (WITHOUT ROWID); PostgreSQL has no such option. */
export const clusteredTableSuffix = (engine: Engine): string => (engine === "postgres" ? "" : " without rowid");

/** Names of the tables in the current schema whose name is LIKE `pattern` (escape character `!`), sorted. */
export async function listTables(db: AnyDb, pattern: string): Promise<string[]> {
  const q = isPostgres(db)
    ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name like ${pattern} escape '!' order by 1`
    : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like ${pattern} escape '!' order by 1`;
  return (await q.execute(db)).rows.map((r) => r.name);
}

export interface ColumnInfo {
  name: string;
  /** The declared type, lower case ("bigint", "text", "double precision", "integer"). */
  type: string;
  notNull: boolean;
  /** 1-based position in the primary key; 0 when not part of it. */
  pk: number;
}

/** A table's columns in declaration order. */
export async function tableColumns(db: AnyDb, table: string): Promise<ColumnInfo[]> {
  if (isPostgres(db)) {
    // pg_catalog, not information_schema: the latter's views take ~30 ms a table on a busy server.
    const rows = await sql<{ name: string; type: string; notnull: boolean; pk: number | null }>`
      select a.attname as name, format_type(a.atttypid, null) as type, a.attnotnull as notnull,
        (select k.n from unnest(i.indkey) with ordinality as k(att, n) where k.att = a.attnum) as pk
      from pg_attribute a join pg_class c on c.oid = a.attrelid
        left join pg_index i on i.indrelid = c.oid and i.indisprimary
      where c.relnamespace = current_schema()::regnamespace and c.relname = ${table} and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
      order by a.attnum`.execute(db);
    return rows.rows.map((r) => ({ name: r.name, type: r.type.toLowerCase(), notNull: r.notnull, pk: Number(r.pk ?? 0) }));
  }
  const rows = await sql<{ name: string; type: string; notnull: number; pk: number }>`select name, type, "notnull", pk from pragma_table_info(${table})`.execute(db);
  return rows.rows.map((r) => ({ name: r.name, type: r.type.toLowerCase(), notNull: r.notnull === 1, pk: r.pk }));
}

/** Fixed 64-bit keys of the advisory locks background jobs take on PostgreSQL (one instance at a time). */
export const JOB_LOCKS = { calendarFill: 7_301_001, repricing: 7_301_002, writer: 7_301_000 } as const;
export type JobLock = Exclude<keyof typeof JOB_LOCKS, "writer">;

/**
 * Runs `fn` while this process holds job `job`'s lock, and answers true; answers false at once (without
 * running it) when another process holds it. PostgreSQL: a session advisory lock on a connection kept for
 * the job, so a killed instance's lock ends with its connection and another instance takes the job over.
 * SQLite: every write transaction already takes the one write lock (BEGIN IMMEDIATE), and jobs are written
 * to take turns batch by batch, so `fn` simply runs.
 */
export async function withJobLock(db: AnyDb, job: JobLock, fn: () => Promise<void>): Promise<boolean> {
  if (!isPostgres(db)) {
    await fn();
    return true;
  }
  return db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${JOB_LOCKS[job]}) as ok`.execute(conn);
    if (!got.rows[0]?.ok) return false;
    try {
      await fn();
    } finally {
      await sql`select pg_advisory_unlock(${JOB_LOCKS[job]})`.execute(conn);
    }
    return true;
  });
}

/**
 * Creates table `to` with `from`'s columns and primary key (no rows). SQLite copies `from`'s CREATE statement
 * (so a WITHOUT ROWID table stays one); PostgreSQL uses CREATE TABLE … (LIKE … INCLUDING ALL).
 */
export async function createTableLike(db: AnyDb, from: string, to: string): Promise<void> {
  if (isPostgres(db)) {
    await sql.raw(`create table "${to}" (like "${from}" including all)`).execute(db);
    return;
  }
  const row = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${from}`.execute(db);
  const ddl = row.rows[0]?.sql;
  if (!ddl) throw new Error(`table ${from} not found`);
  await sql.raw(ddl.replace(`"${from}"`, `"${to}"`).replace(`"${from}_pk"`, `"${to}_pk"`)).execute(db);
}

/**
 * An integer primary key the database numbers: SQLite's INTEGER PRIMARY KEY (the rowid; with
 * `autoincrement`, never reused); PostgreSQL's identity column (never reused either way).
 */
export function autoId(db: AnyDb, autoincrement: boolean): (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  if (isPostgres(db)) return (c) => c.primaryKey().generatedByDefaultAsIdentity();
  return autoincrement ? (c) => c.primaryKey().autoIncrement() : (c) => c.primaryKey();
}

/** The tables `table`'s foreign keys point at (itself excluded), sorted: a copy fills those first. */
export async function referencedTables(db: AnyDb, table: string): Promise<string[]> {
  const q = isPostgres(db)
    ? sql<{ name: string }>`select distinct confrelid::regclass::text as name from pg_constraint where contype = 'f' and conrelid = ${`"${table}"`}::regclass`
    : sql<{ name: string }>`select distinct "table" as name from pragma_foreign_key_list(${table})`;
  return (await q.execute(db)).rows.map((r) => r.name.replace(/^"|"$/g, "")).filter((n) => n !== table).sort();
}

/**
 * After rows were inserted with explicit ids: PostgreSQL's identity sequences move past the largest id, so
 * the next generated one is new. SQLite needs nothing (its rowid, and AUTOINCREMENT's sqlite_sequence, follow
 * inserted ids by themselves).
 */
export async function resetIdentitySequences(db: AnyDb): Promise<void> {
  if (!isPostgres(db)) return;
  const cols = await sql<{ t: string; c: string }>`select table_name as t, column_name as c from information_schema.columns
    where table_schema = current_schema() and (is_identity = 'YES' or column_default like 'nextval(%')`.execute(db);
  for (const { t, c } of cols.rows) {
    await sql`select setval(pg_get_serial_sequence(${`"${t}"`}, ${c}), coalesce((select max(${sql.ref(c)}) from ${sql.table(t)}), 1), (select count(*) > 0 from ${sql.table(t)}))`.execute(db);
  }
}

/**
 * Rows of integers from a JSON array of arrays given as text (`[[1, 2], [3, 4]]`), element i of each inner
 * array as column `names[i]`; alias it in FROM. A subquery each engine reads once, as the outer loop of a join:
 * SQLite json_each with LIMIT -1, PostgreSQL json_array_elements (each column cast to bigint) with OFFSET 0.
 * Without the fence PostgreSQL pulls the subquery up into the join and re-reads each element's JSON for every
 * joined rollup row (analytics bench, 100,000 runs, spend by function, New York, a year of weeks: 543 → 141 ms).
 */
export function jsonIntegerRows(db: AnyDb, jsonTextValue: string, names: readonly string[]): RawBuilder<unknown> {
  const pg = isPostgres(db);
  const cols = sql.join(names.map((n, i) => (pg ? sql`(value ->> ${sql.lit(i)})::bigint as ${sql.ref(n)}` : sql`value ->> ${sql.lit(i)} as ${sql.ref(n)}`)));
  return pg ? sql`(select ${cols} from json_array_elements(${jsonTextValue}::json) offset 0)` : sql`(select ${cols} from json_each(${jsonTextValue}) limit -1)`;
}

/**
 * FROM `outer` (aliased `outerAlias`, a small set of pieces such as `jsonIntegerRows`) joined to the rows of
 * `table` (aliased `alias`) that `conds` (which may name outer columns) pick for each outer row, the outer row
 * driving: one index seek or range on the table per outer row. SQLite's CROSS JOIN keeps the written order.
 * PostgreSQL gets a LATERAL subquery fenced with OFFSET 0, planned on its own for one outer row: joined
 * plainly, its planner guesses 100 pieces and a wide range each, scans the whole table and filters the join
 * (analytics bench, 100,000 runs, Asia/Kolkata, a year of weeks split by the top 7 customers: 130 ms, the
 * 15-minute base table read in full for 52 pieces).
 */
export function joinEachRow(db: AnyDb, outer: RawBuilder<unknown>, outerAlias: string, table: string, alias: string, conds: readonly RawBuilder<unknown>[]): RawBuilder<unknown> {
  const where = sql.join(conds, sql` and `);
  const head = sql`${outer} as ${sql.ref(outerAlias)} cross join`;
  return isPostgres(db)
    ? sql`${head} lateral (select * from ${sql.table(table)} as ${sql.ref(alias)} where ${where} offset 0) as ${sql.ref(alias)}`
    : sql`${head} ${sql.table(table)} as ${sql.ref(alias)} where ${where}`;
}

/** Whether a table's rows are stored in primary-key order: SQLite's WITHOUT ROWID (clusteredTableSuffix); never on PostgreSQL (heap tables). */
export async function storedInKeyOrder(db: AnyDb, table: string): Promise<boolean> {
  if (isPostgres(db)) return false;
  const row = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  return /without rowid\s*$/i.test(row.rows[0]?.sql ?? "");
}

/**
 * Inserts rows (objects keyed by column name) into `table`; on a conflict on `key`, the row takes the new
 * values of its other columns (no other column: the old row stays). PostgreSQL gets the rows as one JSON
 * parameter (json_populate_recordset: one parse, about twice as fast as a bound parameter per value);
 * SQLite a multi-row VALUES (keep rows × columns under its 32,766 parameters).
 */
export async function upsertRows(db: AnyDb, table: string, columns: string[], key: string[], rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const rest = columns.filter((c) => !key.includes(c));
  const update = rest.length ? sql`do update set ${sql.join(rest.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}` : sql`do nothing`;
  const conflict = sql`on conflict (${sql.join(key.map((c) => sql.ref(c)))}) ${update}`;
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  if (isPostgres(db)) {
    await sql`insert into ${sql.table(table)} (${cols}) select ${cols} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}) ${conflict}`.execute(db);
    return;
  }
  const values = sql.join(rows.map((r) => sql`(${sql.join(columns.map((c) => r[c]))})`));
  await sql`insert into ${sql.table(table)} (${cols}) values ${values} ${conflict}`.execute(db);
}

/**
 * A bench's database, on either engine: `--db <file>` a SQLite file, `--db postgres://user@host:port/any` a
 * PostgreSQL server, on which the bench uses a database of its own, `tally_bench_<name>` (never the URL's
 * own database: a bench drops and creates what it writes to). Without --reuse it starts empty.
 */
import { rmSync } from "node:fs";
import { sql } from "kysely";
import pg from "pg";
import { type Db, isPostgres, isPostgresUrl } from "@tally/shared/db";

/** Every `--db` value given (the flag may repeat: one SQLite file and one PostgreSQL server, say). */
export function dbArgs(argv: readonly string[] = process.argv): string[] {
  return argv.flatMap((a, i) => (a === "--db" && argv[i + 1] ? [argv[i + 1]!] : a.startsWith("--db=") ? [a.slice(5)] : []));
}

/** The URL `connect()` takes for the bench database `name` at `target` (a SQLite file, or a PostgreSQL server). */
export async function benchDatabase(target: string, name: string, o: { reuse: boolean }): Promise<string> {
  if (!isPostgresUrl(target)) {
    if (!o.reuse) for (const f of [target, `${target}-wal`, `${target}-shm`]) rmSync(f, { force: true });
    return target;
  }
  const db = `tally_bench_${name.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}`;
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    if (!o.reuse) await client.query(`drop database if exists "${db}" with (force)`);
    const found = await client.query("select 1 from pg_database where datname = $1", [db]);
    if (found.rowCount === 0) await client.query(`create database "${db}"`);
  } finally {
    await client.end();
  }
  const url = new URL(target);
  url.pathname = `/${db}`;
  return url.toString();
}

/** The raw tables (the facts as recorded): everything else is a rollup (`rollup_*`) or the rest (prices, users, …). */
const RAW_TABLES = new Set(["runs", "usage_costs", "scores", "evaluations"]);
export interface DatabaseSize {
  /** The SQLite file (checkpointed: the WAL empty) or pg_database_size. */
  total: number;
  /** Bytes of the rollup tables, the raw tables and the rest, each with its indexes; null where SQLite lacks dbstat. */
  tables: { rollup: number; raw: number; other: number } | null;
}

/** The database's size, and its bytes by kind of table (SQLite: dbstat; PostgreSQL: pg_total_relation_size). */
export async function databaseSize(db: Db): Promise<DatabaseSize> {
  const tables = { rollup: 0, raw: 0, other: 0 };
  const add = (tbl: string | null, bytes: number) => {
    tables[tbl?.startsWith("rollup_") ? "rollup" : tbl && RAW_TABLES.has(tbl) ? "raw" : "other"] += Number(bytes);
  };
  if (isPostgres(db)) {
    const total = (await sql<{ n: number }>`select pg_database_size(current_database())::bigint as n`.execute(db)).rows[0]!.n;
    const r = await sql<{ tbl: string; bytes: number }>`select c.relname as tbl, pg_total_relation_size(c.oid)::bigint as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname = current_schema()`.execute(db);
    for (const { tbl, bytes } of r.rows) add(tbl, bytes);
    return { total, tables };
  }
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  const pages = await sql<{ n: number }>`select page_count * page_size as n from pragma_page_count(), pragma_page_size()`.execute(db);
  try {
    const r = await sql<{ tbl: string | null; bytes: number }>`select m.tbl_name as tbl, sum(d.pgsize) as bytes
      from dbstat d left join sqlite_master m on m.name = d.name group by m.tbl_name`.execute(db);
    for (const { tbl, bytes } of r.rows) add(tbl, bytes);
    return { total: pages.rows[0]!.n, tables };
  } catch {
    return { total: pages.rows[0]!.n, tables: null }; // SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
  }
}

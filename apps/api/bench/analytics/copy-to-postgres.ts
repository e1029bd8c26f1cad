import SQLite from "better-sqlite3";
import { CompiledQuery, sql } from "kysely";
import { type Db, listTables, tableColumns } from "@tally/shared/db";

/**
 * Copies every row of a generated SQLite bench database into a migrated PostgreSQL one, so both engines are
 * timed on the same data: the rows the real write path wrote on SQLite, each table's rows in batches of
 * one `insert … select * from unnest($1::type[], …)` (one array parameter per column). The PostgreSQL
 * tables are emptied first (the same migrations made both, so the tables and columns match; the URL's user
 * must be a superuser: foreign keys are not checked during the copy); identity
 * sequences are moved past the copied ids; VACUUM ANALYZE at the end (statistics, and the visibility map and
 * hint bits autovacuum would have set in steady state). Answers the rows copied.
 */
export async function copyToPostgres(sqliteFile: string, pgDb: Db, progress: (table: string, rows: number) => void): Promise<number> {
  const src = new SQLite(sqliteFile, { readonly: true });
  let total = 0;
  try {
    const tables = (await listTables(pgDb, "%")).filter((t) => !t.startsWith("kysely_"));
    await pgDb.connection().execute(async (conn) => {
      await sql.raw(`truncate ${tables.map((t) => `"${t}"`).join(", ")}`).execute(conn);
      // Tables in name order, not foreign-key order: the copy's rows are consistent as a whole, so this
      // connection skips the foreign-key triggers while it copies (a superuser's setting).
      await sql`set session_replication_role = replica`.execute(conn);
      for (const table of tables) {
        const cols = await tableColumns(conn, table);
        const names = cols.map((c) => `"${c.name}"`).join(", ");
        const arrays = cols.map((c, i) => `$${i + 1}::${c.type}[]`).join(", ");
        const insert = `insert into "${table}" (${names}) select * from unnest(${arrays})`;
        const batch = cols.map(() => [] as unknown[]);
        let n = 0;
        const flush = async () => {
          if (batch[0]!.length === 0) return;
          await conn.executeQuery(CompiledQuery.raw(insert, batch.map((b) => b.splice(0))));
        };
        for (const row of src.prepare(`select ${names} from "${table}"`).raw(true).iterate() as Iterable<unknown[]>) {
          for (let i = 0; i < row.length; i++) batch[i]!.push(row[i]);
          if (++n % 20_000 === 0) await flush();
        }
        await flush();
        total += n;
        if (n > 0) progress(table, n);
        for (const c of cols.filter((x) => x.pk === 1)) {
          const seq = await sql<{ s: string | null }>`select pg_get_serial_sequence(${`"${table}"`}, ${c.name}) as s`.execute(conn);
          const name = seq.rows[0]?.s;
          if (name && n > 0) await sql`select setval(${name}::regclass, (select max(${sql.ref(c.name)}) from ${sql.table(table)}))`.execute(conn);
        }
      }
      await sql`set session_replication_role = default`.execute(conn);
      await sql`vacuum (analyze)`.execute(conn);
    });
  } finally {
    src.close();
  }
  return total;
}

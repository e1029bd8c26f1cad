import { type Kysely, sql } from "kysely";
import { WEEK_MS, WEEK_ORIGIN_MS } from "../time.ts";

// Frozen once landed.
// 4-week projections of the per-model and per-customer rollups (blocks of 4 UTC weeks from Monday
// 1970-01-05), backfilled from the week projections. A year's totals read ~20 rows per key instead of ~55:
// the breakdowns' totals over every customer group a third of the rows.

const FACTS = ["runs", "usage", "scores", "score_bins"];
const DIMS = ["model", "customer"];

export async function up(db: Kysely<any>): Promise<void> {
  const start = `((bucket - ${WEEK_ORIGIN_MS}) / ${4 * WEEK_MS}) * ${4 * WEEK_MS} + ${WEEK_ORIGIN_MS}`;
  for (const fact of FACTS) {
    for (const dim of DIMS) {
      const table = `rollup_${fact}_${dim}_4w`;
      const from = `rollup_${fact}_${dim}_1w`;
      // Same columns and key as the week projection; its CREATE is the template, its primary key (but the
      // bucket) the group, and its other columns the measures.
      const row = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${from}`.execute(db);
      const ddl = row.rows[0]?.sql;
      if (!ddl) throw new Error(`migration 0005: ${from} not found`);
      await sql.raw(ddl.replace(`"${from}"`, `"${table}"`).replace(`"${from}_pk"`, `"${table}_pk"`)).execute(db);
      const cols = (await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${from})`.execute(db)).rows;
      const group = cols.filter((c) => c.pk > 0 && c.name !== "bucket").map((c) => c.name).join(", ");
      const measures = cols.filter((c) => c.pk === 0).map((c) => c.name);
      await sql
        .raw(
          `insert into "${table}" (bucket, ${group}, ${measures.join(", ")}) ` +
            `select ${start} as b, ${group}, ${measures.map((m) => `sum(${m})`).join(", ")} from "${from}" ` +
            `group by b, ${group}`,
        )
        .execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fact of FACTS) for (const dim of DIMS) await db.schema.dropTable(`rollup_${fact}_${dim}_4w`).execute();
}

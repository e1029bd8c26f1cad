import { type Kysely, sql } from "kysely";

// Frozen once landed.
// 15-minute projections of the per-model and per-customer rollups, next to the hour, 6-hour, day and week
// ones of 0002 and 0003, backfilled from the 15-minute rollups. A local day in a half-hour zone
// (Asia/Kolkata: midnight is 18:30 UTC) has edges at quarter hours; they now read one row per model or
// customer instead of every model × customer row of the 15-minute table, whatever the traffic.

const FACTS = ["runs", "usage", "scores", "score_bins"];
const DIMS = ["model", "customer"];

export async function up(db: Kysely<any>): Promise<void> {
  for (const fact of FACTS) {
    for (const dim of DIMS) {
      const table = `rollup_${fact}_${dim}_15m`;
      const template = `rollup_${fact}_${dim}_1h`;
      // Same columns and key as the hour projection (WITHOUT ROWID since 0003); its CREATE is the template,
      // its primary key (but the bucket) the group, and its other columns the measures.
      const row = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${template}`.execute(db);
      const ddl = row.rows[0]?.sql;
      if (!ddl) throw new Error(`migration 0004: ${template} not found`);
      await sql.raw(ddl.replace(`"${template}"`, `"${table}"`).replace(`"${template}_pk"`, `"${table}_pk"`)).execute(db);
      const cols = (await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${template})`.execute(db)).rows;
      const group = cols.filter((c) => c.pk > 0 && c.name !== "bucket").map((c) => c.name).join(", ");
      const measures = cols.filter((c) => c.pk === 0).map((c) => c.name);
      await sql
        .raw(
          `insert into "${table}" (bucket, ${group}, ${measures.join(", ")}) ` +
            `select bucket, ${group}, ${measures.map((m) => `sum(${m})`).join(", ")} from "rollup_${fact}_15m" ` +
            `group by bucket, ${group}`,
        )
        .execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fact of FACTS) for (const dim of DIMS) await db.schema.dropTable(`rollup_${fact}_${dim}_15m`).execute();
}

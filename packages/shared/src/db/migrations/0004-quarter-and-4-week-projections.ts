import { type Kysely, sql } from "kysely";
import { createTableLike, tableColumns } from "../dialect.ts";
import { WEEK_MS, WEEK_ORIGIN_MS } from "../time.ts";

// Frozen once landed.
// Two more grains of the per-model and per-customer projections, next to the hour, 6-hour, day and week
// ones of 0002 and 0003:
// 1. 15 minutes, backfilled from the 15-minute rollups. A local day in a half-hour zone (Asia/Kolkata:
//    midnight is 18:30 UTC) has edges at quarter hours; they read one row per model or customer instead of
//    every model × customer row of the 15-minute table, whatever the traffic.
// 2. 4 weeks (blocks of 4 UTC weeks from Monday 1970-01-05), backfilled from the week projections. A year's
//    totals read ~20 rows per key instead of ~55.

const FACTS = ["runs", "usage", "scores", "score_bins"];
const DIMS = ["model", "customer"];
const GRAINS = [
  { grain: "15m", template: "1h", source: (fact: string) => `rollup_${fact}_15m`, start: "bucket" },
  {
    grain: "4w",
    template: "1w",
    source: (fact: string, dim: string) => `rollup_${fact}_${dim}_1w`,
    start: `((bucket - ${WEEK_ORIGIN_MS}) / ${4 * WEEK_MS}) * ${4 * WEEK_MS} + ${WEEK_ORIGIN_MS}`,
  },
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const fact of FACTS) {
    for (const dim of DIMS) {
      for (const { grain, template: t, source, start } of GRAINS) {
        const table = `rollup_${fact}_${dim}_${grain}`;
        const template = `rollup_${fact}_${dim}_${t}`;
        // Same columns and key as the template projection (WITHOUT ROWID since 0003): its CREATE is copied,
        // its primary key (but the bucket) is the group, and its other columns are the measures.
        await createTableLike(db, template, table);
        const cols = await tableColumns(db, template);
        const group = cols.filter((c) => c.pk > 0 && c.name !== "bucket").map((c) => c.name).join(", ");
        const measures = cols.filter((c) => c.pk === 0).map((c) => c.name);
        await sql
          .raw(
            `insert into "${table}" (bucket, ${group}, ${measures.join(", ")}) ` +
              `select ${start} as b, ${group}, ${measures.map((m) => `sum(${m})`).join(", ")} from "${source(fact, dim)}" ` +
              `group by b, ${group}`,
          )
          .execute(db);
      }
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fact of FACTS) {
    for (const dim of DIMS) for (const { grain } of GRAINS) await db.schema.dropTable(`rollup_${fact}_${dim}_${grain}`).execute();
  }
}

import type { Kysely } from "kysely";

// Frozen once landed.
// Usage lines by time: runs.list with basis "spend" (a drill-down from a spend chart point) finds the runs
// behind the point from their agent lines in the point's bucket, whatever the lines' model; a bucket's range of
// this index, not a scan of every line.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("usage_costs_occurred_at").on("usage_costs").columns(["occurred_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("usage_costs_occurred_at").execute();
}

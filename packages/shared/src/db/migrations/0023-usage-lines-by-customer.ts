import type { Kysely } from "kysely";

// Frozen once landed.
// A customer's usage lines by time: statement-lines.csv lists the agent lines of one customer's month (the
// judge's come through runs_customer_occurred_at and usage_costs_run_id), a range of this index, not a scan.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("usage_costs_customer_occurred_at").on("usage_costs").columns(["customer_id", "occurred_at", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("usage_costs_customer_occurred_at").execute();
}

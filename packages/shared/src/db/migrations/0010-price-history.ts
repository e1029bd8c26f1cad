import type { Kysely } from "kysely";

// Frozen once landed.
// Price overrides you can correct (issue 17 §4). Override changes are history in `audit_log` (prices.upsert /
// prices.update / prices.remove). This adds:
// 1. `reprice_jobs`: durable repricing jobs (scope, who, when, progress by a cursor over usage_costs ids,
//    totals before and after), taken by the API process's runner; a restarted server carries on at `cursor`.
// 2. `usage_cost_history`: each line's cost before and after each job that repriced it (PK usage + job: a job
//    reprices a line once).
// 3. An index on usage_costs (model, id): a job reads its model's lines in id order after the cursor.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("reprice_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("started_at", "bigint")
    .addColumn("finished_at", "bigint")
    .addColumn("lines_total", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("lines_done", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("lines_changed", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("cursor", "text")
    .addColumn("before_micros", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("after_micros", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("before_unpriced", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("after_unpriced", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .execute();
  await db.schema.createIndex("reprice_jobs_status").on("reprice_jobs").columns(["status", "created_at"]).execute();
  await db.schema
    .createTable("usage_cost_history")
    .addColumn("usage_id", "text", (c) => c.notNull())
    .addColumn("job_id", "text", (c) => c.notNull())
    .addColumn("cost_micros_before", "bigint")
    .addColumn("price_source_before", "text", (c) => c.notNull())
    .addColumn("cost_micros_after", "bigint")
    .addColumn("price_source_after", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_cost_history_pk", ["usage_id", "job_id"])
    .execute();
  await db.schema.createIndex("usage_costs_model_id").on("usage_costs").columns(["model", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("usage_costs_model_id").execute();
  await db.schema.dropTable("usage_cost_history").execute();
  await db.schema.dropTable("reprice_jobs").execute();
}

import type { Kysely } from "kysely";

// Frozen once landed: a later change is a new migration. Takes Kysely<any> (the schema of its day).
// Types that mean the same on SQLite and PostgreSQL: bigint for epoch ms and micro-USD, double precision
// for scores, text for ids.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("runs")
    .addColumn("run_id", "text", (c) => c.primaryKey())
    .addColumn("function_slug", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("ticket_id", "text")
    .addColumn("tags", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("occurred_at", "bigint", (c) => c.notNull())
    .addColumn("first_seen_at", "bigint", (c) => c.notNull())
    .addColumn("scored_at", "bigint")
    .execute();
  await db.schema.createIndex("runs_occurred_at").on("runs").columns(["occurred_at", "run_id"]).execute();
  await db.schema
    .createIndex("runs_customer_occurred_at")
    .on("runs")
    .columns(["customer_id", "occurred_at", "run_id"])
    .execute();
  await db.schema
    .createIndex("runs_model_occurred_at")
    .on("runs")
    .columns(["model", "occurred_at", "run_id"])
    .execute();

  await db.schema
    .createTable("scores")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("deferred_run_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("value", "double precision", (c) => c.notNull())
    .addColumn("raw_value", "double precision", (c) => c.notNull())
    .addColumn("scale_min", "double precision", (c) => c.notNull())
    .addColumn("scale_max", "double precision", (c) => c.notNull())
    .addColumn("data_type", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("judge_model", "text")
    .addColumn("rubric_version", "text")
    .addColumn("rationale", "text")
    .addColumn("occurred_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("scores_run_id").on("scores").columns(["run_id", "name", "value"]).execute();

  await db.schema
    .createTable("evaluations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("deferred_run_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("judge_model", "text", (c) => c.notNull())
    .addColumn("rubric_version", "text", (c) => c.notNull())
    .addColumn("judge_calls", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("raw_output", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("evaluations_run_id").on("evaluations").column("run_id").execute();

  await db.schema
    .createTable("usage_costs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("deferred_run_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("input_tokens", "bigint", (c) => c.notNull())
    .addColumn("output_tokens", "bigint", (c) => c.notNull())
    .addColumn("cache_read_tokens", "bigint", (c) => c.notNull())
    .addColumn("cache_write_tokens", "bigint", (c) => c.notNull())
    .addColumn("reasoning_tokens", "bigint", (c) => c.notNull())
    .addColumn("cost_micros", "bigint")
    .addColumn("input_cost_micros", "bigint")
    .addColumn("output_cost_micros", "bigint")
    .addColumn("price_source", "text", (c) => c.notNull())
    .addColumn("reported_cost_micros", "bigint")
    .addColumn("occurred_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("usage_costs_run_id")
    .on("usage_costs")
    .columns(["run_id", "kind", "cost_micros"])
    .execute();

  await db.schema
    .createTable("notifications")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
    .addColumn("deferred_run_id", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("http_status", "integer", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("notifications_run_id").on("notifications").column("run_id").execute();

  await db.schema
    .createTable("model_prices")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("input_micros_per_mtok", "bigint", (c) => c.notNull())
    .addColumn("output_micros_per_mtok", "bigint", (c) => c.notNull())
    .addColumn("cache_read_micros_per_mtok", "bigint")
    .addColumn("cache_write_micros_per_mtok", "bigint")
    .addColumn("effective_from", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("model_prices_pk", ["model", "provider", "effective_from"])
    .execute();

  await db.schema
    .createTable("customers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("monthly_budget_micros", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  const key = ["bucket", "model", "customer_id"] as const;
  await db.schema
    .createTable("rollup_runs_15m")
    .addColumn("bucket", "bigint", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("function_slug", "text", (c) => c.notNull())
    .addColumn("runs", "bigint", (c) => c.notNull())
    .addColumn("scored_runs", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("rollup_runs_15m_pk", [...key, "function_slug"])
    .execute();
  await db.schema
    .createTable("rollup_usage_15m")
    .addColumn("bucket", "bigint", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("calls", "bigint", (c) => c.notNull())
    .addColumn("input_tokens", "bigint", (c) => c.notNull())
    .addColumn("output_tokens", "bigint", (c) => c.notNull())
    .addColumn("cache_read_tokens", "bigint", (c) => c.notNull())
    .addColumn("cache_write_tokens", "bigint", (c) => c.notNull())
    .addColumn("reasoning_tokens", "bigint", (c) => c.notNull())
    .addColumn("cost_micros", "bigint", (c) => c.notNull())
    .addColumn("priced_calls", "bigint", (c) => c.notNull())
    .addColumn("unpriced_calls", "bigint", (c) => c.notNull())
    .addColumn("unpriced_tokens", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("rollup_usage_15m_pk", [...key, "kind"])
    .execute();
  await db.schema
    .createTable("rollup_scores_15m")
    .addColumn("bucket", "bigint", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("n", "bigint", (c) => c.notNull())
    .addColumn("sum_value", "double precision", (c) => c.notNull())
    .addColumn("sum_sq_value", "double precision", (c) => c.notNull())
    .addPrimaryKeyConstraint("rollup_scores_15m_pk", [...key, "name"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "rollup_scores_15m",
    "rollup_usage_15m",
    "rollup_runs_15m",
    "customers",
    "model_prices",
    "notifications",
    "usage_costs",
    "evaluations",
    "scores",
    "runs",
  ]) {
    await db.schema.dropTable(t).execute();
  }
}

import type { CreateTableBuilder, Kysely } from "kysely";

// Frozen once landed.
// 1. Score histogram rollup: how many scores fell in each 0.01-wide bin, so "runs passing a threshold"
//    (score >= t, t a multiple of 0.01) is an exact sum of bins. bin = floor(round(value * 1e6) / 10000).
// 2. Coarse projections of the four 15-minute rollups: per model (no customer) and per customer (no
//    model), by UTC hour and by UTC day. Written in the same transaction as the 15-minute row (rollup.ts
//    `bump`), so they move with it on re-attribution. Long windows read days in the middle, hours and
//    15-minute buckets at the edges.

const MEASURES = {
  runs: [["runs", "bigint"], ["scored_runs", "bigint"]],
  usage: [
    ["calls", "bigint"], ["input_tokens", "bigint"], ["output_tokens", "bigint"], ["cache_read_tokens", "bigint"],
    ["cache_write_tokens", "bigint"], ["reasoning_tokens", "bigint"], ["cost_micros", "bigint"],
    ["priced_calls", "bigint"], ["unpriced_calls", "bigint"], ["unpriced_tokens", "bigint"],
  ],
  scores: [["n", "bigint"], ["sum_value", "double precision"], ["sum_sq_value", "double precision"]],
  score_bins: [["n", "bigint"]],
} as const;

const EXTRA_KEYS = {
  runs: [],
  usage: [["kind", "text"]],
  scores: [["name", "text"]],
  score_bins: [["name", "text"], ["bin", "integer"]],
} as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("rollup_score_bins_15m")
    .addColumn("bucket", "bigint", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("bin", "integer", (c) => c.notNull())
    .addColumn("n", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("rollup_score_bins_15m_pk", ["bucket", "model", "customer_id", "name", "bin"])
    .execute();
  // Drill-down: runs.list filtered by score name and range reads scores by (name, run) per run.
  await db.schema.createIndex("scores_name_run").on("scores").columns(["name", "run_id", "value"]).execute();

  for (const fact of Object.keys(MEASURES) as (keyof typeof MEASURES)[]) {
    for (const dim of ["model", "customer_id"] as const) {
      for (const grain of ["1h", "1d"] as const) {
        const table = projectionTable(fact, dim, grain);
        let t: CreateTableBuilder<string, string> = db.schema
          .createTable(table)
          .addColumn("bucket", "bigint", (c) => c.notNull())
          .addColumn(dim, "text", (c) => c.notNull());
        for (const [col, type] of EXTRA_KEYS[fact]) t = t.addColumn(col, type, (c) => c.notNull());
        for (const [col, type] of MEASURES[fact]) t = t.addColumn(col, type, (c) => c.notNull());
        const key: string[] = ["bucket", dim, ...EXTRA_KEYS[fact].map(([c]) => c)];
        await t.addPrimaryKeyConstraint(`${table}_pk`, key).execute();
      }
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fact of Object.keys(MEASURES) as (keyof typeof MEASURES)[]) {
    for (const dim of ["model", "customer_id"] as const) {
      for (const grain of ["1h", "1d"] as const) await db.schema.dropTable(projectionTable(fact, dim, grain)).execute();
    }
  }
  await db.schema.dropIndex("scores_name_run").execute();
  await db.schema.dropTable("rollup_score_bins_15m").execute();
}

/** e.g. rollup_usage_model_1d, rollup_score_bins_customer_1h. */
function projectionTable(fact: string, dim: "model" | "customer_id", grain: "1h" | "1d"): string {
  return `rollup_${fact}_${dim === "model" ? "model" : "customer"}_${grain}`;
}

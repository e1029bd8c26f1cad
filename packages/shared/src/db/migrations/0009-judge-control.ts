import type { Kysely } from "kysely";

// Frozen once landed.
// Judge spend under control.
// 1. `judge_sampling`: per-model and per-customer sample rates over TALLY_JUDGE_SAMPLE_RATE.
// 2. `runs.judge_outcome`: why a run was not judged ('not_sampled' | 'judge_budget'); the first decision wins.
// 3. Run rollups (the 15-minute table and its twelve projections) gain, keyed by the run's own (judged)
//    model and customer: `unsampled_runs` and `judge_skipped_runs` (runs left out by sampling or by the
//    daily judge budget), and the judge's spend on the run (`judge_cost_micros` over priced judge lines,
//    `judge_priced_calls`, `judge_unpriced_calls`), so judge cost reads per model judged.

const GRAINS = ["15m", "1h", "6h", "1d", "1w", "4w"];
export const RUN_ROLLUP_TABLES = ["rollup_runs_15m", ...["model", "customer"].flatMap((d) => GRAINS.map((g) => `rollup_runs_${d}_${g}`))];
const MEASURES = ["unsampled_runs", "judge_skipped_runs", "judge_cost_micros", "judge_priced_calls", "judge_unpriced_calls"];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("judge_sampling")
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("rate", "double precision", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("judge_sampling_pk", ["scope", "key"])
    .execute();
  await db.schema.alterTable("runs").addColumn("judge_outcome", "text").execute();
  for (const table of RUN_ROLLUP_TABLES) {
    for (const m of MEASURES) await db.schema.alterTable(table).addColumn(m, "bigint", (c) => c.notNull().defaultTo(0)).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of RUN_ROLLUP_TABLES) for (const m of [...MEASURES].reverse()) await db.schema.alterTable(table).dropColumn(m).execute();
  await db.schema.alterTable("runs").dropColumn("judge_outcome").execute();
  await db.schema.dropTable("judge_sampling").execute();
}

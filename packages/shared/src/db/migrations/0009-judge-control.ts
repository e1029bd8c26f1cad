import { type Kysely, sql } from "kysely";
import { BUCKET_MS } from "../time.ts";
import { GRAIN_MS, type Grain } from "./frozen-grains.ts";

// Frozen once landed.
// Judge spend under control.
// 1. `judge_sampling`: per-model and per-customer sample rates over TALLY_JUDGE_SAMPLE_RATE.
// 2. `runs.judge_outcome`: why a run was not judged ('not_sampled' | 'judge_budget'); the first decision wins.
// 3. Run rollups (the 15-minute table and its twelve projections) gain, keyed by the run's own (judged)
//    model and customer: `unsampled_runs` and `judge_skipped_runs` (runs left out by sampling or by the
//    daily judge budget), and the judge's spend on the run (`judge_cost_micros` over priced judge lines,
//    `judge_priced_calls`, `judge_unpriced_calls`), so judge cost reads per model judged. Backfilled from
//    the judge's usage lines joined to their runs (no run has a judge outcome yet), then each projection
//    from the 15-minute rows, so rollups equal raw rows from the start.

const GRAINS: Grain[] = ["15m", "1h", "6h", "1d", "1w", "4w"];
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
  await backfillJudgeSpend(db);
}

/**
 * The judge's spend on each run (its usage lines of kind 'judge') into the run's 15-minute row (bucket of
 * the run's occurred_at, the run's model, customer and function), then every projection's five measures
 * summed from the 15-minute rows over [bucket, bucket + grain). UPDATE … FROM: SQLite ≥ 3.33 and PostgreSQL.
 */
async function backfillJudgeSpend(db: Kysely<any>): Promise<void> {
  const runBucket = `(r.occurred_at / ${BUCKET_MS}) * ${BUCKET_MS}`;
  await sql
    .raw(
      `update rollup_runs_15m set judge_cost_micros = j.cost, judge_priced_calls = j.priced, judge_unpriced_calls = j.unpriced ` +
        `from (select ${runBucket} as bucket, r.model, r.customer_id, r.function_slug, ` +
        `sum(coalesce(u.cost_micros, 0)) as cost, ` +
        `sum(case when u.cost_micros is null then 0 else 1 end) as priced, ` +
        `sum(case when u.cost_micros is null then 1 else 0 end) as unpriced ` +
        `from usage_costs u join runs r on r.run_id = u.run_id where u.kind = 'judge' ` +
        `group by ${runBucket}, r.model, r.customer_id, r.function_slug) as j ` +
        `where rollup_runs_15m.bucket = j.bucket and rollup_runs_15m.model = j.model ` +
        `and rollup_runs_15m.customer_id = j.customer_id and rollup_runs_15m.function_slug = j.function_slug`,
    )
    .execute(db);
  for (const [dim, column] of [["model", "model"], ["customer", "customer_id"]]) {
    for (const grain of GRAINS) {
      const table = `rollup_runs_${dim}_${grain}`;
      const [size, origin] = GRAIN_MS[grain];
      const start = `((bucket - ${origin}) / ${size}) * ${size} + ${origin}`;
      await sql
        .raw(
          `update ${table} set ${MEASURES.map((m) => `${m} = p.${m}`).join(", ")} ` +
            `from (select ${start} as bucket, ${column}, ${MEASURES.map((m) => `sum(${m}) as ${m}`).join(", ")} ` +
            `from rollup_runs_15m group by ${start}, ${column}) as p ` +
            `where ${table}.bucket = p.bucket and ${table}.${column} = p.${column}`,
        )
        .execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of RUN_ROLLUP_TABLES) for (const m of [...MEASURES].reverse()) await db.schema.alterTable(table).dropColumn(m).execute();
  await db.schema.alterTable("runs").dropColumn("judge_outcome").execute();
  await db.schema.dropTable("judge_sampling").execute();
}

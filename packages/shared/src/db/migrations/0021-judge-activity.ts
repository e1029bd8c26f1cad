import { type Kysely, sql } from "kysely";
import { BUCKET_MS } from "../time.ts";

// Frozen once landed.
// The judge's activity by when it happened: per 15-minute UTC bucket of the function's clock (`created_at`),
// the judge calls made, their priced cost, priced and unpriced calls, and the runs skipped for the day's
// judge budget. The daily judge budget and judge.status read "today" here: judge lines and run rollups are
// keyed by the run's time, so a run judged a day late (a backlog, a run deferred just before midnight) never
// counted toward the day its judge was paid on. Backfilled from the judge usage lines' `created_at`, and
// for each run skipped for the budget, its first `judge_budget` evaluation's.

const MEASURES = ["calls", "cost_micros", "priced_calls", "unpriced_calls", "budget_skips"] as const;

export async function up(db: Kysely<any>): Promise<void> {
  let table = db.schema.createTable("judge_activity_15m").addColumn("bucket", "bigint", (c) => c.primaryKey());
  for (const m of MEASURES) table = table.addColumn(m, "bigint", (c) => c.notNull().defaultTo(0));
  await table.execute();
  const bucket = (col: string) => sql.raw(`(${col} / ${BUCKET_MS}) * ${BUCKET_MS}`);
  await sql`insert into judge_activity_15m (bucket, calls, cost_micros, priced_calls, unpriced_calls, budget_skips)
    select bucket, sum(calls), sum(cost_micros), sum(priced_calls), sum(unpriced_calls), sum(budget_skips) from (
      select ${bucket("created_at")} as bucket, 1 as calls, coalesce(cost_micros, 0) as cost_micros,
        case when cost_micros is null then 0 else 1 end as priced_calls, case when cost_micros is null then 1 else 0 end as unpriced_calls,
        0 as budget_skips
      from usage_costs where kind = 'judge'
      union all
      select ${bucket("e.first_at")}, 0, 0, 0, 0, 1
      from (select run_id, min(created_at) as first_at from evaluations where status = 'judge_budget' group by run_id) e
      join runs r on r.run_id = e.run_id where r.judge_outcome = 'judge_budget'
    ) a group by bucket`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("judge_activity_15m").execute();
}

import type { Kysely } from "kysely";
import { bucketOf, type Database } from "@tally/shared/db";
import { bump } from "./rollup.ts";
import { negate, runKey, runMeasures, usageDeltas } from "./run.ts";
import { bumpScore } from "./score-rollup.ts";
import { inTransaction } from "./tx.ts";

/**
 * Removes a run and everything recorded for it (its reviews too), taking its counts back out of every rollup in the same
 * transaction (used to remove demo data without disturbing real data recorded beside it).
 */
export async function forgetRun(db: Kysely<Database>, runId: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const run = await trx
      .selectFrom("runs")
      .select(["run_id", "model", "customer_id", "function_slug", "occurred_at", "scored_at", "judge_outcome"])
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (!run) return false;
    const scores = await trx.selectFrom("scores").select(["model", "name", "value", "occurred_at"]).where("run_id", "=", runId).execute();
    for (const s of scores) {
      await bumpScore(trx, { occurredAt: s.occurred_at, model: s.model, customerId: run.customer_id, name: s.name, value: s.value }, -1);
    }
    const lines = await trx.selectFrom("usage_costs").selectAll().where("run_id", "=", runId).execute();
    for (const line of lines) {
      await bump(trx, "rollup_usage_15m", { bucket: bucketOf(line.occurred_at), model: line.model, customer_id: line.customer_id, kind: line.kind }, negate(usageDeltas(line)));
    }
    // Before the lines go: the run's judge spend is read from them.
    await bump(trx, "rollup_runs_15m", runKey(run.occurred_at, run.model, run.customer_id, run.function_slug), negate(await runMeasures(trx, run)));
    // Human review (0012): the run's reviewers' scores, its reviews and its queue items.
    await trx.deleteFrom("review_scores").where("review_id", "in", trx.selectFrom("reviews").select("id").where("run_id", "=", runId)).execute();
    for (const table of ["scores", "usage_costs", "evaluations", "notifications", "reviews", "review_items"] as const) {
      await trx.deleteFrom(table).where("run_id", "=", runId).execute();
    }
    await trx.deleteFrom("runs").where("run_id", "=", runId).execute();
    return true;
  });
}

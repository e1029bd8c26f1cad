import type { Kysely, Transaction } from "kysely";
import type { Database } from "@tally/shared/db";
import { runContributions } from "./contributions.ts";
import { bumpJudgeActivity } from "./judge-activity.ts";
import { bump } from "./rollup.ts";
import { judgeFactDeltas, negate } from "./run.ts";
import { inTransaction } from "./tx.ts";

/**
 * Removes a run and everything recorded for it (its reviews too), taking its contributions (runContributions:
 * the run row, usage lines, scores) back out of every rollup, and its judge calls out of the judge's activity,
 * in the same transaction (used to remove demo data without disturbing real data recorded beside it).
 */
export async function forgetRun(db: Kysely<Database>, runId: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const exists = await trx.selectFrom("runs").select("run_id").where("run_id", "=", runId).executeTakeFirst();
    if (!exists) return false;
    for (const c of await runContributions(trx, [runId])) await bump(trx, c.fact, c.key, negate(c.deltas));
    await forgetJudgeActivity(trx, runId);
    // Human review (0012): the run's reviewers' scores, its reviews and its queue items.
    await trx.deleteFrom("review_scores").where("review_id", "in", trx.selectFrom("reviews").select("id").where("run_id", "=", runId)).execute();
    for (const table of ["scores", "usage_costs", "evaluations", "notifications", "side_effect_claims", "reviews", "review_items"] as const) {
      await trx.deleteFrom(table).where("run_id", "=", runId).execute();
    }
    await trx.deleteFrom("runs").where("run_id", "=", runId).execute();
    return true;
  });
}

/** Takes the run's judge calls, and its skip for the budget, back out of the judge's activity (0021). */
async function forgetJudgeActivity(trx: Transaction<Database>, runId: string): Promise<void> {
  const lines = await trx.selectFrom("usage_costs").select(["created_at", "cost_micros"]).where("run_id", "=", runId).where("kind", "=", "judge").execute();
  for (const l of lines) await bumpJudgeActivity(trx, l.created_at, negate(judgeFactDeltas(l)));
  const skip = await trx
    .selectFrom("evaluations")
    .innerJoin("runs", "runs.run_id", "evaluations.run_id")
    .select((eb) => eb.fn.min("evaluations.created_at").as("at"))
    .where("evaluations.run_id", "=", runId)
    .where("evaluations.status", "=", "judge_budget")
    .where("runs.judge_outcome", "=", "judge_budget")
    .executeTakeFirst();
  if (skip?.at !== null && skip?.at !== undefined) await bumpJudgeActivity(trx, Number(skip.at), { budget_skips: -1 });
}

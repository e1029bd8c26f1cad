import type { Kysely } from "kysely";
import type { Database } from "@tally/shared/db";
import { runContributions } from "./contributions.ts";
import { bump } from "./rollup.ts";
import { negate } from "./run.ts";
import { inTransaction } from "./tx.ts";

/**
 * Removes a run and everything recorded for it (its reviews too), taking its contributions (runContributions:
 * the run row, usage lines, scores) back out of every rollup in the same transaction (used to remove demo
 * data without disturbing real data recorded beside it).
 */
export async function forgetRun(db: Kysely<Database>, runId: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const exists = await trx.selectFrom("runs").select("run_id").where("run_id", "=", runId).executeTakeFirst();
    if (!exists) return false;
    for (const c of await runContributions(trx, [runId])) await bump(trx, c.fact, c.key, negate(c.deltas));
    // Human review (0012): the run's reviewers' scores, its reviews and its queue items.
    await trx.deleteFrom("review_scores").where("review_id", "in", trx.selectFrom("reviews").select("id").where("run_id", "=", runId)).execute();
    for (const table of ["scores", "usage_costs", "evaluations", "notifications", "reviews", "review_items"] as const) {
      await trx.deleteFrom(table).where("run_id", "=", runId).execute();
    }
    await trx.deleteFrom("runs").where("run_id", "=", runId).execute();
    return true;
  });
}

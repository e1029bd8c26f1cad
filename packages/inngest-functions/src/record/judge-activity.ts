import type { Transaction } from "kysely";
import { bucketOf, type Database, type JudgeActivity15mTable } from "@tally/shared/db";

type Activity = Omit<JudgeActivity15mTable, "bucket">;
const COLUMNS = ["calls", "cost_micros", "priced_calls", "unpriced_calls", "budget_skips"] as const;

/**
 * Adds `deltas` to the judge's activity row of the 15-minute bucket holding `at` (the function's clock: when
 * the judge was called, or the run skipped), in the caller's transaction (0021). The daily judge budget and
 * judge.status count today from these rows, whatever the runs' own times.
 */
export async function bumpJudgeActivity(trx: Transaction<Database>, at: number, deltas: Partial<Activity>): Promise<void> {
  const row = { bucket: bucketOf(at), ...Object.fromEntries(COLUMNS.map((c) => [c, deltas[c] ?? 0])) } as JudgeActivity15mTable;
  await trx
    .insertInto("judge_activity_15m")
    .values(row)
    .onConflict((oc) =>
      oc.column("bucket").doUpdateSet((eb) => Object.fromEntries(COLUMNS.map((c) => [c, eb(eb.ref(`judge_activity_15m.${c}`), "+", eb.ref(`excluded.${c}`))]))),
    )
    .execute();
}

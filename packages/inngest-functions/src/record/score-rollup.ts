import type { Transaction } from "kysely";
import { bucketOf, type Database, scoreBin } from "@tally/shared/db";
import { bump, type Dim } from "./rollup.ts";

/** Every rollup one score counts in (or those of `dims`), applied with `sign` +1 (record) or -1 (move away, forget). */
export async function bumpScore(
  trx: Transaction<Database>,
  s: { occurredAt: number; model: string; customerId: string; name: string; value: number },
  sign: 1 | -1,
  dims?: readonly Dim[],
): Promise<void> {
  const key = { bucket: bucketOf(s.occurredAt), model: s.model, customer_id: s.customerId, name: s.name };
  await bump(trx, "rollup_scores_15m", key, { n: sign, sum_value: sign * s.value, sum_sq_value: sign * s.value * s.value }, dims);
  await bump(trx, "rollup_score_bins_15m", { ...key, bin: scoreBin(s.value) }, { n: sign }, dims);
}

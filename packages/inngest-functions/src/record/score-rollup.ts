import type { Transaction } from "kysely";
import { bucketOf, type CuboidId, type Database, scoreBin } from "@tally/shared/db";
import { bump } from "./rollup.ts";

/** A score as its rollups see it: its own bucket and model, the run's customer, function slug and tags. */
export interface RollupScore {
  occurredAt: number;
  model: string;
  customerId: string;
  functionSlug: string;
  tags: Readonly<Record<string, string>>;
  name: string;
  value: number;
}

/** Every rollup one score counts in (or those of `cuboids`), applied with `sign` +1 (record) or -1 (take out). */
export async function bumpScore(trx: Transaction<Database>, s: RollupScore, sign: 1 | -1, cuboids?: readonly CuboidId[]): Promise<void> {
  const key = { bucket: bucketOf(s.occurredAt), model: s.model, customer_id: s.customerId, function_slug: s.functionSlug, tags: s.tags, name: s.name };
  const opts = cuboids ? { cuboids } : {};
  await bump(trx, "scores", key, { n: sign, sum_value: sign * s.value, sum_sq_value: sign * s.value * s.value }, opts);
  await bump(trx, "score_bins", { ...key, bin: scoreBin(s.value) }, { n: sign }, opts);
}

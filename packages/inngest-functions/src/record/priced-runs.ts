import type { Transaction } from "kysely";
import type { Database } from "@tally/shared/db";
import { bump } from "./rollup.ts";
import { runKey, type RunState } from "./run.ts";

type Tx = Transaction<Database>;

/**
 * A priced run is a run with at least one agent usage line that has a price: the run rollups' `priced_runs`
 * counts it once (0025), at the run's own time, model, customer, function and tags, whatever models its
 * lines name. Cost per run divides by it where runs of several models are added up (Overview, customers,
 * functions, tags). The raw lines decide; these helpers keep the rollups in step as lines are written and
 * repriced (runContributions reads it from the lines too).
 */

/** Whether `line` makes its run a priced run: an agent line with a price. */
export const pricesItsRun = (line: { kind: string; cost_micros: number | null }): boolean => line.kind === "agent" && line.cost_micros !== null;

/** Of `runIds`, those with a priced agent line now (one indexed read: usage_costs by run, kind, cost). */
export async function pricedRunIds(trx: Tx, runIds: readonly string[]): Promise<Set<string>> {
  if (runIds.length === 0) return new Set();
  const rows = await trx
    .selectFrom("usage_costs")
    .select("run_id")
    .distinct()
    .where("run_id", "in", [...runIds])
    .where("kind", "=", "agent")
    .where("cost_micros", "is not", null)
    .execute();
  return new Set(rows.map((r) => r.run_id));
}

/** Counts the run in priced_runs (1) or takes it out (-1), in its own run-rollup row. */
export async function bumpPricedRun(trx: Tx, run: Pick<RunState, "occurredAt" | "model" | "customerId" | "functionSlug" | "tags">, sign: 1 | -1): Promise<void> {
  await bump(trx, "runs", runKey(run.occurredAt, run.model, run.customerId, run.functionSlug, run.tags), { runs: 0, priced_runs: sign });
}

import type { Transaction } from "kysely";
import { bucketOf, type Database } from "@tally/shared/db";
import { bump } from "./rollup.ts";
import { runKey, type RunState } from "./run.ts";

type Tx = Transaction<Database>;
type RunAt = Pick<RunState, "occurredAt" | "model" | "customerId" | "functionSlug" | "tags">;

/**
 * A priced run is a run with at least one agent usage line that has a price. It is counted once in two places:
 * - the run rollups' `priced_runs` (0025), at the run's own time, model, customer, function and tags, whatever
 *   models its lines name: cost per run where runs of several models add up (Overview, customers, functions, tags);
 * - the usage rollups' `priced_runs` (0026), once per run and model, on the run's first priced agent line of
 *   that model (earliest `occurred_at`, then id), at that line's own key: cost per run of a model, however many
 *   lines of it the run reports.
 * The raw lines decide; the writer and the repricer hand the priced lines before and after their change to
 * `bumpPricedRuns`, and runContributions reads both from the lines (`firstPricedLines`).
 */

/** Whether `line` makes its run a priced run: an agent line with a price. */
export const pricesItsRun = (line: { kind: string; cost_micros: number | null }): boolean => line.kind === "agent" && line.cost_micros !== null;

/** A priced agent line as priced runs see it. */
export interface PricedLine {
  id: string;
  run_id: string;
  model: string;
  customer_id: string;
  occurred_at: number;
}

/** The priced agent lines of `runIds` (one indexed read: usage_costs by run, kind, cost). */
export async function pricedLines(trx: Tx, runIds: readonly string[]): Promise<PricedLine[]> {
  if (runIds.length === 0) return [];
  return trx
    .selectFrom("usage_costs")
    .select(["id", "run_id", "model", "customer_id", "occurred_at"])
    .where("run_id", "in", [...runIds])
    .where("kind", "=", "agent")
    .where("cost_micros", "is not", null)
    .execute();
}

/** Of priced agent lines, each run's first of each model (earliest occurred_at, then id), by `run_id` + model. */
export function firstPricedLines<L extends PricedLine>(lines: Iterable<L>): Map<string, L> {
  const first = new Map<string, L>();
  for (const line of lines) {
    const key = `${line.run_id}\u001f${line.model}`;
    const held = first.get(key);
    if (!held || line.occurred_at < held.occurred_at || (line.occurred_at === held.occurred_at && line.id < held.id)) first.set(key, line);
  }
  return first;
}

/**
 * Moves both priced-run counts from what the priced agent lines `before` give to what `after` gives (the same
 * runs' priced lines before and after a write or a repricing), in the caller's transaction: a run that gains
 * its first priced line is counted in, one that loses its last is taken out, and a run and model's count
 * moves to the line that is now its first.
 */
export async function bumpPricedRuns(trx: Tx, before: readonly PricedLine[], after: readonly PricedLine[], runOf: (runId: string) => RunAt): Promise<void> {
  const runsBefore = new Set(before.map((l) => l.run_id));
  const runsAfter = new Set(after.map((l) => l.run_id));
  for (const id of new Set([...runsBefore, ...runsAfter])) {
    if (runsBefore.has(id) === runsAfter.has(id)) continue;
    const run = runOf(id);
    await bump(trx, "runs", runKey(run.occurredAt, run.model, run.customerId, run.functionSlug, run.tags), { runs: 0, priced_runs: runsAfter.has(id) ? 1 : -1 });
  }
  const firstBefore = firstPricedLines(before);
  const firstAfter = firstPricedLines(after);
  for (const key of new Set([...firstBefore.keys(), ...firstAfter.keys()])) {
    const was = firstBefore.get(key);
    const now = firstAfter.get(key);
    if (was?.id === now?.id) continue;
    if (was) await bumpModelPricedRun(trx, was, runOf(was.run_id), -1);
    if (now) await bumpModelPricedRun(trx, now, runOf(now.run_id), 1);
  }
}

/** The usage rollups' priced_runs on `line`'s own row (its bucket, model, customer, kind agent; the run's function and tags). */
async function bumpModelPricedRun(trx: Tx, line: PricedLine, run: RunAt, sign: 1 | -1): Promise<void> {
  const key = { bucket: bucketOf(line.occurred_at), model: line.model, customer_id: line.customer_id, function_slug: run.functionSlug, tags: run.tags, kind: "agent" };
  await bump(trx, "usage", key, { calls: 0, priced_runs: sign });
}

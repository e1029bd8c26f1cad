import type { Transaction } from "kysely";
import { bucketOf, type Database, type Fact, scoreBin } from "@tally/shared/db";
import type { RollupKey } from "./rollup.ts";
import { firstPricedLines, pricesItsRun } from "./priced-runs.ts";
import { judgeFactDeltas, judgeLineDeltas, runMeasures, usageDeltas } from "./run.ts";

/** One fact's share of the rollups: what bump() adds for it (its key carries its 15-minute bucket). */
export interface Contribution {
  fact: Fact;
  key: RollupKey;
  deltas: Record<string, number>;
}

/**
 * Everything the runs `runIds` count in the rollups, read from their raw rows: each run's row (the run,
 * scored, the judge's outcome and its spend on the run, priced or not, in the run's bucket under its model and customer),
 * each usage line (its own bucket, model, customer and kind: a judge line under the judge's model), each
 * score and its bin (the score's bucket and model, the run's customer), each judge line under its judge
 * model in the judge fact (keyed like its run), all with the run's function slug and tags. forgetRun takes
 * these back out; a run's move rewrites them; the tag fill replays them.
 */
export async function runContributions(trx: Transaction<Database>, runIds: readonly string[]): Promise<Contribution[]> {
  if (runIds.length === 0) return [];
  const ids = [...runIds];
  const runs = await trx
    .selectFrom("runs")
    .select(["run_id", "model", "customer_id", "function_slug", "tags", "occurred_at", "scored_at", "judge_outcome"])
    .where("run_id", "in", ids)
    .orderBy("run_id")
    .execute();
  const byId = new Map(runs.map((r) => [r.run_id, { ...r, tags: JSON.parse(r.tags) as Record<string, string> }]));
  const lines = await trx.selectFrom("usage_costs").selectAll().where("run_id", "in", ids).orderBy("id").execute();
  const scores = await trx.selectFrom("scores").select(["run_id", "model", "name", "value", "occurred_at"]).where("run_id", "in", ids).orderBy("id").execute();
  const out: Contribution[] = [];
  const judge = new Map<string, Record<string, number>>();
  const priced = new Set<string>(); // runs with a priced agent line (the run rollups' priced_runs)
  // Each run's first priced agent line of each model (the usage rollups' priced_runs).
  const firsts = new Set([...firstPricedLines(lines.filter(pricesItsRun)).values()].map((l) => l.id));
  for (const line of lines) {
    const run = byId.get(line.run_id);
    if (!run) continue;
    if (pricesItsRun(line)) priced.add(line.run_id);
    const key = { bucket: bucketOf(line.occurred_at), model: line.model, customer_id: line.customer_id, function_slug: run.function_slug, tags: run.tags, kind: line.kind };
    out.push({ fact: "usage", key, deltas: { ...usageDeltas(line), priced_runs: firsts.has(line.id) ? 1 : 0 } });
    if (line.kind !== "judge") continue;
    const runAt = { bucket: bucketOf(run.occurred_at), model: run.model, customer_id: run.customer_id, function_slug: run.function_slug, tags: run.tags };
    out.push({ fact: "judge", key: { ...runAt, judge_model: line.model }, deltas: judgeFactDeltas(line) });
    const sum = judge.get(line.run_id) ?? {};
    for (const [k, v] of Object.entries(judgeLineDeltas(line))) sum[k] = (sum[k] ?? 0) + v;
    judge.set(line.run_id, sum);
  }
  for (const s of scores) {
    const run = byId.get(s.run_id);
    if (!run) continue;
    const key = { bucket: bucketOf(s.occurred_at), model: s.model, customer_id: run.customer_id, function_slug: run.function_slug, tags: run.tags, name: s.name };
    out.push({ fact: "scores", key, deltas: { n: 1, sum_value: s.value, sum_sq_value: s.value * s.value } });
    out.push({ fact: "score_bins", key: { ...key, bin: scoreBin(s.value) }, deltas: { n: 1 } });
  }
  for (const run of byId.values()) {
    const deltas = { ...runMeasures(run), ...(judge.get(run.run_id) ?? {}), priced_runs: priced.has(run.run_id) ? 1 : 0 };
    out.push({ fact: "runs", key: { bucket: bucketOf(run.occurred_at), model: run.model, customer_id: run.customer_id, function_slug: run.function_slug, tags: run.tags }, deltas });
  }
  return out;
}

import type { Transaction } from "kysely";
import { type Database, bucketOf } from "@tally/shared/db";
import { bump, movedDims } from "./rollup.ts";
import { bumpScore } from "./score-rollup.ts";

type Tx = Transaction<Database>;

/** What a deferred function knows of its parent run. */
export interface RunRef {
  runId: string;
  functionSlug: string;
  model?: string | undefined;
  customerId?: string | undefined;
  ticketId?: string | undefined;
  tags?: Record<string, string> | undefined;
  occurredAt: number;
  now: number;
}

export interface RunState {
  model: string;
  customerId: string;
  scored: boolean;
  /** As stored (the first delivery's): with the model, customer and function, the run's rollup key. */
  occurredAt: number;
  functionSlug: string;
}

/** Why the judge was not called for a run (runs.judge_outcome, evaluations.status). */
export type JudgeOutcome = "not_sampled" | "judge_budget";

/**
 * Creates the parent run on first sight (counting it once in the runs rollup), or fills in what an
 * earlier payload did not know. The first non-empty model and customer win. When a customer becomes
 * known later, the run's counts, scores, judge costs and review items move from "unattributed" to that customer (and
 * when the model becomes known, the run's own counts and judge measures move to it), so every rollup keeps
 * summing to its raw rows.
 */
export async function upsertRun(trx: Tx, ref: RunRef): Promise<RunState> {
  const existing = await trx
    .selectFrom("runs")
    .select(["model", "customer_id", "function_slug", "tags", "ticket_id", "occurred_at", "scored_at", "judge_outcome"])
    .where("run_id", "=", ref.runId)
    .executeTakeFirst();
  if (!existing) {
    const model = ref.model ?? "";
    const customerId = ref.customerId ?? "";
    await trx
      .insertInto("runs")
      .values({
        run_id: ref.runId,
        function_slug: ref.functionSlug,
        model,
        customer_id: customerId,
        ticket_id: ref.ticketId ?? null,
        tags: JSON.stringify(ref.tags ?? {}),
        occurred_at: ref.occurredAt,
        first_seen_at: ref.now,
        scored_at: null,
      })
      .execute();
    await bump(trx, "rollup_runs_15m", runKey(ref.occurredAt, model, customerId, ref.functionSlug), {
      runs: 1,
      scored_runs: 0,
    });
    return { model, customerId, scored: false, occurredAt: ref.occurredAt, functionSlug: ref.functionSlug };
  }

  const model = existing.model || ref.model || "";
  const customerId = existing.customer_id || ref.customerId || "";
  const tags = { ...(ref.tags ?? {}), ...(JSON.parse(existing.tags) as Record<string, string>) };
  const patch = {
    model,
    customer_id: customerId,
    ticket_id: existing.ticket_id ?? ref.ticketId ?? null,
    tags: JSON.stringify(tags),
  };
  const changed =
    patch.model !== existing.model ||
    patch.customer_id !== existing.customer_id ||
    patch.ticket_id !== existing.ticket_id ||
    patch.tags !== existing.tags;
  const state = { model, customerId, scored: existing.scored_at !== null, occurredAt: existing.occurred_at, functionSlug: existing.function_slug };
  if (!changed) return state;

  await trx.updateTable("runs").set(patch).where("run_id", "=", ref.runId).execute();
  if (model !== existing.model || customerId !== existing.customer_id) {
    const measures = await runMeasures(trx, { ...existing, run_id: ref.runId });
    const bucket = existing.occurred_at;
    const dims = movedDims({ model: existing.model, customerId: existing.customer_id }, { model, customerId });
    await bump(trx, "rollup_runs_15m", runKey(bucket, existing.model, existing.customer_id, existing.function_slug), negate(measures), dims);
    await bump(trx, "rollup_runs_15m", runKey(bucket, model, customerId, existing.function_slug), measures, dims);
  }
  if (customerId !== existing.customer_id) await reattributeToCustomer(trx, ref.runId, customerId);
  return state;
}

/**
 * All a run counts in its run-rollup row, read from its raw rows: the run, scored or not, why the judge
 * was left out (runs.judge_outcome) and the judge's spend on it (its usage lines of kind 'judge').
 * Moved with the run on re-attribution, taken out when it is forgotten.
 */
export async function runMeasures(
  trx: Tx,
  run: { run_id: string; scored_at: number | null; judge_outcome: string | null },
): Promise<Record<string, number>> {
  const out: Record<string, number> = {
    runs: 1,
    scored_runs: run.scored_at === null ? 0 : 1,
    unsampled_runs: run.judge_outcome === "not_sampled" ? 1 : 0,
    judge_skipped_runs: run.judge_outcome === "judge_budget" ? 1 : 0,
  };
  const lines = await trx.selectFrom("usage_costs").select("cost_micros").where("run_id", "=", run.run_id).where("kind", "=", "judge").execute();
  for (const line of lines) for (const [k, v] of Object.entries(judgeLineDeltas(line))) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** One judge usage line in its run's rollup row: the spend when priced, and the call counted priced or unpriced. */
export function judgeLineDeltas(line: { cost_micros: number | null }): Record<string, number> {
  const priced = line.cost_micros !== null;
  return { judge_cost_micros: line.cost_micros ?? 0, judge_priced_calls: priced ? 1 : 0, judge_unpriced_calls: priced ? 0 : 1 };
}

/**
 * Records why the judge was not called for the run, once: the first outcome wins and counts the run in
 * `unsampled_runs` or `judge_skipped_runs`. Returns whether this call set it.
 */
export async function markJudgeOutcome(trx: Tx, runId: string, outcome: JudgeOutcome): Promise<boolean> {
  const run = await trx
    .updateTable("runs")
    .set({ judge_outcome: outcome })
    .where("run_id", "=", runId)
    .where("judge_outcome", "is", null)
    .returning(["model", "customer_id", "function_slug", "occurred_at"])
    .executeTakeFirst();
  if (!run) return false;
  const column = outcome === "not_sampled" ? "unsampled_runs" : "judge_skipped_runs";
  await bump(trx, "rollup_runs_15m", runKey(run.occurred_at, run.model, run.customer_id, run.function_slug), { runs: 0, [column]: 1 });
  return true;
}

/** Marks the run scored once; later scores of the same run do not count it again. */
export async function markScored(trx: Tx, runId: string, at: number): Promise<void> {
  const run = await trx
    .updateTable("runs")
    .set({ scored_at: at })
    .where("run_id", "=", runId)
    .where("scored_at", "is", null)
    .returning(["model", "customer_id", "function_slug", "occurred_at"])
    .executeTakeFirst();
  if (!run) return;
  await bump(trx, "rollup_runs_15m", runKey(run.occurred_at, run.model, run.customer_id, run.function_slug), {
    runs: 0,
    scored_runs: 1,
  });
}

export function runKey(occurredAt: number, model: string, customerId: string, functionSlug: string) {
  return { bucket: bucketOf(occurredAt), model, customer_id: customerId, function_slug: functionSlug };
}

/**
 * Scores, usage lines and review items recorded before the run's customer was known move to that customer
 * (review_items.customer_id is the review queue's customer filter).
 */
async function reattributeToCustomer(trx: Tx, runId: string, customerId: string): Promise<void> {
  const scores = await trx
    .selectFrom("scores")
    .select(["model", "name", "value", "occurred_at"])
    .where("run_id", "=", runId)
    .execute();
  for (const s of scores) {
    const score = { occurredAt: s.occurred_at, model: s.model, name: s.name, value: s.value };
    await bumpScore(trx, { ...score, customerId: "" }, -1, ["customer_id"]);
    await bumpScore(trx, { ...score, customerId }, 1, ["customer_id"]);
  }
  const lines = await trx
    .updateTable("usage_costs")
    .set({ customer_id: customerId })
    .where("run_id", "=", runId)
    .where("customer_id", "=", "")
    .returningAll()
    .execute();
  for (const line of lines) {
    const key = { bucket: bucketOf(line.occurred_at), model: line.model, kind: line.kind };
    const deltas = usageDeltas(line);
    await bump(trx, "rollup_usage_15m", { ...key, customer_id: "" }, negate(deltas), ["customer_id"]);
    await bump(trx, "rollup_usage_15m", { ...key, customer_id: customerId }, deltas, ["customer_id"]);
  }
  await trx.updateTable("review_items").set({ customer_id: customerId }).where("run_id", "=", runId).where("customer_id", "=", "").execute();
}

export function usageDeltas(line: {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_micros: number | null;
}): Record<string, number> {
  const priced = line.cost_micros !== null;
  return {
    calls: 1,
    input_tokens: line.input_tokens,
    output_tokens: line.output_tokens,
    cache_read_tokens: line.cache_read_tokens,
    cache_write_tokens: line.cache_write_tokens,
    reasoning_tokens: line.reasoning_tokens,
    cost_micros: line.cost_micros ?? 0,
    priced_calls: priced ? 1 : 0,
    unpriced_calls: priced ? 0 : 1,
    unpriced_tokens: priced ? 0 : line.input_tokens + line.output_tokens,
  };
}

export function negate(d: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, -v]));
}

import type { Transaction } from "kysely";
import { type Database, bucketOf } from "@tally/shared/db";
import { runContributions } from "./contributions.ts";
import { bump, movedCuboids, type RollupKey } from "./rollup.ts";

type Tx = Transaction<Database>;

/** What a deferred function knows of its parent run. */
export interface RunRef {
  runId: string;
  functionSlug: string;
  model?: string | undefined;
  customerId?: string | undefined;
  ticketId?: string | undefined;
  tags?: Record<string, string> | undefined;
  /**
   * `model` is the model whose output the judge scored (a score payload's, set by recordEvaluation): it names
   * the run over a model that only usage lines or a notification named before it.
   */
  judged?: boolean | undefined;
  occurredAt: number;
  now: number;
}

export interface RunState {
  model: string;
  customerId: string;
  scored: boolean;
  /** As stored (the first delivery's): with the model, customer, function and tags, the run's rollup key. */
  occurredAt: number;
  functionSlug: string;
  /** The run's tags as merged so far (first value per key wins); the promoted ones key the tag rollups. */
  tags: Record<string, string>;
}

/** Why the judge was not called for a run (runs.judge_outcome, evaluations.status). */
export type JudgeOutcome = "not_sampled" | "judge_budget";

/**
 * Creates the parent run on first sight (counting it once in the runs rollup), or fills in what an
 * earlier payload did not know. The first non-empty model and customer win (but the first evaluation's model
 * wins over a model only usage lines or a notification named: `judgedModelWins`), and the first value of each
 * tag. When a customer becomes known later, the run's counts, scores, judge costs and review items move
 * from "unattributed" to that customer (when the model becomes known, or the judged model replaces it, the
 * run's own counts and judge measures move to it; when a promoted tag gains a value, the run's facts move in
 * the tag rollups from '' to it), in the same transaction, so every rollup keeps summing to its raw rows.
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
    const tags = { ...(ref.tags ?? {}) };
    await bump(trx, "runs", runKey(ref.occurredAt, model, customerId, ref.functionSlug, tags), { runs: 1 });
    return { model, customerId, scored: false, occurredAt: ref.occurredAt, functionSlug: ref.functionSlug, tags };
  }

  const model = (await judgedModelWins(trx, ref, existing.model)) ? ref.model! : existing.model || ref.model || "";
  const customerId = existing.customer_id || ref.customerId || "";
  const storedTags = JSON.parse(existing.tags) as Record<string, string>;
  const tags = { ...(ref.tags ?? {}), ...storedTags };
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
  const state = { model, customerId, scored: existing.scored_at !== null, occurredAt: existing.occurred_at, functionSlug: existing.function_slug, tags };
  if (!changed) return state;

  // The run's facts as counted so far, then as counted after the change: the cuboids whose key moved get
  // the difference (rows whose key did not change cancel out).
  const cuboids = movedCuboids({ model: existing.model, customerId: existing.customer_id, tags: storedTags }, { model, customerId, tags });
  const before = cuboids.length > 0 ? await runContributions(trx, [ref.runId]) : [];
  await trx.updateTable("runs").set(patch).where("run_id", "=", ref.runId).execute();
  if (customerId !== existing.customer_id) await reattributeToCustomer(trx, ref.runId, customerId);
  if (cuboids.length > 0) {
    for (const c of before) await bump(trx, c.fact, c.key, negate(c.deltas), { cuboids });
    for (const c of await runContributions(trx, [ref.runId])) await bump(trx, c.fact, c.key, c.deltas, { cuboids });
  }
  return state;
}

/**
 * A run of several models (a triage call on a small model, then the answer on another) is the model whose
 * output was judged. Deferred runs arrive in any order, so the first model reported may be the triage
 * call's: the first evaluation's model replaces it, and the run's facts move with it (upsertRun). Once an
 * evaluation has named the model, a later one (a second score of another output) does not move the run again.
 */
async function judgedModelWins(trx: Tx, ref: RunRef, model: string): Promise<boolean> {
  if (!ref.judged || !ref.model || !model || ref.model === model) return false;
  const evaluated = await trx.selectFrom("evaluations").select("id").where("run_id", "=", ref.runId).limit(1).executeTakeFirst();
  return evaluated === undefined;
}

/**
 * What a run counts in its run-rollup row apart from the judge's spend (its judge usage lines, added by
 * runContributions / bumpUsageLine): the run, scored or not, and why the judge was left out.
 */
export function runMeasures(run: { scored_at: number | null; judge_outcome: string | null }): Record<string, number> {
  return {
    runs: 1,
    scored_runs: run.scored_at === null ? 0 : 1,
    unsampled_runs: run.judge_outcome === "not_sampled" ? 1 : 0,
    judge_skipped_runs: run.judge_outcome === "judge_budget" ? 1 : 0,
  };
}

/** One judge usage line in its run's rollup row: the spend when priced, and the call counted priced or unpriced. */
export function judgeLineDeltas(line: { cost_micros: number | null }): Record<string, number> {
  const priced = line.cost_micros !== null;
  return { judge_cost_micros: line.cost_micros ?? 0, judge_priced_calls: priced ? 1 : 0, judge_unpriced_calls: priced ? 0 : 1 };
}

/** A judge line in the judge fact (under its judge model, keyed by its run): the call, its priced spend, priced or not. */
export function judgeFactDeltas(line: { cost_micros: number | null }): Record<string, number> {
  const priced = line.cost_micros !== null;
  return { calls: 1, cost_micros: line.cost_micros ?? 0, priced_calls: priced ? 1 : 0, unpriced_calls: priced ? 0 : 1 };
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
    .returning(["model", "customer_id", "function_slug", "occurred_at", "tags"])
    .executeTakeFirst();
  if (!run) return false;
  const column = outcome === "not_sampled" ? "unsampled_runs" : "judge_skipped_runs";
  await bump(trx, "runs", storedRunKey(run), { runs: 0, [column]: 1 });
  return true;
}

/** Marks the run scored once; later scores of the same run do not count it again. */
export async function markScored(trx: Tx, runId: string, at: number): Promise<void> {
  const run = await trx
    .updateTable("runs")
    .set({ scored_at: at })
    .where("run_id", "=", runId)
    .where("scored_at", "is", null)
    .returning(["model", "customer_id", "function_slug", "occurred_at", "tags"])
    .executeTakeFirst();
  if (!run) return;
  await bump(trx, "runs", storedRunKey(run), { runs: 0, scored_runs: 1 });
}

/** The rollup key of a run's own row (the bucket of its stored occurred_at). */
export function runKey(occurredAt: number, model: string, customerId: string, functionSlug: string, tags: Record<string, string>): RollupKey {
  return { bucket: bucketOf(occurredAt), model, customer_id: customerId, function_slug: functionSlug, tags };
}

function storedRunKey(run: { occurred_at: number; model: string; customer_id: string; function_slug: string; tags: string }): RollupKey {
  return runKey(run.occurred_at, run.model, run.customer_id, run.function_slug, JSON.parse(run.tags) as Record<string, string>);
}

/**
 * Usage lines and review items recorded before the run's customer was known move to that customer
 * (review_items.customer_id is the review queue's customer filter); the rollups follow in upsertRun (scores
 * take the run's customer from the run row).
 */
async function reattributeToCustomer(trx: Tx, runId: string, customerId: string): Promise<void> {
  await trx.updateTable("usage_costs").set({ customer_id: customerId }).where("run_id", "=", runId).where("customer_id", "=", "").execute();
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

import type { Kysely } from "kysely";
import type { Database } from "@tally/shared/db";
import type { NormalizedUsage } from "@tally/shared/pricing";
import { type JudgeOutcome, markJudgeOutcome, markScored, type RunRef, upsertRun } from "./run.ts";
import { bumpJudgeActivity } from "./judge-activity.ts";
import { bumpScore } from "./score-rollup.ts";
import { insertUsageLine } from "./usage.ts";
import { inTransaction } from "./tx.ts";

export interface JudgedScore {
  name: string;
  rawValue: number;
  scaleMin: number;
  scaleMax: number;
  rationale: string;
}

export interface EvaluationRecord {
  key: string;
  deferredRunId: string;
  /** The agent model whose output was judged. */
  model: string;
  judgeModel: string;
  judgeProvider?: string | undefined;
  rubricVersion: string;
  judgeCalls: number;
  judgeUsage: NormalizedUsage;
  outcome: { ok: true; scores: JudgedScore[] } | { ok: false; error: string; rawOutput: string };
}

/**
 * The judge's own text as stored: U+0000 (a model may emit it) becomes U+FFFD, since PostgreSQL's text
 * cannot hold it and the write would fail on every retry, each one paying the judge again.
 */
const storable = (text: string): string => text.replaceAll("\u0000", "\uFFFD");

/**
 * Writes one evaluation: its status row, its scores (normalised to 0–1) and the judge's own cost, with
 * their rollups (the cost also in the judged run's rollup row), in one transaction. Idempotent on the
 * evaluation key.
 */
export async function recordEvaluation(
  db: Kysely<Database>,
  run: RunRef,
  ev: EvaluationRecord,
): Promise<{ inserted: boolean; scores: number }> {
  return inTransaction(db, async (trx) => {
    const prior = await trx.selectFrom("evaluations").select("id").where("id", "=", ev.key).executeTakeFirst();
    if (prior) return { inserted: false, scores: 0 };
    const state = await upsertRun(trx, { ...run, judged: true });
    await trx
      .insertInto("evaluations")
      .values({
        id: ev.key,
        run_id: run.runId,
        deferred_run_id: ev.deferredRunId,
        status: ev.outcome.ok ? "succeeded" : "failed",
        judge_model: ev.judgeModel,
        rubric_version: ev.rubricVersion,
        judge_calls: ev.judgeCalls,
        error: ev.outcome.ok ? null : storable(ev.outcome.error),
        raw_output: ev.outcome.ok ? null : storable(ev.outcome.rawOutput.slice(0, 4000)),
        created_at: run.now,
      })
      .execute();
    if (ev.judgeCalls > 0) {
      await insertUsageLine(trx, run, state, {
        key: ev.key,
        deferredRunId: ev.deferredRunId,
        kind: "judge",
        model: ev.judgeModel,
        provider: ev.judgeProvider,
        usage: ev.judgeUsage,
      });
    }
    if (!ev.outcome.ok) return { inserted: true, scores: 0 };

    for (const s of ev.outcome.scores) {
      const value = (s.rawValue - s.scaleMin) / (s.scaleMax - s.scaleMin);
      await trx
        .insertInto("scores")
        .values({
          id: `${ev.key}:${s.name}`,
          run_id: run.runId,
          deferred_run_id: ev.deferredRunId,
          model: ev.model,
          name: s.name,
          value,
          raw_value: s.rawValue,
          scale_min: s.scaleMin,
          scale_max: s.scaleMax,
          data_type: "numeric",
          source: "judge",
          judge_model: ev.judgeModel,
          rubric_version: ev.rubricVersion,
          rationale: storable(s.rationale),
          occurred_at: run.occurredAt,
          created_at: run.now,
        })
        .execute();
      await bumpScore(trx, { occurredAt: run.occurredAt, model: ev.model, customerId: state.customerId, functionSlug: state.functionSlug, tags: state.tags, name: s.name, value }, 1);
    }
    if (ev.outcome.scores.length > 0) await markScored(trx, run.runId, run.now);
    return { inserted: true, scores: ev.outcome.scores.length };
  });
}

export interface SkippedEvaluation {
  /** The parent run, as for recordEvaluation. */
  run: RunRef;
  /** The evaluation key (idempotency key of the deferred score run), as for recordEvaluation. */
  key: string;
  deferredRunId: string;
  /** The judge that would have been called. */
  judgeModel: string;
  rubricVersion: string;
  /** `not_sampled`: left out by sampling; `judge_budget`: the day's judge budget was reached. */
  reason: JudgeOutcome;
}

/**
 * Records a run the judge was not called for, in one transaction: an evaluation row with status `reason`
 * (no judge call, no score, no usage line), the run (created or completed as recordEvaluation does) and,
 * if no earlier decision was recorded for the run, `runs.judge_outcome` with +1 `unsampled_runs` or
 * `judge_skipped_runs` on the run's rollup row (and, for the budget, +1 in the judge's activity now). Never a
 * zero score. Idempotent on the evaluation key: `inserted` false for a repeated delivery; `counted` says
 * whether this call set the run's outcome.
 */
export async function recordSkippedEvaluation(
  db: Kysely<Database>,
  ev: SkippedEvaluation,
): Promise<{ inserted: boolean; counted: boolean }> {
  return inTransaction(db, async (trx) => {
    const prior = await trx.selectFrom("evaluations").select("id").where("id", "=", ev.key).executeTakeFirst();
    if (prior) return { inserted: false, counted: false };
    await upsertRun(trx, { ...ev.run, judged: true });
    await trx
      .insertInto("evaluations")
      .values({
        id: ev.key,
        run_id: ev.run.runId,
        deferred_run_id: ev.deferredRunId,
        status: ev.reason,
        judge_model: ev.judgeModel,
        rubric_version: ev.rubricVersion,
        judge_calls: 0,
        error: null,
        raw_output: null,
        created_at: ev.run.now,
      })
      .execute();
    const counted = await markJudgeOutcome(trx, ev.run.runId, ev.reason);
    if (counted && ev.reason === "judge_budget") await bumpJudgeActivity(trx, ev.run.now, { budget_skips: 1 });
    return { inserted: true, counted };
  });
}

import { NonRetriableError } from "inngest";
import { createDefer } from "inngest/experimental";
import { DEFAULT_CRITERIA, scorePayloadSchema } from "@tally/shared";
import type { TallyInngest } from "../client.ts";
import { DEFAULT_FLOW, type Deps, now } from "../deps.ts";
import { judge, type JudgeConfig, judgeLongestMs, type JudgeResult, rubricVersion, SCALE } from "../judge/judge.ts";
import { SIMULATED_JUDGE, simulatedJudge } from "../judge/simulated.ts";
import { endClaim, onceAcrossDeliveries } from "../record/claim.ts";
import { recordEvaluation, recordSkippedEvaluation } from "../record/evaluation.ts";
import { parentRun, parsePayload, runContext } from "./context.ts";
import { DEFAULT_JUDGE_GATE, judgeDecision } from "./judge-gate.ts";
import { reviewScoredRun } from "./review-gate.ts";

/**
 * Has an LLM judge rate the parent's output on each criterion (1–5), then records the scores
 * (normalised to 0–1) and the judge's own cost. A verdict that stays malformed after the repair
 * attempts is recorded as a failed evaluation and the run ends normally: no retry loop. A run out of the
 * judge sample, or past the day's judge budget, is recorded as skipped without a judge call (never a score).
 * At most `judgeConcurrency` runs at once and `judgeThrottle` run starts per period (Inngest flow control).
 */
export function scoreAgentOutput(inngest: TallyInngest, deps: Deps) {
  const flow = deps.flow ?? DEFAULT_FLOW;
  return createDefer(
    inngest,
    {
      id: "score-agent-output",
      name: "Score agent output",
      schema: scorePayloadSchema,
      concurrency: { limit: flow.judgeConcurrency },
      ...(flow.judgeThrottle ? { throttle: flow.judgeThrottle } : {}),
    },
    async (ctx) => {
      const data = parsePayload(scorePayloadSchema, ctx.event.data);
      const parentRunId = parentRun(ctx).runId;
      const judgeConfig = deps.judge;
      if (!judgeConfig) {
        throw new NonRetriableError("the LLM judge is not configured: set JUDGE_BASE_URL and JUDGE_MODEL");
      }
      const criteria = data.criteria ?? DEFAULT_CRITERIA;
      // In a step: a retry or replay reuses the decision, even after the budget or a rate changed.
      const gate = await ctx.step.run("judge-gate", () =>
        judgeDecision(
          deps.db,
          { parentRunId, key: runContext(deps, ctx, data).key, model: data.model, customerId: data.customerId, now: now(deps) },
          deps.judgeGate ?? DEFAULT_JUDGE_GATE,
        ),
      );
      if (!gate.judge) {
        // A repeated delivery of a recorded evaluation: nothing to judge, record or review again.
        if (gate.reason === "recorded") {
          if (gate.runId !== parentRunId) {
            const key = runContext(deps, ctx, data).key;
            throw new NonRetriableError(`idempotencyKey "${key}" was already used for the evaluation of run "${gate.runId}", not "${parentRunId}": use one key per fact`);
          }
          return { status: "recorded" as const, inserted: false, scores: 0 };
        }
        const reason = gate.reason;
        const recorded = await ctx.step.run("record-skipped-evaluation", () => {
          const { run, key } = runContext(deps, ctx, data);
          return recordSkippedEvaluation(deps.db, {
            run,
            key,
            deferredRunId: ctx.runId,
            judgeModel: judgeModelOf(judgeConfig),
            rubricVersion: rubricVersion(criteria),
            reason,
          });
        });
        return { status: reason, ...recorded };
      }
      // One paid judging across overlapping deliveries of this run (claim.ts); null: another recorded it.
      const result = await ctx.step.run("judge", async (): Promise<JudgeResult | null> => {
        const claim = { kind: "judge" as const, key: runContext(deps, ctx, data).key, runId: parentRunId };
        // The simulated judge answers at once.
        const longestMs = judgeConfig === "simulated" ? 0 : judgeLongestMs(judgeConfig);
        const recorded = async () => !!(await deps.db.selectFrom("evaluations").select("id").where("id", "=", claim.key).executeTakeFirst());
        return onceAcrossDeliveries(deps.db, claim, { longestMs, now: now(deps), recorded }, async () =>
          judgeConfig === "simulated" ? simulatedJudge(criteria, data.response) : judge(judgeConfig, criteria, data.response, data.input),
        );
      });
      if (result === null) return { status: "recorded" as const, inserted: false, scores: 0 };

      const recorded = await ctx.step.run("record-evaluation", async () => {
        const { run, key } = runContext(deps, ctx, data);
        const written = await recordEvaluation(deps.db, run, {
          key,
          deferredRunId: ctx.runId,
          model: data.model,
          judgeModel: result.judgeModel,
          judgeProvider: judgeConfig === "simulated" ? undefined : judgeConfig.provider,
          rubricVersion: result.rubricVersion,
          judgeCalls: result.calls,
          judgeUsage: result.usage,
          outcome: result.ok
            ? {
                ok: true,
                scores: result.verdicts.map((v) => ({
                  name: v.criterion,
                  rawValue: v.score,
                  scaleMin: SCALE.min,
                  scaleMax: SCALE.max,
                  rationale: v.rationale,
                })),
              }
            : { ok: false, error: result.error, rawOutput: result.rawOutput },
        });
        await endClaim(deps.db, { kind: "judge", key });
        return written;
      });

      if (result.ok && recorded.inserted && deps.inngestScores) {
        await ctx.step.run("send-inngest-scores", async () => {
          for (const v of result.verdicts) {
            const value = (v.score - SCALE.min) / (SCALE.max - SCALE.min);
            await inngest.score({ runId: parentRunId, name: v.criterion, value });
          }
        });
      }
      if (!result.ok) return { status: "failed" as const, error: result.error, ...recorded };
      const scores = result.verdicts.map((v) => ({ name: v.criterion, rawValue: v.score }));
      // Human review (review-gate.ts), once per evaluation: a repeated delivery of a recorded one does not wait again.
      const review = recorded.inserted
        ? await reviewScoredRun(ctx.step, deps, {
            itemId: data.idempotencyKey ?? ctx.runId,
            parentRunId,
            parentFn: parentRun(ctx).fnSlug,
            model: data.model,
            customerId: data.customerId,
            judgeModel: result.judgeModel,
            rubricVersion: result.rubricVersion,
            scores,
            input: data.input,
            output: data.response,
            occurredAt: runContext(deps, ctx, data).run.occurredAt,
          })
        : { review: "none" as const };
      return { status: "scored" as const, scores: Object.fromEntries(scores.map((s) => [s.name, s.rawValue])), ...review };
    },
  );
}

/** The judge a run would be (or was) scored by. */
export function judgeModelOf(config: JudgeConfig | "simulated"): string {
  return config === "simulated" ? SIMULATED_JUDGE : config.model;
}

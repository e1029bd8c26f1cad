import { NonRetriableError } from "inngest";
import { createDefer } from "inngest/experimental";
import { DEFAULT_CRITERIA, scorePayloadSchema } from "@tally/shared";
import type { TallyInngest } from "../client.ts";
import type { Deps } from "../deps.ts";
import { judge, type JudgeResult, SCALE } from "../judge/judge.ts";
import { simulatedJudge } from "../judge/simulated.ts";
import { recordEvaluation } from "../record/evaluation.ts";
import { parentRun, parsePayload, runContext } from "./context.ts";

/**
 * Has an LLM judge rate the parent's output on each criterion (1–5), then records the scores
 * (normalised to 0–1) and the judge's own cost. A verdict that stays malformed after the repair
 * attempts is recorded as a failed evaluation and the run ends normally: no retry loop.
 */
export function scoreAgentOutput(inngest: TallyInngest, deps: Deps) {
  return createDefer(
    inngest,
    { id: "score-agent-output", name: "Score agent output", schema: scorePayloadSchema },
    async (ctx) => {
      const data = parsePayload(scorePayloadSchema, ctx.event.data);
      const parentRunId = parentRun(ctx).runId;
      const judgeConfig = deps.judge;
      if (!judgeConfig) {
        throw new NonRetriableError("the LLM judge is not configured: set JUDGE_BASE_URL and JUDGE_MODEL");
      }
      const criteria = data.criteria ?? DEFAULT_CRITERIA;
      const result = await ctx.step.run("judge", async (): Promise<JudgeResult> =>
        judgeConfig === "simulated"
          ? simulatedJudge(criteria, data.response)
          : judge(judgeConfig, criteria, data.response, data.input),
      );

      const recorded = await ctx.step.run("record-evaluation", () => {
        const { run, key } = runContext(deps, ctx, data);
        return recordEvaluation(deps.db, run, {
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
      });

      if (result.ok && deps.inngestScores) {
        await ctx.step.run("send-inngest-scores", async () => {
          for (const v of result.verdicts) {
            const value = (v.score - SCALE.min) / (SCALE.max - SCALE.min);
            await inngest.score({ runId: parentRunId, name: v.criterion, value });
          }
        });
      }
      if (!result.ok) return { status: "failed" as const, error: result.error, ...recorded };
      return { status: "scored" as const, scores: Object.fromEntries(result.verdicts.map((v) => [v.criterion, v.score])) };
    },
  );
}

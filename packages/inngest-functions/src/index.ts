import type { TallyInngest } from "./client.ts";
import type { Deps } from "./deps.ts";
import { evaluateAlerts } from "./functions/evaluate-alerts.ts";
import { handleSupportTicket } from "./functions/handle-support-ticket.ts";
import { notifyAgentCompletion } from "./functions/notify-agent-completion.ts";
import { notifyAgentCompletionFailure, scoreAgentOutputFailure } from "./functions/on-failure.ts";
import { scoreAgentOutput } from "./functions/score-agent-output.ts";
import { trackAiCosts } from "./functions/track-ai-costs.ts";

export { APP_ID, createInngest, type InngestConfig, type TallyInngest } from "./client.ts";
export { DEFAULT_FLOW, type Deps, type FlowControl } from "./deps.ts";
export { DEFAULT_JUDGE_GATE, judgeDecision, type JudgeGateConfig, judgeSpendMicros, sampleRateFor } from "./functions/judge-gate.ts";
export type { ChatConfig } from "./judge/chat.ts";
export { type JudgeConfig, rubricVersion } from "./judge/judge.ts";
export { SIMULATED_MODEL } from "./agent/answer.ts";
export { SIMULATED_JUDGE } from "./judge/simulated.ts";
export { ticketCreatedSchema } from "./functions/handle-support-ticket.ts";
export { bumpUsageLine, recordUsage, type RollupLine } from "./record/usage.ts";
export { recordEvaluation } from "./record/evaluation.ts";
export { recordSkippedEvaluation, type SkippedEvaluation } from "./record/evaluation.ts";
export type { RunRef } from "./record/run.ts";
export { forgetRun } from "./record/forget.ts";
export { fillTagKeys } from "./record/tag-fill.ts";
export { type AlertEvaluation, enabledRules, evaluateRules, type EvaluateOptions, parseRule, type RuleInput } from "./alerts/evaluate.ts";
export { monthSpend, type MonthSpend } from "./alerts/rules-spend.ts";
export { namedPrivateHost } from "./alerts/destination.ts";
export { enqueueReview, REVIEW_TEXT_MAX, type ReviewItemRecord, reviewId, type ReviewSubmission, type ReviewVerdict, resolveReview, storeReview, verdictOf } from "./record/review.ts";
export { batchRollups } from "./record/rollup.ts";
export { bumpPricedRuns, pricedLines, pricesItsRun } from "./record/priced-runs.ts";

/**
 * Builds Tally's functions: the three deferred side effects, the failure handlers of score and notify
 * (recording a failed evaluation or notification once retries are exhausted), the example agent and the
 * alerts cron (evaluate-alerts, every 5 minutes). `all` is what Tally's own server serves; `deferred` is what
 * another app serves to defer() to them (defer() names its target after the calling app: README).
 */
export function createFunctions(inngest: TallyInngest, deps: Deps) {
  const score = scoreAgentOutput(inngest, deps);
  const costs = trackAiCosts(inngest, deps);
  const notify = notifyAgentCompletion(inngest, deps);
  const scoreFailure = scoreAgentOutputFailure(inngest, deps);
  const notifyFailure = notifyAgentCompletionFailure(inngest, deps);
  const agent = handleSupportTicket(inngest, deps, { score, costs, notify });
  const alerts = evaluateAlerts(inngest, deps);
  const deferred = [score, costs, notify, scoreFailure, notifyFailure];
  return { score, costs, notify, agent, scoreFailure, notifyFailure, alerts, deferred, all: [agent, ...deferred, alerts] };
}

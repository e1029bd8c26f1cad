import type { Criterion } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import type { ChatConfig } from "./judge/chat.ts";
import type { JudgeGateConfig } from "./functions/judge-gate.ts";
import type { JudgeConfig } from "./judge/judge.ts";

/** Inngest flow control of the deferred functions (TALLY_JUDGE_CONCURRENCY, TALLY_NOTIFY_CONCURRENCY, TALLY_JUDGE_THROTTLE). */
export interface FlowControl {
  /** Score runs at once: `concurrency` on score-agent-output. */
  judgeConcurrency: number;
  /** Notify runs at once: `concurrency` on notify-agent-completion. */
  notifyConcurrency: number;
  /** Score runs started per period (`throttle` on score-agent-output); null: no throttle. */
  judgeThrottle: { limit: number; period: `${number}${"s" | "m" | "h" | "d"}` } | null;
}

export const DEFAULT_FLOW: FlowControl = { judgeConcurrency: 5, notifyConcurrency: 5, judgeThrottle: { limit: 60, period: "1m" } };

/** Human review (review-gate.ts): the default sample rate under `review_sampling`, and where the dashboard is (for Slack links). */
export interface ReviewConfig {
  /** 0…1; a score name's own rate in `review_sampling` wins. */
  sampleRate: number;
  /** The dashboard's base URL (e.g. https://tally.example.com): a bad review's Slack message links to its run there. */
  dashboardUrl?: string | null | undefined;
}

export const DEFAULT_REVIEW: ReviewConfig = { sampleRate: 0.05 };

/** Everything the functions touch outside themselves, injected so tests and apps choose the real thing. */
export interface Deps {
  db: Db;
  /**
   * The LLM judge. "simulated" is the offline judge for dev mode without keys; null leaves scoring
   * unconfigured (score runs fail with a clear error).
   */
  judge: JudgeConfig | "simulated" | null;
  /** Default criteria when a payload gives none (helpfulness, accuracy, tone). */
  criteria?: readonly Criterion[] | undefined;
  slack: { webhookUrl: string | null };
  /** The example agent's model; null uses the offline simulated model. */
  agent: ChatConfig | null;
  /** Also send each score to Inngest's own UI with `inngest.score()`. */
  inngestScores?: boolean | undefined;
  /** Sampling and the daily judge budget; default: every run judged, no budget. */
  judgeGate?: JudgeGateConfig | undefined;
  /** Human review: the share of scored runs sampled for review (TALLY_REVIEW_SAMPLE_RATE) and the dashboard's URL for links; default DEFAULT_REVIEW. */
  review?: ReviewConfig | undefined;
  /** Default: DEFAULT_FLOW. */
  flow?: FlowControl | undefined;
  /**
   * Alerts: the dashboard origin their links are made absolute on (TALLY_PUBLIC_URL, else the served origin), and
   * whether channels may name addresses off the public internet (alerts/destination.ts; default: not).
   */
  alerts?: { publicUrl: string; allowPrivateDestinations?: boolean | undefined } | undefined;
  /** The functions' clock (epoch ms): row times, "today" of the judge budget. Tests move it. */
  clock?: (() => number) | undefined;
}

export function now(deps: Deps): number {
  return (deps.clock ?? Date.now)();
}

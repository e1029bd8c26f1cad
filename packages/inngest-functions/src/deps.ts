import type { Criterion } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import type { ChatConfig } from "./judge/chat.ts";
import type { JudgeConfig } from "./judge/judge.ts";

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
  clock?: (() => number) | undefined;
}

export function now(deps: Deps): number {
  return (deps.clock ?? Date.now)();
}

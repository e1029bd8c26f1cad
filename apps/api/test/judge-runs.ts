import { createHash } from "node:crypto";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import type { Tally } from "./harness.ts";

/**
 * Shared by the judge-* tests: a loopback OpenAI-compatible judge that counts its calls, one score delivery
 * through the real serve() handler, and the sample rule computed here on its own (not with Tally's code).
 */
export const JUDGE_MODEL = "judge-test-model";

/** A judge whose every call is a valid verdict of `promptTokens` in and none out. */
export function countingJudge(promptTokens = 100): Promise<FakeServer> {
  return fakeChatServer((body) =>
    body.response_format
      ? { content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }), promptTokens, completionTokens: 0 }
      : { status: 500, body: { error: "only judge requests expected" } },
  );
}

export function judgeEnv(judge: FakeServer, env: Record<string, string> = {}): Record<string, string> {
  return { JUDGE_BASE_URL: `${judge.url}/v1`, JUDGE_MODEL, JUDGE_API_KEY: "sk-judge", ...env };
}

export interface ScoreRun {
  parentRunId: string;
  model?: string;
  customerId?: string;
  ts?: number;
  /** The deferred run id (the evaluation key); default `score-<parentRunId>`. */
  runId?: string;
}

/** One deferred score run, as Inngest schedules it after its parent, to completion. */
export async function deliverScore(tally: Tally, run: ScoreRun, opts: { maxAttempts?: number; beforeRequest?: (attempt: number) => void | Promise<void> } = {}) {
  const input = { response: "A refund is on its way.", model: run.model ?? "gpt-4o", ...(run.customerId ? { customerId: run.customerId } : {}) };
  return tally.executor.runDeferred(
    { fnSlug: "tally-score-agent-output", input },
    { fnSlug: "tally-handle-support-ticket", runId: run.parentRunId },
    { runId: run.runId ?? `score-${run.parentRunId}`, ...(run.ts !== undefined ? { ts: run.ts } : {}), ...opts },
  );
}

/** The sample rule as the design states it: sha256 hex of the id, first 13 digits, over 2^52, below the rate. */
export function expectedInSample(id: string, rate: number): boolean {
  const hex = createHash("sha256").update(id).digest("hex");
  return Number(BigInt(`0x${hex.slice(0, 13)}`)) / 4503599627370496 < rate;
}

export async function evaluationsByRun(tally: Tally) {
  const rows = await tally.db.selectFrom("evaluations").select(["id", "run_id", "status", "judge_calls"]).orderBy("id").execute();
  return rows;
}

export async function sumRunRollup(tally: Tally, column: "unsampled_runs" | "judge_skipped_runs" | "runs" | "scored_runs"): Promise<number> {
  const row = await tally.db.selectFrom("rollup_runs_15m").select((e) => e.fn.sum<number>(column).as("n")).executeTakeFirstOrThrow();
  return Number(row.n ?? 0);
}

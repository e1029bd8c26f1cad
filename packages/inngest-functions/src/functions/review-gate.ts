import { DEFAULT_REVIEW_THRESHOLD } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { inSample } from "@tally/shared/sampling";
import { dashboardUrl } from "../alerts/deliver.ts";
import { DEFAULT_REVIEW, type Deps, now } from "../deps.ts";
import { enqueueReview, resolveReview } from "../record/review.ts";
import { postToSlack } from "./slack.ts";

/**
 * Human review of a scored run (issue 19), as steps of score-agent-output after "record-evaluation":
 * "review-gate" decides, "enqueue-review" puts the run in the queue, `step.waitForEvent("await-human-review")`
 * waits up to 7 days for `tally/review.submitted` of this item, then "record-review-outcome" (a review came)
 * or "expire-review" (none did), and "notify-bad-review" posts to Slack when the stored verdict is bad.
 */

export const REVIEW_EVENT = "tally/review.submitted";
export const REVIEW_TIMEOUT = "7d";

export type ReviewDecision = { needed: false } | { needed: true; reason: "threshold" | "sample" };

/**
 * Whether a scored run goes to review: any criterion's raw judge score strictly below its threshold
 * (`review_sampling.threshold` of its score name; 3 without a row, so a 1 or 2 always goes; a null threshold
 * never) → `threshold`; else the draw sha256(`review:<parent run id>`) under the highest rate of its
 * criteria (each its score name's rate, else `defaultRate`) → `sample`. Deterministic per run, so a retry agrees.
 */
export async function reviewDecision(
  db: Db,
  run: { parentRunId: string; scores: readonly { name: string; rawValue: number }[] },
  defaultRate: number,
): Promise<ReviewDecision> {
  const names = run.scores.map((s) => s.name);
  const rows = names.length ? await db.selectFrom("review_sampling").select(["name", "rate", "threshold"]).where("name", "in", names).execute() : [];
  const setting = new Map(rows.map((r) => [r.name, r]));
  for (const s of run.scores) {
    const row = setting.get(s.name);
    const threshold = row ? row.threshold : DEFAULT_REVIEW_THRESHOLD;
    if (threshold !== null && s.rawValue < threshold) return { needed: true, reason: "threshold" };
  }
  const rate = Math.max(0, ...run.scores.map((s) => setting.get(s.name)?.rate ?? defaultRate));
  return inSample(`review:${run.parentRunId}`, rate) ? { needed: true, reason: "sample" } : { needed: false };
}

/** `async.data.itemId == "<id>"`: the id as a double-quoted, escaped string literal (JSON's escapes are CEL's). */
export function reviewMatch(itemId: string): string {
  return `async.data.itemId == ${JSON.stringify(itemId)}`;
}

/** The step tools the review flow uses (the SDK's `step`). */
interface Steps {
  run<T>(id: string, fn: () => Promise<T> | T): Promise<unknown>;
  waitForEvent(id: string, opts: { event: string; timeout: string; if: string }): Promise<unknown>;
}

export interface ScoredRun {
  /** The evaluation key: the review item's id. */
  itemId: string;
  parentRunId: string;
  parentFn: string;
  /** The judged (agent) model. */
  model: string;
  customerId?: string | undefined;
  judgeModel: string;
  rubricVersion: string;
  scores: readonly { name: string; rawValue: number }[];
  input?: string | undefined;
  output: string;
  occurredAt: number;
}

export type ReviewOutcome =
  | { review: "none" }
  | { review: "reviewed" | "expired"; itemId: string; reason: "threshold" | "sample"; verdict: "good" | "bad" | null; notified: boolean };

/** Runs the review steps for one scored run; returns what became of its review. */
export async function reviewScoredRun(step: Steps, deps: Deps, run: ScoredRun): Promise<ReviewOutcome> {
  const config = deps.review ?? DEFAULT_REVIEW;
  const gate = (await step.run("review-gate", () =>
    reviewDecision(deps.db, { parentRunId: run.parentRunId, scores: run.scores }, config.sampleRate),
  )) as ReviewDecision;
  if (!gate.needed) return { review: "none" };
  await step.run("enqueue-review", async () => {
    // The run's customer as recorded (a later delivery may have named it), else the payload's.
    const row = await deps.db.selectFrom("runs").select("customer_id").where("run_id", "=", run.parentRunId).executeTakeFirst();
    return enqueueReview(deps.db, {
      id: run.itemId,
      runId: run.parentRunId,
      model: run.model,
      customerId: row?.customer_id || run.customerId || "",
      judgeModel: run.judgeModel,
      rubricVersion: run.rubricVersion,
      reason: gate.reason,
      input: run.input ?? null,
      output: run.output,
      occurredAt: run.occurredAt,
      now: now(deps),
    });
  });
  const event = await step.waitForEvent("await-human-review", { event: REVIEW_EVENT, timeout: REVIEW_TIMEOUT, if: reviewMatch(run.itemId) });
  // Reviewed (the event) or not (timeout: expired, unless a review was stored while no event could reach us).
  const resolved = (await step.run(event ? "record-review-outcome" : "expire-review", () =>
    resolveReview(deps.db, run.itemId, event ? "reviewed" : "expired", now(deps)),
  )) as Awaited<ReturnType<typeof resolveReview>>;
  const outcome = { itemId: run.itemId, reason: gate.reason, verdict: resolved.verdict };
  const webhookUrl = deps.slack.webhookUrl;
  if (resolved.verdict !== "bad" || !webhookUrl) return { review: resolved.status === "reviewed" ? "reviewed" : "expired", ...outcome, notified: false };
  await step.run("notify-bad-review", () =>
    postToSlack(webhookUrl, {
      summary: `A reviewer marked this run's output bad (judge ${run.judgeModel}, ${run.scores.map((s) => `${s.name} ${s.rawValue}/5`).join(", ")}).`,
      model: run.model,
      customerId: run.customerId,
      parentFn: run.parentFn,
      parentRunId: run.parentRunId,
      link: { url: runLink(config.dashboardUrl, run.parentRunId), text: "Open the run in Tally" },
    }),
  );
  return { review: "reviewed", ...outcome, notified: true };
}

/** The run's page in the dashboard: `<base>/runs/<id>` (the id percent-encoded). */
export function runLink(base: string | null | undefined, runId: string): string {
  return dashboardUrl(base ?? "http://localhost:3000", `/runs/${encodeURIComponent(runId)}`);
}

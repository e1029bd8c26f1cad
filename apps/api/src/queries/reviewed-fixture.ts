// Test-only fixture (imported by agreement.test.ts and corrected.test.ts): judged runs with human reviews.
import { enqueueReview, recordEvaluation, storeReview } from "@tally/inngest-functions";
import { mulberry32 } from "@tally/shared";
import type { TestDb } from "./test-support.ts";

export const DAY = 86_400_000;
export const START = Date.UTC(2026, 3, 6, 12); // a Monday, noon UTC
export const JUDGE_MODEL = "acme-judge";
export const CRITERIA = ["accuracy", "tone"] as const;
export interface Planned {
  runId: string;
  model: string;
  customerId: string;
  rubric: string;
  at: number;
  judge: Record<string, number>;
  /** Per reviewer, their 1–5 per criterion. */
  reviews: Record<string, number>[];
}
/**
 * 160 judged runs over 4 days (two models, two criteria on a 1–5 scale, two rubric versions), two in three
 * reviewed by one to three reviewers; m-over's judge over-rates tone. Written through the real recording code.
 */
export async function seedReviewedRuns(t: TestDb): Promise<Planned[]> {
  const planned: Planned[] = [];
  const rand = mulberry32(19);
  const score = () => 1 + Math.floor(rand() * 5);
  for (let i = 0; i < 160; i++) {
    const model = i % 3 === 0 ? "m-over" : "m-fair";
    const judge = Object.fromEntries(CRITERIA.map((c) => [c, score()]));
    // m-over: the judge over-rates tone (the reviewers' tone is unrelated to the judge's); accuracy: the reviewers
    // mostly agree, sometimes a point off. One item in three is not reviewed; some have two or three reviewers.
    const reviewers = i % 3 === 1 ? 0 : 1 + (i % 5 === 0 ? 1 : 0) + (i % 7 === 0 ? 1 : 0);
    const reviews = Array.from({ length: reviewers }, () => ({
      accuracy: Math.min(5, Math.max(1, judge.accuracy! + (rand() < 0.7 ? 0 : rand() < 0.5 ? 1 : -1))),
      tone: model === "m-over" ? score() : Math.min(5, Math.max(1, judge.tone! + (rand() < 0.6 ? 0 : -1))),
    }));
    planned.push({
      runId: `run-${String(i).padStart(3, "0")}`,
      model,
      customerId: `cust-${i % 2}`,
      rubric: i < 120 ? "v1" : "v2",
      // Over 4 days, every 36 minutes: some runs fall near New York's midnight.
      at: START + i * 36 * 60_000 + 7_000,
      judge,
      reviews,
    });
  }
  for (const p of planned) {
    const key = `${p.runId}-score`;
    await recordEvaluation(t.db, { runId: p.runId, functionSlug: "support-agent", model: p.model, customerId: p.customerId, occurredAt: p.at, now: p.at + 1000 }, {
      key, deferredRunId: key, model: p.model, judgeModel: JUDGE_MODEL, rubricVersion: p.rubric, judgeCalls: 0,
      judgeUsage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
      outcome: { ok: true, scores: CRITERIA.map((name) => ({ name, rawValue: p.judge[name]!, scaleMin: 1, scaleMax: 5, rationale: "r" })) },
    });
    if (p.reviews.length === 0) continue;
    await enqueueReview(t.db, {
      id: key, runId: p.runId, model: p.model, customerId: p.customerId, judgeModel: JUDGE_MODEL, rubricVersion: p.rubric,
      reason: "sample", output: "reply", occurredAt: p.at, now: p.at + 2000,
    });
    for (const [k, r] of p.reviews.entries()) {
      await storeReview(t.db, {
        itemId: key, reviewer: { id: `reviewer-${k}`, label: `r${k}@test.local` }, verdict: "good",
        scores: CRITERIA.map((name) => ({ name, rawValue: r[name]! })), now: p.at + 3000,
      });
    }
  }
  return planned;
}

/** The window both test files read: the 4 days of runs with a day either side. */
export const WINDOW = { from: START - DAY, to: START + 6 * DAY };

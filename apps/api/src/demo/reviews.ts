import type { Kysely } from "kysely";
import { enqueueReview, resolveReview, storeReview } from "@tally/inngest-functions";
import type { Database } from "@tally/shared/db";
import { CRITERIA, REVIEW, REVIEWER_OFFSETS, TICKETS } from "./scenario.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The seed's PRNG, as seed.ts makes it. */
export interface DemoRandom {
  next: () => number;
  pick: <T>(items: readonly T[], weight: (t: T) => number) => T;
}

export interface ScoredDemoRun {
  runId: string;
  /** The evaluation key: the review item's id, as in the deferred flow. */
  evaluationKey: string;
  index: number;
  model: string;
  customerId: string;
  judgeModel: string;
  rubricVersion: string;
  at: number;
  /** The judge's 1–5 per criterion. */
  judge: Record<string, number>;
}

/**
 * Puts a judged demo run in the review queue when the review gate would (a criterion below the threshold, or
 * the random sample) and labels it as the demo's reviewers would, with R1's writers (`enqueueReview`,
 * `storeReview`, `resolveReview`), inside the seed's transaction. Every decision comes from `rng` (its own
 * stream, so the judged history is the same with or without reviews) and from `today` (the seed's UTC day
 * start), so seeding again on the same day writes the same rows. Answers whether the run was queued.
 */
export async function seedRunReview(db: Kysely<Database>, rng: DemoRandom, run: ScoredDemoRun, today: number): Promise<boolean> {
  // Drawn for every run, in the same order, whatever the outcome.
  const sampled = rng.next() < REVIEW.sampleRate;
  const labelled = rng.next();
  const delay = Math.round((2 + rng.next() * 28) * HOUR); // whole ms: PostgreSQL's bigint refuses a fraction
  const second = rng.next() < REVIEW.secondReviewerShare;
  const first = Math.floor(rng.next() * REVIEW.reviewers.length);
  const low = CRITERIA.some((c) => run.judge[c]! < REVIEW.threshold);
  if (!low && !sampled) return false;
  const reason = low ? "threshold" : "sample";
  const ticket = TICKETS[run.index % TICKETS.length]!;
  await enqueueReview(db, {
    id: run.evaluationKey, runId: run.runId, model: run.model, customerId: run.customerId, judgeModel: run.judgeModel,
    rubricVersion: run.rubricVersion, reason, input: ticket.input, output: ticket.output, occurredAt: run.at, now: run.at + 4_000,
  });
  const reviewedAt = run.at + delay;
  if (labelled < REVIEW.reviewedShare[reason] && reviewedAt < today) {
    const reviewers = second ? [first, (first + 1) % REVIEW.reviewers.length] : [first];
    for (const [k, r] of reviewers.entries()) {
      const scores = CRITERIA.map((name) => ({ name, rawValue: reviewerScore(rng, run, name) }));
      // Bad: a criterion at 1, or two at 2 or below.
      const bad = scores.filter((s) => s.rawValue <= 2);
      const isBad = bad.some((s) => s.rawValue === 1) || bad.length >= 2;
      await storeReview(db, {
        itemId: run.evaluationKey,
        reviewer: REVIEW.reviewers[r]!,
        verdict: isBad ? "bad" : "good",
        note: isBad ? `Below the bar on ${bad.map((s) => s.name).join(" and ")}.` : null,
        scores,
        now: reviewedAt + k * 5 * HOUR,
      });
    }
  } else if (run.at + REVIEW.expireAfterDays * DAY < today) {
    await resolveReview(db, run.evaluationKey, "expired", run.at + REVIEW.expireAfterDays * DAY);
  }
  return true;
}

/** A reviewer's score: the judge's, moved down (or up) by an offset drawn from the criterion's weights. */
function reviewerScore(rng: DemoRandom, run: ScoredDemoRun, name: (typeof CRITERIA)[number]): number {
  const offsets = name === "tone" && run.model === REVIEW.toneOverRatedModel ? REVIEWER_OFFSETS.toneOverRated : REVIEWER_OFFSETS[name];
  const [offset] = rng.pick(offsets, ([, w]) => w);
  return Math.min(5, Math.max(1, run.judge[name]! - offset));
}

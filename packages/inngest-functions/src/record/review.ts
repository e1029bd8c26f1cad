import type { Kysely } from "kysely";
import type { Database, ReviewItemStatus } from "@tally/shared/db";
import { SCALE } from "../judge/judge.ts";
import { inTransaction } from "./tx.ts";

/**
 * The writers of human review (migration 0012): the queue item a scored run becomes, its resolution, and a
 * reviewer's labels. Human labels stay in `reviews` / `review_scores`, never in `scores` or a rollup.
 */

/** The agent's input and output are kept up to this many characters in a review item. */
export const REVIEW_TEXT_MAX = 20_000;

export interface ReviewItemRecord {
  /** The score evaluation's key: one item per evaluation. */
  id: string;
  runId: string;
  /** The agent model judged, and the run's customer ('' when unknown). */
  model: string;
  customerId: string;
  judgeModel: string;
  rubricVersion: string;
  reason: "threshold" | "sample";
  input?: string | null | undefined;
  output: string;
  /** When the run happened (epoch ms): the queue's window. */
  occurredAt: number;
  now: number;
}

/** Cuts `text` to `max` UTF-16 units without splitting a surrogate pair. */
export function truncateText(text: string, max = REVIEW_TEXT_MAX): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? "") ? max - 1 : max;
  return text.slice(0, end);
}

/**
 * Puts a scored run in the review queue (status pending), once: a repeated call leaves the item as it is.
 * Answers whether this call inserted it and the item's status now (a reviewed or expired item is not waited on).
 */
export async function enqueueReview(db: Kysely<Database>, item: ReviewItemRecord): Promise<{ inserted: boolean; status: ReviewItemStatus }> {
  return inTransaction(db, async (trx) => {
    const prior = await trx.selectFrom("review_items").select("status").where("id", "=", item.id).executeTakeFirst();
    if (prior) return { inserted: false, status: prior.status };
    await trx
      .insertInto("review_items")
      .values({
        id: item.id,
        run_id: item.runId,
        model: item.model,
        customer_id: item.customerId,
        judge_model: item.judgeModel,
        rubric_version: item.rubricVersion,
        reason: item.reason,
        input: item.input == null ? null : truncateText(item.input),
        output: truncateText(item.output),
        status: "pending",
        occurred_at: item.occurredAt,
        created_at: item.now,
        resolved_at: null,
      })
      .execute();
    return { inserted: true, status: "pending" };
  });
}

export type ReviewVerdict = "good" | "bad";

/**
 * Resolves a review item: `reviewed` marks it reviewed (from pending or expired); `expired` marks a pending
 * item expired and leaves a reviewed one as it is. Idempotent. Answers the item's status and the verdict read
 * from the stored reviews (bad if any reviewer said bad; null without a review, or without the item).
 */
export async function resolveReview(
  db: Kysely<Database>,
  itemId: string,
  status: "reviewed" | "expired",
  now: number,
): Promise<{ status: ReviewItemStatus | null; verdict: ReviewVerdict | null }> {
  return inTransaction(db, async (trx) => {
    const item = await trx.selectFrom("review_items").select("status").where("id", "=", itemId).executeTakeFirst();
    if (!item) return { status: null, verdict: null };
    const next = status === "reviewed" || item.status === "reviewed" ? "reviewed" : "expired";
    if (next !== item.status) {
      await trx.updateTable("review_items").set({ status: next, resolved_at: now }).where("id", "=", itemId).execute();
    }
    return { status: next, verdict: await verdictOf(trx, itemId) };
  });
}

/** The item's verdict from its stored reviews: bad if any says bad, good if all say good, null without one. */
export async function verdictOf(db: Kysely<Database>, itemId: string): Promise<ReviewVerdict | null> {
  const rows = await db.selectFrom("reviews").select("verdict").where("item_id", "=", itemId).execute();
  if (rows.length === 0) return null;
  return rows.some((r) => r.verdict === "bad") ? "bad" : "good";
}

export interface ReviewSubmission {
  itemId: string;
  reviewer: { id: string; label: string };
  verdict: ReviewVerdict;
  note?: string | null | undefined;
  /** The reviewer's score per criterion on the judge's scale (1–5). */
  scores: readonly { name: string; rawValue: number }[];
  now: number;
}

/** One review per reviewer per item. */
export const reviewId = (itemId: string, reviewerId: string) => `${itemId}:${reviewerId}`;

/**
 * Stores a reviewer's review of an item, replacing their earlier one, and marks the item reviewed, in one
 * transaction (or the caller's). The caller checks the input (verdict, 1–5 scores, the item's criteria);
 * an unknown item throws. `replaced` says whether the reviewer had reviewed the item before.
 */
export async function storeReview(db: Kysely<Database>, s: ReviewSubmission): Promise<{ reviewId: string; replaced: boolean }> {
  return inTransaction(db, async (trx) => {
    const item = await trx.selectFrom("review_items").select(["run_id", "status"]).where("id", "=", s.itemId).executeTakeFirst();
    if (!item) throw new Error(`review item ${JSON.stringify(s.itemId)} does not exist`);
    const id = reviewId(s.itemId, s.reviewer.id);
    const prior = await trx.deleteFrom("reviews").where("id", "=", id).returning("id").executeTakeFirst();
    await trx.deleteFrom("review_scores").where("review_id", "=", id).execute();
    await trx
      .insertInto("reviews")
      .values({
        id,
        item_id: s.itemId,
        run_id: item.run_id,
        reviewer_id: s.reviewer.id,
        reviewer_label: s.reviewer.label,
        verdict: s.verdict,
        note: s.note ?? null,
        created_at: s.now,
      })
      .execute();
    if (s.scores.length > 0) {
      await trx
        .insertInto("review_scores")
        .values(s.scores.map((c) => ({ review_id: id, name: c.name, raw_value: c.rawValue, value: (c.rawValue - SCALE.min) / (SCALE.max - SCALE.min) })))
        .execute();
    }
    if (item.status !== "reviewed") {
      await trx.updateTable("review_items").set({ status: "reviewed", resolved_at: s.now }).where("id", "=", s.itemId).execute();
    }
    return { reviewId: id, replaced: prior !== undefined };
  });
}

import { type ExpressionBuilder, sql } from "kysely";
import type { ReviewQueueInput, ReviewStatus } from "@tally/shared";
import type { Database, Db } from "@tally/shared/db";
import { decodeCursor, encodeCursor, num } from "./common.ts";

/**
 * The review queue and one item as a reviewer sees it. Judge scores of an item are the `scores` rows of its
 * evaluation: `scores.id = <item id>:<name>`. Human labels are read from `reviews` / `review_scores` only.
 */

export interface ReviewQueueItem {
  id: string;
  runId: string;
  model: string;
  /** '' when the run has no known customer. */
  customerId: string;
  /** The customer's name, else null. */
  customerName: string | null;
  judgeModel: string;
  rubricVersion: string;
  reason: "threshold" | "sample";
  occurredAt: number;
  status: ReviewStatus;
  reviewCount: number;
  /** The judge's lowest raw score (1–5) of the item's criteria; null without one. */
  lowestJudgeScore: number | null;
}

type QueueFilter = Omit<ReviewQueueInput, "cursor" | "limit">;
interface Cursor {
  t: number;
  id: string;
}
const isCursor = (v: unknown): v is Cursor =>
  typeof v === "object" && v !== null && Number.isSafeInteger((v as Cursor).t) && typeof (v as Cursor).id === "string";

/** The judge's score `name` of the item in scope (`review_items`), as an SQL condition on `s`. */
const judgeScoreOfItem = sql<boolean>`s.id = review_items.id || ':' || s.name`;

/** The queue's rows, filtered; newest first on (occurred_at, id). */
function filtered(db: Db, f: QueueFilter) {
  let q = db.selectFrom("review_items");
  if (f.status !== "all") q = q.where("review_items.status", "=", f.status);
  if (f.model !== undefined) q = q.where("review_items.model", "=", f.model);
  if (f.customerId !== undefined) q = q.where("review_items.customer_id", "=", f.customerId);
  if (f.judgeModel !== undefined) q = q.where("review_items.judge_model", "=", f.judgeModel);
  if (f.rubricVersion !== undefined) q = q.where("review_items.rubric_version", "=", f.rubricVersion);
  if (f.from !== undefined) q = q.where("review_items.occurred_at", ">=", f.from);
  if (f.to !== undefined) q = q.where("review_items.occurred_at", "<", f.to);
  if (f.scoreName !== undefined) {
    const id = sql<string>`review_items.id || ':' || ${f.scoreName}`;
    q = q.where(({ exists, selectFrom }) => exists(selectFrom("scores as s").select(sql`1`.as("one")).where("s.id", "=", id)));
  }
  if (f.disagree) {
    const name = f.scoreName;
    q = q.where(({ exists, selectFrom }) => {
      let d = selectFrom("reviews as r")
        .innerJoin("review_scores as rs", "rs.review_id", "r.id")
        .innerJoin("scores as s", (j) => j.on(sql<boolean>`s.id = r.item_id || ':' || rs.name`))
        .select(sql`1`.as("one"))
        .whereRef("r.item_id", "=", "review_items.id")
        .whereRef("s.raw_value", "<>", "rs.raw_value");
      if (name !== undefined) d = d.where("rs.name", "=", name);
      return exists(d);
    });
  }
  return q;
}

const queueColumns = (eb: ExpressionBuilder<Database, "review_items">) => [
  "review_items.id" as const,
  "review_items.run_id" as const,
  "review_items.model" as const,
  "review_items.customer_id" as const,
  "review_items.judge_model" as const,
  "review_items.rubric_version" as const,
  "review_items.reason" as const,
  "review_items.occurred_at" as const,
  "review_items.status" as const,
  eb.selectFrom("customers").select("customers.name").whereRef("customers.id", "=", "review_items.customer_id").as("customer_name"),
  eb.selectFrom("reviews").select((e) => e.fn.countAll<number>().as("n")).whereRef("reviews.item_id", "=", "review_items.id").as("review_count"),
  eb
    .selectFrom("scores as s")
    .select((e) => e.fn.min<number>("s.raw_value").as("low"))
    .whereRef("s.run_id", "=", "review_items.run_id")
    .where(judgeScoreOfItem)
    .as("lowest"),
];

type QueueRow = {
  id: string;
  run_id: string;
  model: string;
  customer_id: string;
  judge_model: string;
  rubric_version: string;
  reason: "threshold" | "sample";
  occurred_at: number;
  status: ReviewStatus;
  customer_name: string | null;
  review_count: number | null;
  lowest: number | null;
};

const toQueueItem = (r: QueueRow): ReviewQueueItem => ({
  id: r.id,
  runId: r.run_id,
  model: r.model,
  customerId: r.customer_id,
  customerName: r.customer_name ?? null,
  judgeModel: r.judge_model,
  rubricVersion: r.rubric_version,
  reason: r.reason,
  occurredAt: num(r.occurred_at),
  status: r.status,
  reviewCount: num(r.review_count),
  lowestJudgeScore: r.lowest === null ? null : num(r.lowest),
});

/** One page of the queue, newest first, keyset-paginated on (occurred_at, id), with the filter's total. */
export async function listReviewQueue(db: Db, input: ReviewQueueInput): Promise<{ items: ReviewQueueItem[]; nextCursor: string | null; total: number }> {
  const after = decodeCursor(input.cursor, isCursor);
  let page = filtered(db, input).select(queueColumns);
  if (after) {
    page = page.where((eb) =>
      eb.or([eb("review_items.occurred_at", "<", after.t), eb.and([eb("review_items.occurred_at", "=", after.t), eb("review_items.id", "<", after.id)])]),
    );
  }
  const [rows, count] = await Promise.all([
    page.orderBy("review_items.occurred_at", "desc").orderBy("review_items.id", "desc").limit(input.limit + 1).execute(),
    filtered(db, input).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst(),
  ]);
  const items = rows.slice(0, input.limit).map((r) => toQueueItem(r as QueueRow));
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > input.limit && last ? encodeCursor({ t: last.occurredAt, id: last.id }) : null,
    total: num(count?.n),
  };
}

export interface ReviewDetail extends ReviewQueueItem {
  input: string | null;
  output: string;
  resolvedAt: number | null;
  /** The judge's score per criterion (raw 1–5, normalised 0–1) and rationale. */
  judge: { name: string; rawValue: number; value: number; rationale: string | null }[];
  reviews: ReviewEntry[];
  /** Per criterion over the reviewers' raw scores (1–5). */
  spread: { name: string; n: number; min: number; max: number; mean: number }[];
  /** The caller's own review, else null. */
  mine: ReviewEntry | null;
  /** The neighbours in the queue order under the given filters (newer, older); null at either end. */
  prevId: string | null;
  nextId: string | null;
}

export interface ReviewEntry {
  reviewerLabel: string;
  verdict: "good" | "bad";
  note: string | null;
  createdAt: number;
  scores: { name: string; rawValue: number }[];
}

/** One item with its texts, the judge's scores, every review, the spread, the caller's review and its neighbours; null if unknown. */
export async function getReviewItem(db: Db, id: string, callerId: string, queue: QueueFilter): Promise<ReviewDetail | null> {
  const row = await db
    .selectFrom("review_items")
    .select(queueColumns)
    .select(["review_items.input", "review_items.output", "review_items.resolved_at"])
    .where("review_items.id", "=", id)
    .executeTakeFirst();
  if (!row) return null;
  const item = toQueueItem(row as QueueRow);
  const [judge, reviews, scores, prev, next] = await Promise.all([
    db
      .selectFrom("scores as s")
      .select(["s.name", "s.raw_value", "s.value", "s.rationale"])
      .where("s.run_id", "=", item.runId)
      .where(sql<boolean>`s.id = ${id} || ':' || s.name`)
      .orderBy("s.name")
      .execute(),
    db.selectFrom("reviews").selectAll().where("item_id", "=", id).orderBy("created_at").orderBy("id").execute(),
    db
      .selectFrom("review_scores as rs")
      .innerJoin("reviews as r", "r.id", "rs.review_id")
      .select(["rs.review_id", "rs.name", "rs.raw_value"])
      .where("r.item_id", "=", id)
      .orderBy("rs.name")
      .execute(),
    neighbour(db, queue, item, "newer"),
    neighbour(db, queue, item, "older"),
  ]);
  const entry = (r: (typeof reviews)[number]): ReviewEntry => ({
    reviewerLabel: r.reviewer_label,
    verdict: r.verdict,
    note: r.note,
    createdAt: num(r.created_at),
    scores: scores.filter((s) => s.review_id === r.id).map((s) => ({ name: s.name, rawValue: num(s.raw_value) })),
  });
  const names = [...new Set(scores.map((s) => s.name))].sort();
  const spread = names.map((name) => {
    const values = scores.filter((s) => s.name === name).map((s) => num(s.raw_value));
    return { name, n: values.length, min: Math.min(...values), max: Math.max(...values), mean: values.reduce((a, b) => a + b, 0) / values.length };
  });
  const own = reviews.find((r) => r.reviewer_id === callerId);
  return {
    ...item,
    input: row.input,
    output: row.output,
    resolvedAt: row.resolved_at === null ? null : num(row.resolved_at),
    judge: judge.map((s) => ({ name: s.name, rawValue: num(s.raw_value), value: s.value, rationale: s.rationale })),
    reviews: reviews.map(entry),
    spread,
    mine: own ? entry(own) : null,
    prevId: prev,
    nextId: next,
  };
}

/** The id next to `item` in the queue order (newest first) under the filters, whether or not the item itself matches them. */
async function neighbour(db: Db, f: QueueFilter, item: ReviewQueueItem, side: "newer" | "older"): Promise<string | null> {
  const newer = side === "newer";
  const t = item.occurredAt;
  const row = await filtered(db, f)
    .select("review_items.id")
    .where((eb) =>
      eb.or([
        eb("review_items.occurred_at", newer ? ">" : "<", t),
        eb.and([eb("review_items.occurred_at", "=", t), eb("review_items.id", newer ? ">" : "<", item.id)]),
      ]),
    )
    .orderBy("review_items.occurred_at", newer ? "asc" : "desc")
    .orderBy("review_items.id", newer ? "asc" : "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

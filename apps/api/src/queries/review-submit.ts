import { sql } from "kysely";
import { storeReview } from "@tally/inngest-functions";
import { DEFAULT_REVIEW_THRESHOLD, type ReviewSamplingRemoveInput, type ReviewSamplingSetInput, type ReviewSubmitInput } from "@tally/shared";
import type { Db, ReviewSamplingTable } from "@tally/shared/db";
import { writeAudit } from "../auth/audit.ts";
import type { Actor, Principal } from "../auth/principal.ts";
import { InputError } from "./common.ts";

/** What the API needs of human review from configuration and the Inngest client. */
export interface ReviewSettings {
  /** TALLY_REVIEW_SAMPLE_RATE: the share of scored runs sent to review when a score name has no rate of its own. */
  sampleRate: number;
  /** Sends `tally/review.submitted` to Inngest (the server's client); none in tests without an engine. */
  send?: ((event: { name: "tally/review.submitted"; data: { itemId: string; reviewId: string } }) => Promise<unknown>) | undefined;
}

export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = { sampleRate: 0.05 };

/**
 * How long a submit waits for Inngest to accept `tally/review.submitted` before answering `resumed: false`
 * (the review is stored either way; the send goes on in the background). Bounds the SDK's five attempts
 * against an engine that accepts connections and never answers, which would otherwise hold the answer for minutes.
 */
export const SEND_WAIT_MS = 10_000;

export interface SubmitAnswer {
  reviewId: string;
  /** Always true once answered: the review is stored and counted before any event is sent. */
  stored: true;
  /** Whether Inngest accepted the `tally/review.submitted` event (false: no engine; the waiting run then times out, the review stays). */
  resumed: boolean;
  /** The caller had reviewed this item before (their earlier review was replaced). */
  replaced: boolean;
}

/**
 * Stores the caller's review of an item at once (replacing theirs, marking the item reviewed: one
 * transaction), then sends `tally/review.submitted` so the waiting score run records the verdict. A failed
 * send (no engine) is logged and answered `resumed: false`; the review is kept either way.
 */
export async function submitReview(db: Db, principal: Principal, input: ReviewSubmitInput, settings: ReviewSettings, now: number): Promise<SubmitAnswer> {
  const stored = await db.transaction().execute(async (trx) => {
    const item = await trx.selectFrom("review_items").select("run_id").where("id", "=", input.itemId).executeTakeFirst();
    if (!item) throw new InputError("itemId", "no review item with this id");
    const criteria = (
      await trx
        .selectFrom("scores as s")
        .select("s.name")
        .where("s.run_id", "=", item.run_id)
        .where(sql<boolean>`s.id = ${input.itemId} || ':' || s.name`)
        .execute()
    ).map((s) => s.name);
    input.scores.forEach((s, i) => {
      if (!criteria.includes(s.name)) {
        throw new InputError(`scores.${i}.name`, `"${s.name}" is not a criterion of this item (${criteria.sort().join(", ") || "none"})`);
      }
    });
    return storeReview(trx, {
      itemId: input.itemId,
      reviewer: { id: principal.id, label: principal.label },
      verdict: input.verdict,
      note: input.note ?? null,
      scores: input.scores,
      now,
    });
  });
  const resumed = settings.send ? await sendWithin(settings.send, { itemId: input.itemId, reviewId: stored.reviewId }, SEND_WAIT_MS) : false;
  return { reviewId: stored.reviewId, stored: true, resumed, replaced: stored.replaced };
}

/** Sends the event; true once Inngest accepted it, false on a failure or when `ms` pass first (logged either way). */
async function sendWithin(send: NonNullable<ReviewSettings["send"]>, data: { itemId: string; reviewId: string }, ms: number): Promise<boolean> {
  const unsent = (why: string) => console.warn(`Review ${data.reviewId} stored; tally/review.submitted was not sent (${why})`);
  let timer: NodeJS.Timeout | undefined;
  const sent = send({ name: "tally/review.submitted", data }).then(
    () => true,
    (err) => {
      unsent(err instanceof Error ? err.message : String(err));
      return false;
    },
  );
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      unsent(`no answer from Inngest within ${ms / 1000} s; still trying in the background`);
      resolve(false);
    }, ms);
  });
  try {
    return await Promise.race([sent, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ReviewSamplingItem {
  name: string;
  rate: number;
  threshold: number | null;
  updatedAt: number;
  updatedBy: string;
}

const columns = ["name", "rate", "threshold", "updated_at", "updated_by"] as const;
const toItem = (r: Pick<ReviewSamplingTable, (typeof columns)[number]>): ReviewSamplingItem => ({
  name: r.name,
  rate: r.rate,
  threshold: r.threshold,
  updatedAt: Number(r.updated_at),
  updatedBy: r.updated_by,
});
const target = (name: string) => `reviewSampling:${name}`;

/** The defaults (TALLY_REVIEW_SAMPLE_RATE, threshold 3) and every score name's own setting. */
export async function listReviewSampling(db: Db, settings: ReviewSettings) {
  const rows = await db.selectFrom("review_sampling").select(columns).orderBy("name").execute();
  return { defaultRate: settings.sampleRate, defaultThreshold: DEFAULT_REVIEW_THRESHOLD, items: rows.map(toItem) };
}

/** Sets one score name's review rate and threshold, audited (`reviewSampling.set`). Applies to runs scored from now on. */
export async function setReviewSampling(db: Db, actor: Actor, input: ReviewSamplingSetInput, now: number): Promise<ReviewSamplingItem> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom("review_sampling").select(columns).where("name", "=", input.name).executeTakeFirst();
    const values = { rate: input.rate, threshold: input.threshold, updated_at: now, updated_by: actor.label };
    const row = await trx
      .insertInto("review_sampling")
      .values({ name: input.name, ...values })
      .onConflict((oc) => oc.column("name").doUpdateSet(values))
      .returning(columns)
      .executeTakeFirstOrThrow();
    await writeAudit(trx, actor, { action: "reviewSampling.set", target: target(input.name), before: before ? toItem(before) : null, after: toItem(row) }, now);
    return toItem(row);
  });
}

/** Removes a score name's setting (back to the defaults); audited when there was one. */
export async function removeReviewSampling(db: Db, actor: Actor, input: ReviewSamplingRemoveInput, now: number): Promise<{ removed: boolean }> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.deleteFrom("review_sampling").where("name", "=", input.name).returning(columns).executeTakeFirst();
    if (!before) return { removed: false };
    await writeAudit(trx, actor, { action: "reviewSampling.remove", target: target(input.name), before: toItem(before), after: null }, now);
    return { removed: true };
  });
}

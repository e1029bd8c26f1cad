import { connectTestDatabase } from "@tally/shared/db/testing";
import { describe, expect, it } from "vitest";
import { enqueueReview, resolveReview, storeReview, truncateText } from "./review.ts";

const item = {
  id: "score-1",
  runId: "run-1",
  model: "gpt-4o",
  customerId: "acme",
  judgeModel: "judge",
  rubricVersion: "v1",
  reason: "threshold" as const,
  input: "question",
  output: "x".repeat(25_000),
  occurredAt: 1_000,
  now: 2_000,
};

describe("review writers", () => {
  it("enqueue once (output cut to 20,000 characters), store and replace a reviewer's review, resolve idempotently", async () => {
    const db = await connectTestDatabase({ file: ":memory:" });
    expect(await enqueueReview(db, item)).toEqual({ inserted: true, status: "pending" });
    expect(await enqueueReview(db, { ...item, output: "other" })).toEqual({ inserted: false, status: "pending" });
    const row = await db.selectFrom("review_items").selectAll().executeTakeFirstOrThrow();
    expect(row.output.length).toBe(20_000);
    expect(row).toMatchObject({ status: "pending", customer_id: "acme", input: "question", resolved_at: null });

    const reviewer = { id: "u1", label: "ann@example.com" };
    const first = await storeReview(db, { itemId: item.id, reviewer, verdict: "good", scores: [{ name: "tone", rawValue: 2 }], now: 3_000 });
    expect(first).toEqual({ reviewId: "score-1:u1", replaced: false });
    const again = await storeReview(db, { itemId: item.id, reviewer, verdict: "bad", note: "rude", scores: [{ name: "tone", rawValue: 1 }, { name: "accuracy", rawValue: 5 }], now: 4_000 });
    expect(again).toEqual({ reviewId: "score-1:u1", replaced: true });
    expect(await db.selectFrom("reviews").select(["id", "verdict", "note", "run_id"]).execute()).toEqual([{ id: "score-1:u1", verdict: "bad", note: "rude", run_id: "run-1" }]);
    expect(await db.selectFrom("review_scores").selectAll().orderBy("name").execute()).toEqual([
      { review_id: "score-1:u1", name: "accuracy", raw_value: 5, value: 1 },
      { review_id: "score-1:u1", name: "tone", raw_value: 1, value: 0 },
    ]);
    // Stored at once: the item is reviewed before any event reaches the waiting function.
    expect(await db.selectFrom("review_items").select(["status", "resolved_at"]).executeTakeFirst()).toEqual({ status: "reviewed", resolved_at: 3_000 });
    // A timeout after a review leaves it reviewed; the verdict comes from the stored reviews.
    expect(await resolveReview(db, item.id, "expired", 5_000)).toEqual({ status: "reviewed", verdict: "bad" });
    expect(await resolveReview(db, item.id, "reviewed", 6_000)).toEqual({ status: "reviewed", verdict: "bad" });
    expect(await resolveReview(db, "missing", "reviewed", 6_000)).toEqual({ status: null, verdict: null });
    await expect(storeReview(db, { itemId: "missing", reviewer, verdict: "good", scores: [], now: 1 })).rejects.toThrow(/does not exist/);

    await enqueueReview(db, { ...item, id: "score-2" });
    expect(await resolveReview(db, "score-2", "expired", 7_000)).toEqual({ status: "expired", verdict: null });
    expect(await resolveReview(db, "score-2", "expired", 8_000)).toEqual({ status: "expired", verdict: null });
    expect(await db.selectFrom("review_items").select("resolved_at").where("id", "=", "score-2").executeTakeFirst()).toEqual({ resolved_at: 7_000 });
    await db.destroy();
  });

  it("never splits a surrogate pair when cutting", () => {
    const text = `${"a".repeat(19_999)}😀tail`;
    expect(truncateText(text)).toBe("a".repeat(19_999));
    expect(truncateText("short")).toBe("short");
  });
});

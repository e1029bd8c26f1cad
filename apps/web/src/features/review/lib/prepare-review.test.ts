import { describe, expect, it } from "vitest";
import { parseFilters } from "../../../lib/filters.ts";
import { emptyDraft } from "./review-keys.ts";
import { criterionRows, draftFrom, neighbours, otherVerdicts, queueInput, reviewsExportHref, selectedId, submitInput, unusedFilters } from "./prepare-review.ts";

const w = { from: 1_000, to: 2_000 };

describe("queueInput", () => {
  it("reads status, score name and the page's cursor from the URL and model, customer and window from the filters", () => {
    const f = parseFilters("tz=UTC&model=gpt-4o-mini&customer=acme", "UTC");
    const p = new URLSearchParams("status=reviewed&scoreName=%20tone%20&judgeModel=gpt-4o&rubricVersion=v2&disagree=1&pages=abc,def");
    expect(queueInput(f, w, p)).toEqual({
      status: "reviewed", from: 1_000, to: 2_000, model: "gpt-4o-mini", customerId: "acme", scoreName: "tone", judgeModel: "gpt-4o", rubricVersion: "v2", disagree: true, cursor: "def", limit: 50,
    });
  });

  it("defaults to the pending queue and drops unknown statuses and blank parameters", () => {
    const f = parseFilters("tz=UTC", "UTC");
    expect(queueInput(f, w, new URLSearchParams("status=everything&scoreName=%20&disagree=yes"))).toEqual({ status: "pending", from: 1_000, to: 2_000, limit: 50 });
    expect(queueInput(f, w, new URLSearchParams("status=all")).status).toBe("all");
  });

  it("keeps the unattributed customer (present and empty) as a filter", () => {
    const f = parseFilters("tz=UTC&customer=", "UTC");
    expect(queueInput(f, w, new URLSearchParams()).customerId).toBe("");
  });
});

describe("unusedFilters", () => {
  it("names the filter bar's function and tag, which the queue does not apply, so the page can say so", () => {
    expect(unusedFilters(parseFilters("tz=UTC&model=m1&customer=acme", "UTC"))).toEqual([]);
    expect(unusedFilters(parseFilters("tz=UTC&fn=support-bot&tag=plan:pro", "UTC"))).toEqual(["function support-bot", "tag plan"]);
  });
});

describe("reviewsExportHref", () => {
  it("exports what the queue shows, without paging, in the filters' zone", () => {
    const input = queueInput(parseFilters("tz=Asia/Kolkata&model=m1", "UTC"), w, new URLSearchParams("status=reviewed&scoreName=tone&disagree=1&pages=c1"));
    const href = reviewsExportHref(input, "Asia/Kolkata");
    expect(href.startsWith("/api/export/reviews.csv?input=")).toBe(true);
    expect(JSON.parse(new URLSearchParams(href.split("?")[1]).get("input") ?? "")).toEqual({ status: "reviewed", from: 1_000, to: 2_000, model: "m1", scoreName: "tone", disagree: true, timeZone: "Asia/Kolkata" });
  });
});

describe("selection and neighbours", () => {
  const ids = ["a", "b", "c"];
  it("selects the URL's item when listed, else the first", () => {
    expect(selectedId(ids, "b")).toBe("b");
    expect(selectedId(ids, "zz")).toBe("a");
    expect(selectedId([], "a")).toBeNull();
  });

  it("selects the item that took the place of one that left the queue", () => {
    expect(selectedId(["a", "c"], "b", ["a", "b", "c"])).toBe("c");
    // The last one left: the one before it.
    expect(selectedId(["a", "b"], "c", ["a", "b", "c"])).toBe("b");
    expect(selectedId(["a", "b"], "zz", ["a", "b", "c"])).toBe("a");
  });

  it("gives the items either side, none past the ends", () => {
    expect(neighbours(ids, "a")).toEqual({ previous: null, next: "b" });
    expect(neighbours(ids, "b")).toEqual({ previous: "a", next: "c" });
    expect(neighbours(ids, "c")).toEqual({ previous: "b", next: null });
    expect(neighbours(ids, null)).toEqual({ previous: null, next: "a" });
  });

  it("keeps the place of an item that just left the queue through the order shown before", () => {
    // b was reviewed and left the pending queue: after it comes c, before it a.
    expect(neighbours(["a", "c"], "b", ["a", "b", "c"])).toEqual({ previous: "a", next: "c" });
    // The item after b left too: the next still listed.
    expect(neighbours(["a", "d"], "b", ["a", "b", "c", "d"])).toEqual({ previous: "a", next: "d" });
    expect(neighbours(["x"], "b", ["a", "b"])).toEqual({ previous: null, next: null });
    expect(neighbours(["x"], "q", ["a", "b"])).toEqual({ previous: null, next: "x" });
  });
});

describe("criterionRows", () => {
  const judge = [
    { name: "accuracy", rawValue: 4, rationale: "Checked." },
    { name: "tone", rawValue: 2, rationale: null },
  ];
  const reviews = [
    { reviewerLabel: "me@x", verdict: "good" as const, note: null, createdAt: 1, scores: [{ name: "accuracy", rawValue: 5 }, { name: "tone", rawValue: 3 }] },
    { reviewerLabel: "ann@x", verdict: "bad" as const, note: "rude", createdAt: 2, scores: [{ name: "accuracy", rawValue: 3 }, { name: "tone", rawValue: 1 }] },
    { reviewerLabel: "bob@x", verdict: "good" as const, note: null, createdAt: 3, scores: [{ name: "accuracy", rawValue: 4 }] },
  ];

  it("puts the judge's score and rationale beside the other reviewers' scores and the spread of all reviews", () => {
    expect(criterionRows(judge, reviews, "me@x")).toEqual([
      { name: "accuracy", judge: 4, rationale: "Checked.", others: [{ reviewer: "ann@x", rawValue: 3 }, { reviewer: "bob@x", rawValue: 4 }], spread: { n: 3, min: 3, max: 5, mean: 4 } },
      { name: "tone", judge: 2, rationale: null, others: [{ reviewer: "ann@x", rawValue: 1 }], spread: { n: 2, min: 1, max: 3, mean: 2 } },
    ]);
  });

  it("has no spread without reviews, and counts every reviewer as other when the caller has none", () => {
    expect(criterionRows(judge, [], null).map((r) => r.spread)).toEqual([null, null]);
    expect(criterionRows(judge, reviews, null)[0]?.others.length).toBe(3);
    expect(otherVerdicts(reviews, "me@x")).toBe("1 good, 1 bad");
    expect(otherVerdicts(reviews, null)).toBe("2 good, 1 bad");
    expect(otherVerdicts([], null)).toBe("");
  });

  it("starts the form from the caller's stored review, in the judge's criteria order", () => {
    expect(draftFrom(["tone", "accuracy", "style"], reviews[0]!)).toEqual({ scores: [3, 5, null], verdict: "good", note: "" });
    expect(draftFrom(["tone"], null)).toBeUndefined();
  });
});

describe("submitInput", () => {
  it("is null until every criterion and the verdict are set; then names each score, trims the note and leaves an empty one out", () => {
    const names = ["accuracy", "tone"];
    expect(submitInput("i1", names, { ...emptyDraft(2), scores: [3, null], verdict: "good" })).toBeNull();
    expect(submitInput("i1", names, { ...emptyDraft(2), scores: [3, 4] })).toBeNull();
    expect(submitInput("i1", names, { ...emptyDraft(2), scores: [3, 4], verdict: "bad", note: "  wrong refund policy \n" })).toEqual({
      itemId: "i1",
      verdict: "bad",
      note: "wrong refund policy",
      scores: [{ name: "accuracy", rawValue: 3 }, { name: "tone", rawValue: 4 }],
    });
    expect(submitInput("i1", names, { ...emptyDraft(2), scores: [1, 5], verdict: "good", note: "   " })).toEqual({ itemId: "i1", verdict: "good", scores: [{ name: "accuracy", rawValue: 1 }, { name: "tone", rawValue: 5 }] });
  });
});

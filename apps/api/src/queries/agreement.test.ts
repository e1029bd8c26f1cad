import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGREEMENT_QUEUE } from "./agreement.ts";
import { createCaller } from "../trpc/root.ts";
import { NOW, openTestDb, RUN_URL, TEST_ADMIN, type TestDb } from "./test-support.ts";
import { DAY, JUDGE_MODEL, type Planned, START, seedReviewedRuns, WINDOW } from "./reviewed-fixture.ts";

/**
 * quality.agreement against figures computed here from the raw rows,
 * with formulas of their own (pairwise chance disagreement, sorted ranks), not the code under test.
 */
let t: TestDb;
let planned: Planned[];

beforeAll(async () => {
  t = await openTestDb();
  planned = await seedReviewedRuns(t);
}, 300_000);
afterAll(() => t.close());

type Pair = [judge: number, human: number];

/** The five figures from a list of pairs, by their textbook formulas. */
function expected(pairs: Pair[]) {
  const n = pairs.length;
  const exact = pairs.filter(([a, b]) => a === b).length / n;
  const withinOne = pairs.filter(([a, b]) => Math.abs(a - b) <= 1).length / n;
  const mae = pairs.reduce((s, [a, b]) => s + Math.abs(a - b), 0) / n;
  // Quadratic kappa: 1 − mean observed squared difference / mean squared difference over all judge × human combinations.
  const observed = pairs.reduce((s, [a, b]) => s + (a - b) ** 2, 0) / n;
  let chance = 0;
  for (const [a] of pairs) for (const [, b] of pairs) chance += (a - b) ** 2;
  chance /= n * n;
  const kappa = chance > 0 ? 1 - observed / chance : null;
  const ranks = (xs: number[]) => {
    const sorted = [...xs].sort((x, y) => x - y);
    return xs.map((x) => {
      const first = sorted.indexOf(x);
      const last = sorted.lastIndexOf(x);
      return (first + last) / 2 + 1;
    });
  };
  const ra = ranks(pairs.map((p) => p[0]));
  const rb = ranks(pairs.map((p) => p[1]));
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  const cov = ra.reduce((s, x, i) => s + (x - ma) * (rb[i]! - mb), 0);
  const va = ra.reduce((s, x) => s + (x - ma) ** 2, 0);
  const vb = rb.reduce((s, x) => s + (x - mb) ** 2, 0);
  return { n, exact, withinOne, mae, kappa, spearman: va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : null };
}

function pairsOf(filter: (p: Planned) => boolean, name: string, rubric: string): Pair[] {
  return planned.filter((p) => filter(p) && p.rubric === rubric).flatMap((p) => p.reviews.map((r): Pair => [p.judge[name]!, r[name]!]));
}


describe("quality.agreement", () => {
  it("gives n, exact, within one, kappa, MAE and Spearman per score name × judge model × rubric version", async () => {
    const res = await t.caller.quality.agreement(WINDOW);
    expect(res.rows.map((r) => [r.name, r.judgeModel, r.rubricVersion])).toEqual([
      ["accuracy", JUDGE_MODEL, "v1"], ["accuracy", JUDGE_MODEL, "v2"], ["tone", JUDGE_MODEL, "v1"], ["tone", JUDGE_MODEL, "v2"],
    ]);
    expect(res.method).toMatch(/bootstrap over reviewed items, 1,000/);
    for (const row of res.rows) {
      const e = expected(pairsOf(() => true, row.name, row.rubricVersion));
      expect(row.n).toBe(e.n);
      for (const k of ["exact", "withinOne", "mae", "kappa", "spearman"] as const) {
        expect(row[k]!.value).toBeCloseTo(e[k]!, 10);
        expect(row[k]!.low).toBeLessThanOrEqual(row[k]!.value);
        expect(row[k]!.high).toBeGreaterThanOrEqual(row[k]!.value);
      }
    }
  });

  it("links each row to its own disagreements: the reviewed items of that judge model and rubric version where a reviewer's score differs", async () => {
    const res = await t.caller.quality.agreement(WINDOW);
    for (const row of res.rows) {
      const link = new URL(row.disagreementsLink, "https://tally.example.com");
      expect(link.pathname).toBe("/review");
      // The Review page's reading of the link: every parameter is a queue filter, disagree=1 is true.
      const { disagree, ...filters } = Object.fromEntries(link.searchParams);
      const queue = await t.caller.reviews.queue({ ...filters, disagree: disagree === "1", from: WINDOW.from, to: WINDOW.to, limit: 200 } as never);
      const want = planned
        .filter((p) => p.rubric === row.rubricVersion && p.reviews.some((r) => r[row.name] !== p.judge[row.name]))
        .map((p) => `${p.runId}-score`);
      expect(want.length, row.disagreementsLink).toBeGreaterThan(0);
      expect(queue.items.map((i) => i.id).sort(), row.disagreementsLink).toEqual(want.sort());
    }
  });

  it("flags a rubric version whose kappa is below 0.4 over at least 30 pairs, and only that", async () => {
    const res = await t.caller.quality.agreement({ ...WINDOW, models: ["m-over"] });
    const tone = res.rows.find((r) => r.name === "tone" && r.rubricVersion === "v1")!;
    expect(tone.n).toBeGreaterThanOrEqual(30);
    expect(tone.kappa!.value).toBeLessThan(0.4);
    expect(tone.flagged).toBe(true);
    const accuracy = res.rows.find((r) => r.name === "accuracy" && r.rubricVersion === "v1")!;
    expect(accuracy.kappa!.value).toBeGreaterThan(0.4);
    expect(accuracy.flagged).toBe(false);
    // The same low kappa over fewer than 30 pairs is not flagged (v2 has 40 runs, a third of them m-over).
    const small = res.rows.find((r) => r.name === "tone" && r.rubricVersion === "v2")!;
    expect(small.n).toBeLessThan(30);
    expect(small.flagged).toBe(false);
  });

  it("filters like quality: model, customer, window, score names", async () => {
    const inWindow = (p: Planned, from: number, to: number) => p.at >= from && p.at < to;
    const from = START + DAY;
    const to = START + 3 * DAY;
    const res = await t.caller.quality.agreement({ from, to, models: ["m-fair"], customerIds: ["cust-1"], scoreNames: ["accuracy"] });
    // v2 starts on the fourth day (run 120 at 72 h): outside this window.
    expect(res.rows.map((r) => [r.name, r.rubricVersion])).toEqual([["accuracy", "v1"]]);
    for (const row of res.rows) {
      const e = expected(pairsOf((p) => p.model === "m-fair" && p.customerId === "cust-1" && inWindow(p, from, to), "accuracy", row.rubricVersion));
      expect(row.n).toBe(e.n);
      expect(e.n).toBeGreaterThan(10);
      expect(row.kappa!.value).toBeCloseTo(e.kappa!, 10);
      expect(row.mae!.value).toBeCloseTo(e.mae, 10);
    }
    expect((await t.caller.quality.agreement({ ...WINDOW, customerIds: ["nobody"] })).rows).toEqual([]);
  });

  it("answers the same intervals whatever order the engine returns the reviews in (the bootstrap resamples by position)", async () => {
    const before = await t.caller.quality.agreement(WINDOW);
    // The same rows written again in reverse: another physical order (PostgreSQL's heap returns them so).
    await t.db.transaction().execute(async (trx) => {
      const reviews = await trx.selectFrom("reviews").selectAll().execute();
      const scores = await trx.selectFrom("review_scores").selectAll().execute();
      await trx.deleteFrom("review_scores").execute();
      await trx.deleteFrom("reviews").execute();
      for (const r of reviews.reverse()) await trx.insertInto("reviews").values(r).execute();
      for (const r of scores.reverse()) await trx.insertInto("review_scores").values(r).execute();
    });
    expect(await t.caller.quality.agreement(WINDOW)).toEqual(before);
  });

  it("answers calls made together, in turn, as each would be answered alone; one refused call does not stop the next", async () => {
    const alone = [await t.caller.quality.agreement(WINDOW), await t.caller.quality.agreement({ ...WINDOW, models: ["m-over"] })];
    const together = await Promise.allSettled([
      t.caller.quality.agreement(WINDOW),
      t.caller.quality.agreement({ ...WINDOW, tags: { plan: "pro", env: "prod" } }),
      t.caller.quality.agreement({ ...WINDOW, models: ["m-over"] }),
    ]);
    expect(together.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect([together[0], together[2]].map((r) => (r as PromiseFulfilledResult<unknown>).value)).toEqual(alone);
  });

  it("shares one answer among the same question asked together, and refuses distinct ones past the queue's bound", async () => {
    // Each call its own request (a caller of its own: one request's calls take turns on SQLite).
    const request = () => createCaller({ db: t.db, runUrlTemplate: RUN_URL, now: () => NOW, principal: TEST_ADMIN });
    const alone = await t.caller.quality.agreement(WINDOW);
    const same = await Promise.all(Array.from({ length: AGREEMENT_QUEUE + 10 }, () => request().quality.agreement(WINDOW)));
    for (const answer of same) expect(answer).toEqual(alone);
    // Distinct windows (each a millisecond shorter): the first AGREEMENT_QUEUE wait their turn, the rest are refused.
    const distinct = await Promise.allSettled(Array.from({ length: AGREEMENT_QUEUE + 5 }, (_, i) => request().quality.agreement({ ...WINDOW, to: WINDOW.to - i })));
    const refused = distinct.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as TRPCError);
    expect(distinct.slice(0, AGREEMENT_QUEUE).every((r) => r.status === "fulfilled")).toBe(true);
    expect(refused.map((e) => e.code)).toEqual(Array(5).fill("TOO_MANY_REQUESTS"));
    // Once they are answered, the queue takes calls again.
    expect(await t.caller.quality.agreement({ ...WINDOW, to: WINDOW.to - 1 })).toEqual((distinct[1] as PromiseFulfilledResult<unknown>).value);
  });

  it("refuses a filter aggregates cannot honour (two tag keys), naming the field", async () => {
    await expect(t.caller.quality.agreement({ ...WINDOW, tags: { plan: "pro", env: "prod" } })).rejects.toThrow(/tags/);
  });
});

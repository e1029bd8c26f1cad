import { enqueueReview, recordEvaluation, storeReview } from "@tally/inngest-functions";
import { mulberry32 } from "@tally/shared";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDate, openTestDb, type TestDb } from "./test-support.ts";
import { oracleT975 } from "@tally/shared/stats/t-oracle";

/**
 * quality.agreement and the human-corrected quality.trend against figures computed here from the raw rows,
 * with formulas of their own (pairwise chance disagreement, sorted ranks), not the code under test.
 */
const DAY = 86_400_000;
const START = Date.UTC(2026, 3, 6, 12); // a Monday, noon UTC
const JUDGE_MODEL = "acme-judge";
const CRITERIA = ["accuracy", "tone"] as const;
let t: TestDb;

interface Planned {
  runId: string;
  model: string;
  customerId: string;
  rubric: string;
  at: number;
  judge: Record<string, number>;
  /** Per reviewer, their 1–5 per criterion. */
  reviews: Record<string, number>[];
}
const planned: Planned[] = [];

beforeAll(async () => {
  t = await openTestDb();
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

const WINDOW = { from: START - DAY, to: START + 6 * DAY };

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

  it("refuses a filter aggregates cannot honour (two tag keys), naming the field", async () => {
    await expect(t.caller.quality.agreement({ ...WINDOW, tags: { plan: "pro", env: "prod" } })).rejects.toThrow(/tags/);
  });
});

describe("quality.trend corrected", () => {
  /** Per model × name × local day: the reviewers' mean value where reviewed, else the judge's, by raw SQL. */
  async function recomputed(timeZone: string, customerId?: string) {
    const rows = await sql<{ model: string; name: string; at: number; v: number }>`
      select s.model, s.name, s.occurred_at as at,
        coalesce((select avg(rs.value) from reviews r join review_scores rs on rs.review_id = r.id
                  where r.item_id = e.id and rs.name = s.name), s.value) as v
      from scores s join evaluations e on e.run_id = s.run_id join runs u on u.run_id = s.run_id
      where s.occurred_at >= ${WINDOW.from} and s.occurred_at < ${WINDOW.to} ${customerId === undefined ? sql`` : sql`and u.customer_id = ${customerId}`}`.execute(t.db);
    const cells = new Map<string, number[]>();
    for (const r of rows.rows) {
      const key = `${r.model}|${r.name}|${localDate(r.at, timeZone)}`;
      cells.set(key, [...(cells.get(key) ?? []), Number(r.v)]);
    }
    return cells;
  }

  for (const [timeZone, customerId] of [["America/New_York", undefined], ["Asia/Kolkata", "cust-0"]] as const) {
    it(`replaces the judge's value by the reviewers' mean where reviewed, n unchanged (${timeZone}${customerId ? `, ${customerId}` : ""})`, async () => {
      const input = { ...WINDOW, timeZone, bucket: "day" as const, ...(customerId ? { customerIds: [customerId] } : {}) };
      const res = await t.caller.quality.trend({ ...input, corrected: true });
      const judgeOnly = await t.caller.quality.trend(input);
      expect(res.corrected).toBe(true);
      expect(judgeOnly.corrected).toBe(false);
      const cells = await recomputed(timeZone, customerId);
      let checked = 0;
      let differs = 0;
      for (const s of res.series) {
        const plain = judgeOnly.series.find((x) => x.model === s.model && x.name === s.name)!;
        expect(s.humanScores).toBeGreaterThan(0);
        expect(plain.humanScores).toBe(0);
        res.buckets.forEach((b, i) => {
          const values = cells.get(`${s.model}|${s.name}|${localDate(b.start, timeZone)}`) ?? [];
          const p = s.points[i]!;
          expect(p.n).toBe(values.length);
          expect(plain.points[i]!.n).toBe(values.length);
          if (values.length === 0) return;
          const mean = values.reduce((a, v) => a + v, 0) / values.length;
          expect(p.mean).toBeCloseTo(mean, 10);
          if (values.length >= 2) {
            const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
            const q = oracleT975(values.length - 1); // Student's t, n − 1 df
            expect(p.ciLow).toBeCloseTo(Math.max(0, mean - (q * sd) / Math.sqrt(values.length)), 9);
            expect(p.ciHigh).toBeCloseTo(Math.min(1, mean + (q * sd) / Math.sqrt(values.length)), 9);
          }
          if (Math.abs(p.mean! - plain.points[i]!.mean!) > 1e-9) differs++;
          checked++;
        });
      }
      expect(checked).toBeGreaterThan(10);
      expect(differs).toBeGreaterThan(5);
    });
  }

  it("human labels never reach the judge's scores or rollups", async () => {
    const n = await sql<{ scores: number; rollup: number; human: number }>`
      select (select count(*) from scores) as scores, (select sum(n) from rollup_scores_15m) as rollup,
             (select count(*) from scores where source = 'human') as human`.execute(t.db);
    expect(n.rows[0]).toEqual({ scores: 160 * CRITERIA.length, rollup: 160 * CRITERIA.length, human: 0 });
  });
});

import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oracleT975 } from "@tally/shared/stats/t-oracle";
import { localDate, openTestDb, type TestDb } from "./test-support.ts";
import { CRITERIA, seedReviewedRuns, WINDOW } from "./reviewed-fixture.ts";

/**
 * Human-corrected quality (reviewers' mean in place of the judge's value where they scored, n unchanged) on
 * quality.trend, quality.compareModels and quality.costVsQuality, against figures computed here from the raw rows.
 */
let t: TestDb;

beforeAll(async () => {
  t = await openTestDb();
  await seedReviewedRuns(t);
}, 300_000);
afterAll(() => t.close());

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

describe("quality.compareModels and quality.costVsQuality corrected", () => {
  /** Per model × name, every score's value, the reviewers' mean in place of the judge's where reviewed (raw SQL); or the judge's alone. */
  async function values(corrected: boolean): Promise<Map<string, number[]>> {
    const rows = await sql<{ model: string; name: string; v: number }>`
      select s.model, s.name,
        ${corrected ? sql`coalesce((select avg(rs.value) from reviews r join review_scores rs on rs.review_id = r.id where r.item_id = e.id and rs.name = s.name), s.value)` : sql`s.value`} as v
      from scores s join evaluations e on e.run_id = s.run_id
      where s.occurred_at >= ${WINDOW.from} and s.occurred_at < ${WINDOW.to}`.execute(t.db);
    const out = new Map<string, number[]>();
    for (const r of rows.rows) out.set(`${r.model}|${r.name}`, [...(out.get(`${r.model}|${r.name}`) ?? []), Number(r.v)]);
    return out;
  }
  const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
  const sampleVariance = (xs: number[]) => xs.reduce((a, v) => a + (v - mean(xs)) ** 2, 0) / (xs.length - 1);

  for (const corrected of [true, false]) {
    it(`compares each model with the baseline on ${corrected ? "the corrected" : "the judge's"} values: means, differences and Welch's t`, async () => {
      const res = await t.caller.quality.compareModels({ ...WINDOW, baselineModel: "m-fair", corrected });
      expect(res.corrected).toBe(corrected);
      const cells = await values(corrected);
      expect(res.rows).toHaveLength(2 * CRITERIA.length);
      for (const row of res.rows) {
        const xs = cells.get(`${row.model}|${row.name}`)!;
        const base = cells.get(`m-fair|${row.name}`)!;
        expect(row.n).toBe(xs.length);
        expect(row.mean).toBeCloseTo(mean(xs), 10);
        expect(row.diff).toBeCloseTo(mean(xs) - mean(base), 10);
        if (row.model === "m-fair") continue;
        const se = Math.sqrt(sampleVariance(xs) / xs.length + sampleVariance(base) / base.length);
        expect(row.z).toBeCloseTo((mean(xs) - mean(base)) / se, 8);
      }
    });

    it(`gives cost vs quality's mean and passing runs on ${corrected ? "the corrected" : "the judge's"} values`, async () => {
      const res = await t.caller.quality.costVsQuality({ ...WINDOW, scoreName: "tone", threshold: 0.7, corrected });
      expect(res.corrected).toBe(corrected);
      const cells = await values(corrected);
      for (const model of ["m-fair", "m-over"]) {
        const xs = cells.get(`${model}|tone`)!;
        const row = res.rows.find((r) => r.model === model)!;
        expect(row.scored).toBe(xs.length);
        expect(row.meanScore).toBeCloseTo(mean(xs), 10);
        expect(row.passing).toBe(xs.filter((v) => v >= 0.7).length);
      }
    });
  }

  it("corrects where the judge over-rates: m-over's tone passes less often once reviewed", async () => {
    const [judge, human] = await Promise.all([false, true].map((corrected) => t.caller.quality.costVsQuality({ ...WINDOW, scoreName: "tone", threshold: 0.7, corrected })));
    const over = (r: typeof judge) => r!.rows.find((x) => x.model === "m-over")!;
    expect(over(human).passing).not.toBe(over(judge).passing);
    expect(over(human).meanScore).not.toBeCloseTo(over(judge).meanScore!, 6);
  });
});

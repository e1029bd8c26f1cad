import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentCost, fixture, judgeCost, localDate, openTestDb, type RunSpec, seedPrices, seedRun, seedRuns, type TestDb } from "./test-support.ts";
import { oracleT975 } from "@tally/shared/stats/t-oracle";

const DAY = 86_400_000;
const START = Date.UTC(2026, 3, 1);
let t: TestDb;
let runs: RunSpec[];

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  runs = fixture(START, 6, 300, 11);
  // A clearly better and a clearly worse model, for the significance test.
  for (let i = 0; i < 40; i++) {
    const at = START + 7 * DAY + i * 60_000;
    await seedRun(t.db, { runId: `good-${i}`, model: "m-good", occurredAt: at, scores: { helpfulness: 0.8 + (i % 3) / 10 } });
    await seedRun(t.db, { runId: `bad-${i}`, model: "m-bad", occurredAt: at, scores: { helpfulness: 0.2 + (i % 3) / 10 } });
    await seedRun(t.db, { runId: `same-${i}`, model: "m-same", occurredAt: at, scores: { helpfulness: 0.8 + ((i + 1) % 3) / 10 } });
  }
  await seedRuns(t.db, runs);
}, 300_000);
afterAll(() => t.close());

function meanCi(values: number[]) {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const v = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const half = oracleT975(n - 1) * Math.sqrt(v / n); // Student's t, n − 1 df
  return { n, mean, ciLow: Math.max(0, mean - half), ciHigh: Math.min(1, mean + half) };
}

describe("quality.trend", () => {
  it("gives mean, n and a 95% CI per day x model x score name, in the viewer's zone", async () => {
    const from = Date.UTC(2026, 2, 31, 18, 30); // 2026-04-01 00:00 in Asia/Kolkata
    const to = from + 6 * DAY;
    const res = await t.caller.quality.trend({ from, to, timeZone: "Asia/Kolkata", scoreNames: ["accuracy"] });
    expect(res.buckets).toHaveLength(6);
    expect(new Set(res.series.map((s) => s.name))).toEqual(new Set(["accuracy"]));
    let checked = 0;
    for (const s of res.series) {
      res.buckets.forEach((b, i) => {
        const values = runs
          .filter((r) => r.model === s.model && r.scores && localDate(r.occurredAt, "Asia/Kolkata") === localDate(b.start, "Asia/Kolkata"))
          .map((r) => r.scores!.accuracy!);
        const p = s.points[i]!;
        if (values.length === 0) {
          expect(p).toEqual({ mean: null, n: 0, ciLow: null, ciHigh: null }); // not scored is not a zero
          return;
        }
        const e = meanCi(values);
        expect(p.n).toBe(e.n);
        expect(p.mean).toBeCloseTo(e.mean, 12);
        if (e.n >= 2) {
          expect(p.ciLow).toBeCloseTo(e.ciLow, 9);
          expect(p.ciHigh).toBeCloseTo(e.ciHigh, 9);
        }
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe("quality.compareModels", () => {
  it("flags a significant difference from the baseline, and none for an equal model", async () => {
    const res = await t.caller.quality.compareModels({
      from: START + 7 * DAY,
      to: START + 8 * DAY,
      baselineModel: "m-good",
      scoreNames: ["helpfulness"],
    });
    const row = (m: string) => res.rows.find((r) => r.model === m)!;
    expect(row("m-good")).toMatchObject({ diff: 0, significant: null, n: 40 });
    expect(row("m-bad").significant).toBe(true);
    expect(row("m-bad").diff).toBeCloseTo(-0.6, 9);
    expect(row("m-same").significant).toBe(false);
    const e = meanCi(Array.from({ length: 40 }, (_, i) => 0.2 + (i % 3) / 10));
    expect(row("m-bad").mean).toBeCloseTo(e.mean, 12);
    expect(row("m-bad").ciLow).toBeCloseTo(e.ciLow, 9);
    // The difference's 95% interval: −0.6 ± t(0.975, df) · √(s²/40 + s²/40), s² the sample variance of either
    // model's scores; equal variances and sizes make Welch's df 2 · 39 = 78.
    const xs = Array.from({ length: 40 }, (_, i) => 0.2 + (i % 3) / 10);
    const m = xs.reduce((a, x) => a + x, 0) / 40;
    const s2 = xs.reduce((a, x) => a + (x - m) ** 2, 0) / 39;
    const half = oracleT975(78) * Math.sqrt((2 * s2) / 40);
    expect(row("m-bad").df).toBeCloseTo(78, 9);
    expect(row("m-bad").diffLow).toBeCloseTo(-0.6 - half, 9);
    expect(row("m-bad").diffHigh).toBeCloseTo(-0.6 + half, 9);
    expect(row("m-bad").p).toBeLessThan(1e-12);
    expect(row("m-same").p).toBeGreaterThan(0.05);
    expect(row("m-good")).toMatchObject({ diffLow: null, diffHigh: null, p: null });
  });

  it("still reads the baseline when a model filter leaves it out", async () => {
    const res = await t.caller.quality.compareModels({
      from: START + 7 * DAY,
      to: START + 8 * DAY,
      baselineModel: "m-good",
      models: ["m-bad"],
    });
    expect(res.rows.find((r) => r.model === "m-bad")?.significant).toBe(true);
  });
});

describe("quality.costVsQuality", () => {
  it("gives cost per run, mean score and $ per passing run (score >= threshold), exactly", async () => {
    const from = START;
    const to = START + 6 * DAY;
    const res = await t.caller.quality.costVsQuality({ from, to, scoreName: "helpfulness", threshold: 0.7 });
    for (const row of res.rows) {
      const mine = runs.filter((r) => r.model === row.model);
      const priced = mine.filter((r) => agentCost(r) !== null);
      const spend = priced.length ? priced.reduce((s, r) => s + agentCost(r)!, 0) : null;
      const scored = mine.filter((r) => r.scores).map((r) => r.scores!.helpfulness!);
      const passing = scored.filter((v) => v >= 0.7).length;
      expect(row.runs).toBe(mine.length);
      expect(row.agentSpendMicros).toBe(spend);
      expect(row.passing).toBe(passing);
      expect(row.scored).toBe(scored.length);
      expect(row.meanScore).toBeCloseTo(scored.reduce((s, v) => s + v, 0) / scored.length, 12);
      expect(row.pricedRuns).toBe(priced.length);
      // The one cost per run: agent + the judge's spend on the model's runs, over priced runs.
      const judged = mine.filter((r) => judgeCost(r) !== null);
      const judge = judged.length ? judged.reduce((s, r) => s + judgeCost(r)!, 0) : null;
      if (priced.length === 0) expect(row.costPerRunMicros).toBeNull();
      else expect(row.costPerRunMicros).toBe(Math.round(((spend ?? 0) + (judge ?? 0)) / priced.length));
      // $ per passing run on the same basis (this fixture's judge is always priced).
      if (spend === null || priced.length < mine.length || passing === 0) expect(row.costPerPassingRunMicros).toBeNull();
      else expect(row.costPerPassingRunMicros).toBe(Math.round((spend + (judge ?? 0)) / passing));
    }
    expect(res.rows.map((r) => r.model)).toContain("acme-large");
  });

  it("counts a score exactly on the threshold as passing", async () => {
    const res = await t.caller.quality.costVsQuality({ from: START + 7 * DAY, to: START + 8 * DAY, scoreName: "helpfulness", threshold: 0.9 });
    // m-good scores cycle 0.8, 0.9, 1.0: two thirds pass (0.9 included).
    expect(res.rows.find((r) => r.model === "m-good")?.passing).toBe(26);
  });
});

import { describe, expect, it } from "vitest";
import { coverage, trendCoverage } from "./judge-spend.ts";
import { defaultBaseline, prepareComparison, prepareScatter, prepareTrend, scoreNames } from "./prepare-quality.ts";

const st = (mean: number | null, n: number, lo: number | null = null, hi: number | null = null) => ({ mean, n, ciLow: lo, ciHigh: hi });
// Runs each statistic rests on: scored, not sampled, skipped by the judge budget.
const cv = (runs: number, scoredRuns: number, unsampledRuns = 0, judgeSkippedRuns = 0) => ({ runs, scoredRuns, unsampledRuns, judgeSkippedRuns });
const buckets = [{ start: 0, end: 10 }, { start: 10, end: 20 }];

describe("prepareTrend", () => {
  const input = {
    buckets,
    series: [
      { model: "b-model", name: "tone", points: [st(0.8, 4, 0.7, 0.9), st(null, 0)], ...cv(9, 4, 4) },
      { model: "a-model", name: "tone", points: [st(0.5, 1), st(0.6, 3, 0.4, 0.8)], ...cv(6, 4, 0, 2) },
      { model: "a-model", name: "accuracy", points: [st(0.9, 2, 0.8, 1), st(null, 0)], ...cv(6, 4, 0, 2) },
      { model: "c-model", name: "tone", points: [st(null, 0), st(null, 0)], ...cv(9, 0, 9) },
    ],
  };

  it("draws one line per model with gaps and bands only where the interval exists", () => {
    const t = prepareTrend(input, "tone");
    expect(t.lines).toEqual([
      { model: "a-model", dataKey: "m0", n: 4 },
      { model: "b-model", dataKey: "m1", n: 4 },
    ]);
    expect(t.rows[0]).toEqual({ bucket: 0, end: 10, m0: 0.5, m0_band: null, m0_n: 1, m0_change: null, m1: 0.8, m1_band: [0.7, 0.9], m1_n: 4, m1_change: null });
    expect(t.rows[1]).toEqual({ bucket: 10, end: 20, m0: 0.6, m0_band: [0.4, 0.8], m0_n: 3, m0_change: null, m1: null, m1_band: null, m1_n: 0, m1_change: null });
    expect(t.names).toEqual(["accuracy", "tone"]);
    expect(scoreNames(input)).toEqual(["accuracy", "tone"]);
    // The drawn lines (a-model: 4 of 6 runs, 2 skipped; b-model: 4 of 9, 4 not sampled) rest on 8 of 15 runs, of which
    // 14 reached the judge and 10 were sampled; c-model has no line, so it is not counted.
    expect(trendCoverage(input.series, "tone", "en-US").text).toBe("based on 8 of 15 runs: 71% sampled, 2 skipped by budget");
  });

  it("marks significant changes, Holm-corrected across every bucket of every line shown", () => {
    const b4 = [0, 1, 2, 3].map((i) => ({ start: i * 10, end: i * 10 + 10 }));
    const t = prepareTrend(
      {
        buckets: b4,
        series: [
          // Raw p 0.001 at bucket 2 (a drop), 0.02 at bucket 3 (a rise); 6 tests in the family.
          { model: "a", name: "q", points: [st(0.9, 50), st(0.9, 50), st(0.6, 50), st(0.7, 50)], changeP: [null, 0.9, 0.001, 0.02], ...cv(200, 200) },
          { model: "b", name: "q", points: [st(0.5, 50), st(0.5, 50), st(0.5, 50), st(0.5, 50)], changeP: [null, 0.8, 0.7, 0.6], ...cv(200, 200) },
        ],
      },
      "q",
    );
    // Holm by hand: 0.001·6 = 0.006 < 0.05 (marked); 0.02·5 = 0.1 (not marked); the rest larger.
    expect(t.rows.map((r) => r.m0_change)).toEqual([null, null, -1, null]);
    expect(t.rows.map((r) => r.m1_change)).toEqual([null, null, null, null]);
  });

  it("is empty when nothing was scored under that name", () => {
    expect(prepareTrend(input, "helpfulness").empty).toBe(true);
  });
});

describe("prepareComparison", () => {
  const rows = [
    { model: "base", name: "tone", ...st(0.7, 50, 0.65, 0.75), diff: 0, z: null, p: null, significant: null, ...cv(120, 50, 50) },
    { model: "new", name: "tone", ...st(0.8, 40, 0.75, 0.85), diff: 0.1, diffLow: 0.03, diffHigh: 0.17, z: 3, p: 0.0027, significant: true, ...cv(40, 40) },
    { model: "old", name: "tone", ...st(0.69, 30, 0.6, 0.78), diff: -0.01, z: -0.2, p: 0.84, significant: false, ...cv(31, 30) },
    { model: "tiny", name: "tone", ...st(0.2, 1), diff: -0.5, z: null, p: null, significant: null, ...cv(1, 1) },
    { model: "new", name: "accuracy", ...st(0.9, 90, 0.88, 0.92), diff: null, z: null, significant: null, ...cv(40, 40) },
  ];

  it("orders baseline first and labels significance", () => {
    const c = prepareComparison(rows, "tone", "base");
    expect(c.map((r) => [r.model, r.verdict])).toEqual([
      ["base", "baseline"],
      ["new", "better"],
      ["old", "no significant difference"],
      ["tiny", "not enough data"],
    ]);
    expect(c[1]?.error?.[0]).toBeCloseTo(0.05);
    expect(c[3]?.error).toBeNull();
    expect(c.map((r) => coverage(r, "en-US").text)).toEqual(["based on 50 of 120 runs: 50% sampled", "based on 40 of 40 runs", "based on 30 of 31 runs", "based on 1 of 1 run"]);
  });

  it("corrects for the number of comparisons (Holm) and calls only differences of at least minDiff", () => {
    const three = [
      { model: "base", name: "q", ...st(0.8, 1500, 0.79, 0.81), diff: 0, z: null, p: null, significant: null, ...cv(1500, 1500) },
      { model: "a", name: "q", ...st(0.81, 1800, 0.8, 0.82), diff: 0.01, diffLow: 0.001, diffHigh: 0.019, z: 2.17, p: 0.03, significant: true, ...cv(1800, 1800) },
      { model: "b", name: "q", ...st(0.79, 900), diff: -0.01, z: -2.05, p: 0.04, significant: true, ...cv(900, 900) },
      { model: "c", name: "q", ...st(0.6, 900), diff: -0.2, z: -20, p: 0.001, significant: true, ...cv(900, 900) },
    ];
    // Holm over 3 tests by hand: 0.001·3 = 0.003; 0.03·2 = 0.06; max(0.06, 0.04·1) = 0.06.
    const c = prepareComparison(three, "q", "base");
    expect(c.map((r) => [r.model, r.verdict])).toEqual([["base", "baseline"], ["a", "no significant difference"], ["b", "no significant difference"], ["c", "worse"]]);
    expect(c.find((r) => r.model === "c")?.pAdjusted).toBeCloseTo(0.003, 12);
    expect(c.find((r) => r.model === "a")?.pAdjusted).toBeCloseTo(0.06, 12);
    expect(c.find((r) => r.model === "b")?.pAdjusted).toBeCloseTo(0.06, 12);
    expect(c.find((r) => r.model === "a")).toMatchObject({ diffLow: 0.001, diffHigh: 0.019 });
    // A significant difference smaller than the user's minimum is not called.
    expect(prepareComparison(three, "q", "base", 0.25).find((r) => r.model === "c")?.verdict).toBe("below minimum difference");
    expect(prepareComparison(three, "q", "base", 0.2).find((r) => r.model === "c")?.verdict).toBe("worse");
  });

  it("picks the most-scored model as the default baseline", () => {
    expect(defaultBaseline(rows, "tone")).toBe("base");
    expect(defaultBaseline(rows, "nothing")).toBeNull();
  });
});

describe("prepareScatter", () => {
  it("plots priced, scored models and lists the rest with a reason", () => {
    const r = prepareScatter([
      { model: "m1", costPerRunMicros: 500, meanScore: 0.8, passing: 6, scored: 8, costPerPassingRunMicros: 833, unpricedCalls: 0, ...cv(10, 8) },
      // Unpriced only: the API sends null, never 0.
      { model: "m2", costPerRunMicros: null, meanScore: 0.5, passing: 1, scored: 5, costPerPassingRunMicros: null, unpricedCalls: 5, ...cv(5, 5) },
      { model: "m4", costPerRunMicros: null, meanScore: 0.5, passing: 1, scored: 1, costPerPassingRunMicros: null, unpricedCalls: 0, ...cv(0, 0) },
      { model: "m3", costPerRunMicros: 100, meanScore: null, passing: 0, scored: 0, costPerPassingRunMicros: null, unpricedCalls: 0, ...cv(5, 0) },
    ]);
    expect(r.points).toEqual([{ model: "m1", x: 500, y: 0.8, runs: 10, passRate: 0.75, costPerPassingRunMicros: 833 }]);
    expect(r.omitted).toEqual([
      { model: "m2", reason: "unpriced" },
      { model: "m4", reason: "no runs" },
      { model: "m3", reason: "no scores" },
    ]);
  });
});

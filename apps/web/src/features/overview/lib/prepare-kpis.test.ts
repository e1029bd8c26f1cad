import { describe, expect, it } from "vitest";
import { kpiChangeText, kpiText, nothingInWindow, type PeriodInput, prepareKpis } from "./prepare-kpis.ts";

const period = (over: Partial<PeriodInput> = {}): PeriodInput => ({
  spendMicros: { total: null, agent: null, judge: null },
  runs: 0,
  scoredRuns: 0,
  pricedRuns: 0,
  costPerRunMicros: null,
  unpricedCalls: 0,
  agentUnpricedCalls: 0,
  judgeUnpricedCalls: 0,
  unpricedTokens: 0,
  scores: [],
  ...over,
});

describe("prepareKpis", () => {
  it("computes deltas against the previous period", () => {
    const cur = period({ spendMicros: { total: 3_000_000, agent: 2_500_000, judge: 500_000 }, runs: 30, costPerRunMicros: 100_000 });
    const prev = period({ spendMicros: { total: 2_000_000, agent: 1_500_000, judge: 500_000 }, runs: 40, costPerRunMicros: 50_000 });
    const k = Object.fromEntries(prepareKpis(cur, prev).map((x) => [x.id, x]));
    expect(k.spend?.value).toBe(3_000_000);
    expect(k.spend?.change).toBeCloseTo(0.5);
    expect(k.runs?.change).toBeCloseTo(-0.25);
    expect(k["cost-per-run"]?.change).toBeCloseTo(1);
    expect(k["judge-spend"]?.change).toBe(0);
  });

  it("calls spend and runs new against an almost empty previous period, and writes hints with thousands separators", () => {
    // $29.804 against $0.10 would read +29,704%; $0.10 is under 1% of the current spend.
    const cur = period({ spendMicros: { total: 29_804_000, agent: 29_804_000, judge: 0 }, runs: 2_040, scores: [{ name: "accuracy", mean: 0.8, n: 1_834 }] as PeriodInput["scores"] });
    const prev = period({ spendMicros: { total: 100_000, agent: 100_000, judge: 0 }, runs: 20 });
    const k = Object.fromEntries(prepareKpis(cur, prev).map((x) => [x.id, x]));
    expect(k.spend?.change).toBe("new");
    expect(k.runs?.change).toBe("new"); // 20 < 20.4
    expect(k["score:accuracy"]?.hint).toBe("1,834 scores");
  });

  it("shows no data (null) rather than zero when nothing ran, and no delta without a baseline", () => {
    const k = Object.fromEntries(prepareKpis(period(), period()).map((x) => [x.id, x]));
    expect(k.spend?.value).toBeNull();
    expect(k["cost-per-run"]?.value).toBeNull();
    expect(k.runs?.value).toBe(0);
    expect(k.runs?.change).toBeNull();
  });

  it("under a model filter, says how many runs called the model beside the runs of it (a triage model has none of its own)", () => {
    const triage = period({ spendMicros: { total: 955_000, agent: 955_000, judge: null }, runs: 0, pricedRuns: 955, costPerRunMicros: 1_000 });
    const k = Object.fromEntries(prepareKpis(triage, period(), true).map((x) => [x.id, x]));
    expect(k.runs?.value).toBe(0);
    expect(k.runs?.hint).toBe("of this model; 955 runs with a priced call of it");
    expect(Object.fromEntries(prepareKpis(triage, period()).map((x) => [x.id, x])).runs?.hint).toBeUndefined();
    expect(Object.fromEntries(prepareKpis(period({ runs: 1, pricedRuns: 1 }), period(), true).map((x) => [x.id, x])).runs?.hint).toBe("of this model; 1 run with a priced call of it");
    // Its previous period had calls too: the cards compare with it rather than say "no previous data".
    const before = period({ spendMicros: { total: 500_000, agent: 500_000, judge: null }, pricedRuns: 500, unpricedCalls: 2, agentUnpricedCalls: 2 });
    const vs = Object.fromEntries(prepareKpis(triage, before, true).map((x) => [x.id, x]));
    expect([vs.runs?.previous, vs.unpriced?.previous, vs.unpriced?.change]).toEqual([0, 2, -2]);
  });

  it("calls a window empty only when it has no run, no spend and no unpriced call", () => {
    expect(nothingInWindow(period())).toBe(true);
    expect(nothingInWindow(period({ spendMicros: { total: 5, agent: 5, judge: null }, pricedRuns: 1 }))).toBe(false); // a triage model's window
    expect(nothingInWindow(period({ unpricedCalls: 3, agentUnpricedCalls: 3 }))).toBe(false); // only unpriced calls of the model
    expect(nothingInWindow(period({ runs: 2 }))).toBe(false);
  });

  it("adds one card per score name with an absolute change", () => {
    const cur = period({ runs: 5, scores: [{ name: "tone", mean: 0.8, n: 5 }, { name: "accuracy", mean: 0.7, n: 5 }] });
    const prev = period({ runs: 5, scores: [{ name: "tone", mean: 0.75, n: 4 }] });
    const scores = prepareKpis(cur, prev).filter((k) => k.format === "score");
    expect(scores.map((s) => s.label)).toEqual(["Mean accuracy", "Mean tone"]);
    expect(scores[0]?.change).toBeNull();
    expect(scores[1]?.change).toBeCloseTo(0.05);
    expect(scores[1]?.changeKind).toBe("absolute");
  });

  it("warns when usage is unpriced", () => {
    const ok = prepareKpis(period(), period()).find((k) => k.id === "unpriced");
    expect(ok?.warning).toBeUndefined();
    const bad = prepareKpis(period({ unpricedCalls: 3, unpricedTokens: 1200 }), period({ runs: 5, unpricedCalls: 1 })).find((k) => k.id === "unpriced");
    expect(bad?.warning).toMatch(/3 calls \(1,200 tokens\)/);
    expect(bad?.change).toBe(2);
    // A previous period without runs is no data, as on the other cards: not "+3 vs previous".
    const first = prepareKpis(period({ runs: 4, unpricedCalls: 3 }), period()).find((k) => k.id === "unpriced");
    expect([first?.previous, first?.change]).toEqual([null, null]);
  });
});

describe("money cards without a price", () => {
  const shown = (k: ReturnType<typeof prepareKpis>[number]) => [kpiText(k, k.value, k.unpricedCalls), k.note ?? null];

  it("read unpriced with the count beside them when nothing is priced, never $0", () => {
    const cur = period({ runs: 4, unpricedCalls: 6, agentUnpricedCalls: 4, judgeUnpricedCalls: 2, unpricedTokens: 900 });
    const k = Object.fromEntries(prepareKpis(cur, period()).map((x) => [x.id, x]));
    expect(shown(k.spend!)).toEqual(["unpriced", "6 unpriced calls"]);
    expect(shown(k["cost-per-run"]!)).toEqual(["unpriced", "6 unpriced calls"]);
    expect(shown(k["judge-spend"]!)).toEqual(["unpriced", "2 unpriced calls"]);
    expect(k.spend?.value).toBeNull();
    expect(k.spend?.change).toBeNull();
  });

  it("show the priced part with the unpriced calls beside it, and cost per run over priced runs", () => {
    const cur = period({
      runs: 10, pricedRuns: 8, spendMicros: { total: 2_000_000, agent: 1_500_000, judge: 500_000 }, costPerRunMicros: 250_000,
      unpricedCalls: 2, agentUnpricedCalls: 2,
    });
    const k = Object.fromEntries(prepareKpis(cur, period()).map((x) => [x.id, x]));
    expect(shown(k.spend!)).toEqual(["$2.00", "+ 2 unpriced calls"]);
    expect(shown(k["judge-spend"]!)).toEqual(["$0.50", null]);
    expect(k["cost-per-run"]?.hint).toBe("priced spend / 8 priced runs");
  });

  it("say what the previous period cost when this one has no priced figure to compare, and 'no previous data' only without one", () => {
    const cur = period({ runs: 4, unpricedCalls: 6, agentUnpricedCalls: 6 });
    const prev = period({ runs: 3, pricedRuns: 3, spendMicros: { total: 900_000, agent: 900_000, judge: null }, costPerRunMicros: 300_000 });
    const k = Object.fromEntries(prepareKpis(cur, prev).map((x) => [x.id, x]));
    expect(kpiChangeText(k["cost-per-run"]!)).toBe("previous: $0.30");
    expect(kpiChangeText(k.spend!)).toBe("previous: $0.90");
    expect(kpiChangeText(k.runs!)).toBe("+33.3% vs previous");
    const none = Object.fromEntries(prepareKpis(cur, period()).map((x) => [x.id, x]));
    expect(kpiChangeText(none["cost-per-run"]!)).toBe("no previous data");
  });

  it("read a dash when there is no usage at all", () => {
    const k = Object.fromEntries(prepareKpis(period({ runs: 3 }), period()).map((x) => [x.id, x]));
    expect(shown(k.spend!)).toEqual(["—", null]);
    expect(kpiText(k.spend!, null)).toBe("—");
  });
});

import { describe, expect, it } from "vitest";
import { budgetBar, budgetFacts, budgetState, isCurrentMonth, nearOrOver } from "./prepare-budget.ts";

describe("budgetState", () => {
  it("is near from the warning threshold and over from 100%", () => {
    expect([null, 0.05, 0.79, 0.8, 0.93, 1, 1.2].map((u) => budgetState(u, 0.8))).toEqual(["none", "ok", "ok", "near", "near", "over", "over"]);
    expect(budgetState(0.99, null)).toBe("ok");
  });
  it("filters over or near budget, or forecast over", () => {
    expect([nearOrOver("ok", false), nearOrOver("near", false), nearOrOver("over", false), nearOrOver("ok", true), nearOrOver("none", false)]).toEqual([false, true, true, true, false]);
  });
});

describe("budgetBar", () => {
  it("draws use against the budget, widening the track to the forecast's upper bound (at most 200%)", () => {
    // 93% used, forecast 120% (95%: 105%–150%): the track spans 150%, so 93/150, 100/150, 120/150, 105/150.
    const bar = budgetBar(0.93, 1_000_000, { micros: 1_200_000, lowMicros: 1_050_000, highMicros: 1_500_000 });
    expect(bar).toEqual({ fillPct: 62, budgetPct: 66.67, forecast: { pct: 80, lowPct: 70, highPct: 100, over: true } });
    expect(budgetBar(0.4, 1_000_000, null)).toEqual({ fillPct: 40, budgetPct: 100, forecast: null });
    // Below two full days the forecast has no interval: the marker alone, the track still reaching it (110%).
    expect(budgetBar(0.5, 1_000_000, { micros: 1_100_000, lowMicros: null, highMicros: null })).toEqual({
      fillPct: 45.45,
      budgetPct: 90.91,
      forecast: { pct: 100, lowPct: null, highPct: null, over: true },
    });
    // Far over: the track stops at 200%.
    expect(budgetBar(3, 1_000_000, { micros: 4_000_000, lowMicros: 3_500_000, highMicros: 5_000_000 })).toEqual({
      fillPct: 100,
      budgetPct: 50,
      forecast: { pct: 100, lowPct: 100, highPct: 100, over: true },
    });
  });
});

describe("isCurrentMonth", () => {
  const dec = { from: Date.UTC(2026, 11, 1), to: Date.UTC(2027, 0, 1) };
  it("is true for a whole calendar month that contains now", () => {
    expect(isCurrentMonth({ prorated: false, months: 1, period: dec }, Date.UTC(2026, 11, 3))).toBe(true);
    expect(isCurrentMonth({ prorated: false, months: 1, period: dec }, Date.UTC(2027, 0, 3))).toBe(false);
    expect(isCurrentMonth({ prorated: true, months: 1, period: dec }, Date.UTC(2026, 11, 3))).toBe(false);
    expect(isCurrentMonth({ prorated: false, months: 3, period: dec }, Date.UTC(2026, 11, 3))).toBe(false);
  });
});

describe("budgetFacts", () => {
  it("gives each customer its rule's warning threshold, and the forecast only for the current month", () => {
    const f = { micros: 5, lowMicros: 4, highMicros: 6 };
    const rows = [{ customerId: "globex", warningAt: 0.6, forecast: f, spentMicros: 3 }, { customerId: "acme", warningAt: null, forecast: f, spentMicros: 3 }];
    const now = budgetFacts(rows, true);
    const none = { forecastPending: false };
    expect([now("globex"), now("acme"), now("nobody")]).toEqual([{ warnAt: 0.6, forecast: f, ...none }, { warnAt: null, forecast: f, ...none }, { warnAt: null, forecast: null, ...none }]);
    expect(budgetFacts(rows, false)("globex")).toEqual({ warnAt: 0.6, forecast: null, ...none });
    expect(budgetFacts(undefined, true)("acme")).toEqual({ warnAt: null, forecast: null, ...none });
  });

  it("says a forecast is pending when this month's spend is known but its first full day has not ended", () => {
    const rows = [{ customerId: "early", warningAt: null, forecast: null, spentMicros: 10 }, { customerId: "unknown", warningAt: null, forecast: null, spentMicros: null }];
    expect(budgetFacts(rows, true)("early").forecastPending).toBe(true);
    expect(budgetFacts(rows, true)("unknown").forecastPending).toBe(false); // no priced spend: no forecast ever
    expect(budgetFacts(rows, false)("early").forecastPending).toBe(false); // another period: no forecast belongs to it
  });
});

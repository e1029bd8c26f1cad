import { formatMicros } from "@tally/shared";
import { describe, expect, it } from "vitest";
import { calledByOtherRuns, delta, deltaLabel, fixedPercent, money, moneyAxisFormat, moneyColumn, moneyTick, niceTicks, num, pricedMoney, roundedRowsDisagree, runsCallingModel, score } from "./format.ts";

describe("formatting", () => {
  it("converts micro-USD only at display and never shows unpriced as $0", () => {
    expect(money(12_345_678, "en-US")).toBe("$12.35");
    expect(money(1_234, "en-US")).toBe("$0.001234");
    // Small per-run costs keep four significant digits, so neighbours stay comparable.
    expect(money(10_600, "en-US")).toBe("$0.0106");
    expect(money(9_426, "en-US")).toBe("$0.009426");
    expect(money(260_000, "en-US")).toBe("$0.26");
    expect(money(-52_345, "en-US")).toBe("-$0.05235");
    expect(money(null, "en-US")).toBe("unpriced");
    expect(money(0, "en-US")).toBe("$0.00");
    for (const m of [0, 1, 999, 9_999, 10_000, 1_234_567, -5_000, 123_456_789_012, null]) {
      for (const locale of ["en-US", "de-DE", "ja-JP"]) expect(money(m, locale)).toBe(formatMicros(m, locale));
    }
  });

  it("shows money beside its unpriced calls: unpriced or a dash, never $0, for what has no price", () => {
    expect(pricedMoney(1_230_000, 0, "en-US")).toEqual({ text: "$1.23", note: null });
    expect(pricedMoney(1_230_000, 3, "en-US")).toEqual({ text: "$1.23", note: "+ 3 unpriced calls" });
    expect(pricedMoney(null, 1, "en-US")).toEqual({ text: "unpriced", note: "1 unpriced call" });
    expect(pricedMoney(null, 0, "en-US")).toEqual({ text: "—", note: null });
    expect(pricedMoney(undefined, 2, "en-US")).toEqual({ text: "unpriced", note: "2 unpriced calls" });
    expect(pricedMoney(0, 0, "en-US")).toEqual({ text: "$0.00", note: null }); // priced at $0 is a real 0
  });

  it("formats numbers per locale and shows gaps as a dash", () => {
    expect(num(1234567, "de-DE")).toBe("1.234.567");
    expect(num(null)).toBe("—");
    expect(score(0.8234, "en-US")).toBe("0.82");
    expect(score(undefined)).toBe("—");
  });

  it("gives a statement's share a fixed number of decimals, a whole share included", () => {
    expect(fixedPercent(0.04, "en-US")).toBe("4.0%");
    expect(fixedPercent(0.04567, "en-US")).toBe("4.6%");
    expect(fixedPercent(1.25, "en-US", 2)).toBe("125.00%");
    expect(fixedPercent(0.04, "de-DE")).toBe("4,0\u00a0%");
    expect(fixedPercent(null, "en-US")).toBe("—");
  });

  it("computes deltas against the previous period", () => {
    expect(delta(120, 100)).toBeCloseTo(0.2);
    expect(delta(null, 3)).toBeNull();
    expect(deltaLabel(-0.05, "en-US")).toBe("−5% vs previous");
    expect(deltaLabel(null)).toBe("no previous data");
  });

  it("calls a change against an almost empty previous period new, not +29,704%", () => {
    // 29,804 against 100 would read +29,704%; 100 is under 1% of 29,804 (298.04).
    expect(delta(29_804, 100)).toBe("new");
    expect(deltaLabel(delta(29_804, 100), "en-US")).toBe("new");
    expect(delta(5, 0)).toBe("new");
    expect(delta(0, 0)).toBe(0);
    expect(delta(null, 3)).toBeNull();
    // At 1% exactly the previous period counts: +9,900%.
    expect(deltaLabel(delta(10_000, 100), "en-US")).toBe("+9,900% vs previous");
    expect(deltaLabel(delta(150, 100), "en-US")).toBe("+50% vs previous");
  });

  it("gives a table column one precision, from its largest figure", () => {
    // Spend column: $0.09995, $0.09156 and the total $0.36125: the total needs two decimals, so all get two.
    const spend = moneyColumn([99_950, 91_560, 361_250], "en-US");
    expect([spend(99_950), spend(91_560), spend(361_250)]).toEqual(["$0.10", "$0.09", "$0.36"]);
    // Cost per run: largest $0.003733 keeps four significant digits (6 decimals) and every cell gets six.
    const perRun = moneyColumn([3_733, 207, 1_480, 500], "en-US");
    expect([perRun(3_733), perRun(207), perRun(1_480), perRun(500)]).toEqual(["$0.003733", "$0.000207", "$0.001480", "$0.000500"]);
    // Not zero but below the column's precision: "<$0.01", never $0.00; real zero, gaps and unpriced as usual.
    const big = moneyColumn([1_234_567_890, 3_000, 0, null], "en-US");
    expect([big(1_234_567_890), big(3_000), big(-3_000), big(0), big(null), big(undefined)]).toEqual(["$1,234.57", "<$0.01", ">-$0.01", "$0.00", "unpriced", "—"]);
    expect(moneyColumn([], "en-US")(0)).toBe("$0.00");
    expect(moneyColumn([1_500_000, 250_000], "de-DE")(250_000)).toBe("0,25\u00a0$");
    // pricedMoney takes the column's formatter for its figure.
    expect(pricedMoney(1_480, 2, "en-US", perRun)).toEqual({ text: "$0.001480", note: "+ 2 unpriced calls" });
  });

  it("puts axis ticks on round values, each label with the step's decimals", () => {
    // Max $0.0026 (2,600 micro-USD): recharts chose 0, 650, 1,300, 1,950, 2,600; round steps are 1,000.
    expect(niceTicks(0, 2_600)).toEqual({ ticks: [0, 1_000, 2_000, 3_000], step: 1_000 });
    expect(niceTicks(0, 20_000)).toEqual({ ticks: [0, 5_000, 10_000, 15_000, 20_000], step: 5_000 });
    expect(niceTicks(0, 7)).toEqual({ ticks: [0, 2, 4, 6, 8], step: 2 });
    expect(niceTicks(0, 0.9)).toEqual({ ticks: [0, 0.25, 0.5, 0.75, 1], step: 0.25 });
    expect(niceTicks(-3, 9).ticks).toEqual([-5, 0, 5, 10]);
    expect(niceTicks(0, 0)).toEqual({ ticks: [0, 1], step: 1 });
    const f = moneyAxisFormat(500, "en-US");
    expect([0, 500, 1_000, 1_500].map(f)).toEqual(["$0", "$0.0005", "$0.0010", "$0.0015"]);
    expect([0, 5_000_000, 10_000_000].map(moneyAxisFormat(5_000_000, "en-US"))).toEqual(["$0", "$5", "$10"]);
    expect(moneyAxisFormat(250_000, "en-US")(750_000)).toBe("$0.75");
    expect(moneyAxisFormat(5_000_000_000, "en-US")(25_000_000_000)).toBe("$25K");
    expect(moneyTick(1_000, 500, "en-US")).toBe("$0.0010");
  });
});

describe("time zone conversions", async () => {
  const { fromLocalInput, toLocalInput } = await import("./format.ts");
  const { calendarPeriod } = await import("./calendar.ts");
  it("converts datetime-local values both ways, across DST", () => {
    const ms = fromLocalInput("2026-11-22T09:15", "America/New_York");
    expect(ms).toBe(Date.UTC(2026, 10, 22, 14, 15));
    expect(toLocalInput(ms ?? 0, "America/New_York")).toBe("2026-11-22T09:15");
    expect(fromLocalInput("2026-07-01T00:00", "Europe/Paris")).toBe(Date.UTC(2026, 5, 30, 22));
    expect(fromLocalInput("nope", "UTC")).toBeNull();
  });
  it("finds the local start of the month", () => {
    expect(calendarPeriod("this-month", Date.UTC(2026, 10, 1, 3), "America/Los_Angeles").from).toBe(Date.UTC(2026, 9, 1, 7));
    expect(calendarPeriod("this-month", Date.UTC(2026, 10, 22), "UTC").from).toBe(Date.UTC(2026, 10, 1));
  });
});

describe("roundedRowsDisagree", () => {
  it("compares the rows as shown (rounded half away from zero) with the total as shown", () => {
    // Two days of $0.195 show $0.20 each ($0.40) under an exact total of $0.39: they disagree.
    expect(roundedRowsDisagree([195_000, 195_000], 390_000, 2)).toBe(true);
    // $0.194 + $0.194 show $0.19 + $0.19 = $0.38, the total $0.388 shows $0.39: they disagree.
    expect(roundedRowsDisagree([194_000, 194_000], 388_000, 2)).toBe(true);
    expect(roundedRowsDisagree([1_250_000, 2_500_000], 3_750_000, 2)).toBe(false);
    // Unpriced rows add nothing; at 4 decimals the same rows agree.
    expect(roundedRowsDisagree([195_000, null, 195_000], 390_000, 4)).toBe(false);
    expect(roundedRowsDisagree([], null, 2)).toBe(false);
  });
});

describe("runs of a model", () => {
  it("names the runs a model's cost per run divides by, and a row with no run of its own that other runs call", () => {
    expect(runsCallingModel(955, "en-US")).toBe("955 runs with a priced call of it");
    expect(runsCallingModel(1, "en-US")).toBe("1 run with a priced call of it");
    expect(calledByOtherRuns({ runs: 0, pricedRuns: 1_203 }, "en-US")).toBe("no run of this model: 1,203 runs of other models called it");
    expect(calledByOtherRuns({ runs: 0, pricedRuns: 1 }, "en-US")).toBe("no run of this model: 1 run of other models called it");
    expect(calledByOtherRuns({ runs: 4, pricedRuns: 9 }, "en-US")).toBeUndefined();
    expect(calledByOtherRuns({ runs: 0, pricedRuns: 0 }, "en-US")).toBeUndefined();
  });
});

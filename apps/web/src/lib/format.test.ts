import { formatMicros } from "@tally/shared";
import { describe, expect, it } from "vitest";
import { delta, deltaLabel, money, moneyAxis, num, pricedMoney, score } from "./format.ts";

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
    expect(moneyAxis(25_000_000_000, "en-US")).toBe("$25K");
    expect(moneyAxis(1_250, "en-US")).toBe("$0.0013");
    expect(moneyAxis(0, "en-US")).toBe("$0");
    expect(moneyAxis(2_500_000, "en-US")).toBe("$2.5");
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

  it("computes deltas against the previous period", () => {
    expect(delta(120, 100)).toBeCloseTo(0.2);
    expect(delta(5, 0)).toBeNull();
    expect(delta(null, 3)).toBeNull();
    expect(deltaLabel(-0.05, "en-US")).toBe("−5% vs previous");
    expect(deltaLabel(null)).toBe("no previous data");
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

import { describe, expect, it } from "vitest";
import { forecastForMonth, forecastMonthEnd, monthCalendar } from "./forecast.ts";

describe("forecastMonthEnd", () => {
  it("carries the burn rate to month end with a t-based 95% interval (hand-computed)", () => {
    // $1, $2, $3 over three full days of a 30-day month: $6 spent, $2/day, 27 days left → $60.
    // s² = 1 ($²), half = t(0.975, 2) · √(1 · (27 + 27²/3)) = 4.30265 · √270 = 70.700… → [$6 (floor: spent), $130.700…].
    // t(0.975, 2) in closed form: p = 1 − t/√(2 + t²) = 0.05 gives t = √(1.805 / 0.0975).
    const f = forecastMonthEnd({ dailyMicros: [1e6, 2e6, 3e6], elapsedDays: 3, monthDays: 30, fullDays: 3 });
    expect(f.micros).toBe(60_000_000);
    expect(f.lowMicros).toBe(6_000_000);
    expect(f.highMicros).toBe(Math.round(60e6 + Math.sqrt(1.805 / 0.0975) * Math.sqrt(270) * 1e6));
    expect(f.spentMicros).toBe(6_000_000);
  });

  it("a steady spend has a zero-width interval; a partial day counts by elapsed time", () => {
    // 10 full days of $5 plus half of day 11 with $2.5: rate $5/day, 31-day month → $155.
    const f = forecastMonthEnd({ dailyMicros: [...Array(10).fill(5e6), 2.5e6], elapsedDays: 10.5, monthDays: 31, fullDays: 10 });
    expect(f).toEqual({ micros: 155e6, lowMicros: 155e6, highMicros: 155e6, spentMicros: 52.5e6, fullDays: 10 });
  });

  it("no interval when the full days show no spread but today runs at another pace (a first spend after $0 days)", () => {
    // Days 1–5 $0, day 6 so far (a quarter of it) $0.85: rate 0.85 / 5.25 a day over 30 days → $4.857…; spread unknown.
    const f = forecastMonthEnd({ dailyMicros: [0, 0, 0, 0, 0, 850_000], elapsedDays: 5.25, monthDays: 30, fullDays: 5 });
    expect(f).toEqual({ micros: Math.round(850_000 + (850_000 / 5.25) * 24.75), lowMicros: null, highMicros: null, spentMicros: 850_000, fullDays: 5 });
    // Nothing today either: $0 forecast with its (zero-width) interval.
    expect(forecastMonthEnd({ dailyMicros: [0, 0, 0, 0, 0, 0], elapsedDays: 5.25, monthDays: 30, fullDays: 5 })).toMatchObject({ micros: 0, lowMicros: 0, highMicros: 0 });
  });

  it("no interval below two full days; nothing spent forecasts 0", () => {
    expect(forecastMonthEnd({ dailyMicros: [4e6, 1e6], elapsedDays: 1.5, monthDays: 30, fullDays: 1 })).toEqual({ micros: 100e6, lowMicros: null, highMicros: null, spentMicros: 5e6, fullDays: 1 });
    expect(forecastMonthEnd({ dailyMicros: [], elapsedDays: 0, monthDays: 30, fullDays: 0 }).micros).toBe(0);
  });
});

describe("monthCalendar / forecastForMonth", () => {
  it("local days across a DST change (New York, November 2026: 30 days + 1 hour)", () => {
    const now = Date.UTC(2026, 10, 3, 17); // Nov 3, 12:00 EST
    const cal = monthCalendar(now, "America/New_York");
    expect(cal.month).toBe("2026-11");
    expect(cal.start).toBe(Date.UTC(2026, 10, 1, 4)); // 00:00 EDT
    expect(cal.dayStarts[1]).toBe(Date.UTC(2026, 10, 2, 5)); // 00:00 EST
    expect(cal.end).toBe(Date.UTC(2026, 11, 1, 5));
    expect(cal.dayStarts).toHaveLength(30);
    // Two full days (the first 25 hours long) and half of the third: elapsed 2 days + 13 h of wall time = 61 h.
    const f = forecastForMonth(cal, [2e6, 2e6, 1e6, 9e9], now);
    expect(f.fullDays).toBe(2);
    expect(f.spentMicros).toBe(5e6);
    expect(f.micros).toBe(Math.round(5e6 + (5e6 / (61 / 24)) * ((30 * 24 + 1 - 61) / 24)));
  });

  it("a half-hour zone's month starts at its own midnight", () => {
    const cal = monthCalendar(Date.UTC(2026, 1, 10), "Asia/Kolkata");
    expect(cal.start).toBe(Date.UTC(2026, 0, 31, 18, 30));
    expect(cal.dayStarts).toHaveLength(28);
  });
});

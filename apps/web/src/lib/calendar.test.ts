import { describe, expect, it } from "vitest";
import { monthsIn } from "@tally/shared";
import { budgetBasis, calendarPeriod } from "./calendar.ts";
import { parseFilters, resolveWindow, writeFilters } from "./filters.ts";

// Expected instants are written out by hand: Kolkata is UTC+05:30 all year; New York is UTC−04:00 in
// summer time (2026: 8 March to 1 November) and UTC−05:00 otherwise.
const KOLKATA = "Asia/Kolkata";
const NY = "America/New_York";
const H = 3_600_000;

describe("calendar presets", () => {
  const now = Date.UTC(2026, 11, 3, 14, 50, 20); // 3 Dec 2026 20:20:20 in Kolkata, 09:50:20 in New York

  it("last month in Asia/Kolkata is 1 Nov 00:00+05:30 to 1 Dec 00:00+05:30", () => {
    const w = resolveWindow(parseFilters(`range=last-month&tz=${KOLKATA}`), now);
    expect(new Date(w.from).toISOString()).toBe("2026-10-31T18:30:00.000Z");
    expect(new Date(w.to).toISOString()).toBe("2026-11-30T18:30:00.000Z");
  });

  it("this month, this quarter and year to date run from their local start to the next whole minute", () => {
    const end = Date.UTC(2026, 11, 3, 14, 51);
    expect(resolveWindow(parseFilters(`range=this-month&tz=${KOLKATA}`), now)).toEqual({ from: Date.parse("2026-11-30T18:30:00Z"), to: end });
    expect(resolveWindow(parseFilters(`range=this-quarter&tz=${KOLKATA}`), now)).toEqual({ from: Date.parse("2026-09-30T18:30:00Z"), to: end });
    expect(resolveWindow(parseFilters(`range=ytd&tz=${KOLKATA}`), now)).toEqual({ from: Date.parse("2025-12-31T18:30:00Z"), to: end });
  });

  it("is DST-exact in America/New_York: last month (November) starts in summer time and ends in winter time", () => {
    const w = resolveWindow(parseFilters(`range=last-month&tz=${NY}`), now);
    expect(new Date(w.from).toISOString()).toBe("2026-11-01T04:00:00.000Z");
    expect(new Date(w.to).toISOString()).toBe("2026-12-01T05:00:00.000Z");
    expect(w.to - w.from).toBe(30 * 24 * H + H); // the 25-hour 1 November
    // Q1 2027 seen from 10 March 2027: starts 1 Jan 00:00−05:00; March has a 23-hour day.
    const march = Date.UTC(2027, 2, 10, 12);
    expect(calendarPeriod("this-quarter", march, NY)).toEqual({ from: Date.parse("2027-01-01T05:00:00Z"), to: Date.parse("2027-04-01T04:00:00Z") });
  });

  it("picks the month of the chosen zone, not UTC's: 1 Dec 02:00 in Kolkata is still 30 Nov in UTC", () => {
    const t = Date.parse("2026-11-30T20:30:00Z"); // 1 Dec 02:00 +05:30
    expect(calendarPeriod("this-month", t, KOLKATA).from).toBe(Date.parse("2026-11-30T18:30:00Z"));
    expect(calendarPeriod("this-month", t, "UTC").from).toBe(Date.UTC(2026, 10, 1));
    expect(calendarPeriod("last-month", Date.UTC(2026, 0, 15), "UTC")).toEqual({ from: Date.UTC(2025, 11, 1), to: Date.UTC(2026, 0, 1) });
  });

  it("keeps the preset in the URL and stays within the API's 400 days", () => {
    expect(writeFilters(parseFilters(`range=last-month&tz=${KOLKATA}`)).toString()).toBe("range=last-month&tz=Asia%2FKolkata");
    const lateDec = Date.UTC(2028, 11, 31, 23); // a leap year, to its last day
    const w = resolveWindow(parseFilters("range=ytd&tz=UTC"), lateDec);
    expect(w.to - w.from).toBeLessThanOrEqual(400 * 24 * H);
    expect(w.from).toBe(Date.UTC(2028, 0, 1));
  });
});

describe("budget basis", () => {
  const now = Date.UTC(2026, 11, 3, 14, 50);
  const basis = (range: string, tz: string) => budgetBasis(range, resolveWindow(parseFilters(`range=${range}&tz=${tz}`), now), tz);

  it("a calendar preset counts its whole period: 1 month, 3 for a quarter, 12 for a year", () => {
    expect(basis("last-month", KOLKATA)).toMatchObject({ months: 1, label: "November 2026", prorated: false });
    expect(basis("this-month", KOLKATA)).toMatchObject({ months: 1, label: "December 2026", period: { from: Date.parse("2026-11-30T18:30:00Z"), to: Date.parse("2026-12-31T18:30:00Z") } });
    expect(basis("this-quarter", NY)).toMatchObject({ months: 3, label: "Q4 2026", period: { from: Date.parse("2026-10-01T04:00:00Z"), to: Date.parse("2027-01-01T05:00:00Z") } });
    expect(basis("ytd", NY)).toMatchObject({ months: 12, label: "2026" });
  });

  it("any other window is pro-rated by each month's share of time", () => {
    // 7 days of November (30 days) in UTC: 7/30 of a month.
    expect(monthsIn(Date.UTC(2026, 10, 10), Date.UTC(2026, 10, 17), "UTC")).toBeCloseTo(7 / 30, 12);
    // 30 Nov to 2 Dec: 1/30 of November + 1/31 of December.
    const b = budgetBasis("7d", { from: Date.UTC(2026, 10, 30), to: Date.UTC(2026, 11, 2) }, "UTC");
    expect(b.months).toBeCloseTo(1 / 30 + 1 / 31, 12);
    expect(b).toMatchObject({ label: "last 7 days", prorated: true });
  });
});

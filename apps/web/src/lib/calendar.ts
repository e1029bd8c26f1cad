/**
 * Calendar periods in a time zone: the "this month / last month / this quarter / year to date" presets and
 * the budget a period is measured against. Pure; every boundary is a local midnight in `tz`, found with
 * `fromLocalInput` (offset- and DST-exact).
 */
import { dateFormat, fromLocalInput, toLocalInput } from "./format.ts";

export const CALENDAR_PRESETS = ["this-month", "last-month", "this-quarter", "ytd"] as const;
export type CalendarPreset = (typeof CALENDAR_PRESETS)[number];

export interface Period {
  from: number;
  to: number;
}

/** Local midnight of the first of month `m` (0-based; any integer, it carries into years) of year `y`. */
export function monthStartAt(y: number, m: number, tz: string): number {
  const year = y + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  const iso = `${String(year).padStart(4, "0")}-${String(month + 1).padStart(2, "0")}-01T00:00`;
  return fromLocalInput(iso, tz) ?? Date.UTC(year, month, 1);
}

/** Local year and 0-based month of `ms` in `tz`. */
export function localMonth(ms: number, tz: string): { y: number; m: number } {
  const s = toLocalInput(ms, tz);
  return { y: Number(s.slice(0, 4)), m: Number(s.slice(5, 7)) - 1 };
}

/** The whole calendar period a preset belongs to: a month, a quarter or a year, in `tz`. */
export function calendarPeriod(p: CalendarPreset, now: number, tz: string): Period {
  const { y, m } = localMonth(now, tz);
  switch (p) {
    case "this-month":
      return { from: monthStartAt(y, m, tz), to: monthStartAt(y, m + 1, tz) };
    case "last-month":
      return { from: monthStartAt(y, m - 1, tz), to: monthStartAt(y, m, tz) };
    case "this-quarter": {
      const q = m - (m % 3);
      return { from: monthStartAt(y, q, tz), to: monthStartAt(y, q + 3, tz) };
    }
    case "ytd":
      return { from: monthStartAt(y, 0, tz), to: monthStartAt(y + 1, 0, tz) };
  }
}

/**
 * A preset's window: last month whole; the others from their start to `end` (the next whole minute),
 * so no chart shows days that have not come yet. At most a year long: within the API's 400 days.
 */
export function calendarWindow(p: CalendarPreset, now: number, tz: string, end: number): Period {
  const period = calendarPeriod(p, now, tz);
  return p === "last-month" ? period : { from: period.from, to: Math.max(period.from + 60_000, Math.min(end, period.to)) };
}

/**
 * Months in a period for budgets: each calendar month in `tz` counts by the share of its time inside the
 * period. A whole month is 1, a quarter 3, a year 12; 7 days of a 30-day month are 7/30.
 */
export function monthsIn(period: Period, tz: string): number {
  let { y, m } = localMonth(period.from, tz);
  let months = 0;
  for (let start = monthStartAt(y, m, tz); start < period.to; m++) {
    const end = monthStartAt(y, m + 1, tz);
    const inside = Math.min(end, period.to) - Math.max(start, period.from);
    if (inside > 0) months += inside / (end - start);
    start = end;
  }
  return months;
}

/** What the budget column measures: the period's spend against the monthly budget × `months`. */
export interface BudgetBasis {
  period: Period;
  months: number;
  /** e.g. "November 2026", "Q4 2026", "2026", "last 7 days" */
  label: string;
  /** Whole calendar periods count whole months; any other window is pro-rated. */
  prorated: boolean;
}

const RANGE_LABEL: Record<string, string> = { "24h": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days", "90d": "last 90 days", custom: "custom range" };

/**
 * The budget basis of a range and its resolved window: a calendar preset is measured against its whole
 * period (this month's budget even on the 3rd), anything else pro-rata.
 */
export function budgetBasis(range: string, window: Period, tz: string): BudgetBasis {
  if ((CALENDAR_PRESETS as readonly string[]).includes(range)) {
    const p = range as CalendarPreset;
    // Every calendar window starts on its period's first day; last month's window is its whole month.
    const period = calendarPeriod(p === "last-month" ? "this-month" : p, window.from, tz);
    const { y, m } = localMonth(period.from, tz);
    const label =
      p === "ytd" ? String(y)
      : p === "this-quarter" ? `Q${Math.floor(m / 3) + 1} ${y}`
      : dateFormat("en-US", { timeZone: "UTC", month: "long", year: "numeric" }).format(Date.UTC(y, m, 15));
    return { period, months: monthsIn(period, tz), label, prorated: false };
  }
  return { period: window, months: monthsIn(window, tz), label: RANGE_LABEL[range] ?? range, prorated: true };
}

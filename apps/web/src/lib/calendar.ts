/**
 * Calendar periods in a time zone: the "this month / last month / this quarter / year to date" presets and
 * the budget a period is measured against. Pure; every boundary is a local midnight in `tz` (`monthStart`
 * from `@tally/shared`, which the CSV export's period and budget columns use too).
 */
import { localParts, monthStart, monthsIn } from "@tally/shared";
import { dateFormat } from "./format.ts";

export const CALENDAR_PRESETS = ["this-month", "last-month", "this-quarter", "ytd"] as const;
export type CalendarPreset = (typeof CALENDAR_PRESETS)[number];

export interface Period {
  from: number;
  to: number;
}

/** Local midnight of the first of month `m` (0-based; any integer, it carries into years) of year `y`. */
const monthStartAt = (y: number, m: number, tz: string): number => monthStart(y, m + 1, tz);

/** Local year and 0-based month of `ms` in `tz`. */
function localMonth(ms: number, tz: string): { y: number; m: number } {
  const { y, mo } = localParts(ms, tz);
  return { y, m: mo - 1 };
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

/** What the budget column measures: the period's spend against its months' budgets (`months` of them, each counted by its share inside). */
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
    return { period, months: monthsIn(period.from, period.to, tz), label, prorated: false };
  }
  return { period: window, months: monthsIn(window.from, window.to, tz), label: RANGE_LABEL[range] ?? range, prorated: true };
}

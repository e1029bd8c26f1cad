import { dayStart, localParts, monthKey, monthStart } from "./months.ts";
import { t975 } from "./stats/student-t.ts";

/**
 * Month-end spend forecast from the month's spend so far (pure, browser-safe): the burn rate so far carried
 * to the end of the month, with a 95% prediction interval from the day-to-day spread of the month's full days.
 *
 * Model: each local day's spend is a draw with mean r (the burn rate per day) and variance s². The rest of
 * the month (R days) will add R·r̂; its error is that of R future days (R·s²) plus the rate's own (R²·s²/n,
 * n full days), so the half-width is t(0.975, n−1) · s · √(R + R²/n). The low end never goes below what is
 * already spent. Below two full days there is no spread to measure: the interval is null; so it is when the
 * full days are all alike (s = 0) but today so far runs at another pace (a first spend today after $0 days).
 */

/** One calendar month of a zone, as local days: `dayStarts[i]` is the first instant of day i + 1, `end` the next month's. */
export interface MonthCalendar {
  /** `YYYY-MM` in the zone. */
  month: string;
  start: number;
  end: number;
  dayStarts: number[];
}

export interface MonthForecast {
  /** Forecast month-end spend, integer micro-USD. */
  micros: number;
  /** 95% prediction interval, integer micro-USD; null below two full days, or with no spread measured while today differs. */
  lowMicros: number | null;
  highMicros: number | null;
  /** Spent so far (the sum of `dailyMicros`). */
  spentMicros: number;
  /** Full local days the spread was measured on. */
  fullDays: number;
}

export interface ForecastInput {
  /** Spend of each local day of the month so far, day 1 first; the last may be today's, still running. */
  dailyMicros: number[];
  /** Days of the month elapsed at `now` (fractional: 12.5 = noon of the 13th, in 24-hour days). */
  elapsedDays: number;
  /** Days in the month (fractional across a DST change: 30.96). */
  monthDays: number;
  /** How many leading entries of `dailyMicros` are complete days. */
  fullDays: number;
}

const DAY = 86_400_000;


export function forecastMonthEnd(input: ForecastInput): MonthForecast {
  const spent = input.dailyMicros.reduce((a, b) => a + b, 0);
  const elapsed = Math.max(0, Math.min(input.elapsedDays, input.monthDays));
  const remaining = input.monthDays - elapsed;
  const rate = elapsed > 0 ? spent / elapsed : 0;
  const micros = Math.round(spent + rate * remaining);
  const full = input.dailyMicros.slice(0, input.fullDays);
  const n = full.length;
  if (n < 2) return { micros, lowMicros: null, highMicros: null, spentMicros: spent, fullDays: n };
  const mean = full.reduce((a, b) => a + b, 0) / n;
  const s2 = full.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  // Full days all alike (s = 0) while today so far runs at another pace: the spread is not known, not zero.
  const today = input.dailyMicros.slice(n).reduce((a, b) => a + b, 0);
  const todayDays = elapsed - n;
  if (s2 === 0 && (todayDays > 0 ? Math.abs(today / todayDays - mean) >= 1 : today !== 0)) {
    return { micros, lowMicros: null, highMicros: null, spentMicros: spent, fullDays: n };
  }
  const half = t975(n - 1) * Math.sqrt(s2 * (remaining + (remaining * remaining) / n));
  return { micros, lowMicros: Math.max(spent, Math.round(micros - half)), highMicros: Math.round(micros + half), spentMicros: spent, fullDays: n };
}

/** The zone's calendar month containing `now`, with each local day's first instant. */
export function monthCalendar(now: number, tz: string): MonthCalendar {
  const p = localParts(now, tz);
  const start = monthStart(p.y, p.mo, tz);
  const end = monthStart(p.y, p.mo + 1, tz);
  const days = new Date(Date.UTC(p.y, p.mo, 0)).getUTCDate();
  const dayStarts = Array.from({ length: days }, (_, i) => (i === 0 ? start : dayStart(p.y, p.mo, i + 1, tz)));
  return { month: monthKey(now, tz), start, end, dayStarts };
}

/**
 * The forecast for the month containing `now`, from the spend of each local day so far (`dailyMicros[i]` =
 * spend of day i + 1 up to `now`; entries past today are ignored). Days are counted in elapsed time over
 * the month's length, so a 23- or 25-hour DST day counts as what it is.
 */
export function forecastForMonth(cal: MonthCalendar, dailyMicros: number[], now: number): MonthForecast {
  const t = Math.max(cal.start, Math.min(now, cal.end));
  const fullDays = cal.dayStarts.filter((s, i) => (cal.dayStarts[i + 1] ?? cal.end) <= t && s < t).length;
  const today = cal.dayStarts.filter((s) => s < t).length;
  return forecastMonthEnd({
    dailyMicros: dailyMicros.slice(0, Math.max(today, fullDays)),
    elapsedDays: (t - cal.start) / DAY,
    monthDays: (cal.end - cal.start) / DAY,
    fullDays,
  });
}

/**
 * Calendar months in an IANA zone, for budgets and periods (browser-safe, no dependencies): the dashboard's
 * month/quarter/year presets and the CSV export's period and budget columns share these rules.
 */

const formats = new Map<string, Intl.DateTimeFormat>();
function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    if (formats.size < 500) formats.set(tz, f);
  }
  return f;
}

/** Local wall-clock parts of an instant; `mo` is 1-based. */
export interface LocalParts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

export function localParts(ms: number, tz: string): LocalParts {
  const p = Object.fromEntries(format(tz).formatToParts(ms).map((x) => [x.type, Number(x.value)]));
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

/** Offset of `tz` at `ms` in ms, east positive. */
export function zoneOffset(ms: number, tz: string): number {
  const l = localParts(ms, tz);
  return Date.UTC(l.y, l.mo - 1, l.d, l.h, l.mi, l.s) - Math.floor(ms / 1000) * 1000;
}

/**
 * The first instant of local date `y`-`mo`-`d` in `tz` (`mo` and `d` any integers: they carry): its midnight
 * (two passes settle DST), or, where the clocks jump past midnight (America/Asuncion on 2023-10-01: 00:00 →
 * 01:00), the jump, the instant midnight would have been under the old offset.
 */
export function dayStart(y: number, mo: number, d: number, tz: string): number {
  const guess = Date.UTC(y, mo - 1, d);
  const first = guess - zoneOffset(guess, tz);
  let t = guess - zoneOffset(first, tz);
  const l = localParts(t, tz);
  if (Date.UTC(l.y, l.mo - 1, l.d) < guess) t = guess - zoneOffset(t, tz); // still the day before: no midnight
  return t;
}

/** The first instant of month `mo` (1-based; any integer, it carries into years) of `y` in `tz` (`dayStart`). */
export function monthStart(y: number, mo: number, tz: string): number {
  return dayStart(y, mo, 1, tz);
}

/** The calendar months in `tz` that [from, to) touches: each month's bounds and the share of its time inside (7 days of a 30-day month: 7/30). */
export function monthShares(from: number, to: number, tz: string): { start: number; end: number; share: number }[] {
  const l = localParts(from, tz);
  const out: { start: number; end: number; share: number }[] = [];
  for (let mo = l.mo, start = monthStart(l.y, mo, tz); start < to; mo++) {
    const end = monthStart(l.y, mo + 1, tz);
    const inside = Math.min(end, to) - Math.max(start, from);
    if (inside > 0) out.push({ start, end, share: inside / (end - start) });
    start = end;
  }
  return out;
}

/** Months in [from, to): each calendar month in `tz` counts by the share of its time inside. */
export function monthsIn(from: number, to: number, tz: string): number {
  return monthShares(from, to, tz).reduce((n, m) => n + m.share, 0);
}

/** The calendar month containing `ms` in `tz`, as `YYYY-MM`. */
export function monthKey(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${p.y}-${String(p.mo).padStart(2, "0")}`;
}

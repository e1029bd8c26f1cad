/**
 * The period of an export, in its time zone: the file name (`spend-by-customer_2026-11-01_2026-12-01_Asia-Kolkata.csv`),
 * the `period_start` / `period_end` columns (local time with its offset) and the months a budget covers.
 * Same rules as the dashboard's `apps/web/src/lib/calendar.ts`.
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

interface Local {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function local(ms: number, tz: string): Local {
  const p = Object.fromEntries(format(tz).formatToParts(ms).map((x) => [x.type, Number(x.value)]));
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

/** Offset of `tz` at `ms` in ms, east positive. */
function offset(ms: number, tz: string): number {
  const l = local(ms, tz);
  return Date.UTC(l.y, l.mo - 1, l.d, l.h, l.mi, l.s) - Math.floor(ms / 1000) * 1000;
}

/** Local midnight of the first of month `m` (1-based, may overflow into years) in `tz`; two passes settle DST. */
function monthStart(y: number, m: number, tz: string): number {
  const guess = Date.UTC(y, m - 1, 1);
  const first = guess - offset(guess, tz);
  return guess - offset(first, tz);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `2026-11-01T00:00:00+05:30`: the local time with its offset. */
export function localIso(ms: number, tz: string): string {
  const l = local(ms, tz);
  const off = Math.round(offset(ms, tz) / 60_000);
  const sign = off < 0 ? "-" : "+";
  return `${pad(l.y, 4)}-${pad(l.mo)}-${pad(l.d)}T${pad(l.h)}:${pad(l.mi)}:${pad(l.s)}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/**
 * The file name: the table, the period's local start and end (dates when both are local midnights, else
 * date and time `2026-12-03T1452`) and the zone with `/` as `-`.
 */
export function exportFileName(table: string, from: number, to: number, tz: string): string {
  const a = local(from, tz);
  const b = local(to, tz);
  const midnights = [a, b].every((l) => l.h === 0 && l.mi === 0 && l.s === 0);
  const stamp = (l: Local) => `${pad(l.y, 4)}-${pad(l.mo)}-${pad(l.d)}${midnights ? "" : `T${pad(l.h)}${pad(l.mi)}`}`;
  return `${table}_${stamp(a)}_${stamp(b)}_${tz.replace(/[^A-Za-z0-9_+-]/g, "-")}.csv`;
}

/** Months in [from, to): each calendar month in `tz` counts by the share of its time inside. */
export function monthsIn(from: number, to: number, tz: string): number {
  const l = local(from, tz);
  let months = 0;
  for (let m = l.mo, start = monthStart(l.y, m, tz); start < to; m++) {
    const end = monthStart(l.y, m + 1, tz);
    const inside = Math.min(end, to) - Math.max(start, from);
    if (inside > 0) months += inside / (end - start);
    start = end;
  }
  return months;
}

/** A ratio at a fixed 6 decimals (share, budget use), never a 17-digit float. */
export const ratio = (v: number | null): string | null => (v === null || !Number.isFinite(v) ? null : v.toFixed(6));

/**
 * The period of an export, in its time zone: the file name (`spend-by-customer_2026-11-01_2026-12-01_Asia-Kolkata.csv`),
 * the `period_start` / `period_end` columns (local time with its offset) and the months a budget covers.
 * Months and local times come from `@tally/shared` (`months.ts`), as the dashboard's presets do.
 */
import { type LocalParts, localParts, zoneOffset } from "@tally/shared";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `2026-11-01T00:00:00+05:30`: the local time with its offset. */
export function localIso(ms: number, tz: string): string {
  const l = localParts(ms, tz);
  const off = Math.round(zoneOffset(ms, tz) / 60_000);
  const sign = off < 0 ? "-" : "+";
  return `${pad(l.y, 4)}-${pad(l.mo)}-${pad(l.d)}T${pad(l.h)}:${pad(l.mi)}:${pad(l.s)}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** A file name's part as sent (a zone, a customer id) with every character but letters, digits, `_`, `+` and `-` as `-`. */
export const fileNamePart = (s: string): string => s.replace(/[^A-Za-z0-9_+-]/g, "-");

/**
 * The file name: the table, the period's local start and end (dates when both are local midnights, else
 * date and time `2026-12-03T1452`) and the zone with `/` as `-`.
 */
export function exportFileName(table: string, from: number, to: number, tz: string): string {
  const a = localParts(from, tz);
  const b = localParts(to, tz);
  const midnights = [a, b].every((l) => l.h === 0 && l.mi === 0 && l.s === 0);
  const stamp = (l: LocalParts) => `${pad(l.y, 4)}-${pad(l.mo)}-${pad(l.d)}${midnights ? "" : `T${pad(l.h)}${pad(l.mi)}`}`;
  return `${table}_${stamp(a)}_${stamp(b)}_${fileNamePart(tz)}.csv`;
}

/**
 * A ratio at a fixed 6 decimals (share, budget use), never a 17-digit float; a half rounds up, as a reader
 * rounds by hand (`toFixed` alone gives 0.039484 for 78,969 / 2,000,000, whose double lies just below the half).
 */
export const ratio = (v: number | null): string | null => (v === null || !Number.isFinite(v) ? null : (Math.round(v * 1e6) / 1e6).toFixed(6));

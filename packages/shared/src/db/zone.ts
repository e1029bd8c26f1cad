import { localParts, zoneOffset } from "../months.ts";
import { BUCKET_MS } from "./time.ts";

/**
 * Time-zone offsets with Intl only, shared by the API's zone buckets and the local-calendar rollups. A
 * window is cut into segments of constant UTC offset; inside a segment a zone's day (or hour) boundary is
 * plain arithmetic, and every IANA offset is a multiple of 15 minutes, so each zone bucket is an exact
 * union of 15-minute rollup buckets.
 */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** The units rollup rows are keyed by in SQL. */
export type ReadUnit = "hour" | "day";

export interface Segment {
  start: number;
  end: number;
  /** Local time minus UTC, ms. */
  offset: number;
}

/** The zone's UTC offset at instant `t`, in ms (one definition: months.ts, shared with the browser). */
export function offsetAt(tz: string, t: number): number {
  return zoneOffset(t, tz);
}

const segmentCache = new Map<string, Segment[]>();

/** Constant-offset segments covering [from, to). Offsets are sampled every 12 hours (no zone changes
 * offset twice within 12 hours); a change is located to the 15-minute bucket by bisection. Memoised. */
export function segments(tz: string, from: number, to: number): Segment[] {
  if (to <= from) return [];
  const cacheKey = `${tz}|${from}|${to}`;
  const hit = segmentCache.get(cacheKey);
  if (hit) return hit;
  const out = computeSegments(tz, from, to);
  if (segmentCache.size >= 512) segmentCache.delete(segmentCache.keys().next().value ?? "");
  segmentCache.set(cacheKey, out);
  return out;
}

function computeSegments(tz: string, from: number, to: number): Segment[] {
  const out: Segment[] = [];
  let start = from;
  let offset = offsetAt(tz, from);
  // NaN (an instant past what Date holds) never equals itself: the walk below would not end.
  if (!Number.isFinite(offset) || !Number.isFinite(offsetAt(tz, to))) throw new RangeError(`no UTC offset of ${tz} between ${from} and ${to}`);
  const step = 12 * HOUR_MS;
  for (let t = from; t < to; ) {
    const next = Math.min(t + step, to - 1);
    const o = next > t ? offsetAt(tz, next) : offset;
    if (o !== offset) {
      let lo = t; // offset at lo is `offset`
      let hi = next; // offset at hi differs
      while (hi - lo > BUCKET_MS) {
        const mid = lo + Math.floor((hi - lo) / 2 / BUCKET_MS) * BUCKET_MS || lo + BUCKET_MS;
        if (offsetAt(tz, mid) === offset) lo = mid;
        else hi = mid;
      }
      const edge = hi;
      out.push({ start, end: edge, offset });
      start = edge;
      offset = offsetAt(tz, edge);
      t = edge;
      continue;
    }
    if (next <= t) break;
    t = next;
  }
  out.push({ start, end: to, offset });
  return out;
}

/**
 * SQL computing a rollup row's zone-bucket key from its `bucket` column, matching `zoneBuckets` keys.
 * Literal integers only (derived from validated numbers), so it is safe to inline.
 */
export function bucketKeySql(tz: string, from: number, to: number, unit: ReadUnit, column = "bucket"): string {
  const segs = segments(tz, from, to);
  const expr = (off: number) =>
    unit === "day" ? `((${column} + ${off}) / ${DAY_MS})` : `(${column} - ((${column} + ${off}) % ${HOUR_MS}))`;
  if (segs.length <= 1) return expr(segs[0]?.offset ?? 0);
  const whens = segs.slice(0, -1).map((s) => `WHEN ${column} < ${s.end} THEN ${expr(s.offset)}`);
  return `(CASE ${whens.join(" ")} ELSE ${expr(segs[segs.length - 1]!.offset)} END)`;
}

export function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** The local day number (0 = 1970-01-01) of instant `t` in `tz`. */
export function localDay(tz: string, t: number): number {
  return Math.floor((t + offsetAt(tz, t)) / DAY_MS);
}

/** The day number of the Monday starting day `day`'s week (day 0 was a Thursday). */
export function mondayOf(day: number): number {
  return day - mod(day + 3, 7);
}

/**
 * The local day containing `now` in `tz`: its date and [first instant, first instant of the next day).
 * Found on 15-minute boundaries (every zone's offset, so every local midnight, is on one), exact across DST
 * changes and in half- and quarter-hour zones.
 */
export function localDayWindow(tz: string, now: number): { day: string; start: number; end: number } {
  const p = localParts(now, tz);
  const day = `${p.y}-${String(p.mo).padStart(2, "0")}-${String(p.d).padStart(2, "0")}`;
  const number = localDay(tz, now);
  return { day, start: firstInstantOf(tz, number, now), end: firstInstantOf(tz, number + 1, now) };
}

function firstInstantOf(tz: string, day: number, near: number): number {
  let t = day * DAY_MS - offsetAt(tz, near);
  t -= t % BUCKET_MS;
  while (localDay(tz, t) < day) t += BUCKET_MS;
  while (localDay(tz, t - BUCKET_MS) >= day) t -= BUCKET_MS;
  return t;
}

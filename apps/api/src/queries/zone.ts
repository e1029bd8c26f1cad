import type { BucketUnit } from "@tally/shared";
import { BUCKET_MS } from "@tally/shared/db";

/**
 * Time-zone arithmetic with Intl only. A window is cut into segments of constant UTC offset; inside a
 * segment a zone's day (or hour) boundary is plain arithmetic, and every IANA offset is a multiple of
 * 15 minutes, so each zone bucket is an exact union of 15-minute rollup buckets. DST days come out as
 * 23 or 25 hours because a day's key is its local date, shared by both offset segments.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** The units rollup rows are keyed by in SQL. */
export type ReadUnit = "hour" | "day";
/** Chart buckets: weeks (Monday to Monday, local) are read as days and summed. */
export type { BucketUnit };

export function readUnit(unit: BucketUnit): ReadUnit {
  return unit === "week" ? "day" : unit;
}

export interface Segment {
  start: number;
  end: number;
  /** Local time minus UTC, ms. */
  offset: number;
}

export interface ZoneBucket {
  /** Local day number (day) or start instant (hour): what `bucketKeySql` computes for a rollup bucket. */
  key: number;
  start: number;
  end: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(tz, f);
  }
  return f;
}

/** The zone's UTC offset at instant `t`, in ms. */
export function offsetAt(tz: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of format(tz).formatToParts(new Date(t))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  const local = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return local - (t - mod(t, 1000));
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

function keyOf(t: number, offset: number, unit: ReadUnit): number {
  return unit === "day" ? Math.floor((t + offset) / DAY_MS) : t - mod(t + offset, HOUR_MS);
}

/** The zone's hour or day buckets over [from, to), clipped to the window. */
export function zoneBuckets(tz: string, from: number, to: number, unit: ReadUnit): ZoneBucket[] {
  const size = unit === "day" ? DAY_MS : HOUR_MS;
  const out: ZoneBucket[] = [];
  for (const seg of segments(tz, from, to)) {
    for (let t = seg.start; t < seg.end; ) {
      const next = Math.min(t - mod(t + seg.offset, size) + size, seg.end);
      const key = keyOf(t, seg.offset, unit);
      const last = out[out.length - 1];
      if (last && last.key === key && last.end === t) last.end = next;
      else out.push({ key, start: t, end: next });
      t = next;
    }
  }
  return out;
}

/**
 * The chart buckets of `unit` over [from, to), and for each key read in SQL (`readUnit(unit)` buckets)
 * the index of the chart bucket it adds into. A week is the local days from Monday to Monday (day
 * number d, 0 = Thursday 1970-01-01, is in week floor((d + 3) / 7)), clipped to the window, keyed by its
 * first day's number.
 */
export function chartBuckets(tz: string, from: number, to: number, unit: BucketUnit): { buckets: ZoneBucket[]; index: Map<number, number> } {
  const read = zoneBuckets(tz, from, to, readUnit(unit));
  if (unit !== "week") return { buckets: read, index: new Map(read.map((b, i) => [b.key, i])) };
  const buckets: ZoneBucket[] = [];
  const index = new Map<number, number>();
  for (const day of read) {
    const last = buckets[buckets.length - 1];
    if (last && week(last.key) === week(day.key)) last.end = day.end;
    else buckets.push({ key: day.key, start: day.start, end: day.end });
    index.set(day.key, buckets.length - 1);
  }
  return { buckets, index };
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

const week = (day: number) => Math.floor((day + 3) / 7);

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

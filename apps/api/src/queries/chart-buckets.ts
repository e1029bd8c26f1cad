import type { BucketUnit } from "@tally/shared";
import { DAY_MS, HOUR_MS, mod, mondayOf, type ReadUnit, segments } from "@tally/shared/db";

/**
 * Chart buckets in a time zone (offsets and segments: @tally/shared/db zone.ts). DST days come out as 23
 * or 25 hours because a day's key is its local date, shared by both offset segments.
 */
export { bucketKeySql, DAY_MS, HOUR_MS, type ReadUnit, segments } from "@tally/shared/db";
/** Chart buckets: weeks (Monday to Monday, local) are read as days and summed. */
export type { BucketUnit };

export function readUnit(unit: BucketUnit): ReadUnit {
  return unit === "week" ? "day" : unit;
}

export interface ZoneBucket {
  /** Local day number (day) or start instant (hour): what `bucketKeySql` computes for a rollup bucket. */
  key: number;
  start: number;
  end: number;
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

export interface Chart {
  buckets: ZoneBucket[];
  /** Read key → index of the bucket it adds into. */
  index: Map<number, number>;
}

/**
 * The chart buckets of `unit` over [from, to), and for each key read in SQL (`readUnit(unit)` buckets)
 * the index of the chart bucket it adds into. A week is the local days from Monday to Monday (day
 * number d, 0 = Thursday 1970-01-01, is in week floor((d + 3) / 7)), clipped to the window, keyed by its
 * first day's number.
 */
export function chartBuckets(tz: string, from: number, to: number, unit: BucketUnit): Chart {
  const read = zoneBuckets(tz, from, to, readUnit(unit));
  if (unit !== "week") return { buckets: read, index: new Map(read.map((b, i) => [b.key, i])) };
  const buckets: ZoneBucket[] = [];
  const index = new Map<number, number>();
  for (const day of read) {
    const last = buckets[buckets.length - 1];
    if (last && mondayOf(last.key) === mondayOf(day.key)) last.end = day.end;
    else buckets.push({ key: day.key, start: day.start, end: day.end });
    index.set(day.key, buckets.length - 1);
  }
  return { buckets, index };
}



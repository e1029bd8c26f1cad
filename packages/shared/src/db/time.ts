/** Rollup bucket width: 15 minutes. Every IANA zone's offset is a multiple of 15 minutes (Asia/Kolkata
 * +5:30, Asia/Kathmandu +5:45), so any zone's day or hour is an exact union of buckets. */
export const BUCKET_MS = 15 * 60_000;

/** Start of the 15-minute UTC bucket containing `ms`: the key of the rollup tables. */
export function bucketOf(ms: number): number {
  return Math.floor(ms / BUCKET_MS) * BUCKET_MS;
}

/** Histogram bin of a 0–1 score, 0..100: `value >= k / 100` exactly when `scoreBin(value) >= k`. */
export function scoreBin(value: number): number {
  return Math.min(100, Math.max(0, Math.floor(Math.round(value * 1e6) / 10_000)));
}

/** Weekly rollups: UTC weeks from Monday 00:00 (1970-01-05 was a Monday). */
export const WEEK_MS = 7 * 86_400_000;
export const WEEK_ORIGIN_MS = 4 * 86_400_000;

/** Rollup grains: the 15-minute table and its projections by hour, day, week and 4 weeks (all UTC). */
export type Grain = "15m" | "1h" | "1d" | "1w" | "4w";

/** Length and origin of each grain's buckets (weeks start on Monday 00:00 UTC). */
export const GRAIN_MS: Record<Grain, readonly [size: number, origin: number]> = {
  "4w": [4 * WEEK_MS, WEEK_ORIGIN_MS],
  "1w": [WEEK_MS, WEEK_ORIGIN_MS],
  "1d": [86_400_000, 0],
  "1h": [3_600_000, 0],
  "15m": [BUCKET_MS, 0],
};

/**
 * Start of the `grain` bucket containing `ms` (the key of that grain's rollup row); with `Math.ceil` the
 * boundary at or after `ms`, with `Math.round` the nearest one.
 */
export function grainStart(grain: Grain, ms: number, round: (x: number) => number = Math.floor): number {
  const [size, origin] = GRAIN_MS[grain];
  return round((ms - origin) / size) * size + origin;
}

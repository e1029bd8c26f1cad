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

/** Start of the UTC week (Monday 00:00) containing `ms`. */
export function weekOf(ms: number): number {
  return Math.floor((ms - WEEK_ORIGIN_MS) / WEEK_MS) * WEEK_MS + WEEK_ORIGIN_MS;
}

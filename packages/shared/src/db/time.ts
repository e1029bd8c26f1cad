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

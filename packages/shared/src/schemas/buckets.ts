/** Chart buckets, apart from the zod schemas so the dashboard's first chunk does not carry zod. */

const DAY_MS = 86_400_000;

export type BucketUnit = "hour" | "day" | "week";

/**
 * The bucket a window is charted in: hourly up to three days, daily up to 120 days, weekly beyond (a year
 * is 53 bars, not 365). The dashboard asks for it; breakdown sparklines use it.
 */
export function pickBucket(w: { from: number; to: number }): BucketUnit {
  const len = w.to - w.from;
  return len <= 3 * DAY_MS ? "hour" : len <= 120 * DAY_MS ? "day" : "week";
}

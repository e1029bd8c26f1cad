/**
 * The UTC grains as migrations 0009, 0013 and 0015 read them, 6 hours included (0016 dropped that grain): frozen
 * here, so those migrations run unchanged on a fresh database whatever the live `Grain` (time.ts) becomes.
 */
export type Grain = "15m" | "1h" | "6h" | "1d" | "1w" | "4w";

const WEEK_MS = 7 * 86_400_000;
const WEEK_ORIGIN_MS = 4 * 86_400_000;

/** Length and origin of each grain's buckets (weeks start on Monday 00:00 UTC). */
export const GRAIN_MS: Record<Grain, readonly [size: number, origin: number]> = {
  "4w": [4 * WEEK_MS, WEEK_ORIGIN_MS],
  "1w": [WEEK_MS, WEEK_ORIGIN_MS],
  "1d": [86_400_000, 0],
  "6h": [21_600_000, 0],
  "1h": [3_600_000, 0],
  "15m": [900_000, 0],
};

import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import type { AggregateFilter, Window } from "./common.ts";
import { reviewedScores } from "./reviewed-scores.ts";
import type { Chart } from "./chart-buckets.ts";

/**
 * Human-corrected quality (issue 19): where reviewers scored a criterion of a judged run, the mean of their
 * values replaces the judge's value. The judge's rollups stay as they are; a corrected series is the rollup
 * series plus, per chart bucket, Σ(human mean − judge value) on the sum and Σ(human mean² − judge value²) on
 * the sum of squares, read from the few raw review rows. n is unchanged: a review replaces a score, never adds one.
 */
export interface Corrections {
  sum: Float64Array;
  sumSq: Float64Array;
  /** Judge scores replaced in the series. */
  replaced: number;
}

/** The chart bucket holding instant t (buckets are contiguous, ascending, over the window); -1 outside. */
export function bucketIndex(chart: Chart, t: number): number {
  const b = chart.buckets;
  let lo = 0;
  let hi = b.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t < b[mid]!.start) hi = mid - 1;
    else if (t >= b[mid]!.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Per series key (`seriesKey(model, name)`), the corrections of each chart bucket. */
export async function humanCorrections(
  db: Db,
  f: AggregateFilter & { scoreNames?: string[] | undefined },
  w: Window,
  chart: Chart,
): Promise<Map<string, Corrections>> {
  const out = new Map<string, Corrections>();
  const size = chart.buckets.length;
  for (const [key, pairs] of await reviewedPairs(db, f, w)) {
    const c: Corrections = { sum: new Float64Array(size), sumSq: new Float64Array(size), replaced: 0 };
    for (const p of pairs) {
      const i = bucketIndex(chart, p.at);
      if (i < 0) continue;
      const d = correctedSums([p]);
      c.sum[i]! += d.sum;
      c.sumSq[i]! += d.sumSq;
      c.replaced++;
    }
    if (c.replaced > 0) out.set(key, c);
  }
  return out;
}

export const seriesKey = (model: string, name: string) => JSON.stringify([model, name]);

/** A reviewed judge score: the judge's value and its reviewers' mean (both 0–1), at the score's time. */
export interface ReviewedPair {
  judge: number;
  human: number;
  at: number;
}

/**
 * Per series key (`seriesKey(model, name)`), the window's reviewed judge scores: the trend corrects each chart
 * bucket from them (`humanCorrections`), the model comparison and cost vs quality the whole window.
 */
export async function reviewedPairs(db: Db, f: AggregateFilter & { scoreNames?: string[] | undefined }, w: Window): Promise<Map<string, ReviewedPair[]>> {
  const rows = await reviewedScores(db, f, w)
    .select(["s.model as model", "s.name as name", "s.occurred_at as at", "s.value as judge", sql<number>`avg(rs.value)`.as("human")])
    .groupBy("s.id")
    .execute();
  const out = new Map<string, ReviewedPair[]>();
  for (const r of rows) {
    const key = seriesKey(r.model, r.name);
    const list = out.get(key) ?? [];
    list.push({ judge: Number(r.judge), human: Number(r.human), at: Number(r.at) });
    out.set(key, list);
  }
  return out;
}

/** What the reviewed scores change in a cell's sum and sum of squares (n unchanged). */
export function correctedSums(pairs: readonly Pick<ReviewedPair, "judge" | "human">[] | undefined): { sum: number; sumSq: number } {
  let sum = 0;
  let sumSq = 0;
  for (const p of pairs ?? []) {
    sum += p.human - p.judge;
    sumSq += p.human * p.human - p.judge * p.judge;
  }
  return { sum, sumSq };
}

import type { Db } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, type Window } from "./common.ts";
import { zoneSeriesSource } from "./series.ts";
import { seriesSums } from "./series-sums.ts";
import { type BucketUnit, chartBuckets } from "./zone.ts";

export interface SpendSeries {
  /** Model id, or customer id ('' = unattributed). */
  key: string;
  totalMicros: number;
  unpricedCalls: number;
  /** Priced spend per bucket; null where nothing was priced (no usage, or unpriced only): a gap, not $0. */
  points: (number | null)[];
}

export interface SpendTimeseries {
  window: Window;
  bucket: BucketUnit;
  /** Exact zone bucket bounds (ms): a chart point drills into runs.list with these. */
  buckets: { start: number; end: number }[];
  series: SpendSeries[];
}

export async function getSpendTimeseries(
  db: Db,
  f: AggregateFilter & { bucket: BucketUnit; splitBy: "model" | "customer" },
): Promise<SpendTimeseries> {
  const w = effectiveWindow(f);
  const chart = chartBuckets(f.timeZone, w.from, w.to, f.bucket);
  const dim = f.splitBy === "model" ? "model" : "customer_id";
  const src = await zoneSeriesSource(db, "usage", f, w, { group: [dim], timeZone: f.timeZone, unit: f.bucket, chart });
  const measures = { cost_micros: "cost_micros", priced_calls: "priced_calls", unpriced_calls: "unpriced_calls", calls: "calls" };
  const series = (await seriesSums(db, src, [dim], measures, "calls"))
    .map(({ key: [key], cells: c }): SpendSeries => ({
      key: key!,
      totalMicros: c.cost_micros.reduce((a, x) => a + x, 0),
      unpricedCalls: c.unpriced_calls.reduce((a, x) => a + x, 0),
      points: Array.from(c.cost_micros, (spend, i) => (c.priced_calls[i]! > 0 ? spend : null)),
    }))
    .sort((a, b) => b.totalMicros - a.totalMicros || a.key.localeCompare(b.key));
  return { window: w, bucket: f.bucket, buckets: chart.buckets.map((b) => ({ start: b.start, end: b.end })), series };
}

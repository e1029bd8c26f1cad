import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, num, type Window } from "./common.ts";
import { bucketBefore, zoneSeriesSource } from "./series.ts";
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
  const { buckets, index } = chartBuckets(f.timeZone, w.from, w.to, f.bucket);
  const dim = f.splitBy === "model" ? "model" : "customer_id";
  const src = zoneSeriesSource("usage", f, w, { group: [dim], timeZone: f.timeZone, unit: f.bucket });
  const measures = { cost_micros: "cost_micros", priced_calls: "priced_calls", unpriced_calls: "unpriced_calls", calls: "calls" };
  const rows = await db
    .selectFrom(src.from)
    .select([sql<number>`k`.as("k"), sql<string>`${sql.ref(dim)}`.as("series"), ...src.sums(measures)])
    .groupBy([sql`k`, sql`series`])
    .execute();

  const before = bucketBefore(buckets);
  type Cells = { spend: Float64Array; priced: Float64Array; unpriced: Float64Array; calls: Float64Array };
  const cells = new Map<string, Cells>();
  const add = (c: Cells, i: number | undefined, spend: unknown, priced: unknown, unpriced: unknown, calls: unknown) => {
    if (i === undefined || num(calls) === 0) return;
    c.spend[i] = c.spend[i]! + num(spend);
    c.priced[i] = c.priced[i]! + num(priced);
    c.unpriced[i] = c.unpriced[i]! + num(unpriced);
    c.calls[i] = c.calls[i]! + num(calls);
  };
  for (const r of rows as Record<string, unknown>[]) {
    if (num(r.calls) === 0 && num(r.calls_b) === 0) continue;
    const key = String(r.series);
    let c = cells.get(key);
    if (!c) {
      const zeros = () => new Float64Array(buckets.length);
      c = { spend: zeros(), priced: zeros(), unpriced: zeros(), calls: zeros() };
      cells.set(key, c);
    }
    add(c, index.get(num(r.k)), r.cost_micros, r.priced_calls, r.unpriced_calls, r.calls);
    add(c, before.get(num(r.k)), r.cost_micros_b, r.priced_calls_b, r.unpriced_calls_b, r.calls_b);
  }
  const bySeries = new Map<string, SpendSeries>();
  for (const [key, c] of cells) {
    // Usage just outside the window, read by an edge, nets to nothing: no series.
    if (!c.calls.some((n) => n !== 0)) continue;
    const points = Array.from(c.spend, (spend, i) => (c.priced[i]! > 0 ? spend : null));
    const totalMicros = c.spend.reduce((a, x) => a + x, 0);
    bySeries.set(key, { key, totalMicros, unpricedCalls: c.unpriced.reduce((a, x) => a + x, 0), points });
  }
  const series = [...bySeries.values()].sort((a, b) => b.totalMicros - a.totalMicros || a.key.localeCompare(b.key));
  return { window: w, bucket: f.bucket, buckets: buckets.map((b) => ({ start: b.start, end: b.end })), series };
}

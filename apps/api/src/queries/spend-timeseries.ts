import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, num, type Window } from "./common.ts";
import { zoneSeriesSource } from "./series.ts";
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
  const rows = await db
    .selectFrom(zoneSeriesSource("usage", f, w, { group: [dim], timeZone: f.timeZone, unit: f.bucket }))
    .select([
      sql<number>`k`.as("k"),
      sql<string>`${sql.ref(dim)}`.as("series"),
      sql<number>`sum(cost_micros)`.as("spend"),
      sql<number>`sum(priced_calls)`.as("priced"),
      sql<number>`sum(unpriced_calls)`.as("unpriced"),
      sql<number>`sum(calls)`.as("calls"),
    ])
    .groupBy([sql`k`, sql`series`])
    .execute();

  const bySeries = new Map<string, SpendSeries>();
  for (const r of rows) {
    const i = index.get(num(r.k));
    if (i === undefined || num(r.calls) === 0) continue;
    let s = bySeries.get(r.series);
    if (!s) {
      s = { key: r.series, totalMicros: 0, unpricedCalls: 0, points: buckets.map(() => null) };
      bySeries.set(r.series, s);
    }
    if (num(r.priced) > 0) s.points[i] = (s.points[i] ?? 0) + num(r.spend);
    s.totalMicros += num(r.spend);
    s.unpricedCalls += num(r.unpriced);
  }
  const series = [...bySeries.values()].sort((a, b) => b.totalMicros - a.totalMicros || a.key.localeCompare(b.key));
  return { window: w, bucket: f.bucket, buckets: buckets.map((b) => ({ start: b.start, end: b.end })), series };
}

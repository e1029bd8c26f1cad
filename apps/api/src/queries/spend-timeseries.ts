import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, money, type Window } from "./common.ts";
import { onlyKeys, rollupSource } from "./source.ts";
import { zoneSeriesSource } from "./series.ts";
import { type SeriesCells, seriesSums } from "./series-sums.ts";
import { type BucketUnit, chartBuckets } from "./zone.ts";

export interface SpendSeries {
  /** Model id, or customer id ('' = unattributed). */
  key: string;
  /** Priced spend over the window; null when none of the series' calls is priced (never $0). */
  totalMicros: number | null;
  /** The calls left out of totalMicros and points. */
  unpricedCalls: number;
  /** Priced spend per bucket; null where nothing was priced (no usage, or unpriced only): a gap, not $0. */
  points: (number | null)[];
}

export interface SpendTimeseries {
  window: Window;
  bucket: BucketUnit;
  /** Exact zone bucket bounds (ms): a chart point drills into runs.list with these. */
  buckets: { start: number; end: number }[];
  /** By total priced spend, largest first, unpriced-only series last (ties by key). */
  series: SpendSeries[];
  /** With `top`: the series left out, summed (`count` of them); null when none was. */
  other: (Omit<SpendSeries, "key"> & { count: number }) | null;
}

const MEASURES = { cost_micros: "cost_micros", priced_calls: "priced_calls", unpriced_calls: "unpriced_calls", calls: "calls" };
type Cells = SeriesCells<keyof typeof MEASURES>["cells"];
type Dim = "model" | "customer_id";

export async function getSpendTimeseries(
  db: Db,
  f: AggregateFilter & { bucket: BucketUnit; splitBy: "model" | "customer"; top?: number | undefined },
): Promise<SpendTimeseries> {
  const w = effectiveWindow(f);
  const chart = chartBuckets(f.timeZone, w.from, w.to, f.bucket);
  const dim: Dim = f.splitBy === "model" ? "model" : "customer_id";
  const read = async (filter: AggregateFilter, by: Dim[]) =>
    seriesSums(db, await zoneSeriesSource(db, "usage", filter, w, { group: by, timeZone: f.timeZone, unit: f.bucket, chart }), by, MEASURES, "calls");
  const answer = (series: SpendSeries[], other: SpendTimeseries["other"]): SpendTimeseries => ({
    window: w,
    bucket: f.bucket,
    buckets: chart.buckets.map((b) => ({ start: b.start, end: b.end })),
    series: series.sort(byTotal),
    other,
  });

  const keys = f.top === undefined ? null : await rankedKeys(db, f, w, dim);
  if (keys === null || keys.length <= f.top!) return answer((await read(f, [dim])).map(({ key: [k], cells }) => spendSeries(k!, cells)), null);
  // The top series, read with their keys as a filter, and the rest as the one series of every key (by
  // model, the smaller projection, unless a filter needs customers) minus them: no read of one series
  // per customer.
  const top = keys.slice(0, f.top);
  const [parts, [whole]] = await Promise.all([read(onlyKeys(f, dim, top), [dim]), read(f, [])]);
  const rest = whole!.cells;
  for (const { cells } of parts) for (const m of Object.keys(MEASURES) as (keyof Cells)[]) cells[m].forEach((v, i) => (rest[m][i]! -= v));
  const series = parts.map(({ key: [k], cells }) => spendSeries(k!, cells));
  return answer(series, { ...figures(rest), count: keys.length - top.length });
}

/** Every key with usage in the window, by priced spend (largest first, ties by key). */
async function rankedKeys(db: Db, f: AggregateFilter, w: Window, dim: Dim): Promise<string[]> {
  const rows = await db
    .selectFrom(rollupSource("usage", f, w, { group: [dim] }))
    .select([sql<string>`${sql.ref(dim)}`.as("key"), sql<number>`sum(cost_micros)`.as("spend"), sql<number>`sum(priced_calls)`.as("priced")])
    .groupBy(sql`key`)
    .having(sql`sum(calls)`, ">", 0)
    .execute();
  return rows.map((r) => ({ key: r.key, totalMicros: money(r.spend, r.priced) })).sort(byTotal).map((r) => r.key);
}

const spendSeries = (key: string, c: Cells): SpendSeries => ({ key, ...figures(c) });

function figures(c: Cells): Omit<SpendSeries, "key"> {
  return {
    totalMicros: money(c.cost_micros.reduce((a, x) => a + x, 0), c.priced_calls.reduce((a, x) => a + x, 0)),
    unpricedCalls: c.unpriced_calls.reduce((a, x) => a + x, 0),
    points: Array.from(c.cost_micros, (spend, i) => (c.priced_calls[i]! > 0 ? spend : null)),
  };
}

const byTotal = (a: { key: string; totalMicros: number | null }, b: { key: string; totalMicros: number | null }) =>
  (b.totalMicros ?? -Infinity) - (a.totalMicros ?? -Infinity) || a.key.localeCompare(b.key);

import { sql } from "kysely";
import { type Db, readAll } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, money, type Window } from "./common.ts";
import { checkTagFilter, type Dim, onlyKeys, rollupSource } from "./source.ts";
import { zoneSeriesSource } from "./series.ts";
import { type SeriesCells, seriesSums } from "./series-sums.ts";
import { type BucketUnit, chartBuckets } from "./chart-buckets.ts";

export interface SpendSeries {
  /** Model id, customer id ('' = unattributed), function slug, or the tag's value ('' = untagged). */
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
const SPLIT: Record<"model" | "customer" | "function" | "tag", Dim> = { model: "model", customer: "customer_id", function: "function_slug", tag: "tag_value" };

export async function getSpendTimeseries(
  db: Db,
  f: AggregateFilter & { bucket: BucketUnit; splitBy: keyof typeof SPLIT; tagKey?: string | undefined; top?: number | undefined },
): Promise<SpendTimeseries> {
  const tagKey = f.splitBy === "tag" ? f.tagKey : undefined;
  await checkTagFilter(db, f, tagKey);
  const w = effectiveWindow(f);
  const chart = chartBuckets(f.timeZone, w.from, w.to, f.bucket);
  const dim = SPLIT[f.splitBy];
  const read = async (filter: AggregateFilter, by: Dim[]) =>
    seriesSums(db, await zoneSeriesSource(db, "usage", filter, w, { group: by, tagKey, timeZone: f.timeZone, unit: f.bucket, chart }), by, MEASURES, "calls");
  const answer = (series: SpendSeries[], other: SpendTimeseries["other"]): SpendTimeseries => ({
    window: w,
    bucket: f.bucket,
    buckets: chart.buckets.map((b) => ({ start: b.start, end: b.end })),
    series: series.sort(byTotal),
    other,
  });

  const keys = f.top === undefined ? null : await rankedKeys(db, f, w, dim, tagKey);
  if (keys === null || keys.length <= f.top!) return answer((await read(f, [dim])).map(({ key: [k], cells }) => spendSeries(k!, cells)), null);
  // The top series, read with their keys as a filter, and the rest as the one series of every key (from
  // the smallest cuboid the filters allow) minus them: no read of one series per customer. A tag's values
  // are not a filter list: its top series are picked from the read of every value.
  const top = keys.slice(0, f.top);
  let parts: SeriesCells<keyof typeof MEASURES>[];
  let rest: Cells;
  if (dim === "tag_value") {
    const all = await read(f, [dim]);
    parts = all.filter(({ key: [k] }) => top.includes(k!));
    rest = zeroCells(chart.buckets.length);
    for (const { key: [k], cells } of all) if (!top.includes(k!)) addCells(rest, cells, 1);
  } else {
    const [own, all] = await readAll(db, [() => read(onlyKeys(f, dim, top), [dim]), () => read(f, [])]);
    parts = own;
    rest = all[0]?.cells ?? zeroCells(chart.buckets.length);
    for (const { cells } of parts) addCells(rest, cells, -1);
  }
  const series = parts.map(({ key: [k], cells }) => spendSeries(k!, cells));
  return answer(series, { ...figures(rest), count: keys.length - top.length });
}

/** Every key with usage in the window, by priced spend (largest first, ties by key). */
async function rankedKeys(db: Db, f: AggregateFilter, w: Window, dim: Dim, tagKey: string | undefined): Promise<string[]> {
  const rows = await db
    .selectFrom(rollupSource(db, "usage", f, w, { group: [dim], tagKey }))
    .select([sql<string>`${sql.ref(dim)}`.as("key"), sql<number>`sum(cost_micros)`.as("spend"), sql<number>`sum(priced_calls)`.as("priced")])
    .groupBy(sql`key`)
    .having(sql`sum(calls)`, ">", 0)
    .execute();
  return rows.map((r) => ({ key: r.key, totalMicros: money(r.spend, r.priced) })).sort(byTotal).map((r) => r.key);
}

const zeroCells = (n: number): Cells =>
  Object.fromEntries(Object.keys(MEASURES).map((m) => [m, new Float64Array(n)])) as Cells;
function addCells(into: Cells, from: Cells, sign: 1 | -1): void {
  for (const m of Object.keys(MEASURES) as (keyof Cells)[]) from[m].forEach((v, i) => {
    into[m][i]! += sign * v;
  });
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

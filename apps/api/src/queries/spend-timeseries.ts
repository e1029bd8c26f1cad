import { sql } from "kysely";
import { type Db, readAll, SPEND_PARTS } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, money, num, type Window } from "./common.ts";
import { checkTagFilter, type Dim, onlyKeys, rollupSource } from "./source.ts";
import { type ZoneSeriesOptions, zoneSeriesSource } from "./series.ts";
import { seriesSums } from "./series-sums.ts";
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

const { agent: AGENT, judge: JUDGE } = SPEND_PARTS;
const MEASURES = { cost_micros: AGENT.cost, priced_calls: AGENT.priced, unpriced_calls: AGENT.unpriced, calls: "calls" };
const JUDGE_MEASURES = { cost_micros: JUDGE.cost, priced_calls: JUDGE.priced, unpriced_calls: JUDGE.unpriced };
/** Per measure, one sum per chart bucket. */
export type SpendCells = Record<keyof typeof MEASURES, Float64Array>;

/** Spend per chart bucket for each `group` key, as every spend figure counts it (`SPEND_PARTS`). Two reads, at once on PostgreSQL. */
export async function spendCells(db: Db, f: AggregateFilter, w: Window, opts: ZoneSeriesOptions): Promise<{ key: string[]; cells: SpendCells }[]> {
  const [agent, judge] = await readAll(db, [
    async () => seriesSums(db, await zoneSeriesSource(db, "usage", f, w, { ...opts, extra: [...(opts.extra ?? []), AGENT.rows] }), opts.group, MEASURES, "calls"),
    async () => seriesSums(db, await zoneSeriesSource(db, "runs", f, w, opts), opts.group, JUDGE_MEASURES, ["priced_calls", "unpriced_calls"]),
  ]);
  const out = new Map(agent.map((s) => [JSON.stringify(s.key), s]));
  for (const { key, cells } of judge) {
    const judgeCells: SpendCells = { ...cells, calls: cells.priced_calls.map((p, i) => p + cells.unpriced_calls[i]!) };
    const id = JSON.stringify(key);
    const into = out.get(id);
    if (into) addCells(into.cells, judgeCells, 1);
    else out.set(id, { key, cells: judgeCells });
  }
  return [...out.values()];
}

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
  const read = (filter: AggregateFilter, by: Dim[]) => spendCells(db, filter, w, { group: by, tagKey, timeZone: f.timeZone, unit: f.bucket, chart });
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
  let parts: { key: string[]; cells: SpendCells }[];
  let rest: SpendCells;
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

/** Every key with agent usage or judge calls in the window, by priced spend (agent + judge; largest first, ties by key). */
async function rankedKeys(db: Db, f: AggregateFilter, w: Window, dim: Dim, tagKey: string | undefined): Promise<string[]> {
  const { agent, judge } = await spendTotals(db, f, w, dim, tagKey);
  const keys = new Map<string, { spend: number; priced: number; calls: number }>();
  const add = (key: string, spend: unknown, priced: unknown, unpriced: unknown) => {
    const k = keys.get(key) ?? { spend: 0, priced: 0, calls: 0 };
    keys.set(key, { spend: k.spend + num(spend), priced: k.priced + num(priced), calls: k.calls + num(priced) + num(unpriced) });
  };
  for (const r of agent) add(r.key, r.agent, r.agent_priced, r.agent_unpriced);
  for (const r of judge) add(r.key, r.judge, r.judge_priced, r.judge_unpriced);
  return [...keys]
    .filter(([, k]) => k.calls > 0)
    .map(([key, k]) => ({ key, totalMicros: money(k.spend, k.priced) }))
    .sort(byTotal)
    .map((r) => r.key);
}

/**
 * Spend totals per `dim` key over the window, as every spend figure counts them (`SPEND_PARTS`), and the runs.
 * Two reads, at once on PostgreSQL: spend.byModel / byCustomer / byDimension rows and the charts' top-n ranking.
 */
export async function spendTotals(db: Db, f: AggregateFilter, w: Window, dim: Dim, tagKey: string | undefined) {
  const [agent, judge] = await readAll(db, [
    () =>
      db
        .selectFrom(rollupSource(db, "usage", f, w, { group: [dim], tagKey, extra: [AGENT.rows] }))
        .select([
          sql<string>`${sql.ref(dim)}`.as("key"),
          sql<number>`sum(calls)`.as("agent_calls"),
          sql<number>`sum(${sql.ref(AGENT.cost)})`.as("agent"),
          sql<number>`sum(${sql.ref(AGENT.priced)})`.as("agent_priced"),
          sql<number>`sum(${sql.ref(AGENT.unpriced)})`.as("agent_unpriced"),
          sql<number>`sum(priced_runs)`.as("agent_priced_runs"),
        ])
        .groupBy(sql`key`)
        .execute(),
    () =>
      db
        .selectFrom(rollupSource(db, "runs", f, w, { group: [dim], tagKey }))
        .select([
          sql<string>`${sql.ref(dim)}`.as("key"),
          sql<number>`sum(runs)`.as("runs"),
          sql<number>`sum(priced_runs)`.as("priced_runs"),
          sql<number>`sum(${sql.ref(JUDGE.cost)})`.as("judge"),
          sql<number>`sum(${sql.ref(JUDGE.priced)})`.as("judge_priced"),
          sql<number>`sum(${sql.ref(JUDGE.unpriced)})`.as("judge_unpriced"),
        ])
        .groupBy(sql`key`)
        .execute(),
  ]);
  return { agent, judge };
}

const zeroCells = (n: number): SpendCells =>
  Object.fromEntries(Object.keys(MEASURES).map((m) => [m, new Float64Array(n)])) as SpendCells;
function addCells(into: SpendCells, from: SpendCells, sign: 1 | -1): void {
  for (const m of Object.keys(MEASURES) as (keyof SpendCells)[]) from[m].forEach((v, i) => {
    into[m][i]! += sign * v;
  });
}

const spendSeries = (key: string, c: SpendCells): SpendSeries => ({ key, ...figures(c) });

function figures(c: SpendCells): Omit<SpendSeries, "key"> {
  return {
    totalMicros: money(c.cost_micros.reduce((a, x) => a + x, 0), c.priced_calls.reduce((a, x) => a + x, 0)),
    unpricedCalls: c.unpriced_calls.reduce((a, x) => a + x, 0),
    points: Array.from(c.cost_micros, (spend, i) => (c.priced_calls[i]! > 0 ? spend : null)),
  };
}

const byTotal = (a: { key: string; totalMicros: number | null }, b: { key: string; totalMicros: number | null }) =>
  (b.totalMicros ?? -Infinity) - (a.totalMicros ?? -Infinity) || a.key.localeCompare(b.key);

import { type AliasedRawBuilder, type RawBuilder, sql } from "kysely";
import type { AggregateFilter, Window } from "./common.ts";
import { type Allowed, GRAIN_MS, type Grain, grainStarts, pieces } from "@tally/shared/db";
import { type BucketUnit, DAY_MS, HOUR_MS, segments } from "./zone.ts";

/**
 * Where an aggregate reads from. The 15-minute rollups hold every key; migrations 0002–0004 add
 * projections per model (no customer) and per customer (no model) by 15 minutes, UTC hour, 6 hours, day,
 * week and 4 weeks. A query that needs at most one of the two dimensions reads the projections: whole
 * 4-week blocks and UTC weeks (Monday to Monday) in the middle, then whole days, 6-hour blocks, hours and
 * quarters towards the edges, as one UNION ALL; a query on both reads the 15-minute table. Zone series
 * only use a grain whose buckets nest in the zone's buckets (hours for whole-hour offsets; coarser grains
 * but 4 weeks for offset 0). Day and week series in other zones go through series.ts, which decomposes
 * each local bucket on its own.
 */
export type Fact = "runs" | "usage" | "scores" | "score_bins";
export type Dim = "model" | "customer_id";

export interface RunsRow {
  bucket: number;
  model: string;
  customer_id: string;
  runs: number;
  scored_runs: number;
  /** Runs the judge was not called for: out of the sample, or past the day's judge budget (0009). */
  unsampled_runs: number;
  judge_skipped_runs: number;
  /** The judge's spend on these runs, keyed by the run's (judged) model: priced lines' sum and the call counts. */
  judge_cost_micros: number;
  judge_priced_calls: number;
  judge_unpriced_calls: number;
}
export interface UsageRow {
  bucket: number;
  model: string;
  customer_id: string;
  kind: "agent" | "judge";
  calls: number;
  cost_micros: number;
  priced_calls: number;
  unpriced_calls: number;
  unpriced_tokens: number;
}
export interface ScoresRow {
  bucket: number;
  model: string;
  customer_id: string;
  name: string;
  n: number;
  sum_value: number;
  sum_sq_value: number;
}
export interface BinsRow {
  bucket: number;
  model: string;
  customer_id: string;
  name: string;
  bin: number;
  n: number;
}
interface Rows {
  runs: RunsRow;
  usage: UsageRow;
  scores: ScoresRow;
  score_bins: BinsRow;
}

/** The run rollups' measures: runs, scored, left unjudged, and the judge's spend on them (0009). */
export const RUN_MEASURES = ["runs", "scored_runs", "unsampled_runs", "judge_skipped_runs", "judge_cost_micros", "judge_priced_calls", "judge_unpriced_calls"];

export const COLUMNS: Record<Fact, string[]> = {
  runs: RUN_MEASURES,
  usage: ["kind", "calls", "cost_micros", "priced_calls", "unpriced_calls", "unpriced_tokens"],
  scores: ["name", "n", "sum_value", "sum_sq_value"],
  score_bins: ["name", "bin", "n"],
};

export interface SourceOptions {
  /** Dimensions the query groups on (filters are added automatically). */
  group?: Dim[];
  /** Extra conditions on fact columns (kind, name, bin). */
  extra?: RawBuilder<unknown>[];
  /** A zone series: every row's bucket must sit inside one zone bucket. */
  series?: { timeZone: string; unit: BucketUnit };
}

export type { Grain };

export function rollupSource<F extends Fact>(
  fact: F,
  f: AggregateFilter,
  w: Window,
  opts: SourceOptions = {},
): AliasedRawBuilder<Rows[F], "r"> {
  const projection = projectionFor(f, opts.group ?? []);
  const any = projection !== null;
  const allow: Allowed = { "1h": any, "6h": any, "1d": any, "1w": any, "4w": any };
  if (opts.series) {
    const offsets = segments(opts.series.timeZone, w.from, w.to).map((s) => s.offset);
    const utc = offsets.every((o) => o % DAY_MS === 0);
    allow["1h"] &&= offsets.every((o) => o % HOUR_MS === 0);
    allow["6h"] &&= opts.series.unit !== "hour" && utc;
    allow["1d"] &&= opts.series.unit !== "hour" && utc;
    allow["1w"] &&= opts.series.unit === "week" && utc;
    allow["4w"] = false; // a 4-week row spans several chart buckets
  }
  const parts = pieces(w.from, w.to, allow).map((p) => piece(fact, p, projection, f, opts.extra ?? []));
  if (parts.length === 0) parts.push(piece(fact, { grain: "15m", a: w.from, b: w.from }, projection, f, []));
  return sql<Rows[F]>`(${sql.join(parts, sql` union all `)})`.as("r");
}

/** The projection a query can read (null: only the 15-minute table holds both dimensions). */
export function projectionFor(f: AggregateFilter, group: Dim[]): Dim | null {
  const needModel = group.includes("model") || (f.models?.length ?? 0) > 0;
  const needCustomer = group.includes("customer_id") || (f.customerIds?.length ?? 0) > 0;
  return needModel && needCustomer ? null : needCustomer ? "customer_id" : "model";
}

/** The table of `fact` at `grain` in `projection` (`local`: its local calendars' rows, 0005). */
export function tableFor(fact: Fact, grain: Grain | "local", projection: Dim | null): string {
  return projection === null ? `rollup_${fact}_15m` : `rollup_${fact}_${projection === "model" ? "model" : "customer"}_${grain}`;
}

/**
 * Whether the table's key right after `bucket` is filtered to a list (the projection's own dimension, or
 * the model in the 15-minute table): then reading bucket by bucket seeks each (bucket, key) pair instead of
 * scanning every key's rows in the range and filtering them.
 */
export function seeksKeys(f: AggregateFilter, projection: Dim | null): boolean {
  const list = projection === "customer_id" ? f.customerIds : f.models;
  return (list?.length ?? 0) > 0;
}

/** `f` narrowed to the `keys` of dimension `dim` (a page of customers, the top models). */
export function onlyKeys<F extends AggregateFilter>(f: F, dim: Dim, keys: string[]): F {
  return dim === "model" ? { ...f, models: keys } : { ...f, customerIds: keys };
}

/** The model / customer filters a table of that projection can apply. */
export function filterConds(f: AggregateFilter, projection: Dim | null): RawBuilder<unknown>[] {
  const conds: RawBuilder<unknown>[] = [];
  if (f.models?.length && projection !== "customer_id") conds.push(sql`model in (${sql.join(f.models)})`);
  if (f.customerIds?.length && projection !== "model") conds.push(sql`customer_id in (${sql.join(f.customerIds)})`);
  return conds;
}

function piece(
  fact: Fact,
  p: { grain: Grain; a: number; b: number },
  projection: Dim | null,
  f: AggregateFilter,
  extra: RawBuilder<unknown>[],
): RawBuilder<unknown> {
  const table = tableFor(fact, p.grain, projection);
  const model = projection === "customer_id" ? sql`'' as model` : sql.ref("model");
  const customer = projection === "model" ? sql`'' as customer_id` : sql.ref("customer_id");
  const n = Math.ceil((p.b - p.a) / GRAIN_MS[p.grain][0]);
  const range =
    seeksKeys(f, projection) && n > 0 && n <= 500
      ? [sql`bucket in (${sql.join(grainStarts(p.grain, p.a, p.b))})`]
      : [sql`bucket >= ${p.a}`, sql`bucket < ${p.b}`];
  const conds: RawBuilder<unknown>[] = [...range, ...filterConds(f, projection), ...extra];
  const cols = sql.join(COLUMNS[fact].map((c) => sql.ref(c)));
  return sql`select bucket, ${model}, ${customer}, ${cols} from ${sql.table(table)} where ${sql.join(conds, sql` and `)}`;
}

export { type Allowed, FINER, grainStarts, pieces } from "@tally/shared/db";

import { type AliasedRawBuilder, type RawBuilder, sql } from "kysely";
import type { AggregateFilter, Window } from "./common.ts";
import { DAY_MS, HOUR_MS, type ReadUnit, segments } from "./zone.ts";

/**
 * Where an aggregate reads from. The 15-minute rollups hold every key; migration 0002 adds projections
 * per model (no customer) and per customer (no model) by UTC hour and day. A query that needs at most
 * one of the two dimensions reads the projection: whole UTC days from `_1d`, whole hours at the edges
 * from `_1h`, the rest from the 15-minute table, as one UNION ALL. Zone series only use a grain whose
 * buckets nest in the zone's buckets (hours for whole-hour offsets, days for offset 0). Day series in
 * other zones go through series.ts, which decomposes each local day on its own.
 */
export type Fact = "runs" | "usage" | "scores" | "score_bins";
export type Dim = "model" | "customer_id";

export interface RunsRow {
  bucket: number;
  model: string;
  customer_id: string;
  runs: number;
  scored_runs: number;
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

export const COLUMNS: Record<Fact, string[]> = {
  runs: ["runs", "scored_runs"],
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
  series?: { timeZone: string; unit: ReadUnit };
}

export type Grain = "15m" | "1h" | "1d";

export function rollupSource<F extends Fact>(
  fact: F,
  f: AggregateFilter,
  w: Window,
  opts: SourceOptions = {},
): AliasedRawBuilder<Rows[F], "r"> {
  const projection = projectionFor(f, opts.group ?? []);
  let allow1h = projection !== null;
  let allow1d = projection !== null;
  if (opts.series) {
    const offsets = segments(opts.series.timeZone, w.from, w.to).map((s) => s.offset);
    allow1h &&= offsets.every((o) => o % HOUR_MS === 0);
    allow1d &&= opts.series.unit === "day" && offsets.every((o) => o % DAY_MS === 0);
  }
  const parts = pieces(w.from, w.to, allow1h, allow1d).map((p) => piece(fact, p, projection, f, opts.extra ?? []));
  if (parts.length === 0) parts.push(piece(fact, { grain: "15m", a: w.from, b: w.from }, projection, f, []));
  return sql<Rows[F]>`(${sql.join(parts, sql` union all `)})`.as("r");
}

/** The projection a query can read (null: only the 15-minute table holds both dimensions). */
export function projectionFor(f: AggregateFilter, group: Dim[]): Dim | null {
  const needModel = group.includes("model") || (f.models?.length ?? 0) > 0;
  const needCustomer = group.includes("customer_id") || (f.customerIds?.length ?? 0) > 0;
  return needModel && needCustomer ? null : needCustomer ? "customer_id" : "model";
}

export function tableFor(fact: Fact, grain: Grain, projection: Dim | null): string {
  return grain === "15m" || projection === null
    ? `rollup_${fact}_15m`
    : `rollup_${fact}_${projection === "model" ? "model" : "customer"}_${grain}`;
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
  const conds: RawBuilder<unknown>[] = [sql`bucket >= ${p.a}`, sql`bucket < ${p.b}`, ...filterConds(f, projection), ...extra];
  const cols = sql.join(COLUMNS[fact].map((c) => sql.ref(c)));
  return sql`select bucket, ${model}, ${customer}, ${cols} from ${sql.table(table)} where ${sql.join(conds, sql` and `)}`;
}

/** Whole UTC days in the middle, whole hours next to them, 15-minute buckets at the very edges. */
export function pieces(from: number, to: number, allow1h: boolean, allow1d: boolean): { grain: Grain; a: number; b: number }[] {
  const out: { grain: Grain; a: number; b: number }[] = [];
  const split = (a: number, b: number, grain: Grain): void => {
    if (a >= b) return;
    const size = grain === "1d" ? DAY_MS : grain === "1h" ? HOUR_MS : 0;
    const allowed = grain === "1d" ? allow1d : grain === "1h" ? allow1h : false;
    const finer: Grain = grain === "1d" ? "1h" : "15m";
    if (size > 0 && allowed) {
      const c1 = Math.ceil(a / size) * size;
      const c2 = Math.floor(b / size) * size;
      if (c1 < c2) {
        split(a, c1, finer);
        out.push({ grain, a: c1, b: c2 });
        split(c2, b, finer);
        return;
      }
    }
    if (grain === "15m") out.push({ grain, a, b });
    else split(a, b, finer);
  };
  split(from, to, "1d");
  return out;
}

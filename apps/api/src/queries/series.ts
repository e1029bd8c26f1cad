import { type AliasedRawBuilder, type RawBuilder, sql } from "kysely";
import type { AggregateFilter, Window } from "./common.ts";
import {
  COLUMNS,
  type Dim,
  type Fact,
  filterConds,
  type Grain,
  pieces,
  projectionFor,
  rollupSource,
  tableFor,
} from "./source.ts";
import { bucketKeySql, DAY_MS, type ReadUnit, segments, type ZoneBucket, zoneBuckets } from "./zone.ts";

/**
 * A zone series source: rollup rows tagged with `k`, the zone bucket key of `zoneBuckets`, for the
 * caller to GROUP BY. Measures may arrive signed, so a caller sums them and skips groups whose count
 * (runs, calls, n) sums to 0.
 *
 * Day buckets read as few rows as the rollups allow. A local day [s, e) is the whole UTC days between
 * the day boundaries nearest to s and e (from `_1d`), plus or minus the few hours between those
 * boundaries and s, e (from `_1h`, and `_15m` for half- or quarter-hour offsets). For New York that is
 * one day row and 2 × 4–5 hour rows instead of 24 hour rows; for Kolkata (+5:30) 1 day, 2 × 5 hours and
 * 2 × 2 quarters instead of 96 quarters. DST days (23 or 25 hours) decompose the same way. Integer
 * measures are exact whatever the signs. Scores carry float sums (sum_value, sum_sq_value), where
 * subtracting a whole day's sum loses precision that the CI's Σx² − (Σx)²/n magnifies, so score series
 * only add: the hours (and edge quarters) inside each local day, as before but per bucket (Kolkata reads
 * 23 hours and 4 quarters a day instead of 96 quarters).
 */
const MEASURES: Record<Fact, string[]> = {
  runs: ["runs", "scored_runs"],
  usage: ["calls", "cost_micros", "priced_calls", "unpriced_calls", "unpriced_tokens"],
  scores: ["n", "sum_value", "sum_sq_value"],
  score_bins: ["n"],
};

export interface ZoneSeriesOptions {
  group: Dim[];
  extra?: RawBuilder<unknown>[];
  timeZone: string;
  unit: ReadUnit;
}

/**
 * [from, to, bucket key, sign] per grain: summed with their signs, exactly each zone bucket. A `1d` range
 * of several days keys its first day `key` and each later day one more (consecutive local days).
 */
export type SignedPieces = Record<Grain, [number, number, number, 1 | -1][]>;

/**
 * `subtract`: local days as UTC days ± edge hours (integer measures only: exact whatever the signs).
 * Without it, each bucket is an exact sum of the coarsest pieces inside it (no sign, for float sums).
 */
export function signedPieces(buckets: ZoneBucket[], coarse: boolean, subtract: boolean): SignedPieces {
  const out: SignedPieces = { "15m": [], "1h": [], "1d": [] };
  const day = (d: number, key: number): void => {
    // Consecutive days with consecutive keys merge into one range: key = k + whole days from a.
    const last = out["1d"][out["1d"].length - 1];
    if (last && last[1] === d && last[3] === 1 && last[2] + (d - last[0]) / DAY_MS === key) last[1] = d + DAY_MS;
    else out["1d"].push([d, d + DAY_MS, key, 1]);
  };
  const add = (a: number, b: number, key: number, sign: 1 | -1): void => {
    for (const p of pieces(a, b, coarse, coarse)) {
      if (p.grain === "1d" && sign === 1) for (let d = p.a; d < p.b; d += DAY_MS) day(d, key);
      else out[p.grain].push([p.a, p.b, key, sign]);
    }
  };
  for (const { key, start, end } of buckets) {
    const b1 = Math.round(start / DAY_MS) * DAY_MS;
    const b2 = Math.round(end / DAY_MS) * DAY_MS;
    if (!coarse || !subtract || b1 >= b2) {
      add(start, end, key, 1);
      continue;
    }
    for (let d = b1; d < b2; d += DAY_MS) day(d, key);
    if (start > b1) add(b1, start, key, -1);
    else add(start, b1, key, 1);
    if (end > b2) add(b2, end, key, 1);
    else add(end, b2, key, -1);
  }
  return out;
}

export function zoneSeriesSource(
  fact: Fact,
  f: AggregateFilter,
  w: Window,
  opts: ZoneSeriesOptions,
): AliasedRawBuilder<Record<string, unknown>, "r"> {
  const projection = projectionFor(f, opts.group);
  const extra = opts.extra ?? [];
  const utcDays = segments(opts.timeZone, w.from, w.to).every((seg) => seg.offset % DAY_MS === 0);
  if (opts.unit !== "day" || projection === null || utcDays) {
    // Hour buckets, both dimensions, or days that are UTC days: every row lies inside one zone bucket
    // (rollupSource reads `_1d` directly for UTC days); key it by its bucket.
    const keySql = sql.raw(bucketKeySql(opts.timeZone, w.from, w.to, opts.unit));
    const inner = rollupSource(fact, f, w, { group: opts.group, extra, series: { timeZone: opts.timeZone, unit: opts.unit } });
    return sql<Record<string, unknown>>`(select ${keySql} as k, * from ${inner})`.as("r");
  }
  const split = signedPieces(zoneBuckets(opts.timeZone, w.from, w.to, "day"), true, fact !== "scores");
  const model = projection === "customer_id" ? sql`'' as model` : sql`t.model`;
  const customer = projection === "model" ? sql`'' as customer_id` : sql`t.customer_id`;
  const keys = COLUMNS[fact].filter((c) => !MEASURES[fact].includes(c)).map((c) => sql`t.${sql.ref(c)}`);
  const measures = MEASURES[fact].map((c) => sql`j.s * t.${sql.ref(c)} as ${sql.ref(c)}`);
  const dayKey = sql`j.k + (t.bucket - j.a) / ${sql.lit(DAY_MS)} as k`;
  const cols = (g: Grain) => sql.join([g === "1d" ? dayKey : sql`j.k as k`, model, customer, ...keys, ...measures]);
  const parts = (Object.keys(split) as Grain[])
    .filter((g) => split[g].length > 0)
    .map((g) => {
      const conds = [sql`t.bucket >= j.a`, sql`t.bucket < j.b`, ...filterConds(f, projection), ...extra];
      // Pieces unpacked once (LIMIT keeps the subquery from being flattened) and kept as the outer loop
      // (CROSS JOIN): one index range on `bucket` per piece.
      const pieceRows = sql`select value ->> 0 as a, value ->> 1 as b, value ->> 2 as k, value ->> 3 as s from json_each(${JSON.stringify(split[g])})`;
      return sql`select ${cols(g)} from (${pieceRows} limit -1) as j cross join ${sql.table(tableFor(fact, g, projection))} as t where ${sql.join(conds, sql` and `)}`;
    });
  if (parts.length === 0) return sql<Record<string, unknown>>`(select ${emptyColumns(fact)} where 0)`.as("r");
  return sql<Record<string, unknown>>`(${sql.join(parts, sql` union all `)})`.as("r");
}

function emptyColumns(fact: Fact): RawBuilder<unknown> {
  const cols = ["0 as k", "'' as model", "'' as customer_id", ...COLUMNS[fact].map((c) => `0 as ${c}`)];
  return sql.raw(cols.join(", "));
}

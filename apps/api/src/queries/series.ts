import { type AliasedRawBuilder, type RawBuilder, sql } from "kysely";
import type { AggregateFilter, Window } from "./common.ts";
import { WEEK_MS, WEEK_ORIGIN_MS } from "@tally/shared/db";
import {
  type Allowed,
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
import { type BucketUnit, bucketKeySql, chartBuckets, DAY_MS, readUnit, segments, type ZoneBucket } from "./zone.ts";

/**
 * A zone series source: rollup rows tagged with `k`, a read key of `chartBuckets` (a day number, or an
 * hour's start), for the caller to GROUP BY and map to its chart bucket. Measures may arrive signed, so a
 * caller sums them and skips groups whose count (runs, calls, n) sums to 0.
 *
 * Day and week buckets read as few rows as the rollups allow. A local day [s, e) is the UTC day between
 * the midnights nearest to s and e (from `_1d`), plus or minus the few hours between those midnights and
 * s, e (from `_1h`, and `_15m` for half- or quarter-hour offsets); a local week is the UTC week between
 * the nearest Mondays (from `_1w`), plus or minus the same edges. For New York that is one row and 2 × 4–5
 * hour rows per bucket and key, instead of 24 (or 168) hour rows; DST days (23 or 25 hours) decompose the
 * same way. Integer measures are exact whatever the signs. Score sums are floats: subtraction leaves a
 * rounding residue (~1e-16 of the week's sum), far below a displayed figure; `variance` floors the
 * residue of a constant series to 0.
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
  unit: BucketUnit;
}

/**
 * [from, to, key, sign] per grain: summed with their signs, exactly each bucket. A `1d` or `1w` entry
 * spanning several grain buckets keys its rows `key + whole days from its start` (consecutive buckets
 * with consecutive day-number keys merge into one range); any other entry keys all its rows `key`.
 */
export type SignedPieces = Record<Grain, [number, number, number, 1 | -1][]>;

const ALL: Allowed = { "1h": true, "1d": true, "1w": true };

/**
 * Each bucket ({ key, start, end }, key a day number) as the coarse-grain span between the boundaries
 * nearest to its edges (`subtract`; integer measures exact whatever the signs), corrected by the pieces
 * between those boundaries and the edges; or, without `subtract`, as the coarsest pieces inside it.
 */
export function signedPieces(buckets: ZoneBucket[], unit: "day" | "week", subtract: boolean): SignedPieces {
  const out: SignedPieces = { "15m": [], "1h": [], "1d": [], "1w": [] };
  const coarse = (grain: "1d" | "1w", t: number, key: number, sign: 1 | -1): void => {
    const size = grain === "1w" ? WEEK_MS : DAY_MS;
    const last = out[grain][out[grain].length - 1];
    if (sign === 1 && last && last[3] === 1 && last[1] === t && last[2] + (t - last[0]) / DAY_MS === key) last[1] = t + size;
    else out[grain].push([t, t + size, key, sign]);
  };
  const add = (a: number, b: number, key: number, sign: 1 | -1): void => {
    for (const p of pieces(a, b, ALL)) {
      if (p.grain === "1d" || p.grain === "1w") {
        for (let t = p.a; t < p.b; t += p.grain === "1w" ? WEEK_MS : DAY_MS) coarse(p.grain, t, key, sign);
      } else out[p.grain].push([p.a, p.b, key, sign]);
    }
  };
  const [size, origin] = unit === "week" ? [WEEK_MS, WEEK_ORIGIN_MS] : [DAY_MS, 0];
  const nearest = (t: number) => Math.round((t - origin) / size) * size + origin;
  for (const { key, start, end } of buckets) {
    const b1 = nearest(start);
    const b2 = nearest(end);
    if (!subtract || b1 >= b2) {
      add(start, end, key, 1);
      continue;
    }
    add(b1, b2, key, 1);
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
  if (opts.unit === "hour" || projection === null || utcDays) {
    // Hour buckets, both dimensions, or UTC days and weeks: every row lies inside one chart bucket
    // (rollupSource reads `_1d` and `_1w` directly when they nest); key it by its read bucket.
    const keySql = sql.raw(bucketKeySql(opts.timeZone, w.from, w.to, readUnit(opts.unit)));
    const inner = rollupSource(fact, f, w, { group: opts.group, extra, series: { timeZone: opts.timeZone, unit: opts.unit } });
    return sql<Record<string, unknown>>`(select ${keySql} as k, * from ${inner})`.as("r");
  }
  const split = signedPieces(chartBuckets(opts.timeZone, w.from, w.to, opts.unit).buckets, opts.unit, true);
  const model = projection === "customer_id" ? sql`'' as model` : sql`t.model`;
  const customer = projection === "model" ? sql`'' as customer_id` : sql`t.customer_id`;
  const keys = COLUMNS[fact].filter((c) => !MEASURES[fact].includes(c)).map((c) => sql`t.${sql.ref(c)}`);
  const measures = MEASURES[fact].map((c) => sql`j.s * t.${sql.ref(c)} as ${sql.ref(c)}`);
  const dayKey = sql`j.k + (t.bucket - j.a) / ${sql.lit(DAY_MS)} as k`;
  const cols = (g: Grain) => sql.join([g === "1d" || g === "1w" ? dayKey : sql`j.k as k`, model, customer, ...keys, ...measures]);
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

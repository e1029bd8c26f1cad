import { type AliasedRawBuilder, type RawBuilder, sql } from "kysely";
import type { AggregateFilter, Window } from "./common.ts";
import { type Db, GRAIN_MS, grainStart, grainTable, joinEachRow, jsonIntegerRows, tableName } from "@tally/shared/db";
import {
  type Dim,
  dimColumns,
  factKeys,
  type Fact,
  filterConds,
  FINER,
  type Grain,
  grainStarts,
  measureColumns,
  OUT_DIMS,
  planFor,
  rollupSource,
  seeksKeys,
} from "./source.ts";
import { calendarFor, localRows, wholeBuckets } from "./local.ts";
import { type BucketUnit, bucketKeySql, type Chart, DAY_MS, readUnit, type ZoneBucket } from "./chart-buckets.ts";

/**
 * A zone series source: rollup rows tagged with `k`, a read key of `chartBuckets` (a day number, or an
 * hour's start), for `seriesSums` to add into chart buckets: each measure into the bucket of key `k`,
 * and, for edges, times the signs `x` into that bucket and `y` into the one before it (`bucketBefore`).
 * Series whose every bucket nets to 0 are dropped.
 *
 * Day and week buckets off UTC read as few rows as the rollups allow: each boundary between two local
 * buckets moves to the nearest UTC day (week) boundary, and the stretch in between (an "edge", `e` = 1) is
 * read once, subtracted from the bucket after it and added to the one before. A local bucket is then its
 * UTC days (weeks) plus and minus two edges, each edge days (week series) and hours, and quarters for
 * half-hour offsets (or the buckets around it minus what lies outside, when that is fewer rows,
 * `decompose`). A New York day reads one day row and one edge of five hour rows: 6 rows per key, instead of
 * 11 with both edges per bucket or 24 by adding.
 * Counts and money are integers, exact whatever the signs. Score sums are floats: subtraction leaves a
 * rounding residue (~1e-16 of the sums), far below a displayed figure; `variance` floors the residue of a
 * constant series to 0. With a local calendar for the zone (local.ts), whole buckets read its rows instead.
 * Which of the three (UTC grains, local calendar, edges) a series reads is `calendarFor`'s answer.
 */
export interface ZoneSeriesOptions {
  group: Dim[];
  /** With group "tag_value": the promoted tag key (source.ts `SourceOptions.tagKey`). */
  tagKey?: string | undefined;
  extra?: RawBuilder<unknown>[];
  timeZone: string;
  unit: BucketUnit;
  /** The caller's `chartBuckets(timeZone, w.from, w.to, unit)`. */
  chart: Chart;
}

/**
 * [from, to, key, sign, edge] per grain. A row of a non-edge entry adds, with `sign`, into the bucket keyed
 * `key`; a `1d` or `1w` one spanning several grain buckets keys its rows `key + whole days from its start`
 * (consecutive buckets with consecutive day-number keys merge into one range). An edge entry's rows
 * subtract from the bucket keyed `key` and add into the one before it (`bucketBefore`; `AFTER_LAST`:
 * the last bucket).
 */
export type SignedPieces = Record<Grain, [number, number, number, 1 | -1, 0 | 1][]>;
/** The key of the boundary after the last bucket (no day number comes near it). */
export const AFTER_LAST = 1e12;

interface Entry {
  grain: Grain;
  a: number;
  b: number;
  sign: 1 | -1;
}
const rows = (es: Entry[]) => es.reduce((n, e) => n + (e.b - e.a) / GRAIN_MS[e.grain][0], 0);
const negate = (es: Entry[]) => es.map((e): Entry => ({ ...e, sign: e.sign === 1 ? -1 : 1 }));

/**
 * The fewest rows (per key) that sum, with signs, to exactly [a, b), from grain `g` down: either the whole
 * `g` buckets inside plus finer edges, or the `g` buckets between the nearest boundaries, corrected by
 * finer pieces between those boundaries and a, b.
 */
export function decompose(a: number, b: number, g: Grain): Entry[] {
  // Shifting by a whole period of the coarsest grain keeps every alignment, so a local day's answer is
  // every other day's with the same offset, moved (memoised: a year of days is a handful of shapes).
  const [period, origin] = GRAIN_MS[g === "1w" ? "1w" : "1d"];
  const shift = Math.floor((a - origin) / period) * period; // a whole number of periods
  const id = `${g}|${a - shift}|${b - shift}`;
  let shape = shapes.get(id);
  if (!shape) {
    shape = search(a - shift, b - shift, g);
    if (shapes.size >= 4096) shapes.clear();
    shapes.set(id, shape);
  }
  return shape.map((e) => ({ ...e, a: e.a + shift, b: e.b + shift }));
}
const shapes = new Map<string, Entry[]>();

function search(a: number, b: number, g: Grain): Entry[] {
  if (a >= b) return [];
  if (g === "15m") return [{ grain: g, a, b, sign: 1 }];
  const finer = FINER[g];
  const c1 = grainStart(g, a, Math.ceil);
  const c2 = grainStart(g, b);
  let best = c1 < c2 ? [{ grain: g, a: c1, b: c2, sign: 1 } as Entry, ...decompose(a, c1, finer), ...decompose(c2, b, finer)] : decompose(a, b, finer);
  const n1 = grainStart(g, a, Math.round);
  const n2 = grainStart(g, b, Math.round);
  if (n1 < n2 && (n1 !== c1 || n2 !== c2)) {
    const outer: Entry[] = [
      { grain: g, a: n1, b: n2, sign: 1 },
      ...(a < n1 ? decompose(a, n1, finer) : negate(decompose(n1, a, finer))),
      ...(b > n2 ? decompose(n2, b, finer) : negate(decompose(b, n2, finer))),
    ];
    if (rows(outer) < rows(best)) best = outer;
  }
  return best;
}

/** [a, b) with a sign, whichever way round (the rows of [b, a), subtracted, when b < a). */
function between(a: number, b: number, g: Grain): Entry[] {
  return a <= b ? decompose(a, b, g) : negate(decompose(b, a, g));
}

/**
 * Contiguous buckets ({ key, start, end }, key a day number) as UTC days (weeks) between each boundary's
 * nearest UTC day (week) boundary, and one edge per boundary: the signed stretch from that UTC boundary
 * to the local one.
 */
export function signedPieces(buckets: ZoneBucket[], unit: "day" | "week"): SignedPieces {
  const out: SignedPieces = { "15m": [], "1h": [], "1d": [], "1w": [], "4w": [] };
  const grain = unit === "week" ? "1w" : "1d";
  // Whole UTC days (weeks), added; consecutive ones whose keys run on with them extend one range.
  const coarse = (t: number, key: number): void => {
    const last = out[grain][out[grain].length - 1];
    if (last && last[1] === t && last[2] + (t - last[0]) / DAY_MS === key) last[1] = t + GRAIN_MS[grain][0];
    else out[grain].push([t, t + GRAIN_MS[grain][0], key, 1, 0]);
  };
  const bounds = [...buckets.map((b) => b.start), ...buckets.slice(-1).map((b) => b.end)];
  const keys = [...buckets.map((b) => b.key), AFTER_LAST];
  const near = bounds.map((t) => grainStart(grain, t, Math.round));
  bounds.forEach((t, j) => {
    for (const e of between(near[j]!, t, FINER[grain])) {
      // A week's edge may hold whole days: one entry per day, as a longer `1d` range keys later rows by later days.
      const day = e.grain === "1d";
      for (const u of day ? grainStarts(e.grain, e.a, e.b) : [e.a]) out[e.grain].push([u, day ? u + DAY_MS : e.b, keys[j]!, e.sign, 1]);
    }
    if (j === buckets.length) return;
    // Rounding is monotonic: near[j] <= near[j + 1], so these are whole grain buckets.
    for (const u of grainStarts(grain, near[j]!, near[j + 1]!)) coarse(u, keys[j]!);
  });
  return out;
}

/** For each bucket's key (and `AFTER_LAST`), the index of the bucket before it: where an edge's `y` side adds. */
export function bucketBefore(buckets: ZoneBucket[]): Map<number, number> {
  const before = new Map(buckets.slice(1).map((b, i) => [b.key, i]));
  if (buckets.length > 0) before.set(AFTER_LAST, buckets.length - 1);
  return before;
}

export interface ZoneSeries {
  from: AliasedRawBuilder<Record<string, unknown>, "r">;
  /** Whether rows carry signs `x` and `y` and unsigned measures (edges: day and week buckets off UTC, without a calendar). */
  edges: boolean;
  /** The chart buckets rows add into (`ZoneSeriesOptions.chart`). */
  chart: Chart;
}

/** The zone series source of `fact` over `w` (see above), reading the zone's local calendar where it has one. */
export async function zoneSeriesSource(db: Db, fact: Fact, f: AggregateFilter, w: Window, opts: ZoneSeriesOptions): Promise<ZoneSeries> {
  const plan = planFor(f, opts);
  const extra = opts.extra ?? [];
  const calendar = await calendarFor(db, opts.timeZone, opts.unit, w, { fact, cuboid: plan.cuboid });
  if (calendar.kind === "utc") {
    // Hour buckets, or UTC days and weeks: every row lies inside one chart bucket (rollupSource reads
    // `_1d` and `_1w` directly when they nest); key it by its read bucket.
    const keySql = sql.raw(bucketKeySql(opts.timeZone, w.from, w.to, readUnit(opts.unit)));
    const inner = rollupSource(db, fact, f, w, { group: opts.group, tagKey: opts.tagKey, extra, series: { timeZone: opts.timeZone, unit: opts.unit } });
    const from = sql<Record<string, unknown>>`(select ${keySql} as k, * from ${inner})`.as("r");
    return { from, edges: false, chart: opts.chart };
  }
  const unit = opts.unit as "day" | "week";
  const { buckets, index } = opts.chart;
  const split = signedPieces(buckets, unit);
  // [a, b, key, x, y]: x the sign in the bucket keyed `key` (an edge subtracts there), y in the one before (edges).
  const reads = {} as Record<Grain, Read[]>;
  for (const g of Object.keys(split) as Grain[]) reads[g] = split[g].map(([a, b, k, s, e]): Read => [a, b, k, e ? -s : s, e ? s : 0]);
  const local = calendar.kind === "local" ? wholeBuckets(buckets, opts.timeZone, unit) : null;
  if (local) {
    // Whole local buckets come from the calendar: drop every read (and edge side) that would land in one,
    // and key an edge's side for the bucket before by that bucket's own key: rows need no `y`.
    const before = bucketBefore(buckets);
    const cut = (i: number | undefined): i is number => i !== undefined && (i < local[0] || i > local[1]);
    for (const g of Object.keys(reads) as Grain[]) {
      reads[g] = perBucket(reads[g], g).flatMap(([a, b, k, x, y]) => {
        const [i, h] = [index.get(k), before.get(k)];
        return [...(x !== 0 && cut(i) ? [[a, b, k, x, 0] as Read] : []), ...(y !== 0 && cut(h) ? [[a, b, buckets[h]!.key, y, 0] as Read] : [])];
      });
    }
  }
  const dims = dimColumns(plan.cuboid, "t");
  const keys = factKeys(fact).map((c) => sql`t.${sql.ref(c)}`);
  const measureNames = measureColumns(fact);
  const signed = local === null;
  const measures = signed
    ? [sql`j.x as x`, sql`j.y as y`, ...measureNames.map((c) => sql`t.${sql.ref(c)} as ${sql.ref(c)}`)]
    : measureNames.map((c) => sql`j.x * t.${sql.ref(c)} as ${sql.ref(c)}`);
  const dayKey = sql`j.k + (t.bucket - j.a) / ${sql.lit(DAY_MS)} as k`;
  const cols = (g: Grain) => sql.join([g === "1d" || g === "1w" ? dayKey : sql`j.k as k`, ...dims, ...keys, ...measures]);
  const conds = [...filterConds(db, f, plan, fact), ...extra];
  const parts = (Object.keys(reads) as Grain[])
    .filter((g) => reads[g].length > 0)
    .map((g) => {
      // With the table's key filtered to a list, one entry per grain bucket, each an equality: SQLite seeks every
      // (bucket, key) pair instead of scanning all keys' rows in a range (`seeksKeys`).
      const seek = seeksKeys(f, plan, g);
      const entries = seek ? perBucket(reads[g], g) : reads[g];
      const range = seek ? [sql`t.bucket = j.a`] : [sql`t.bucket >= j.a`, sql`t.bucket < j.b`];
      // Pieces unpacked once (the subquery is not flattened: jsonIntegerRows) and kept as the outer loop
      // (joinEachRow): one index range on `bucket` per piece.
      const pieceRows = jsonIntegerRows(db, JSON.stringify(entries), ["a", "b", "k", "x", "y"]);
      return sql`select ${cols(g)} from ${joinEachRow(db, pieceRows, "j", grainTable(fact, plan.cuboid, g), "t", [...range, ...conds])}`;
    });
  if (local && calendar.kind === "local") {
    const localKeys = buckets.slice(local[0], local[1] + 1).map((b) => b.key);
    const cols = [...dims, ...keys, ...measureNames.map((c) => sql`t.${sql.ref(c)}`)];
    parts.push(localRows(calendar.id, tableName(fact, plan.cuboid, "local"), localKeys, seeksKeys(f, plan, "1d"), conds, cols));
  }
  if (parts.length === 0) return { from: sql<Record<string, unknown>>`(select ${emptyColumns(fact)} where 1 = 0)`.as("r"), edges: true, chart: opts.chart };
  return { from: sql<Record<string, unknown>>`(${sql.join(parts, sql` union all `)})`.as("r"), edges: signed, chart: opts.chart };
}

/** A read of one grain's rows over [a, b): keyed `k` (plus whole days from `a` for `1d`/`1w`), signed x and y. */
type Read = [a: number, b: number, k: number, x: number, y: number];

/** Entries split into one per grain bucket, keyed as the range would key that bucket's rows. */
function perBucket(entries: Read[], g: Grain): Read[] {
  const size = GRAIN_MS[g][0];
  const dayKeyed = g === "1d" || g === "1w";
  return entries.flatMap(([a, b, k, x, y]) => grainStarts(g, a, b).map((t): Read => [t, t + size, dayKeyed ? k + (t - a) / DAY_MS : k, x, y]));
}

function emptyColumns(fact: Fact): RawBuilder<unknown> {
  const cols = ["0 as k", ...OUT_DIMS.map((d) => `'' as ${d}`), ...[...factKeys(fact), ...measureColumns(fact)].map((c) => `0 as ${c}`), "0 as x", "0 as y"];
  return sql.raw(cols.join(", "));
}

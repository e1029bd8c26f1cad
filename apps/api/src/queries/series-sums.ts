import { sql } from "kysely";
import { type Db, numberRows, numberRowsAgg } from "@tally/shared/db";
import { bucketBefore, type ZoneSeries } from "./series.ts";

export interface SeriesCells<M extends string> {
  /** The series' values of the `by` columns, in order. */
  key: string[];
  /** Per measure, one sum per chart bucket. */
  cells: Record<M, Float64Array>;
}

/**
 * Joins a series' `by` values into one string. Only the first value may hold it (a model or customer id
 * is any string; score names are lower_snake_case), so a key splits at its last `by.length − 1` SEPs.
 */
const SEP = "\u001f";
function splitKey(id: string, n: number): string[] {
  if (n === 0) return [];
  const parts = id.split(SEP);
  const rest = parts.splice(parts.length - (n - 1));
  return [parts.join(SEP), ...rest];
}

/**
 * Every series' measures per chart bucket. The database packs the source's rows into one row per series:
 * its id and, per source row (`numberRowsAgg`), the series key `k`, for edges the signs `x` and `y`, and each
 * measure; and JavaScript adds row i's measures into its series' bucket of key k (times x), and, for edges,
 * into the bucket before it (times y). A year of days is ~13,000 cells: as one row object each,
 * handing them over cost more than reading them, and summing them by bucket in the database (a sort or a
 * hash of every row) more than adding in JavaScript. One row of arrays for all series (the id on every
 * element) cost PostgreSQL ~0.3 µs an element (json_agg): at 1M runs a year of days of quality was 50 ms
 * on PostgreSQL that way, 30 ms per series; SQLite 25 ms either way.
 * Series whose `count` measures (one or several) all net to 0 in every bucket (rows just outside the window,
 * read by an edge) are left out.
 */
export async function seriesSums<M extends string>(
  db: Db,
  src: ZoneSeries,
  by: readonly string[],
  measures: Record<M, string>,
  count: NoInfer<M> | readonly NoInfer<M>[],
): Promise<SeriesCells<M>[]> {
  const names = Object.keys(measures) as M[];
  const id = by.length > 0 ? sql.join(by.map((d) => sql.ref(d)), sql.raw(` || '${SEP}' || `)) : sql`cast('' as text)`;
  const signs = src.edges ? ["x", "y"] : [];
  const cols = names.map((m) => measures[m]);
  // One row per series (GROUP BY its id): the id once, not on every element.
  const packed = ["k", ...signs, ...cols];
  const packs = (await db
    .selectFrom(src.from)
    .select([id.as("id"), numberRowsAgg(db, packed.map((c) => sql.ref(c))).as("rows")])
    .groupBy(id)
    .execute()) as { id: unknown; rows: unknown }[];
  const width = packed.length;
  const first = 1 + signs.length; // the first measure's place in a packed row
  const { buckets, index } = src.chart;
  const before = bucketBefore(buckets);
  const counted = (typeof count === "string" ? [count] : count).map((m) => names.indexOf(m));
  const out: SeriesCells<M>[] = [];
  for (const pack of packs) {
    const rows = numberRows(pack.rows, width);
    const sums = names.map(() => new Float64Array(buckets.length));
    const add = (b: number | undefined, sign: number, row: number) => {
      if (b === undefined || sign === 0) return;
      for (let j = 0; j < names.length; j++) sums[j]![b] = sums[j]![b]! + sign * rows[row + first + j]!;
    };
    for (let row = 0; row < rows.length; row += width) {
      const k = rows[row]!;
      add(index.get(k), src.edges ? rows[row + 1]! : 1, row);
      if (src.edges) add(before.get(k), rows[row + 2]!, row);
    }
    if (!counted.some((j) => sums[j]!.some((n) => n !== 0))) continue;
    out.push({ key: splitKey(String(pack.id), by.length), cells: Object.fromEntries(names.map((m, j) => [m, sums[j]!])) as Record<M, Float64Array> });
  }
  return out;
}

import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { bucketBefore, type ZoneSeries } from "./series.ts";

export interface SeriesCells<M extends string> {
  /** The series' values of the `by` columns, in order. */
  key: string[];
  /** Per measure, one sum per chart bucket. */
  cells: Record<M, Float64Array>;
}

/**
 * Every series' measures per chart bucket. SQLite packs each series into one row of JSON arrays (`k` and
 * each measure, with edges each `_b` twin too) and JavaScript adds element i of a measure into the bucket
 * of key k[i], and of a twin into the bucket before it. A year of days is ~13,000 cells: as one row
 * object each, handing them over cost more than reading them; as three dozen rows of arrays it costs a
 * fraction. A source whose rows are about one per key and bucket (`perKey`: UTC days, weeks and hours,
 * local calendars) is packed as it is; others (edges) are grouped by key first, which leaves fewer
 * elements. Series whose `count` nets to 0 in every bucket (rows just outside the window, read by an edge)
 * are left out.
 */
export async function seriesSums<M extends string>(
  db: Db,
  src: ZoneSeries,
  by: readonly string[],
  measures: Record<M, string>,
  count: NoInfer<M>,
): Promise<SeriesCells<M>[]> {
  const names = Object.keys(measures) as M[];
  const cols = names.flatMap((m) => [{ as: m, col: measures[m] }, ...(src.edges ? [{ as: `${m}_b`, col: `${measures[m]}_b` }] : [])]);
  const grouped = db
    .selectFrom(src.from)
    .select([...by.map((d) => sql.ref(d).as(d)), sql`k`.as("k"), ...cols.map((c) => sql`sum(${sql.ref(c.col)})`.as(c.as))])
    .groupBy([...by.map((d) => sql.ref(d)), sql`k`]);
  const from = src.perKey ? src.from : (grouped.as("r") as unknown as ZoneSeries["from"]);
  const rows = (await db
    .selectFrom(from)
    .select([
      ...by.map((d) => sql.ref(d).as(d)),
      sql`json_group_array(k)`.as("k"),
      ...cols.map((c) => sql`json_group_array(${sql.ref(src.perKey ? c.col : c.as)})`.as(c.as)),
    ])
    .groupBy(by.map((d) => sql.ref(d)))
    .execute()) as Record<string, string>[];

  const { buckets, index } = src.chart;
  const before = bucketBefore(buckets);
  const c = names.indexOf(count);
  const out: SeriesCells<M>[] = [];
  for (const r of rows) {
    const keys = JSON.parse(r.k!) as number[];
    const sums = names.map(() => new Float64Array(buckets.length));
    // A part whose count is 0 adds nothing (its other measures are 0 with it, or a float residue).
    const add = (at: Map<number, number>, suffix: string) => {
      const values = names.map((m) => JSON.parse(r[`${m}${suffix}`]!) as number[]);
      for (let i = 0; i < keys.length; i++) {
        const b = at.get(keys[i]!);
        if (b === undefined || values[c]![i] === 0) continue;
        for (let j = 0; j < names.length; j++) sums[j]![b] = sums[j]![b]! + values[j]![i]!;
      }
    };
    add(index, "");
    if (src.edges) add(before, "_b");
    if (!sums[c]!.some((n) => n !== 0)) continue;
    out.push({ key: by.map((d) => r[d]!), cells: Object.fromEntries(names.map((m, j) => [m, sums[j]!])) as Record<M, Float64Array> });
  }
  return out;
}

import { sql } from "kysely";
import { type Db, readAll } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, num, type Stat, stat, type Window } from "./common.ts";
import { rollupSource } from "./source.ts";
import { type DimensionSplit, splitSource } from "./spend-by-dimension.ts";

export interface DimensionQualityRow extends Stat {
  /** The function slug, or the tag's value ('' = runs without the tag: "untagged"). */
  value: string;
  /** The score name (criterion). */
  name: string;
  /** Runs with this value in the window, and those of them with a score (any name). */
  runs: number;
  scoredRuns: number;
}

export interface QualityByDimension extends DimensionSplit {
  window: Window;
  /** Mean score with its 95% interval and n, per value × score name; by name, then value. */
  rows: DimensionQualityRow[];
}

/** `quality.byDimension`: mean, n and 95% CI per function slug or promoted tag value, per score name. */
export async function getQualityByDimension(
  db: Db,
  f: AggregateFilter & DimensionSplit & { name?: string | undefined },
): Promise<QualityByDimension> {
  const w = effectiveWindow(f);
  const { column, opts } = await splitSource(db, f);
  const [scores, runs] = await readAll(db, [
    () => db
      .selectFrom(rollupSource(db, "scores", f, w, { ...opts, extra: f.name !== undefined ? [sql`name = ${f.name}`] : [] }))
      .select([
        sql<string>`${sql.ref(column)}`.as("value"),
        sql<string>`name`.as("name"),
        sql<number>`sum(n)`.as("n"),
        sql<number>`sum(sum_value)`.as("sum"),
        sql<number>`sum(sum_sq_value)`.as("sum_sq"),
      ])
      .groupBy([sql`value`, sql`name`])
      .execute(),
    () => db
      .selectFrom(rollupSource(db, "runs", f, w, opts))
      .select([sql<string>`${sql.ref(column)}`.as("value"), sql<number>`sum(runs)`.as("runs"), sql<number>`sum(scored_runs)`.as("scored")])
      .groupBy(sql`value`)
      .execute(),
  ]);
  const byValue = new Map(runs.map((r) => [r.value, { runs: num(r.runs), scoredRuns: num(r.scored) }]));
  const rows = scores
    .filter((s) => num(s.n) > 0)
    .map((s): DimensionQualityRow => ({
      value: s.value,
      name: s.name,
      ...(byValue.get(s.value) ?? { runs: 0, scoredRuns: 0 }),
      ...stat(num(s.n), num(s.sum), num(s.sum_sq)),
    }))
    .sort((a, b) => cmp(a.name, b.name) || cmp(a.value, b.value));
  return { window: w, dimension: f.dimension, ...(f.tagKey !== undefined ? { tagKey: f.tagKey } : {}), rows };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

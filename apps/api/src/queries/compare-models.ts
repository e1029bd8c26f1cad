import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { ALPHA, t975, welchTest } from "@tally/shared";
import { type AggregateFilter, effectiveWindow, num, type Stat, stat, type Window } from "./common.ts";
import { correctedSums, reviewedPairs, seriesKey } from "./human-corrected.ts";
import { coverage, type JudgeCoverage, nameFilter, runMeasures } from "./quality.ts";
import { checkTagFilter, rollupSource } from "./source.ts";

/** Each model's mean per score name against a baseline model's: Welch's t test, its interval and p. */
export interface ModelComparison extends Stat, JudgeCoverage {
  model: string;
  name: string;
  /** mean − baseline mean for the same score name; null when either is missing. */
  diff: number | null;
  /** 95% interval of `diff`: diff ± the 97.5% quantile of Student's t with `df` · Welch standard error; null when it cannot be tested. */
  diffLow: number | null;
  diffHigh: number | null;
  /** Welch's t statistic against the baseline (diff / standard error; the field keeps its first name); null when either side has n < 2. */
  z: number | null;
  /** Welch–Satterthwaite degrees of freedom of the test; null when untested. */
  df: number | null;
  /** Two-sided p-value of Student's t with `df`, uncorrected (the page applies Holm across its comparisons); null when untested. */
  p: number | null;
  /** p < 0.05 (two-sided); null when it cannot be tested (or for the baseline itself). */
  significant: boolean | null;
}

export async function compareModels(
  db: Db,
  f: AggregateFilter & { baselineModel: string; scoreNames?: string[] | undefined; corrected?: boolean | undefined },
): Promise<{ window: Window; baselineModel: string; corrected: boolean; rows: ModelComparison[] }> {
  await checkTagFilter(db, f);
  const w = effectiveWindow(f);
  // The baseline is always read, even when a model filter leaves it out.
  const models = f.models?.length && !f.models.includes(f.baselineModel) ? [...f.models, f.baselineModel] : f.models;
  const rows = await db
    .selectFrom(rollupSource(db, "scores", { ...f, models }, w, { group: ["model"], extra: nameFilter(f.scoreNames) }))
    .select([
      "model",
      "name",
      sql<number>`sum(n)`.as("n"),
      sql<number>`sum(sum_value)`.as("sum"),
      sql<number>`sum(sum_sq_value)`.as("sum_sq"),
    ])
    .groupBy(["model", "name"])
    .orderBy("name")
    .orderBy("model")
    .execute();
  const runs = await runMeasures(db, { ...f, models }, w); // after the scores: the driver is synchronous
  // Human-corrected: a reviewed score counts its reviewers' mean instead of the judge's value (n unchanged).
  const reviewed = f.corrected ? await reviewedPairs(db, { ...f, models }, w) : null;
  const cells = rows.map((r) => {
    const c = correctedSums(reviewed?.get(seriesKey(r.model, r.name)));
    return { model: r.model, name: r.name, n: num(r.n), sum: num(r.sum) + c.sum, sumSq: num(r.sum_sq) + c.sumSq };
  });
  const out: ModelComparison[] = cells.map((c) => ({ ...versusBaseline(c, cells, f.baselineModel), ...coverage(runs.get(c.model)) }));
  return { window: w, baselineModel: f.baselineModel, corrected: f.corrected ?? false, rows: out };
}

interface ScoreCell {
  model: string;
  name: string;
  n: number;
  sum: number;
  sumSq: number;
}

function versusBaseline(c: ScoreCell, cells: ScoreCell[], baselineModel: string): Omit<ModelComparison, keyof JudgeCoverage> {
  const s = stat(c.n, c.sum, c.sumSq);
  const base = cells.find((b) => b.model === baselineModel && b.name === c.name);
  const untested = { diffLow: null, diffHigh: null, z: null, df: null, p: null, significant: null };
  if (!base || base.n === 0 || c.n === 0) return { model: c.model, name: c.name, ...s, diff: null, ...untested };
  const diff = c.sum / c.n - base.sum / base.n;
  if (c.model === baselineModel) return { model: c.model, name: c.name, ...s, diff: 0, ...untested };
  if (c.n < 2 || base.n < 2) return { model: c.model, name: c.name, ...s, diff, ...untested };
  const w = welchTest(c, base);
  // An infinite t (both spreads 0, means apart) is reported as null but is significant (p 0), its interval a point.
  if (w === null) return { model: c.model, name: c.name, ...s, diff, diffLow: diff, diffHigh: diff, z: null, df: null, p: 0, significant: true };
  const half = t975(w.df) * w.se;
  return { model: c.model, name: c.name, ...s, diff, diffLow: diff - half, diffHigh: diff + half, z: w.t, df: w.df, p: w.p, significant: w.p < ALPHA };
}

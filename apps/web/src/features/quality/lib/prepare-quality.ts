/** Quality chart data: trend lines with confidence bands, model comparison, cost vs quality. Pure. */
import { ALPHA, holm } from "@tally/shared";
import type { CoverageInput } from "./judge-spend.ts";

export interface StatInput {
  mean: number | null;
  n: number;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface TrendInput {
  buckets: readonly { start: number; end: number }[];
  series: readonly ({ model: string; name: string; points: readonly StatInput[]; changeP?: readonly (number | null)[] } & CoverageInput)[];
}

export type TrendRow = { bucket: number; end: number } & Record<string, number | null | [number, number]>;

export interface TrendLine {
  model: string;
  /**
   * Mean column; `${dataKey}_band` holds [ciLow, ciHigh] or null, `${dataKey}_n` the scores, `${dataKey}_change`
   * +1 / −1 where the mean rose / fell significantly from the previous scored bucket (Holm across every
   * bucket of every line shown), else null.
   */
  dataKey: string;
  n: number;
}

export interface PreparedTrend {
  rows: TrendRow[];
  lines: TrendLine[];
  names: string[];
  empty: boolean;
}

/** Score names present, sorted. */
export function scoreNames(input: Pick<TrendInput, "series">): string[] {
  return [...new Set(input.series.map((s) => s.name))].sort();
}

/**
 * One line per model for score `name`; a bucket without scores is null (a gap). The band is only set
 * where the interval exists (n ≥ 2).
 */
export function prepareTrend(input: TrendInput, name: string): PreparedTrend {
  const chosen = input.series
    .filter((s) => s.name === name && s.points.some((p) => p.mean !== null))
    .sort((a, b) => a.model.localeCompare(b.model));
  const lines = chosen.map((s, i) => ({ model: s.model, dataKey: `m${i}`, n: s.points.reduce((a, p) => a + p.n, 0) }));
  // One family: every change test the chart shows.
  const width = input.buckets.length;
  const adjusted = holm(chosen.flatMap((s) => input.buckets.map((_, bi) => s.changeP?.[bi] ?? null)));
  const rows = input.buckets.map((b, bi) => {
    const row = { bucket: b.start, end: b.end } as TrendRow;
    chosen.forEach((s, i) => {
      const p = s.points[bi];
      row[`m${i}`] = p?.mean ?? null;
      row[`m${i}_band`] = p && p.ciLow !== null && p.ciHigh !== null ? [p.ciLow, p.ciHigh] : null;
      row[`m${i}_n`] = p?.n ?? 0;
      const q = adjusted[i * width + bi];
      const before = s.points.slice(0, bi).reverse().find((x) => x.n >= 2)?.mean;
      row[`m${i}_change`] = q != null && q < ALPHA && p?.mean != null && before != null && p.mean !== before ? Math.sign(p.mean - before) : null;
    });
    return row;
  });
  return { rows, lines, names: scoreNames(input), empty: lines.length === 0 };
}

export interface CompareInput extends StatInput, CoverageInput {
  model: string;
  name: string;
  diff: number | null;
  diffLow?: number | null;
  diffHigh?: number | null;
  z: number | null;
  p?: number | null;
  significant: boolean | null;
}

/** The runs the mean rests on come along (`coverage()` words them). */
export interface CompareRow extends CoverageInput {
  model: string;
  mean: number;
  n: number;
  /** [mean − low, high − mean] for recharts ErrorBar; null without an interval. */
  error: [number, number] | null;
  ciLow: number | null;
  ciHigh: number | null;
  isBaseline: boolean;
  diff: number | null;
  /** 95% interval of diff (uncorrected). */
  diffLow: number | null;
  diffHigh: number | null;
  /** Holm-adjusted p-value across the comparisons shown; null when untested. */
  pAdjusted: number | null;
  /** Holm-significant at ALPHA (not the raw per-comparison test). */
  significant: boolean | null;
  verdict: "baseline" | "better" | "worse" | "no significant difference" | "below minimum difference" | "not enough data";
}

/**
 * Rows for score `name` against `baseline`. "better"/"worse" needs a Holm-adjusted p below ALPHA across the
 * comparisons shown AND |diff| ≥ minDiff (the smallest difference the user finds worth calling); a significant
 * difference smaller than that is "below minimum difference".
 */
export function prepareComparison(rows: readonly CompareInput[], name: string, baseline: string, minDiff = 0): CompareRow[] {
  const chosen = rows.filter((r) => r.name === name && r.mean !== null);
  const adjusted = holm(chosen.map((r) => (r.model === baseline ? null : (r.p ?? null))));
  return chosen
    .map((r, i): CompareRow => {
      const mean = r.mean ?? 0;
      const isBaseline = r.model === baseline;
      const pAdjusted = adjusted[i] ?? null;
      const significant = isBaseline || pAdjusted === null ? null : pAdjusted < ALPHA;
      const verdict: CompareRow["verdict"] = isBaseline
        ? "baseline"
        : significant === null
          ? "not enough data"
          : !significant
            ? "no significant difference"
            : Math.abs(r.diff ?? 0) < minDiff
              ? "below minimum difference"
              : (r.diff ?? 0) > 0
                ? "better"
                : "worse";
      const error: [number, number] | null = r.ciLow !== null && r.ciHigh !== null ? [mean - r.ciLow, r.ciHigh - mean] : null;
      return { ...r, mean, error, isBaseline, diffLow: r.diffLow ?? null, diffHigh: r.diffHigh ?? null, pAdjusted, significant, verdict };
    })
    .sort((a, b) => Number(b.isBaseline) - Number(a.isBaseline) || b.mean - a.mean || a.model.localeCompare(b.model));
}

/** The default baseline: the model with the most scores for `name`. */
export function defaultBaseline(rows: readonly CompareInput[], name: string): string | null {
  const best = rows.filter((r) => r.name === name && r.n > 0).sort((a, b) => b.n - a.n || a.model.localeCompare(b.model))[0];
  return best?.model ?? null;
}

export interface CostQualityInput extends CoverageInput {
  model: string;
  runs: number;
  costPerRunMicros: number | null;
  meanScore: number | null;
  passing: number;
  scored: number;
  costPerPassingRunMicros: number | null;
  unpricedCalls: number;
}

export interface ScatterPoint {
  model: string;
  /** Cost per run, micro-USD. */
  x: number;
  /** Mean score, 0–1. */
  y: number;
  runs: number;
  passRate: number | null;
  costPerPassingRunMicros: number | null;
}

/** Models with both a cost and a score are plotted; the others are listed with the reason. */
export function prepareScatter(rows: readonly CostQualityInput[]): { points: ScatterPoint[]; omitted: { model: string; reason: string }[] } {
  const points: ScatterPoint[] = [];
  const omitted: { model: string; reason: string }[] = [];
  for (const r of rows) {
    if (r.meanScore === null) omitted.push({ model: r.model, reason: "no scores" });
    else if (r.costPerRunMicros === null) omitted.push({ model: r.model, reason: r.unpricedCalls > 0 ? "unpriced" : "no runs" });
    else
      points.push({
        model: r.model,
        x: r.costPerRunMicros,
        y: r.meanScore,
        runs: r.runs,
        passRate: r.scored > 0 ? r.passing / r.scored : null,
        costPerPassingRunMicros: r.costPerPassingRunMicros,
      });
  }
  return { points: points.sort((a, b) => a.model.localeCompare(b.model)), omitted };
}

import { sql } from "kysely";
import { type Db, readAll, scoreBin, SPEND_PARTS } from "@tally/shared/db";
import { addMoney, type AggregateFilter, costPerRun, effectiveWindow, runCostPerRun, money, num, type Stat, stat, type Window } from "./common.ts";
import { type Corrections, correctedSums, humanCorrections, type ReviewedPair, reviewedPairs, seriesKey } from "./human-corrected.ts";
import { changePValues } from "./quality-changes.ts";
import { zoneSeriesSource } from "./series.ts";
import { seriesSums } from "./series-sums.ts";
import { checkTagFilter, rollupSource } from "./source.ts";
import { type BucketUnit, chartBuckets } from "./chart-buckets.ts";

const { agent: AGENT, judge: JUDGE } = SPEND_PARTS;

/**
 * What a model's statistics rest on, over the same window and filters (run rollups, keyed by the judged model):
 * of `runs`, `scoredRuns` have a score; `unsampledRuns` were left out of the judge's sample and
 * `judgeSkippedRuns` were not judged because the day's judge budget was reached (neither is a zero score).
 */
export interface JudgeCoverage {
  runs: number;
  scoredRuns: number;
  unsampledRuns: number;
  judgeSkippedRuns: number;
}

export interface RunMeasures extends JudgeCoverage {
  judgeSpend: number;
  judgePricedCalls: number;
  judgeUnpricedCalls: number;
}

/** The run rollups' measures per model over the window (model → measures). */
export async function runMeasures(db: Db, f: AggregateFilter, w: Window): Promise<Map<string, RunMeasures>> {
  const rows = await db
    .selectFrom(rollupSource(db, "runs", f, w, { group: ["model"] }))
    .select([
      "model",
      sql<number>`sum(runs)`.as("runs"),
      sql<number>`sum(scored_runs)`.as("scored"),
      sql<number>`sum(unsampled_runs)`.as("unsampled"),
      sql<number>`sum(judge_skipped_runs)`.as("skipped"),
      sql<number>`sum(${sql.ref(JUDGE.cost)})`.as("judge_spend"),
      sql<number>`sum(${sql.ref(JUDGE.priced)})`.as("judge_priced"),
      sql<number>`sum(${sql.ref(JUDGE.unpriced)})`.as("judge_unpriced"),
    ])
    .groupBy("model")
    .execute();
  return new Map(
    rows.map((r) => [
      r.model,
      {
        runs: num(r.runs),
        scoredRuns: num(r.scored),
        unsampledRuns: num(r.unsampled),
        judgeSkippedRuns: num(r.skipped),
        judgeSpend: num(r.judge_spend),
        judgePricedCalls: num(r.judge_priced),
        judgeUnpricedCalls: num(r.judge_unpriced),
      },
    ]),
  );
}

export const coverage = (m: RunMeasures | undefined): JudgeCoverage => ({
  runs: m?.runs ?? 0,
  scoredRuns: m?.scoredRuns ?? 0,
  unsampledRuns: m?.unsampledRuns ?? 0,
  judgeSkippedRuns: m?.judgeSkippedRuns ?? 0,
});

export interface QualitySeries extends JudgeCoverage {
  model: string;
  name: string;
  /** Human-corrected trend: the judge scores of the series replaced by their reviewers' mean (0 otherwise). */
  humanScores: number;
  /** Aligned with `buckets`; a bucket without scores has mean null and n 0 ("not scored", not zero). */
  points: Stat[];
  /** Aligned with `buckets`: raw p-value of the change from the previous scored bucket (`changePValues`). */
  changeP: (number | null)[];
}

export interface QualityTrend {
  window: Window;
  /** Whether reviewers' scores replace the judge's where present (`human-corrected.ts`). */
  corrected: boolean;
  bucket: BucketUnit;
  buckets: { start: number; end: number }[];
  series: QualitySeries[];
}

export const nameFilter = (names: string[] | undefined) => (names?.length ? [sql`name in (${sql.join(names)})`] : []);

/** `cells` with `added` added in place (the cells are this read's own). */
function plus(cells: Float64Array, added: Float64Array | undefined): Float64Array {
  if (added) for (let i = 0; i < cells.length; i++) cells[i] = cells[i]! + added[i]!;
  return cells;
}

/** One `stat` per bucket. Plain loops: a year of days of quality is ~13,000 points (Array.from with a map cost ~5×). */
function stats(sums: { n: Float64Array; sum: Float64Array; sumSq: Float64Array }): Stat[] {
  const out = new Array<Stat>(sums.n.length);
  for (let i = 0; i < out.length; i++) out[i] = stat(sums.n[i]!, sums.sum[i]!, sums.sumSq[i]!);
  return out;
}

export async function getQualityTrend(
  db: Db,
  f: AggregateFilter & { bucket: BucketUnit; scoreNames?: string[] | undefined; corrected?: boolean | undefined },
): Promise<QualityTrend> {
  await checkTagFilter(db, f);
  const w = effectiveWindow(f);
  const chart = chartBuckets(f.timeZone, w.from, w.to, f.bucket);
  const src = await zoneSeriesSource(db, "scores", f, w, { group: ["model"], extra: nameFilter(f.scoreNames), timeZone: f.timeZone, unit: f.bucket, chart });
  const [rows, runs, human] = await readAll(db, [
    () => seriesSums(db, src, ["model", "name"], { n: "n", sum: "sum_value", sum_sq: "sum_sq_value" }, "n"),
    () => runMeasures(db, f, w),
    async () => (f.corrected ? await humanCorrections(db, f, w, chart) : new Map<string, Corrections>()),
  ]);
  const series = rows
    .map(({ key: [model, name], cells }) => {
      const c = human.get(seriesKey(model!, name!));
      const sums = { n: cells.n, sum: plus(cells.sum, c?.sum), sumSq: plus(cells.sum_sq, c?.sumSq) };
      return {
        model: model!,
        name: name!,
        ...coverage(runs.get(model!)),
        humanScores: c?.replaced ?? 0,
        points: stats(sums),
        changeP: changePValues(sums),
      };
    })
    .sort((a, b) => a.model.localeCompare(b.model) || a.name.localeCompare(b.name));
  return { window: w, corrected: f.corrected ?? false, bucket: f.bucket, buckets: chart.buckets.map((b) => ({ start: b.start, end: b.end })), series };
}

export interface CostQualityRow extends JudgeCoverage {
  model: string;
  /**
   * Priced agent spend of the model (the judge's spend on its runs is `judgeSpendMicros`);
   * null when none of its agent calls is priced, never $0. `unpricedCalls` beside it: the agent calls left out.
   */
  agentSpendMicros: number | null;
  unpricedCalls: number;
  /** Runs with a priced agent line of this model, each once. */
  pricedRuns: number;
  /** The one cost per run (`runCostPerRun`): (agentSpendMicros + judgeSpendMicros) / pricedRuns; null without a priced run. */
  costPerRunMicros: number | null;
  meanScore: number | null;
  scored: number;
  /** Scores of `scoreName` at or above the threshold (one per judgement). */
  passing: number;
  /**
   * (agentSpendMicros + judgeSpendMicros) / passing, on the basis of `costPerRunMicros`: what the model spent,
   * judge included, per run that passed. Null when nothing passed, without a priced run, and when any agent or
   * judge call on the model is unpriced (the passing runs cannot be split into priced and unpriced ones, so a
   * partial spend over every passing run would understate it).
   */
  costPerPassingRunMicros: number | null;
  /**
   * The judge's priced spend on this model's runs (judge lines keyed by the judged model, whatever model the
   * judge is); null when none of those judge calls is priced. `judgeUnpricedCalls`: the judge calls left out.
   */
  judgeSpendMicros: number | null;
  judgeUnpricedCalls: number;
  /**
   * judgeSpendMicros / scoredRuns (failed and repaired judge calls included: what a scored run costs to get);
   * null without a scored run, and when any judge call on the model is unpriced (a partial spend would understate it).
   */
  judgeCostPerScoredRunMicros: number | null;
}

export async function getCostVsQuality(
  db: Db,
  f: AggregateFilter & { scoreName: string; threshold: number; corrected?: boolean | undefined },
): Promise<{ window: Window; scoreName: string; threshold: number; corrected: boolean; rows: CostQualityRow[] }> {
  await checkTagFilter(db, f);
  const w = effectiveWindow(f);
  const bin = Math.round(f.threshold * 100);
  const [usage, runs, scores, passing, reviewed] = await readAll(db, [
    () => db
      .selectFrom(rollupSource(db, "usage", f, w, { group: ["model"], extra: [AGENT.rows] }))
      .select([
        "model",
        sql<number>`sum(${sql.ref(AGENT.cost)})`.as("spend"),
        sql<number>`sum(${sql.ref(AGENT.priced)})`.as("priced"),
        sql<number>`sum(${sql.ref(AGENT.unpriced)})`.as("unpriced"),
        sql<number>`sum(priced_runs)`.as("priced_runs"),
      ])
      .groupBy("model")
      .execute(),
    () => runMeasures(db, f, w),
    () => db
      .selectFrom(rollupSource(db, "scores", f, w, { group: ["model"], extra: [sql`name = ${f.scoreName}`] }))
      .select(["model", sql<number>`sum(n)`.as("n"), sql<number>`sum(sum_value)`.as("sum")])
      .groupBy("model")
      .execute(),
    () => db
      .selectFrom(rollupSource(db, "score_bins", f, w, { group: ["model"], extra: [sql`name = ${f.scoreName}`, sql`bin >= ${bin}`] }))
      .select(["model", sql<number>`sum(n)`.as("n")])
      .groupBy("model")
      .execute(),
    async () => (f.corrected ? await reviewedPairs(db, { ...f, scoreNames: [f.scoreName] }, w) : new Map<string, ReviewedPair[]>()),
  ]);
  const models = [...new Set([...usage, ...scores].map((r) => r.model).concat([...runs.keys()]))].sort();
  const rows = models.map((model): CostQualityRow => {
    const u = usage.find((r) => r.model === model);
    const m = runs.get(model);
    const judgeSpend = money(m?.judgeSpend, m?.judgePricedCalls);
    const judgeUnpriced = m?.judgeUnpricedCalls ?? 0;
    const s = scores.find((r) => r.model === model);
    // Human-corrected: a reviewed score counts its reviewers' mean, in the mean and in passing.
    const pairs = reviewed.get(seriesKey(model, f.scoreName)) ?? [];
    const pass = num(passing.find((r) => r.model === model)?.n) + pairs.reduce((d, p) => d + Number(scoreBin(p.human) >= bin) - Number(scoreBin(p.judge) >= bin), 0);
    const spend = money(u?.spend, u?.priced);
    const pricedRuns = num(u?.priced_runs);
    const unpriced = num(u?.unpriced);
    const n = num(s?.n);
    return {
      model,
      agentSpendMicros: spend,
      unpricedCalls: unpriced,
      pricedRuns,
      costPerRunMicros: runCostPerRun(spend, judgeSpend, pricedRuns),
      meanScore: n > 0 ? (num(s?.sum) + correctedSums(pairs).sum) / n : null,
      scored: n,
      passing: pass,
      costPerPassingRunMicros: unpriced === 0 && judgeUnpriced === 0 && pricedRuns > 0 ? costPerRun(addMoney(spend, judgeSpend), pass) : null,
      ...coverage(m),
      judgeSpendMicros: judgeSpend,
      judgeUnpricedCalls: judgeUnpriced,
      judgeCostPerScoredRunMicros: judgeUnpriced === 0 ? costPerRun(judgeSpend, m?.scoredRuns ?? 0) : null,
    };
  });
  return { window: w, scoreName: f.scoreName, threshold: f.threshold, corrected: f.corrected ?? false, rows };
}

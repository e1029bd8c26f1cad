/** Judge spend and what quality statistics rest on (issue 23). Pure: components only render. */
import { LOCALE, num, percent } from "../../../lib/format.ts";

/** How many runs a statistic rests on, as the quality procedures answer per row. */
export interface CoverageInput {
  /** Every run of the model(s) in the window and filters. */
  runs: number;
  scoredRuns: number;
  /** Left out by sampling ("not sampled", never a zero score). */
  unsampledRuns: number;
  /** Left unjudged because the day's judge budget was reached. */
  judgeSkippedRuns: number;
}

export interface Coverage {
  /** "based on 412 of 1,030 runs: 50% sampled, 8 skipped by budget"; the parts after the colon only when not all were judged. */
  text: string;
  /** The same in short parts for a table cell: ["412 of 1,030 runs", "50% sampled", "8 skipped by budget"]. */
  parts: string[];
}

/** Sums coverage rows (e.g. every model of a chart). */
export function sumCoverage(rows: readonly CoverageInput[]): CoverageInput {
  return rows.reduce(
    (a, r) => ({
      runs: a.runs + r.runs,
      scoredRuns: a.scoredRuns + r.scoredRuns,
      unsampledRuns: a.unsampledRuns + r.unsampledRuns,
      judgeSkippedRuns: a.judgeSkippedRuns + r.judgeSkippedRuns,
    }),
    { runs: 0, scoredRuns: 0, unsampledRuns: 0, judgeSkippedRuns: 0 },
  );
}

/**
 * The fraction a statistic rests on: scored runs of every run. The sampled share is taken over the runs
 * that reached the judge's gate (scored, not sampled, skipped by budget), so runs never deferred to
 * "score" do not lower it.
 */
export function coverage(c: CoverageInput, locale = LOCALE): Coverage {
  const gate = c.scoredRuns + c.unsampledRuns + c.judgeSkippedRuns;
  const of = Math.max(c.runs, c.scoredRuns);
  const sampledShare = gate > 0 ? (gate - c.unsampledRuns) / gate : null;
  const parts: string[] = [];
  if (c.unsampledRuns > 0 && sampledShare !== null) parts.push(`${percent(sampledShare, locale, sampledShare > 0 && sampledShare < 0.1 ? 1 : 0)} sampled`);
  if (c.judgeSkippedRuns > 0) parts.push(`${num(c.judgeSkippedRuns, locale)} skipped by budget`);
  const count = `${num(c.scoredRuns, locale)} of ${num(of, locale)} run${of === 1 ? "" : "s"}`;
  const text = `based on ${count}${parts.length ? `: ${parts.join(", ")}` : ""}`;
  return { text, parts: [count, ...parts] };
}

/** What a trend chart's lines rest on: the models with a line for score `name` (some mean), summed. */
export function trendCoverage(
  series: readonly (CoverageInput & { name: string; points: readonly { mean: number | null }[] })[],
  name: string,
  locale = LOCALE,
): Coverage {
  return coverage(sumCoverage(series.filter((s) => s.name === name && s.points.some((p) => p.mean !== null))), locale);
}

/** `judge.status`: today's judge spend in the reporting zone against the daily budget. */
export interface JudgeStatusInput {
  sampleRate: number;
  dailyBudgetMicros: number | null;
  /** Priced judge spend today; null when no judge call today is priced. */
  todayMicros: number | null;
  todayJudgeCalls: number;
  todayUnpricedCalls: number;
  skippedToday: number;
  day: string;
  timeZone: string;
}

export interface JudgeToday {
  /** Today's priced spend over the budget (0 without priced spend); null without a budget. */
  use: number | null;
  /** The budget is reached: scoring stops calling the judge until the next day. */
  reached: boolean;
}

/** Unpriced judge calls count nothing toward a budget in USD. */
export function judgeToday(s: JudgeStatusInput): JudgeToday {
  const use = s.dailyBudgetMicros ? (s.todayMicros ?? 0) / s.dailyBudgetMicros : null;
  return { use, reached: use !== null && use >= 1 };
}

/** costVsQuality's row, the fields the judge spend table reads. */
export interface JudgeModelInput extends CoverageInput {
  model: string;
  agentSpendMicros: number | null;
  unpricedCalls: number;
  judgeSpendMicros: number | null;
  judgeUnpricedCalls: number;
  judgeCostPerScoredRunMicros: number | null;
}

/** Models the judge looked at (or left out), most judge spend first; models it never saw are not listed. */
export function judgeModels<T extends JudgeModelInput>(rows: readonly T[]): T[] {
  return rows
    .filter((r) => r.judgeSpendMicros !== null || r.judgeUnpricedCalls > 0 || r.scoredRuns + r.unsampledRuns + r.judgeSkippedRuns > 0)
    .sort((a, b) => (b.judgeSpendMicros ?? -1) - (a.judgeSpendMicros ?? -1) || a.model.localeCompare(b.model));
}

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
  scored: number;
  /** The runs the statistic could have rested on (every run of the model(s)). */
  of: number;
  /** Runs that reached the gate (scored, not sampled, skipped by budget) that were in the sample; null without any. */
  sampledShare: number | null;
  skipped: number;
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
  return { scored: c.scoredRuns, of, sampledShare, skipped: c.judgeSkippedRuns, text, parts: [count, ...parts] };
}

/** `judge.status`: today's judge spend in the reporting zone against the daily budget. */
export interface JudgeStatusInput {
  sampleRate: number;
  dailyBudgetMicros: number | null;
  /** Priced judge spend today; null when no judge call today is priced. */
  todayMicros: number | null;
  todayJudgeCalls: number;
  skippedToday: number;
  day: string;
  timeZone: string;
}

export interface JudgeToday {
  /** Today's priced spend over the budget; null without a budget (or without priced spend). */
  use: number | null;
  /** Width of the budget bar, 0–100. */
  barPercent: number;
  /** The budget is reached: scoring stops calling the judge until the next day. */
  reached: boolean;
  /** "2026-12-03 (UTC)". */
  dayLabel: string;
}

export function judgeToday(s: JudgeStatusInput): JudgeToday {
  const spent = s.todayMicros ?? 0; // unpriced calls count nothing toward a budget in USD
  const budget = s.dailyBudgetMicros;
  const use = budget !== null && budget > 0 && s.todayMicros !== null ? s.todayMicros / budget : null;
  return {
    use,
    barPercent: budget === null ? 0 : Math.min(100, Math.max(0, (use ?? 0) * 100)),
    reached: budget !== null && spent >= budget,
    dayLabel: `${s.day} (${s.timeZone})`,
  };
}

/** costVsQuality's row, the fields the judge spend table reads. */
export interface JudgeModelInput extends CoverageInput {
  model: string;
  agentSpendMicros: number | null;
  unpricedCalls: number;
  costPerRunMicros: number | null;
  judgeSpendMicros: number | null;
  judgeUnpricedCalls: number;
  judgeCostPerScoredRunMicros: number | null;
}

export interface JudgeModelRow extends JudgeModelInput {
  coverage: Coverage;
  /** Judge spend over agent spend; null unless both are priced in full (a partial figure would mislead). */
  judgeShareOfAgent: number | null;
}

/** Models the judge looked at (or left out), most judge spend first; models it never saw are not listed. */
export function judgeModels(rows: readonly JudgeModelInput[], locale = LOCALE): JudgeModelRow[] {
  return rows
    .filter((r) => r.judgeSpendMicros !== null || r.judgeUnpricedCalls > 0 || r.scoredRuns + r.unsampledRuns + r.judgeSkippedRuns > 0)
    .map((r) => ({
      ...r,
      coverage: coverage(r, locale),
      judgeShareOfAgent:
        r.judgeSpendMicros !== null && r.agentSpendMicros !== null && r.agentSpendMicros > 0 && r.judgeUnpricedCalls === 0 && r.unpricedCalls === 0
          ? r.judgeSpendMicros / r.agentSpendMicros
          : null,
    }))
    .sort((a, b) => (b.judgeSpendMicros ?? -1) - (a.judgeSpendMicros ?? -1) || a.model.localeCompare(b.model));
}

/** "100%" / "12.5%": a sample rate 0–1 as the dashboard shows it. */
export function rateLabel(rate: number, locale = LOCALE): string {
  return percent(rate, locale, Number.isInteger(rate * 100) ? 0 : 2);
}

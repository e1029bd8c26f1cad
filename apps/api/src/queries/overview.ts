import { sql } from "kysely";
import { type Db, readAll, SPEND_PARTS } from "@tally/shared/db";
import { type AggregateFilter, addMoney, effectiveWindow, money, num, pricedRunsPerModel, previousWindow, runCostPerRun, type Window } from "./common.ts";
import { checkTagFilter, rollupSource } from "./source.ts";

const { judge: JUDGE } = SPEND_PARTS;

export interface PeriodFigures {
  window: Window;
  /**
   * Priced usage only, each null when none of its calls is priced (unpriced is never $0); the unpriced calls
   * beside them (`unpricedCalls`, `agentUnpricedCalls`, `judgeUnpricedCalls`) say what is left out.
   */
  spendMicros: { total: number | null; agent: number | null; judge: number | null };
  runs: number;
  scoredRuns: number;
  /** Runs with a priced agent line, each once; under a model filter, once per model (`costPerRun` in common.ts). */
  pricedRuns: number;
  /** The one cost per run (`runCostPerRun`): (agent + judge priced spend on the runs) / priced runs; null without a priced run. */
  costPerRunMicros: number | null;
  unpricedCalls: number;
  agentUnpricedCalls: number;
  judgeUnpricedCalls: number;
  unpricedTokens: number;
  scores: { name: string; mean: number; n: number }[];
}

export interface Summary {
  current: PeriodFigures;
  previous: PeriodFigures;
}

/** Totals for the window and for the previous period of equal length, from the rollups. */
export async function getSummary(db: Db, f: AggregateFilter): Promise<Summary> {
  await checkTagFilter(db, f);
  const w = effectiveWindow(f);
  const [current, previous] = await readAll(db, [() => figures(db, f, w), () => figures(db, f, previousWindow(w))]);
  return { current, previous };
}

async function figures(db: Db, f: AggregateFilter, w: Window): Promise<PeriodFigures> {
  const [usage, runs, scores] = await readAll(db, [
    () => db
      .selectFrom(rollupSource(db, "usage", f, w))
      .select([
        "kind",
        sql<number>`sum(cost_micros)`.as("spend"),
        sql<number>`sum(priced_calls)`.as("priced_calls"),
        sql<number>`sum(unpriced_calls)`.as("unpriced_calls"),
        sql<number>`sum(unpriced_tokens)`.as("unpriced_tokens"),
        sql<number>`sum(priced_runs)`.as("priced_runs"),
      ])
      .groupBy("kind")
      .execute(),
    () => db
      .selectFrom(rollupSource(db, "runs", f, w))
      .select([
        sql<number>`sum(runs)`.as("runs"),
        sql<number>`sum(priced_runs)`.as("priced_runs"),
        sql<number>`sum(scored_runs)`.as("scored"),
        sql<number>`sum(${sql.ref(JUDGE.cost)})`.as("judge_spend"),
        sql<number>`sum(${sql.ref(JUDGE.priced)})`.as("judge_priced"),
        sql<number>`sum(${sql.ref(JUDGE.unpriced)})`.as("judge_unpriced"),
      ])
      .executeTakeFirst(),
    () => db
      .selectFrom(rollupSource(db, "scores", f, w))
      .select(["name", sql<number>`sum(n)`.as("n"), sql<number>`sum(sum_value)`.as("sum")])
      .groupBy("name")
      .orderBy("name")
      .execute(),
  ]);

  const ofKind = (kind: string) => usage.find((u) => u.kind === kind);
  const agentUsage = ofKind("agent"); // SPEND_PARTS.agent: the usage lines of kind 'agent'
  const judgeUsage = ofKind("judge");
  const agent = money(agentUsage?.spend, agentUsage?.priced_calls);
  // The judge's spend on the window's runs, keyed by the judged model (run rollups): under a model filter, the
  // judge's spend on those models' runs, whatever model the judge is.
  const judge = money(runs?.judge_spend, runs?.judge_priced);
  const judgeUnpriced = num(runs?.judge_unpriced);
  const total = addMoney(agent, judge);
  // Each priced run once (run rollups); under a model filter, the runs with a priced line of those models.
  const pricedRuns = pricedRunsPerModel(f) ? num(agentUsage?.priced_runs) : num(runs?.priced_runs);
  return {
    window: w,
    spendMicros: { total, agent, judge },
    runs: num(runs?.runs),
    scoredRuns: num(runs?.scored),
    pricedRuns,
    costPerRunMicros: runCostPerRun(agent, judge, pricedRuns),
    unpricedCalls: num(agentUsage?.unpriced_calls) + judgeUnpriced,
    agentUnpricedCalls: num(agentUsage?.unpriced_calls),
    judgeUnpricedCalls: judgeUnpriced,
    // Token counts are on usage lines only: under a model filter, the judge's unpriced tokens are not known by judged model.
    unpricedTokens: num(agentUsage?.unpriced_tokens) + (f.models?.length ? 0 : num(judgeUsage?.unpriced_tokens)),
    scores: scores.filter((s) => num(s.n) > 0).map((s) => ({ name: s.name, mean: num(s.sum) / num(s.n), n: num(s.n) })),
  };
}

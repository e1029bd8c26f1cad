import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { type AggregateFilter, addMoney, costPerRun, effectiveWindow, money, num, previousWindow, type Window } from "./common.ts";
import { rollupSource } from "./source.ts";

export interface PeriodFigures {
  window: Window;
  /**
   * Priced usage only, each null when none of its calls is priced (unpriced is never $0); the unpriced calls
   * beside them (`unpricedCalls`, `agentUnpricedCalls`, `judgeUnpricedCalls`) say what is left out.
   */
  spendMicros: { total: number | null; agent: number | null; judge: number | null };
  runs: number;
  scoredRuns: number;
  /** Runs whose agent usage is priced (priced agent lines: `costPerRun` in common.ts). */
  pricedRuns: number;
  /** Total priced spend / priced runs; null without a priced run. */
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
  const w = effectiveWindow(f);
  const [current, previous] = await Promise.all([figures(db, f, w), figures(db, f, previousWindow(w))]);
  return { current, previous };
}

async function figures(db: Db, f: AggregateFilter, w: Window): Promise<PeriodFigures> {
  const usage = await db
    .selectFrom(rollupSource("usage", f, w))
    .select([
      "kind",
      sql<number>`sum(cost_micros)`.as("spend"),
      sql<number>`sum(priced_calls)`.as("priced_calls"),
      sql<number>`sum(unpriced_calls)`.as("unpriced_calls"),
      sql<number>`sum(unpriced_tokens)`.as("unpriced_tokens"),
    ])
    .groupBy("kind")
    .execute();
  const runs = await db
    .selectFrom(rollupSource("runs", f, w))
    .select([sql<number>`sum(runs)`.as("runs"), sql<number>`sum(scored_runs)`.as("scored")])
    .executeTakeFirst();
  const scores = await db
    .selectFrom(rollupSource("scores", f, w))
    .select(["name", sql<number>`sum(n)`.as("n"), sql<number>`sum(sum_value)`.as("sum")])
    .groupBy("name")
    .orderBy("name")
    .execute();

  const ofKind = (kind: string) => usage.find((u) => u.kind === kind);
  const agentUsage = ofKind("agent");
  const judgeUsage = ofKind("judge");
  const agent = money(agentUsage?.spend, agentUsage?.priced_calls);
  const judge = money(judgeUsage?.spend, judgeUsage?.priced_calls);
  const total = addMoney(agent, judge);
  const pricedRuns = num(agentUsage?.priced_calls);
  return {
    window: w,
    spendMicros: { total, agent, judge },
    runs: num(runs?.runs),
    scoredRuns: num(runs?.scored),
    pricedRuns,
    costPerRunMicros: costPerRun(total, pricedRuns),
    unpricedCalls: usage.reduce((s, u) => s + num(u.unpriced_calls), 0),
    agentUnpricedCalls: num(agentUsage?.unpriced_calls),
    judgeUnpricedCalls: num(judgeUsage?.unpriced_calls),
    unpricedTokens: usage.reduce((s, u) => s + num(u.unpriced_tokens), 0),
    scores: scores.filter((s) => num(s.n) > 0).map((s) => ({ name: s.name, mean: num(s.sum) / num(s.n), n: num(s.n) })),
  };
}

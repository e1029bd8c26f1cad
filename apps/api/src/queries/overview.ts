import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, num, previousWindow, type Window } from "./common.ts";
import { rollupSource } from "./source.ts";

export interface PeriodFigures {
  window: Window;
  /** Priced usage only; unpriced usage is counted below, never folded in as $0. */
  spendMicros: { total: number; agent: number; judge: number };
  runs: number;
  scoredRuns: number;
  /** Total priced spend / runs; null without runs. */
  costPerRunMicros: number | null;
  unpricedCalls: number;
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

  const agent = num(usage.find((u) => u.kind === "agent")?.spend);
  const judge = num(usage.find((u) => u.kind === "judge")?.spend);
  const runCount = num(runs?.runs);
  return {
    window: w,
    spendMicros: { total: agent + judge, agent, judge },
    runs: runCount,
    scoredRuns: num(runs?.scored),
    costPerRunMicros: runCount > 0 ? (agent + judge) / runCount : null,
    unpricedCalls: usage.reduce((s, u) => s + num(u.unpriced_calls), 0),
    unpricedTokens: usage.reduce((s, u) => s + num(u.unpriced_tokens), 0),
    scores: scores.filter((s) => num(s.n) > 0).map((s) => ({ name: s.name, mean: num(s.sum) / num(s.n), n: num(s.n) })),
  };
}

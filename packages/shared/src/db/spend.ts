import { type RawBuilder, sql } from "kysely";

/**
 * Spend as every figure counts it (the Spend page and its charts, statements, the overview, cost against
 * quality, the money alerts): two parts, read from two rollup facts and added.
 * - `agent`: the agent's usage lines, in the usage rollups at each line's own time, model and customer.
 * - `judge`: the judge's spend on a run, in the run rollups at the JUDGED run's time, model, customer,
 *   function and tags, whatever model the judge is.
 * The judge's own usage lines (usage kind 'judge') are keyed by the judge's model and the call's time: they
 * are the judge's bill by judge model (spend.byModel's judgeModels), never added to spend by run.
 * Unpriced calls add nothing to `cost` and are counted apart (`unpriced`): never $0.
 */
export type SpendPart = "agent" | "judge";

export interface SpendPartSpec {
  fact: "usage" | "runs";
  /** Micro-dollars of the part's priced calls. */
  cost: string;
  priced: string;
  unpriced: string;
  /**
   * The fact's rows that hold this part. For `agent` it is part of the definition (the usage rollups hold
   * judge lines too); for `judge` it only skips run rows without a judge call (the part's sums are the same
   * without it, so a read that also sums the runs themselves leaves it out).
   */
  rows: RawBuilder<unknown>;
}

export const SPEND_PARTS: Readonly<Record<SpendPart, SpendPartSpec>> = {
  agent: { fact: "usage", cost: "cost_micros", priced: "priced_calls", unpriced: "unpriced_calls", rows: sql`kind = 'agent'` },
  judge: { fact: "runs", cost: "judge_cost_micros", priced: "judge_priced_calls", unpriced: "judge_unpriced_calls", rows: sql`judge_priced_calls + judge_unpriced_calls > 0` },
};

/** The parts in the order figures list them (agent first). */
export const SPEND_PART_NAMES: readonly SpendPart[] = ["agent", "judge"];

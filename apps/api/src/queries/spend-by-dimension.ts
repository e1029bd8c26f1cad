import type { Db } from "@tally/shared/db";
import type { DimensionInput } from "@tally/shared";
import { type AggregateFilter, addMoney, effectiveWindow, money, num, pricedRunsPerModel, runCostPerRun, type Window } from "./common.ts";
import { checkTagFilter } from "./source.ts";
import { spendTotals } from "./spend-timeseries.ts";

/** A breakdown's split: the function cuboid's slug, or one promoted tag key's values in the tag cuboid. */
export interface DimensionSplit {
  dimension: DimensionInput;
  /** With dimension "tag": the promoted key (a pending or unpromoted key is a 400: `checkTagFilter`). */
  tagKey?: string | undefined;
}

/**
 * The rollup column a split groups on and the source options that read it, after the 400s of a tag key
 * (or a `tags` filter) that is not promoted, still filling, or not the one the split groups by.
 */
export async function splitSource(db: Db, f: AggregateFilter & DimensionSplit) {
  const tagKey = f.dimension === "tag" ? f.tagKey : undefined;
  await checkTagFilter(db, f, tagKey);
  const column = f.dimension === "function" ? ("function_slug" as const) : ("tag_value" as const);
  return { column, opts: { group: [column], tagKey } };
}

export interface DimensionSpend {
  /** Priced agent + judge spend; null when none of it is priced (never $0: `unpricedCalls` says what is left out). */
  spendMicros: number | null;
  agentSpendMicros: number | null;
  /** The judge's priced spend on these runs (run rollups, keyed by the run's function and tags). */
  judgeSpendMicros: number | null;
  /** Agent and judge calls, priced or not. */
  calls: number;
  unpricedCalls: number;
  agentUnpricedCalls: number;
  judgeUnpricedCalls: number;
  runs: number;
  /** Runs whose agent usage is priced (priced agent lines: `costPerRun` in common.ts). */
  pricedRuns: number;
  /** The one cost per run (`runCostPerRun`); null without a priced run. */
  costPerRunMicros: number | null;
}

export interface DimensionSpendRow extends DimensionSpend {
  /** The function slug, or the tag's value ('' = runs without the tag: "untagged"). */
  value: string;
  /** Share of the window's total priced spend; null when that total is not positive. */
  share: number | null;
}

export interface SpendByDimension extends DimensionSplit {
  window: Window;
  /** Over every row, also those past `limit`. */
  totals: DimensionSpend & { rows: number };
  /** By priced spend, largest first (unpriced-only rows last), ties by value; at most `limit`. */
  rows: DimensionSpendRow[];
}

/** `spend.byDimension`: spend.byModel's figures per function slug or per value of a promoted tag. */
export async function getSpendByDimension(db: Db, f: AggregateFilter & DimensionSplit & { limit: number }): Promise<SpendByDimension> {
  const w = effectiveWindow(f);
  const { column, opts } = await splitSource(db, f);
  const { agent, judge } = await spendTotals(db, f, w, column, opts.tagKey);

  const parts = new Map<string, Parts>();
  const part = (value: string): Parts => {
    let p = parts.get(value);
    if (!p) {
      p = { ...NO_PARTS };
      parts.set(value, p);
    }
    return p;
  };
  const perModel = pricedRunsPerModel(f);
  for (const u of agent) {
    Object.assign(part(u.key), { agentCalls: num(u.agent_calls), agent: num(u.agent), agentPriced: num(u.agent_priced), agentUnpriced: num(u.agent_unpriced) });
    if (perModel) part(u.key).pricedRuns = num(u.agent_priced_runs);
  }
  for (const r of judge) {
    Object.assign(part(r.key), { runs: num(r.runs), judge: num(r.judge), judgePriced: num(r.judge_priced), judgeUnpriced: num(r.judge_unpriced) });
    if (!perModel) part(r.key).pricedRuns = num(r.priced_runs);
  }

  const all = [...parts].map(([value, p]) => ({ value, ...figures(p) }));
  const sum = [...parts.values()].reduce(addParts, { ...NO_PARTS });
  const totals = { ...figures(sum), rows: all.length };
  const total = totals.spendMicros;
  const rows = all
    .map((r): DimensionSpendRow => ({ ...r, share: total !== null && total > 0 && r.spendMicros !== null ? r.spendMicros / total : null }))
    .sort((a, b) => (b.spendMicros ?? -Infinity) - (a.spendMicros ?? -Infinity) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, f.limit);
  return { window: w, dimension: f.dimension, ...(f.tagKey !== undefined ? { tagKey: f.tagKey } : {}), totals, rows };
}

/** The summed rollup measures of one row (or of all): money is made from them once, at the end. */
interface Parts {
  agentCalls: number;
  agent: number;
  agentPriced: number;
  agentUnpriced: number;
  runs: number;
  /** Runs with a priced agent line, each once (the run rollups' priced_runs). */
  pricedRuns: number;
  judge: number;
  judgePriced: number;
  judgeUnpriced: number;
}
const NO_PARTS: Parts = { agentCalls: 0, agent: 0, agentPriced: 0, agentUnpriced: 0, runs: 0, pricedRuns: 0, judge: 0, judgePriced: 0, judgeUnpriced: 0 };
const addParts = (a: Parts, b: Parts): Parts =>
  Object.fromEntries(Object.keys(NO_PARTS).map((k) => [k, a[k as keyof Parts] + b[k as keyof Parts]])) as unknown as Parts;

function figures(p: Parts): DimensionSpend {
  const agentSpendMicros = money(p.agent, p.agentPriced);
  const judgeSpendMicros = money(p.judge, p.judgePriced);
  return {
    spendMicros: addMoney(agentSpendMicros, judgeSpendMicros),
    agentSpendMicros,
    judgeSpendMicros,
    calls: p.agentCalls + p.judgePriced + p.judgeUnpriced,
    unpricedCalls: p.agentUnpriced + p.judgeUnpriced,
    agentUnpricedCalls: p.agentUnpriced,
    judgeUnpricedCalls: p.judgeUnpriced,
    runs: p.runs,
    pricedRuns: p.pricedRuns,
    costPerRunMicros: runCostPerRun(agentSpendMicros, judgeSpendMicros, p.pricedRuns),
  };
}

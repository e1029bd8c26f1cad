import { sql } from "kysely";
import { customerBudgets, type Db, type PeriodBudget, readAll } from "@tally/shared/db";
import {
  type AggregateFilter,
  addMoney,
  runCostPerRun,
  decodeCursor,
  effectiveWindow,
  encodeCursor,
  money,
  num,
  pricedRunsPerModel,
  type Window,
} from "./common.ts";
import { checkTagFilter, type Dim, onlyKeys, rollupSource } from "./source.ts";
import { spendCells, spendTotals } from "./spend-timeseries.ts";
import { monthsIn, pickBucket } from "@tally/shared";
import { type BucketUnit, type Chart, chartBuckets } from "./chart-buckets.ts";

type SortKey = "spend" | "runs" | "costPerRun" | "share" | "customerId" | "model";

export interface BreakdownInput extends AggregateFilter {
  sort: SortKey;
  direction: "asc" | "desc";
  limit: number;
  cursor?: string | undefined;
  /** false: rows carry `sparkline: []` and the answer no buckets (totals only). Default true. */
  sparklines?: boolean | undefined;
}

interface BreakdownRow {
  key: string;
  /** Priced spend; null when none of the row's usage is priced (unpricedCalls says how much is not). */
  spendMicros: number | null;
  /** Priced agent / judge spend; null when none of that kind's calls is priced (the unpriced count beside it). */
  agentSpendMicros: number | null;
  judgeSpendMicros: number | null;
  runs: number;
  /** Runs with a priced agent line (`costPerRun` in common.ts): by model, those with a priced line of that model. */
  pricedRuns: number;
  /** Priced spend / priced runs; null without a priced run. */
  costPerRunMicros: number | null;
  unpricedCalls: number;
  agentUnpricedCalls: number;
  judgeUnpricedCalls: number;
  /** Share of the window's total priced spend; null when that total is 0. */
  share: number | null;
  /** Priced spend per `bucket` in the viewer's zone, aligned with `buckets`; null = nothing priced then. */
  sparkline: (number | null)[];
}

export interface CustomerSpendRow extends Omit<BreakdownRow, "key"> {
  /** '' = unattributed. */
  customerId: string;
  name: string | null;
  /** The monthly budget of the calendar month holding the window's end (in force at that month's end); null: none. */
  budgetMicros: number | null;
  /** The budget for `budgetPeriod`, month by month (`customerBudgets`); null unless every month of it has one. */
  periodBudgetMicros: number | null;
  /** Some months of `budgetPeriod` have a budget and some none: no period budget, but not "never budgeted". */
  budgetPartial: boolean;
}

export interface ModelSpendRow extends Omit<BreakdownRow, "key"> {
  model: string;
}

export interface Breakdown<Row> {
  window: Window;
  /** spendMicros: null when nothing in the window is priced. */
  totals: { spendMicros: number | null; runs: number; pricedRuns: number; unpricedCalls: number; rows: number };
  /** The sparklines' bucket: the one the dashboard charts this window in (`pickBucket`). */
  bucket: BucketUnit;
  buckets: { start: number; end: number }[];
  rows: Row[];
  nextCursor: string | null;
}

export interface CustomerBreakdown extends Breakdown<CustomerSpendRow> {
  /** What the rows' `periodBudgetMicros` cover: the input's `budgetPeriod`, else the window; its calendar months in the zone (fractional). */
  budgetPeriod: { from: number; to: number; months: number };
}

export async function getSpendByCustomer(db: Db, f: BreakdownInput & { budgetPeriod?: { from: number; to: number } | undefined }): Promise<CustomerBreakdown> {
  const b = await breakdown(db, f, "customer_id");
  const ids = b.rows.map((r) => r.key);
  const period = f.budgetPeriod ?? b.window;
  // Names and budgets together: the budget of the month holding the window's end (a past month is measured against its own), and the period's, month by month.
  const budgets = ids.length ? await customerBudgets(db, ids, { at: f.to - 1, period, timeZone: f.timeZone }) : new Map<string, PeriodBudget>();
  const rows = b.rows.map(({ key, ...r }) => {
    const budget = budgets.get(key);
    return { ...r, customerId: key, name: budget?.name ?? null, budgetMicros: budget?.monthly ?? null, periodBudgetMicros: budget?.period ?? null, budgetPartial: budget?.partial ?? false };
  });
  return { ...b, rows, budgetPeriod: { from: period.from, to: period.to, months: monthsIn(period.from, period.to, f.timeZone) } };
}

/** What one judge model cost (usage lines of kind 'judge', keyed by the judge's own model). */
export interface JudgeModelSpend {
  model: string;
  /** Priced spend; null when none of its calls is priced (never $0). */
  spendMicros: number | null;
  unpricedCalls: number;
  calls: number;
}

export interface ModelBreakdown extends Breakdown<ModelSpendRow> {
  /**
   * The judges' own spend by judge model, over the same window and filters (a model filter names the JUDGED
   * models: the judge lines on their runs). Its total equals the sum of the rows' `judgeSpendMicros`.
   */
  judgeModels: JudgeModelSpend[];
}

export async function getSpendByModel(db: Db, f: BreakdownInput): Promise<ModelBreakdown> {
  const [b, judgeModels] = await readAll(db, [() => breakdown(db, f, "model"), () => judgeModelSpend(db, f)]);
  return { ...b, rows: b.rows.map(({ key, ...r }) => ({ ...r, model: key })), judgeModels };
}

async function judgeModelSpend(db: Db, f: AggregateFilter): Promise<JudgeModelSpend[]> {
  // The judge fact keys each judge line by its run (the judged model, customer and bucket), like the rows'
  // judge spend, so every filter reads rollups and the total equals the rows' judgeSpendMicros.
  const rows = await db
    .selectFrom(rollupSource(db, "judge", f, effectiveWindow(f)))
    .select([
      sql<string>`judge_model`.as("model"),
      sql<number>`sum(cost_micros)`.as("spend"),
      sql<number>`sum(priced_calls)`.as("priced"),
      sql<number>`sum(unpriced_calls)`.as("unpriced"),
    ])
    .groupBy(sql`judge_model`)
    .execute();
  return rows
    .map((r) => ({ model: r.model, spendMicros: money(r.spend, r.priced), unpricedCalls: num(r.unpriced), calls: num(r.priced) + num(r.unpriced) }))
    .filter((r) => r.calls > 0)
    .sort((a, b) => a.model.localeCompare(b.model));
}

interface Cursor {
  v: number | string | null;
  k: string;
}
const isCursor = (v: unknown): v is Cursor =>
  typeof v === "object" && v !== null && typeof (v as Cursor).k === "string" && "v" in v;

/**
 * Spend rows by `dim` (model, customer, function slug, or a promoted tag's values with `tagKey`), paged and
 * sorted, with sparklines: spend.byModel and spend.byCustomer; `breakdown(db, f, "tag_value", "plan")` is by tag.
 */
export async function breakdown(db: Db, f: BreakdownInput, dim: Dim, tagKey?: string): Promise<Breakdown<BreakdownRow>> {
  await checkTagFilter(db, f, tagKey);
  const w = effectiveWindow(f);
  const cursor = decodeCursor(f.cursor, isCursor);
  // Agent spend from the usage rollups; the judge's spend from the run rollups, keyed by the JUDGED run's
  // model and customer (issue 17 §3): a judge model is not a row, `judgeModels` says what each judge cost.
  const { agent: usage, judge: runs } = await spendTotals(db, f, w, dim, tagKey);

  const rows = new Map<string, BreakdownRow>();
  const row = (key: string): BreakdownRow => {
    let r = rows.get(key);
    if (!r) {
      r = {
        key, spendMicros: null, agentSpendMicros: null, judgeSpendMicros: null, runs: 0, pricedRuns: 0, costPerRunMicros: null,
        unpricedCalls: 0, agentUnpricedCalls: 0, judgeUnpricedCalls: 0, share: null, sparkline: [],
      };
      rows.set(key, r);
    }
    return r;
  };
  const perModel = pricedRunsPerModel(f, dim);
  for (const u of usage) {
    const r = row(u.key);
    r.agentSpendMicros = money(u.agent, u.agent_priced);
    if (perModel) r.pricedRuns = num(u.agent_priced_runs); // the runs with a priced line of the model(s), each once per model
    r.agentUnpricedCalls = num(u.agent_unpriced);
  }
  for (const x of runs) {
    const r = row(x.key);
    r.runs = num(x.runs);
    if (!perModel) r.pricedRuns = num(x.priced_runs); // each priced run once
    r.judgeSpendMicros = money(x.judge, x.judge_priced);
    r.judgeUnpricedCalls = num(x.judge_unpriced);
  }
  for (const r of rows.values()) {
    r.spendMicros = addMoney(r.agentSpendMicros, r.judgeSpendMicros);
    r.unpricedCalls = r.agentUnpricedCalls + r.judgeUnpricedCalls;
  }
  const all = [...rows.values()];
  const total = all.reduce<number | null>((s, r) => addMoney(s, r.spendMicros), null);
  for (const r of all) {
    r.costPerRunMicros = runCostPerRun(r.agentSpendMicros, r.judgeSpendMicros, r.pricedRuns);
    r.share = total !== null && total > 0 && r.spendMicros !== null ? r.spendMicros / total : null;
  }

  const value = (r: BreakdownRow): number | string | null =>
    f.sort === "spend" ? r.spendMicros
    : f.sort === "runs" ? r.runs
    : f.sort === "costPerRun" ? r.costPerRunMicros
    : f.sort === "share" ? r.share
    : r.key;
  const sign = f.direction === "asc" ? 1 : -1;
  // Total order: the sort value (nulls last in either direction), then the key ascending.
  const cmp = (a: { v: number | string | null; k: string }, b: { v: number | string | null; k: string }) => {
    if (a.v !== b.v) {
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      return (a.v < b.v ? -1 : 1) * sign;
    }
    return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
  };
  const sorted = all.map((r) => ({ r, v: value(r), k: r.key })).sort(cmp);
  const after = cursor ? sorted.filter((x) => cmp(x, cursor) > 0) : sorted;
  const page = after.slice(0, f.limit);
  const last = page[page.length - 1];
  const nextCursor = after.length > f.limit && last ? encodeCursor({ v: last.v, k: last.k }) : null;

  const bucket = pickBucket(w);
  const chart = chartBuckets(f.timeZone, w.from, w.to, bucket);
  const pageRows = page.map((x) => x.r);
  const withSparklines = f.sparklines !== false;
  if (withSparklines) await fillSparklines(db, f, w, dim, tagKey, bucket, chart, pageRows, pageRows.length === all.length);
  return {
    window: w,
    totals: {
      spendMicros: total,
      runs: all.reduce((s, r) => s + r.runs, 0),
      pricedRuns: all.reduce((s, r) => s + r.pricedRuns, 0),
      unpricedCalls: all.reduce((s, r) => s + r.unpricedCalls, 0),
      rows: all.length,
    },
    bucket,
    buckets: withSparklines ? chart.buckets.map((b) => ({ start: b.start, end: b.end })) : [],
    rows: pageRows,
    nextCursor,
  };
}

async function fillSparklines(
  db: Db,
  f: AggregateFilter,
  w: Window,
  dim: Dim,
  tagKey: string | undefined,
  unit: BucketUnit,
  chart: Chart,
  rows: BreakdownRow[],
  everyRow: boolean,
): Promise<void> {
  for (const r of rows) r.sparkline = Array.from({ length: chart.buckets.length }, () => null);
  if (rows.length === 0) return;
  // A page holding every row (the dashboard asks for all) reads without a filter listing them all.
  const keys = rows.map((r) => r.key);
  const pageFilter = everyRow ? f : onlyKeys(f, dim, keys);
  const byKey = new Map(rows.map((r) => [r.key, r.sparkline]));
  for (const { key: [key], cells } of await spendCells(db, pageFilter, w, { group: [dim], tagKey, timeZone: f.timeZone, unit, chart })) {
    const line = byKey.get(key!);
    if (!line) continue;
    for (let i = 0; i < line.length; i++) if (cells.priced_calls[i]! > 0) line[i] = cells.cost_micros[i]!;
  }
}

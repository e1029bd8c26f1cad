/** The Spend page's customers table: search, sort, paginate, budget use and budget states. Pure. */
import { type BudgetState, budgetState, type Forecast, nearOrOver } from "./prepare-budget.ts";

export interface CustomerInput {
  customerId: string;
  name: string | null;
  spendMicros: number | null;
  runs: number;
  costPerRunMicros: number | null;
  unpricedCalls: number;
  /** The monthly budget of the month holding the window's end. */
  budgetMicros: number | null;
  /** The budget for the period (`budgetBasis`), month by month from the API: each month's budget × its share; null unless every month has one. */
  periodBudgetMicros: number | null;
  /** Some months of the period have a budget and some none. */
  budgetPartial: boolean;
}

export interface CustomerView extends CustomerInput {
  label: string;
  /** Priced spend in the period / the period's budget; null without a budget or without priced spend. */
  budgetUse: number | null;
  /** near from the budget rule's warning threshold, over from 100% (`budgetState`). */
  budgetState: BudgetState;
  /** This month's month-end forecast (only when the period is the current month), and whether it ends over budget. */
  forecast: Forecast | null;
  forecastOver: boolean;
  /** The current month with a known spend but no forecast yet: its first full day has not ended. */
  forecastPending: boolean;
}

/** What the budget rules and the month's forecast say of a customer (`warningAt`, `alerts.budgets`). */
export interface BudgetFacts {
  warnAt: number | null;
  forecast: Forecast | null;
  forecastPending: boolean;
}
const NO_FACTS: BudgetFacts = { warnAt: null, forecast: null, forecastPending: false };

export const CUSTOMER_SORTS = ["spend", "runs", "costPerRun", "budgetUse", "name"] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

export interface TableState {
  q: string;
  sort: CustomerSort;
  dir: "asc" | "desc";
  page: number;
  pageSize: number;
  /** The "over or near budget" filter (`budget=near` in the URL). */
  near: boolean;
}

/** The customers table's page sizes (URL `size`); the first is the default. */
export const CUSTOMER_PAGE_SIZES = [20, 50, 100] as const;

export function parseTableState(p: URLSearchParams, defaultPageSize: number = CUSTOMER_PAGE_SIZES[0]): TableState {
  const size = Number(p.get("size"));
  const pageSize = (CUSTOMER_PAGE_SIZES as readonly number[]).includes(size) ? size : defaultPageSize;
  const sort = (CUSTOMER_SORTS as readonly string[]).includes(p.get("sort") ?? "") ? (p.get("sort") as CustomerSort) : "spend";
  const dir = p.get("dir") === "asc" ? "asc" : p.get("dir") === "desc" ? "desc" : sort === "name" ? "asc" : "desc";
  const page = Math.max(1, Math.floor(Number(p.get("page")) || 1));
  return { q: (p.get("q") ?? "").slice(0, 100), sort, dir, page, pageSize, near: p.get("budget") === "near" };
}

export function customerName(id: string, name: string | null): string {
  if (id === "") return "unattributed";
  return name ?? id;
}

/** The search box's rule (the CSV export applies the same one server-side): label or id contains the text, any case. */
export function matchesSearch(v: { label: string; customerId: string }, query: string): boolean {
  const q = query.trim().toLowerCase();
  return q === "" || v.label.toLowerCase().includes(q) || v.customerId.toLowerCase().includes(q);
}

export interface PreparedTable {
  rows: CustomerView[];
  /** Rows after search, before paging. */
  matched: number;
  /** Every matched row's customer id, in the table's order (what the CSV export is limited to under the budget filter). */
  matchedIds: string[];
  /** Exact sums over every matched row (integer micro-USD; null when none of them has priced spend). */
  matchedTotal: { spendMicros: number | null; runs: number; unpricedCalls: number };
  page: number;
  pages: number;
}

export function prepareCustomers(
  input: readonly CustomerInput[],
  s: TableState,
  budgetOf: (customerId: string) => BudgetFacts = () => NO_FACTS,
): PreparedTable {
  const views: CustomerView[] = input.map((r) => {
    const periodBudget = r.periodBudgetMicros;
    const budgetUse = periodBudget !== null && periodBudget > 0 && r.spendMicros !== null ? r.spendMicros / periodBudget : null;
    const facts = periodBudget === null ? NO_FACTS : budgetOf(r.customerId);
    const forecastOver = facts.forecast !== null && r.budgetMicros !== null && facts.forecast.micros > r.budgetMicros;
    return {
      ...r,
      label: customerName(r.customerId, r.name),
      budgetUse,
      budgetState: periodBudget === null ? "none" : budgetState(budgetUse, facts.warnAt),
      forecast: facts.forecast,
      forecastOver,
      forecastPending: facts.forecastPending,
    };
  });
  const matched = views.filter((v) => matchesSearch(v, s.q) && (!s.near || nearOrOver(v.budgetState, v.forecastOver)));
  const value = (v: CustomerView): number | string | null =>
    s.sort === "spend" ? v.spendMicros
    : s.sort === "runs" ? v.runs
    : s.sort === "costPerRun" ? v.costPerRunMicros
    : s.sort === "budgetUse" ? v.budgetUse
    : v.label.toLowerCase();
  const sign = s.dir === "asc" ? 1 : -1;
  const sorted = [...matched].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x !== y) {
      if (x === null) return 1; // nulls last either way
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    }
    return a.customerId.localeCompare(b.customerId);
  });
  const pages = Math.max(1, Math.ceil(sorted.length / s.pageSize));
  const page = Math.min(s.page, pages);
  const matchedTotal = { spendMicros: null as number | null, runs: 0, unpricedCalls: 0 };
  for (const v of matched) {
    if (v.spendMicros !== null) matchedTotal.spendMicros = (matchedTotal.spendMicros ?? 0) + v.spendMicros;
    matchedTotal.runs += v.runs;
    matchedTotal.unpricedCalls += v.unpricedCalls;
  }
  return { rows: sorted.slice((page - 1) * s.pageSize, page * s.pageSize), matched: sorted.length, matchedIds: sorted.map((v) => v.customerId), matchedTotal, page, pages };
}

/** Sparkline points: null (no usage that day) stays a gap. */
export function sparklinePath(points: readonly (number | null)[], width: number, height: number): string {
  const max = Math.max(0, ...points.map((p) => p ?? 0));
  if (points.length === 0) return "";
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  let d = "";
  let pen = false;
  points.forEach((p, i) => {
    if (p === null) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (max > 0 ? height - (p / max) * (height - 2) - 1 : height - 1).toFixed(1);
    d += `${pen ? "L" : "M"}${x},${y}`;
    pen = true;
  });
  return d;
}

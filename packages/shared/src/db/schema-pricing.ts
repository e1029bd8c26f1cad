/**
 * Repricing (migration 0010): durable jobs that reprice recorded usage lines in batches, and each line's price
 * history. Override changes themselves are kept in `audit_log` (prices.upsert / prices.update / prices.remove).
 * Budgets as they change (migration 0027).
 */
export interface PricingTables {
  reprice_jobs: RepriceJobTable;
  usage_cost_history: UsageCostHistoryTable;
  customer_budget_history: CustomerBudgetHistoryTable;
}

/** A customer's monthly budget from `effective_from` on (null: none), written by customers.upsert when it changes. */
export interface CustomerBudgetHistoryTable {
  customer_id: string;
  effective_from: number;
  monthly_budget_micros: number | null;
}

export type RepriceJobStatus = "pending" | "running" | "done" | "failed";

export interface RepriceJobTable {
  id: string;
  status: RepriceJobStatus;
  /** JSON: which lines (`repriceScope` in @tally/shared: model, provider, from, to). */
  scope: string;
  /** Why: `override` (an override added, changed or removed), `catalog` (a refreshed catalog), `manual`. */
  reason: string;
  created_by: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  lines_total: number;
  lines_done: number;
  lines_changed: number;
  /**
   * The last line processed, as JSON `[model, id]` (lines go model by model, in id order within a model: ranges
   * of the usage_costs (model, id) index): where a resumed job carries on. NULL before the first batch.
   */
  cursor: string | null;
  /** Totals over the scope: priced micro-USD and unpriced lines, before the job and after it. */
  before_micros: number;
  after_micros: number;
  before_unpriced: number;
  after_unpriced: number;
  error: string | null;
}

/** One repriced line: what it cost before and after one job (PK usage_id + job_id: a line is repriced once per job). */
export interface UsageCostHistoryTable {
  usage_id: string;
  job_id: string;
  cost_micros_before: number | null;
  price_source_before: string;
  cost_micros_after: number | null;
  price_source_after: string;
  at: number;
}

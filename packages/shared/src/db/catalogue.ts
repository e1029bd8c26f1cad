import type { Grain } from "./time.ts";

/**
 * The rollup catalogue: every fact Tally sums, its measures, and the cuboids (sets of dimensions) and
 * grains it is kept at. Writers (`bump`), readers (`rollupSource`), local calendars and the drift test
 * derive table names, key columns and measure lists from here. Adding a measure or a dimension is a
 * declaration here plus a migration (which freezes its own DDL; `catalogue-drift.test.ts` checks that
 * the migrated schema equals what this module declares).
 */
export type Fact = "runs" | "usage" | "scores" | "score_bins";
export type Dimension = "model" | "customer_id" | "function_slug" | "tag_key" | "tag_value";
export type ColumnType = "text" | "integer" | "bigint" | "double precision";

export interface FactSpec {
  /** Key columns of the fact itself (after bucket and the cuboid's dimensions). */
  keys: readonly (readonly [name: string, type: ColumnType])[];
  /** Summed columns; the first is the count (a row whose count is back to 0 holds nothing and is deleted). */
  measures: readonly (readonly [name: string, type: ColumnType])[];
}

export const FACTS: Record<Fact, FactSpec> = {
  runs: {
    keys: [],
    measures: [
      ["runs", "bigint"], ["scored_runs", "bigint"], ["unsampled_runs", "bigint"], ["judge_skipped_runs", "bigint"],
      ["judge_cost_micros", "bigint"], ["judge_priced_calls", "bigint"], ["judge_unpriced_calls", "bigint"],
    ],
  },
  usage: {
    keys: [["kind", "text"]],
    measures: [
      ["calls", "bigint"], ["input_tokens", "bigint"], ["output_tokens", "bigint"], ["cache_read_tokens", "bigint"],
      ["cache_write_tokens", "bigint"], ["reasoning_tokens", "bigint"], ["cost_micros", "bigint"],
      ["priced_calls", "bigint"], ["unpriced_calls", "bigint"], ["unpriced_tokens", "bigint"],
    ],
  },
  scores: { keys: [["name", "text"]], measures: [["n", "bigint"], ["sum_value", "double precision"], ["sum_sq_value", "double precision"]] },
  score_bins: { keys: [["name", "text"], ["bin", "integer"]], measures: [["n", "bigint"]] },
};

export type CuboidId = "model" | "customer" | "model_customer" | "function" | "tag";

export interface CuboidSpec {
  /** Dimensions in key order (after bucket): a filter on the leading ones seeks. */
  dims: readonly Dimension[];
  grains: readonly Grain[];
  /** Kept per local calendar too (usage and scores only: what zone series read). */
  local: boolean;
}

/**
 * The 15-minute model × customer rows are the base tables `rollup_<fact>_15m` (runs also keyed by
 * function_slug there, for history). A cuboid without a grain reads it from the base table.
 */
export const CUBOIDS: Record<CuboidId, CuboidSpec> = {
  model: { dims: ["model"], grains: ["1h", "6h", "1d", "1w", "4w"], local: true },
  customer: { dims: ["customer_id"], grains: ["1h", "6h", "1d", "1w", "4w"], local: true },
  model_customer: { dims: ["model", "customer_id"], grains: ["15m", "1h", "6h", "1d", "1w", "4w"], local: true },
  function: { dims: ["function_slug", "model", "customer_id"], grains: ["15m", "1h", "6h", "1d", "1w", "4w"], local: false },
  tag: { dims: ["tag_key", "tag_value", "model", "customer_id"], grains: ["15m", "1h", "6h", "1d", "1w", "4w"], local: false },
};

/** The facts kept per local calendar. */
export const LOCAL_FACTS: readonly Fact[] = ["usage", "scores"];

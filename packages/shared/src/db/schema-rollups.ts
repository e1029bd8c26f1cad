import type { ColumnType } from "kysely";
import type { CuboidId, Fact } from "./catalogue.ts";
import type { UsageKind } from "./schema.ts";
import type { Grain } from "./time.ts";

/**
 * The rollup tables: the base tables (model × customer at 15 minutes), the local calendars, the promoted tag
 * keys, and every other table of the catalogue (catalogue.ts), typed from the catalogue's names.
 */
export interface RollupTables extends Projections {
  rollup_runs_15m: RollupRuns15mTable;
  rollup_usage_15m: RollupUsage15mTable;
  rollup_scores_15m: RollupScores15mTable;
  rollup_score_bins_15m: RollupScoreBins15mTable;
  rollup_judge_15m: RollupJudge15mTable;
  rollup_calendars: RollupCalendarTable;
  rollup_tag_keys: RollupTagKeyTable;
  judge_activity_15m: JudgeActivity15mTable;
}

/**
 * The judge's activity per 15-minute UTC bucket of WHEN it happened (the function's clock, 0021), what the
 * daily judge budget and judge.status count: calls made, their priced cost, priced and unpriced calls, and
 * runs skipped for the budget. Judge lines and run rollups are keyed by the run's time instead.
 */
export interface JudgeActivity15mTable {
  bucket: number;
  calls: number;
  cost_micros: number;
  priced_calls: number;
  unpriced_calls: number;
  budget_skips: number;
}

interface RollupKey {
  /** Start of the 15-minute UTC bucket, epoch ms. */
  bucket: number;
  model: string;
  customer_id: string;
}

/** A 0009 measure: NOT NULL DEFAULT 0. */
type RunMeasure = ColumnType<number, number | undefined, number>;

export interface RollupRuns15mTable extends RollupKey {
  function_slug: string;
  runs: number;
  scored_runs: number;
  /** Runs the judge was not called for: left out of the sample, or past the day's judge budget (0009). */
  unsampled_runs: RunMeasure;
  judge_skipped_runs: RunMeasure;
  /**
   * The judge's spend on these runs, keyed by the run's (judged) model: priced lines' sum and the call counts
   * (each judge usage line of the run counts once; 0 cost with no priced call means unpriced, never $0).
   */
  judge_cost_micros: RunMeasure;
  judge_priced_calls: RunMeasure;
  judge_unpriced_calls: RunMeasure;
  /** 1 for a run with a priced agent usage line, so priced runs count once whatever models they called (0025). */
  priced_runs: RunMeasure;
}

export interface RollupUsage15mTable extends RollupKey {
  kind: UsageKind;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Sum over priced lines only. */
  cost_micros: number;
  priced_calls: number;
  unpriced_calls: number;
  unpriced_tokens: number;
  /**
   * 1 on an agent line that is its run's first priced line of its model (earliest `occurred_at`, then id), so
   * the runs with a priced line of a model count once each however many lines of it they report (0026).
   */
  priced_runs: RunMeasure;
}

export interface RollupScores15mTable extends RollupKey {
  name: string;
  n: number;
  sum_value: number;
  sum_sq_value: number;
}

/** Score histogram: `bin` = floor(round(value * 1e6) / 10000), 0..100 (see `scoreBin`). */
export interface RollupScoreBins15mTable extends RollupKey {
  name: string;
  bin: number;
  n: number;
}

/** The judge's spend on runs (0015): keyed by the judged run's bucket, model and customer, and the judge model. */
export interface RollupJudge15mTable extends RollupKey {
  judge_model: string;
  calls: number;
  /** Sum over priced lines only. */
  cost_micros: number;
  priced_calls: number;
  unpriced_calls: number;
}

/** A promoted tag key (TALLY_TAG_KEYS, 0013): pending while `filled_to` is set, complete when null. */
export interface RollupTagKeyTable {
  tag_key: string;
  filled_to: number | null;
  added_at: number;
}

/** A local calendar (migration 0005): day or week buckets in a time zone (`syncCalendars`, `wantCalendar`). */
export interface RollupCalendarTable {
  id: ColumnType<number, number | undefined, never>;
  time_zone: string;
  unit: "day" | "week";
  created_at: number;
  /** 0006: every 15-minute bucket before this is in the calendar; NULL when all are (complete, read). */
  filled_to: number | null;
  /** 0006: configured (TALLY_TIME_ZONES) or added for the requests that asked for the zone. */
  source: ColumnType<"config" | "auto", "config" | "auto" | undefined, "config" | "auto">;
  /** 0006: when a request last asked for this zone (auto calendars unused for long are dropped). */
  used_at: number | null;
}

/**
 * Every rollup table but the base ones, as the catalogue (catalogue.ts) names them: `rollup_<fact>_<cuboid>_<grain>`
 * for each cuboid's UTC grains (model × customer at 15 minutes is the base table), and
 * `rollup_<fact>_<cuboid>_local` for the local calendars (`bucket` is the local day number of the day, or of
 * the week's Monday). `bucket` is the start of the grain's bucket. Written with the base row in one transaction.
 */
type Projections = {
  [K in ProjectionId as K extends `${infer F}:${infer C}:${infer G}` ? `rollup_${F}_${C}_${G}` : never]: K extends `${infer F extends Fact}:${infer C extends CuboidId}:${infer G}`
    ? (G extends "local" ? { calendar: number } : unknown) & { bucket: number } & CuboidKeys[C] & FactColumns[F]
    : never;
};
/** Each cuboid's UTC grains (catalogue CUBOIDS) and the local ones (LOCAL_FACTS × local cuboids). */
type CuboidGrain<C extends CuboidId> = C extends "model" | "customer" ? Exclude<Grain, "15m"> : C extends "model_customer" ? Exclude<Grain, "15m"> : Grain;
type ProjectionId =
  | { [F in Fact]: { [C in CuboidId]: `${F}:${C}:${CuboidGrain<C>}` }[CuboidId] }[Fact]
  | `${"usage" | "scores" | "runs"}:${"model" | "customer" | "model_customer" | "function_model" | "function_customer" | "tag_model" | "tag_customer"}:local`;
interface CuboidKeys {
  model: { model: string };
  customer: { customer_id: string };
  model_customer: { model: string; customer_id: string };
  function_only: { function_slug: string };
  tag_only: { tag_key: string; tag_value: string };
  function_model: { function_slug: string; model: string };
  tag_model: { tag_key: string; tag_value: string; model: string };
  function_customer: { function_slug: string; customer_id: string };
  tag_customer: { tag_key: string; tag_value: string; customer_id: string };
  function: { function_slug: string; model: string; customer_id: string };
  tag: { tag_key: string; tag_value: string; model: string; customer_id: string };
}
/** A fact's own keys and measures (the base tables' columns beyond bucket, model, customer and function). */
interface FactColumns {
  runs: RunMeasures;
  usage: UsageMeasures;
  scores: ScoreMeasures;
  score_bins: BinMeasures;
  judge: Omit<RollupJudge15mTable, "bucket" | "model" | "customer_id">;
}
type RunMeasures = Omit<RollupRuns15mTable, "bucket" | "model" | "customer_id" | "function_slug">;
type UsageMeasures = Omit<RollupUsage15mTable, "bucket" | "model" | "customer_id">;
type ScoreMeasures = Omit<RollupScores15mTable, "bucket" | "model" | "customer_id">;
type BinMeasures = Omit<RollupScoreBins15mTable, "bucket" | "model" | "customer_id">;

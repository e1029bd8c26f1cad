import { type QueryExecutorProvider, sql } from "kysely";
import { clusteredTableSuffix, engineOf } from "./dialect.ts";
import type { Grain } from "./time.ts";

/**
 * The rollup catalogue: every fact Tally sums, its measures, and the cuboids (sets of dimensions) and
 * grains it is kept at. Writers (`bump`), readers (`rollupSource`), local calendars and the drift test
 * derive table names, key columns and measure lists from here. Adding a measure or a dimension is a
 * declaration here plus a migration (which freezes its own DDL; `catalogue-drift.test.ts` checks that
 * the migrated schema equals what this module declares).
 */
export type Fact = "runs" | "usage" | "scores" | "score_bins" | "judge";
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
      // 1 for a run with an agent usage line that has a price (0025): what "priced runs" count once per run.
      ["priced_runs", "bigint"],
    ],
  },
  usage: {
    keys: [["kind", "text"]],
    measures: [
      ["calls", "bigint"], ["input_tokens", "bigint"], ["output_tokens", "bigint"], ["cache_read_tokens", "bigint"],
      ["cache_write_tokens", "bigint"], ["reasoning_tokens", "bigint"], ["cost_micros", "bigint"],
      ["priced_calls", "bigint"], ["unpriced_calls", "bigint"], ["unpriced_tokens", "bigint"],
      // 1 on a run's first priced agent line of a model (0026): the runs with a priced line of a model, each once.
      ["priced_runs", "bigint"],
    ],
  },
  scores: { keys: [["name", "text"]], measures: [["n", "bigint"], ["sum_value", "double precision"], ["sum_sq_value", "double precision"]] },
  score_bins: { keys: [["name", "text"], ["bin", "integer"]], measures: [["n", "bigint"]] },
  /**
   * The judge's spend on runs by judge model, keyed like the run rollups (the JUDGED run's bucket, model,
   * customer, function and tags): what each judge cost on the runs a filter selects (spend.byModel's
   * judgeModels); the usage rollups key a judge line by the judge's own model and the line's time.
   */
  judge: {
    keys: [["judge_model", "text"]],
    measures: [["calls", "bigint"], ["cost_micros", "bigint"], ["priced_calls", "bigint"], ["unpriced_calls", "bigint"]],
  },
};

export type CuboidId = "model" | "customer" | "model_customer" | "function_only" | "tag_only" | "function_model" | "tag_model" | "function_customer" | "tag_customer" | "function" | "tag";

export interface CuboidSpec {
  /** Dimensions in key order (after bucket): a filter on the leading ones seeks. */
  dims: readonly Dimension[];
  grains: readonly Grain[];
  /** Kept per local calendar too (for LOCAL_FACTS: what zone series read). */
  local: boolean;
}

/**
 * The 15-minute model × customer rows are the base tables `rollup_<fact>_15m` (runs also keyed by
 * function_slug there, for history). The model and customer cuboids keep no 15-minute rows: they read the
 * base table's (`grainTable`).
 * A function slug or a promoted tag is kept four ways: alone (`function_only`, `tag_only`: a few rows per
 * bucket, for a function or tag filter, a split by function or tag, spend by function or tag), with the
 * model (`function_model`, `tag_model`: the charts by model under a function or tag filter), with the
 * customer (`function_customer`, `tag_customer`: spend by customer under it), and with model × customer
 * (`function`, `tag`: only when a model and a customer are both filtered or grouped as well). Those eight keep
 * hours too (0017 dropped them, 0018 brought them back: a window's edge in a zone off UTC read up to 95 quarter
 * rows per key, past the 50 ms target at 1M runs).
 * A function or a promoted tag × model and × customer keep local calendars too (0020): a function or tag
 * filter's day or week chart in a zone off UTC read hours and quarters around every local midnight (at 1M
 * runs, a year of weeks of quality under one function in Asia/Kolkata: 10,701 edge rows where its week
 * calendar holds 1,872). A tag's calendar rows are written per promoted key like its UTC rows; a key still
 * filling and a calendar still filling each write a bucket once (whichever fill comes second copies it).
 */
export const CUBOIDS: Record<CuboidId, CuboidSpec> = {
  model: { dims: ["model"], grains: ["1h", "1d", "1w", "4w"], local: true },
  customer: { dims: ["customer_id"], grains: ["1h", "1d", "1w", "4w"], local: true },
  model_customer: { dims: ["model", "customer_id"], grains: ["15m", "1h", "1d", "1w", "4w"], local: true },
  function_only: { dims: ["function_slug"], grains: ["15m", "1h", "1d", "1w", "4w"], local: false },
  tag_only: { dims: ["tag_key", "tag_value"], grains: ["15m", "1h", "1d", "1w", "4w"], local: false },
  function_model: { dims: ["function_slug", "model"], grains: ["15m", "1h", "1d", "1w", "4w"], local: true },
  tag_model: { dims: ["tag_key", "tag_value", "model"], grains: ["15m", "1h", "1d", "1w", "4w"], local: true },
  function_customer: { dims: ["function_slug", "customer_id"], grains: ["15m", "1h", "1d", "1w", "4w"], local: true },
  tag_customer: { dims: ["tag_key", "tag_value", "customer_id"], grains: ["15m", "1h", "1d", "1w", "4w"], local: true },
  function: { dims: ["function_slug", "model", "customer_id"], grains: ["15m", "1h", "1d", "1w", "4w"], local: false },
  tag: { dims: ["tag_key", "tag_value", "model", "customer_id"], grains: ["15m", "1h", "1d", "1w", "4w"], local: false },
};

/** The facts kept per local calendar: what zone day and week series read (runs: the judge's spend on runs, 0019). */
export const LOCAL_FACTS: readonly Fact[] = ["usage", "scores", "runs"];

// ---- Derived: table names, columns and DDL (every writer, reader, fill and test goes through these) ----

/** A table's grain: a UTC grain, or "local" (a row per calendar and local day / week). */
export type TableGrain = Grain | "local";

/** The base tables' extra key columns (after the dimensions): the run rollup keeps the function slug. */
const BASE_KEYS: Partial<Record<Fact, readonly (readonly [string, ColumnType])[]>> = { runs: [["function_slug", "text"]] };
const DIM_TYPE: ColumnType = "text";
/** Cuboids in the order `cuboidFor` tries them: the smallest first. */
const CUBOID_ORDER: readonly CuboidId[] = ["model", "customer", "function_only", "tag_only", "function_model", "tag_model", "function_customer", "tag_customer", "model_customer", "function", "tag"];

/** The cuboids keyed by a promoted tag (one row per promoted key, its value or ''): written and filled per key. */
export const TAG_CUBOIDS: readonly CuboidId[] = CUBOID_ORDER.filter((c) => CUBOIDS[c].dims.includes("tag_key"));

function isBase(cuboid: CuboidId, grain: TableGrain): boolean {
  return cuboid === "model_customer" && grain === "15m";
}

/** The table holding `fact` at `cuboid` × `grain`: model_customer at 15m is the base `rollup_<fact>_15m`. */
export function tableName(fact: Fact, cuboid: CuboidId, grain: TableGrain): string {
  return isBase(cuboid, grain) ? `rollup_${fact}_15m` : `rollup_${fact}_${cuboid}_${grain}`;
}

/** Primary key columns in order: [calendar,] bucket, the cuboid's dimensions, (base runs: function_slug,) the fact's keys. */
export function keyColumns(fact: Fact, cuboid: CuboidId, grain: TableGrain = "1d"): string[] {
  return tableSpec(fact, cuboid, grain).primaryKey.slice();
}

/** The summed columns, the count first. */
export function measureColumns(fact: Fact): string[] {
  return FACTS[fact].measures.map(([name]) => name);
}

/** The smallest cuboid whose dimensions cover `need` (in CUBOID_ORDER: model, customer, a function or tag alone, × model, × customer, model × customer, a function or tag × model × customer). */
export function cuboidFor(need: ReadonlySet<Dimension>): CuboidId {
  const hit = CUBOID_ORDER.find((c) => [...need].every((d) => CUBOIDS[c].dims.includes(d)));
  if (!hit) throw new Error(`no rollup cuboid has the dimensions ${[...need].join(", ")}`);
  return hit;
}

/** The table that holds `grain` for `cuboid`: its own, else (model / customer at 15m) the base table, which covers their dims. */
export function grainTable(fact: Fact, cuboid: CuboidId, grain: Grain): string {
  if (CUBOIDS[cuboid].grains.includes(grain)) return tableName(fact, cuboid, grain);
  if (grain === "15m" && CUBOIDS[cuboid].dims.every((d) => CUBOIDS.model_customer.dims.includes(d))) {
    return tableName(fact, "model_customer", "15m");
  }
  throw new Error(`rollup ${fact}: cuboid ${cuboid} has no ${grain} table`);
}

/** One rollup table's DDL: its columns (all NOT NULL) in order, and its primary key in order. */
export interface RollupTableSpec {
  name: string;
  columns: readonly (readonly [name: string, type: ColumnType])[];
  primaryKey: readonly string[];
}

/** The spec of `fact` at `cuboid` × `grain`, as the live catalogue declares it. */
export function tableSpec(fact: Fact, cuboid: CuboidId, grain: TableGrain): RollupTableSpec {
  const { keys, measures } = FACTS[fact];
  const head: [string, ColumnType][] = grain === "local" ? [["calendar", "integer"], ["bucket", "bigint"]] : [["bucket", "bigint"]];
  const dims = CUBOIDS[cuboid].dims.map((d): [string, ColumnType] => [d, DIM_TYPE]);
  const key = [...head, ...dims, ...(isBase(cuboid, grain) ? (BASE_KEYS[fact] ?? []) : []), ...keys];
  return { name: tableName(fact, cuboid, grain), columns: [...key, ...measures], primaryKey: key.map(([n]) => n) };
}

/** The grains `cuboid` keeps for `fact` (its UTC grains, plus "local" for LOCAL_FACTS × local cuboids). */
export function tableGrains(fact: Fact, cuboid: CuboidId): TableGrain[] {
  const { grains, local } = CUBOIDS[cuboid];
  return local && LOCAL_FACTS.includes(fact) ? [...grains, "local"] : [...grains];
}

/** Every rollup table the catalogue declares (base tables included), as specs. */
export function rollupTables(): RollupTableSpec[] {
  const out: RollupTableSpec[] = [];
  for (const fact of Object.keys(FACTS) as Fact[]) {
    for (const cuboid of CUBOID_ORDER) for (const grain of tableGrains(fact, cuboid)) out.push(tableSpec(fact, cuboid, grain));
  }
  return out;
}

/** Creates one rollup table from a spec (a migration passes its own frozen literal spec): NOT NULL columns, the PK, WITHOUT ROWID on SQLite. */
export async function createRollupTable(db: QueryExecutorProvider, spec: RollupTableSpec): Promise<void> {
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const cols = spec.columns.map(([name, type]) => `${q(name)} ${type} not null`);
  await sql
    .raw(`create table ${q(spec.name)} (${cols.join(", ")}, constraint ${q(`${spec.name}_pk`)} primary key (${spec.primaryKey.map(q).join(", ")}))${clusteredTableSuffix(engineOf(db))}`)
    .execute(db);
}

import { type Kysely, type RawBuilder, sql } from "kysely";
import { type ColumnType, createRollupTable, type RollupTableSpec } from "../catalogue.ts";
import { jsonText } from "../dialect.ts";
import { BUCKET_MS } from "../time.ts";
import { GRAIN_MS } from "./frozen-grains.ts";

// Frozen once landed.
// The judge fact (issue 20): each judge usage line under its judge model, keyed like its run (the JUDGED
// run's bucket, model, customer, function slug and promoted tags), in every cuboid at every grain, so
// spend.byModel's judge-model breakdown reads rollups under a model filter too (it read the raw lines).
// Backfill from the raw lines joined to their runs: the 15-minute rows of the base table and of the
// function cuboid, and of the tag cuboid for each promoted key (buckets before a pending key's `filled_to`
// only: the tag fill writes the rest, as for every fact); every coarser grain and the narrower function and
// tag cuboids summed from those. The specs below are this migration's own frozen copy
// (catalogue-drift.test.ts checks the migrated schema against the live catalogue).

type Col = readonly [string, ColumnType];
const KEYS: Col[] = [["judge_model", "text"]];
const MEASURES: Col[] = [["calls", "bigint"], ["cost_micros", "bigint"], ["priced_calls", "bigint"], ["unpriced_calls", "bigint"]];
const ALL = ["15m", "1h", "6h", "1d", "1w", "4w"] as const;
const COARSER = ["1h", "6h", "1d", "1w", "4w"] as const;
/**
 * The cuboids, each with its grains and what its rows are summed from: the base table, its own 15-minute rows,
 * or (the narrower ones) the function / tag cuboid at the same grain.
 */
const CUBOIDS = [
  { id: "model", dims: ["model"], grains: COARSER, from: "base" },
  { id: "customer", dims: ["customer_id"], grains: COARSER, from: "base" },
  { id: "function_only", dims: ["function_slug"], grains: ALL, from: "function" },
  { id: "tag_only", dims: ["tag_key", "tag_value"], grains: ALL, from: "tag" },
  { id: "function_model", dims: ["function_slug", "model"], grains: ALL, from: "function" },
  { id: "tag_model", dims: ["tag_key", "tag_value", "model"], grains: ALL, from: "tag" },
  { id: "function_customer", dims: ["function_slug", "customer_id"], grains: ALL, from: "function" },
  { id: "tag_customer", dims: ["tag_key", "tag_value", "customer_id"], grains: ALL, from: "tag" },
  { id: "model_customer", dims: ["model", "customer_id"], grains: COARSER, from: "base" },
  { id: "function", dims: ["function_slug", "model", "customer_id"], grains: ALL, from: "own15m" },
  { id: "tag", dims: ["tag_key", "tag_value", "model", "customer_id"], grains: ALL, from: "own15m" },
] as const;
type Cuboid = (typeof CUBOIDS)[number];

const tableOf = (c: Cuboid | "base", grain: string) => (c === "base" ? "rollup_judge_15m" : `rollup_judge_${c.id}_${grain}`);
function spec(name: string, dims: readonly string[]): RollupTableSpec {
  const key: Col[] = [["bucket", "bigint"], ...dims.map((d): Col => [d, "text"]), ...KEYS];
  return { name, columns: [...key, ...MEASURES], primaryKey: key.map(([n]) => n) };
}
const start = (grain: (typeof ALL)[number]) => {
  const [size, origin] = GRAIN_MS[grain];
  return sql.raw(`((bucket - ${origin}) / ${size}) * ${size} + ${origin}`);
};

/** insert into `table` (bucket, dims, judge_model, measures) the sums of `from` grouped by `bucketExpr`, dims and judge_model. */
async function insertGrouped(db: Kysely<any>, table: string, dims: readonly string[], from: RawBuilder<unknown>, bucketExpr: RawBuilder<unknown>): Promise<void> {
  const keys = sql.raw([...dims, "judge_model"].join(", "));
  const names = sql.raw(MEASURES.map(([m]) => m).join(", "));
  const sums = sql.raw(MEASURES.map(([m]) => `sum(${m})`).join(", "));
  await sql`insert into ${sql.table(table)} (bucket, ${keys}, ${names}) select ${bucketExpr} as b, ${keys}, ${sums} from ${from} as src group by b, ${keys}`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await createRollupTable(db, spec("rollup_judge_15m", ["model", "customer_id"]));
  for (const c of CUBOIDS) for (const g of c.grains) await createRollupTable(db, spec(tableOf(c, g), c.dims));

  // Each judge line at its run: the run's 15-minute bucket, model, customer, function slug and tags.
  const lines = (tagCols: RawBuilder<unknown>) => sql`(select ((r.occurred_at / ${sql.lit(BUCKET_MS)}) * ${sql.lit(BUCKET_MS)}) as bucket, r.model, r.customer_id,
    r.function_slug, ${tagCols} u.model as judge_model, 1 as calls, coalesce(u.cost_micros, 0) as cost_micros,
    case when u.cost_micros is null then 0 else 1 end as priced_calls, case when u.cost_micros is null then 1 else 0 end as unpriced_calls
    from usage_costs u join runs r on r.run_id = u.run_id where u.kind = 'judge')`;
  const at15m = sql.raw("bucket");
  await insertGrouped(db, "rollup_judge_15m", ["model", "customer_id"], lines(sql``), at15m);
  await insertGrouped(db, "rollup_judge_function_15m", ["function_slug", "model", "customer_id"], lines(sql``), at15m);
  const keys = await db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to"]).execute();
  for (const k of keys) {
    const tagCols = sql`cast(${k.tag_key} as text) as tag_key, coalesce(${jsonText(db, "r.tags", k.tag_key)}, '') as tag_value,`;
    const filled = k.filled_to === null ? lines(tagCols) : sql`(select * from ${lines(tagCols)} as l where bucket < ${Number(k.filled_to)})`;
    await insertGrouped(db, "rollup_judge_tag_15m", ["tag_key", "tag_value", "model", "customer_id"], filled, at15m);
  }
  // The narrower function and tag cuboids last: they sum the function and tag cuboids' rows at their own grain.
  const narrower = (c: Cuboid) => c.from === "function" || c.from === "tag";
  for (const c of [...CUBOIDS.filter((x) => !narrower(x)), ...CUBOIDS.filter(narrower)]) {
    for (const g of c.grains) {
      if (c.from === "own15m" && g === "15m") continue;
      const source = c.from === "base" ? "rollup_judge_15m" : c.from === "own15m" ? `rollup_judge_${c.id}_15m` : `rollup_judge_${c.from}_${g}`;
      await insertGrouped(db, tableOf(c, g), c.dims, sql.table(source), narrower(c) ? at15m : start(g));
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of CUBOIDS) for (const g of c.grains) await db.schema.dropTable(tableOf(c, g)).execute();
  await db.schema.dropTable("rollup_judge_15m").execute();
}

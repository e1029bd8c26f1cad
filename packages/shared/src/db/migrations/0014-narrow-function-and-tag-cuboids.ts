import { type Kysely, sql } from "kysely";
import { type ColumnType, createRollupTable, type RollupTableSpec } from "../catalogue.ts";

// Frozen once landed.
// Narrower function and tag cuboids (issue 20): a function slug or a promoted tag alone (`function_only`,
// `tag_only`), with the model (`function_model`, `tag_model`) and with the customer (`function_customer`,
// `tag_customer`), 15 minutes to 4 weeks, for the four facts.
// The `function` and `tag` cuboids keep model × customer, so a function or tag filter over a year read every
// model × customer row of it (at 1M runs a year of weeks by function is up to ~500,000 rows); alone a bucket
// holds a row per function (tag value) and fact key, with the model or the customer a row per model or
// customer too. Backfill: each grain summed over customer and / or model from the same grain of the
// `function` / `tag` cuboid, which holds exactly what the writers have written (a promoted key still filling
// holds the buckets before its `filled_to`, as the writers and the fill expect).
// The specs below are this migration's own frozen copy (catalogue-drift.test.ts checks the migrated schema
// against the live catalogue).

type Col = readonly [string, ColumnType];
const FACTS: Record<string, { keys: readonly Col[]; measures: readonly Col[] }> = {
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
const GRAINS = ["15m", "1h", "6h", "1d", "1w", "4w"] as const;
/** Each new cuboid and the cuboid it is summed from. */
const ALONE = [
  { id: "function_only", dims: ["function_slug"], from: "function" },
  { id: "tag_only", dims: ["tag_key", "tag_value"], from: "tag" },
  { id: "function_model", dims: ["function_slug", "model"], from: "function" },
  { id: "tag_model", dims: ["tag_key", "tag_value", "model"], from: "tag" },
  { id: "function_customer", dims: ["function_slug", "customer_id"], from: "function" },
  { id: "tag_customer", dims: ["tag_key", "tag_value", "customer_id"], from: "tag" },
] as const;

function spec(fact: string, cuboid: (typeof ALONE)[number], grain: string): RollupTableSpec {
  const { keys, measures } = FACTS[fact]!;
  const key: Col[] = [["bucket", "bigint"], ...cuboid.dims.map((d): Col => [d, "text"]), ...keys];
  return { name: `rollup_${fact}_${cuboid.id}_${grain}`, columns: [...key, ...measures], primaryKey: key.map(([n]) => n) };
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const [fact, { keys, measures }] of Object.entries(FACTS)) {
    for (const cuboid of ALONE) {
      for (const grain of GRAINS) {
        const table = spec(fact, cuboid, grain);
        await createRollupTable(db, table);
        const key = ["bucket", ...cuboid.dims, ...keys.map(([k]) => k)].join(", ");
        const sums = measures.map(([m]) => `sum(${m})`).join(", ");
        await sql
          .raw(`insert into "${table.name}" (${key}, ${measures.map(([m]) => m).join(", ")}) select ${key}, ${sums} from "rollup_${fact}_${cuboid.from}_${grain}" group by ${key}`)
          .execute(db);
      }
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fact of Object.keys(FACTS)) {
    for (const cuboid of ALONE) for (const grain of GRAINS) await db.schema.dropTable(`rollup_${fact}_${cuboid.id}_${grain}`).execute();
  }
}

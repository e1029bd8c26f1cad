import type { Kysely } from "kysely";
import { type ColumnType, createRollupTable, type RollupTableSpec } from "../catalogue.ts";

// Frozen once landed.
// Rollup catalogue (issue 20):
// 1. New cuboids, for the four facts: model × customer by hour, 6 hours, day, week and 4 weeks (its 15-minute
//    rows are the base tables) and per local calendar (usage, scores); function slug × model × customer and
//    promoted tag (key, value) × model × customer, 15 minutes to 4 weeks. `rollup_tag_keys` lists the
//    promoted tag keys (TALLY_TAG_KEYS), pending while `filled_to` is set, like `rollup_calendars`.
// The specs below are this migration's own frozen copy (catalogue-drift.test.ts checks that the migrated
// schema equals what the live catalogue declares).

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
const LOCAL_FACTS = ["usage", "scores"];
const NEW_CUBOIDS = [
  { id: "model_customer", dims: ["model", "customer_id"], grains: ["1h", "6h", "1d", "1w", "4w", "local"] },
  { id: "function", dims: ["function_slug", "model", "customer_id"], grains: ["15m", "1h", "6h", "1d", "1w", "4w"] },
  { id: "tag", dims: ["tag_key", "tag_value", "model", "customer_id"], grains: ["15m", "1h", "6h", "1d", "1w", "4w"] },
] as const;

function spec(fact: string, cuboid: (typeof NEW_CUBOIDS)[number], grain: string): RollupTableSpec {
  const { keys, measures } = FACTS[fact]!;
  const head: Col[] = grain === "local" ? [["calendar", "integer"], ["bucket", "bigint"]] : [["bucket", "bigint"]];
  const key = [...head, ...cuboid.dims.map((d): Col => [d, "text"]), ...keys];
  return { name: `rollup_${fact}_${cuboid.id}_${grain}`, columns: [...key, ...measures], primaryKey: key.map(([n]) => n) };
}

/** The new tables, as frozen specs. */
export function newTables(): RollupTableSpec[] {
  const out: RollupTableSpec[] = [];
  for (const fact of Object.keys(FACTS)) {
    for (const cuboid of NEW_CUBOIDS) {
      for (const grain of cuboid.grains) if (grain !== "local" || LOCAL_FACTS.includes(fact)) out.push(spec(fact, cuboid, grain));
    }
  }
  return out;
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const t of newTables()) await createRollupTable(db, t);
  await db.schema
    .createTable("rollup_tag_keys")
    .addColumn("tag_key", "text", (c) => c.primaryKey())
    .addColumn("filled_to", "bigint")
    .addColumn("added_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("rollup_tag_keys").execute();
  for (const t of newTables().reverse()) await db.schema.dropTable(t.name).execute();
}

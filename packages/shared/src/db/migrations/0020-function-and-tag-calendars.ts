import { type Kysely, sql } from "kysely";
import { type ColumnType, createRollupTable, type RollupTableSpec } from "../catalogue.ts";

// Frozen once landed.
// Local calendars for a function or a promoted tag × model and × customer (usage, scores, runs), like model,
// customer and model × customer: a function or tag filter's day or week chart in a zone off UTC read hours
// and quarters around every local midnight. Measured at 1,000,000 runs on PostgreSQL, Asia/Kolkata, a year
// of weeks of quality under one function: 10,701 edge rows packed into series, ~18 ms.
// As 0013 and 0019 did: every calendar's rows are emptied and the calendar is pending from the earliest
// bucket, so the server's keeper refills it (reads go through the edges, exact, until it is complete).

type Col = readonly [string, ColumnType];
const FACTS: Record<string, { keys: readonly Col[]; measures: readonly Col[] }> = {
  usage: {
    keys: [["kind", "text"]],
    measures: [
      ["calls", "bigint"], ["input_tokens", "bigint"], ["output_tokens", "bigint"], ["cache_read_tokens", "bigint"],
      ["cache_write_tokens", "bigint"], ["reasoning_tokens", "bigint"], ["cost_micros", "bigint"],
      ["priced_calls", "bigint"], ["unpriced_calls", "bigint"], ["unpriced_tokens", "bigint"],
    ],
  },
  scores: { keys: [["name", "text"]], measures: [["n", "bigint"], ["sum_value", "double precision"], ["sum_sq_value", "double precision"]] },
  runs: {
    keys: [],
    measures: [
      ["runs", "bigint"], ["scored_runs", "bigint"], ["unsampled_runs", "bigint"], ["judge_skipped_runs", "bigint"],
      ["judge_cost_micros", "bigint"], ["judge_priced_calls", "bigint"], ["judge_unpriced_calls", "bigint"],
    ],
  },
};
const NEW_CUBOIDS: Record<string, readonly string[]> = {
  function_model: ["function_slug", "model"],
  function_customer: ["function_slug", "customer_id"],
  tag_model: ["tag_key", "tag_value", "model"],
  tag_customer: ["tag_key", "tag_value", "customer_id"],
};
const OLD_CUBOIDS = ["model", "customer", "model_customer"];

/** The new tables, as frozen specs. */
function newTables(): RollupTableSpec[] {
  return Object.entries(FACTS).flatMap(([fact, { keys, measures }]) =>
    Object.entries(NEW_CUBOIDS).map(([id, dims]) => {
      const key: Col[] = [["calendar", "integer"], ["bucket", "bigint"], ...dims.map((d): Col => [d, "text"]), ...keys];
      return { name: `rollup_${fact}_${id}_local`, columns: [...key, ...measures], primaryKey: key.map(([n]) => n) };
    }),
  );
}
/** The calendars' rows so far: emptied, to be refilled with the new tables. */
const OLD_LOCAL = Object.keys(FACTS).flatMap((f) => OLD_CUBOIDS.map((c) => `rollup_${f}_${c}_local`));

export async function up(db: Kysely<any>): Promise<void> {
  for (const spec of newTables()) await createRollupTable(db, spec);
  for (const t of OLD_LOCAL) await sql.raw(`delete from "${t}"`).execute(db);
  // Pending from the earliest 15-minute bucket of the calendars' facts; complete (null) when there is none.
  const first = "select min(b) from (select min(bucket) as b from rollup_usage_15m union all select min(bucket) from rollup_scores_15m union all select min(bucket) from rollup_runs_15m) as m";
  await sql.raw(`update rollup_calendars set filled_to = (${first})`).execute(db);
}

/** The older calendars stay as filled (a calendar still pending fills on from where it stands). */
export async function down(db: Kysely<any>): Promise<void> {
  for (const spec of newTables()) await db.schema.dropTable(spec.name).execute();
}

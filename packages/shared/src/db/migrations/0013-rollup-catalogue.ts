import { type Kysely, sql } from "kysely";
import { type ColumnType, createRollupTable, type RollupTableSpec } from "../catalogue.ts";
import { isPostgres } from "../dialect.ts";
import { BUCKET_MS } from "../time.ts";
import { GRAIN_MS, type Grain } from "./frozen-grains.ts";

// Frozen once landed.
// Rollup catalogue (issue 20):
// 1. New cuboids, for the four facts: model × customer by hour, 6 hours, day, week and 4 weeks (its 15-minute
//    rows are the base tables) and per local calendar (usage, scores); function slug × model × customer and
//    promoted tag (key, value) × model × customer, 15 minutes to 4 weeks. `rollup_tag_keys` lists the
//    promoted tag keys (TALLY_TAG_KEYS), pending while `filled_to` is set, like `rollup_calendars`.
// 2. Backfill: model × customer grains from the base tables; the function cuboid from the base table for
//    runs (keyed by function slug since 0001) and from the raw rows joined to their runs for usage (a line's
//    own bucket, model, customer and kind: a judge line under the judge's model), scores and score bins (the
//    score's bucket and model, the run's customer), as the writers key them; its coarser grains from its
//    15-minute rows. No tag key is promoted yet (the server's tag fill fills a key once configured).
// 3. Local calendars: their rows are emptied and every calendar is pending from the earliest bucket, so the
//    server's keeper refills them, the new model × customer calendars included.
// 4. The per-model and per-customer 15-minute projections go: a 15-minute edge of a window reads the base table.
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

const OLD_LOCAL = LOCAL_FACTS.flatMap((f) => [`rollup_${f}_model_local`, `rollup_${f}_customer_local`]);
const PROJECTED_15M = Object.keys(FACTS).flatMap((f) => [`rollup_${f}_model_15m`, `rollup_${f}_customer_15m`]);

export async function up(db: Kysely<any>): Promise<void> {
  for (const t of newTables()) await createRollupTable(db, t);
  await db.schema
    .createTable("rollup_tag_keys")
    .addColumn("tag_key", "text", (c) => c.primaryKey())
    .addColumn("filled_to", "bigint")
    .addColumn("added_at", "bigint", (c) => c.notNull())
    .execute();
  await backfill(db);
  for (const t of OLD_LOCAL) await sql.raw(`delete from "${t}"`).execute(db);
  await sql
    .raw(`update rollup_calendars set filled_to = coalesce((select min(b) from (select min(bucket) as b from rollup_usage_15m union all select min(bucket) from rollup_scores_15m) as m), 0)`)
    .execute(db);
  for (const t of PROJECTED_15M) await db.schema.dropTable(t).execute();
}

const start = (grain: Grain) => {
  const [size, origin] = GRAIN_MS[grain];
  return `((bucket - ${origin}) / ${size}) * ${size} + ${origin}`;
};
const COARSER: Grain[] = ["1h", "6h", "1d", "1w", "4w"];

async function insertGrouped(db: Kysely<any>, table: string, keys: string[], measures: readonly Col[], from: string, bucket: string): Promise<void> {
  const names = measures.map(([m]) => m);
  await sql
    .raw(
      `insert into "${table}" (bucket, ${keys.join(", ")}, ${names.join(", ")}) ` +
        `select ${bucket} as b, ${keys.join(", ")}, ${names.map((m) => `sum(${m})`).join(", ")} from ${from} as src group by b, ${keys.join(", ")}`,
    )
    .execute(db);
}

async function backfill(db: Kysely<any>): Promise<void> {
  const q = `(%s / ${BUCKET_MS}) * ${BUCKET_MS}`;
  const bucketOf = (col: string) => q.replace("%s", col);
  // The function cuboid's 15-minute rows of usage, scores and score bins, from the raw rows joined to their runs.
  const raw: Record<string, string> = {
    usage:
      `(select ${bucketOf("u.occurred_at")} as bucket, r.function_slug, u.model, u.customer_id, u.kind, 1 as calls, u.input_tokens, u.output_tokens, ` +
      `u.cache_read_tokens, u.cache_write_tokens, u.reasoning_tokens, coalesce(u.cost_micros, 0) as cost_micros, ` +
      `case when u.cost_micros is null then 0 else 1 end as priced_calls, case when u.cost_micros is null then 1 else 0 end as unpriced_calls, ` +
      `case when u.cost_micros is null then u.input_tokens + u.output_tokens else 0 end as unpriced_tokens ` +
      `from usage_costs u join runs r on r.run_id = u.run_id)`,
    scores:
      `(select ${bucketOf("s.occurred_at")} as bucket, r.function_slug, s.model, r.customer_id, s.name, 1 as n, s.value as sum_value, ` +
      `s.value * s.value as sum_sq_value from scores s join runs r on r.run_id = s.run_id)`,
    score_bins:
      `(select ${bucketOf("s.occurred_at")} as bucket, r.function_slug, s.model, r.customer_id, s.name, ` +
      `${isPostgres(db) ? "greatest(0, least(100," : "max(0, min(100,"} cast(round(s.value * 1000000) as integer) / 10000)) as bin, 1 as n from scores s join runs r on r.run_id = s.run_id)`,
    runs: "rollup_runs_15m",
  };
  for (const [fact, { keys, measures }] of Object.entries(FACTS)) {
    const factKeys = keys.map(([k]) => k);
    for (const g of COARSER) {
      await insertGrouped(db, `rollup_${fact}_model_customer_${g}`, ["model", "customer_id", ...factKeys], measures, `rollup_${fact}_15m`, start(g));
    }
    const fnKeys = ["function_slug", "model", "customer_id", ...factKeys];
    await insertGrouped(db, `rollup_${fact}_function_15m`, fnKeys, measures, raw[fact]!, "bucket");
    for (const g of COARSER) await insertGrouped(db, `rollup_${fact}_function_${g}`, fnKeys, measures, `rollup_${fact}_function_15m`, start(g));
  }
}

/** Back to 0012's layout: the 15-minute projections again (from the base tables), the new tables gone; the calendars refill. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const [fact, { keys, measures }] of Object.entries(FACTS)) {
    for (const [dim, col] of [["model", "model"], ["customer", "customer_id"]] as const) {
      const key: Col[] = [["bucket", "bigint"], [col, "text"], ...keys];
      const name = `rollup_${fact}_${dim}_15m`;
      await createRollupTable(db, { name, columns: [...key, ...measures], primaryKey: key.map(([n]) => n) });
      await insertGrouped(db, name, [col, ...keys.map(([k]) => k)], measures, `rollup_${fact}_15m`, "bucket");
    }
  }
  await db.schema.dropTable("rollup_tag_keys").execute();
  for (const t of newTables().reverse()) await db.schema.dropTable(t.name).execute();
  for (const t of OLD_LOCAL) await sql.raw(`delete from "${t}"`).execute(db);
  await sql.raw(`update rollup_calendars set filled_to = 0`).execute(db);
}

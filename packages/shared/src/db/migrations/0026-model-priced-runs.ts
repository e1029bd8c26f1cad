import { type Kysely, type RawBuilder, sql } from "kysely";
import { isPostgres, listTables, tagValue } from "../dialect.ts";
import { GRAIN_MS } from "./frozen-grains.ts";

// Frozen once landed.
// Priced runs per model counted once per run: a model's cost per run (spend.byModel, quality.costVsQuality, a
// model filter) divided its spend by its priced agent usage LINES, so an agent that reports each call as its
// own line (README: `track-costs-1`, `track-costs-2`, …) showed the cost of one call as the cost of a run.
// The usage rollups get `priced_runs`: 1 on the agent line that is its run's first priced line of its model
// (earliest occurred_at, then id), at that line's bucket, model, customer and kind, with the run's function
// and tags. Every usage rollup table gains the column (0 by default), filled from the raw rows as 0025 filled
// the run rollups: the UTC tables here (a promoted tag key still filling only below its `filled_to`), the
// local calendars emptied and left pending from the earliest bucket for the server's keeper to refill.

/** The usage rollups' cuboids and their dimensions as they stand at this migration (the base table: model, customer). */
const DIMS: Record<string, readonly string[]> = {
  model: ["model"],
  customer: ["customer_id"],
  model_customer: ["model", "customer_id"],
  function_only: ["function_slug"],
  tag_only: ["tag_key", "tag_value"],
  function_model: ["function_slug", "model"],
  tag_model: ["tag_key", "tag_value", "model"],
  function_customer: ["function_slug", "customer_id"],
  tag_customer: ["tag_key", "tag_value", "customer_id"],
  function: ["function_slug", "model", "customer_id"],
  tag: ["tag_key", "tag_value", "model", "customer_id"],
};
type UtcGrain = "15m" | "1h" | "1d" | "1w" | "4w";

/** A usage rollup table's dimensions and grain, from its name; null for a local calendar table. */
function parse(table: string): { dims: readonly string[]; grain: UtcGrain } | null {
  if (table === "rollup_usage_15m") return { dims: ["model", "customer_id"], grain: "15m" };
  const m = /^rollup_usage_(.+)_(15m|1h|1d|1w|4w|local)$/.exec(table);
  if (!m || m[2] === "local") return null;
  const dims = DIMS[m[1]!];
  if (!dims) throw new Error(`0026: unknown usage rollup table ${table}`);
  return { dims, grain: m[2] as UtcGrain };
}

const start = (grain: UtcGrain) => {
  const [size, origin] = GRAIN_MS[grain];
  return sql.raw(`((bucket - ${origin}) / ${size}) * ${size} + ${origin}`);
};

/** Sets `table`'s priced_runs to the count of first priced lines in each of its agent rows, from `source` rows (one per run and model). */
async function fill(db: Kysely<any>, table: string, dims: readonly string[], grain: UtcGrain, source: RawBuilder<unknown>): Promise<void> {
  const cols = sql.raw(dims.join(", "));
  const match = sql.join(
    ["bucket", ...dims].map((d) => sql`${sql.table(table)}.${sql.ref(d)} = s.${sql.ref(d === "bucket" ? "b" : d)}`),
    sql` and `,
  );
  await sql`update ${sql.table(table)} set priced_runs = s.n
    from (select ${start(grain)} as b, ${cols}, count(*) as n from ${source} as src group by 1, ${cols}) as s
    where ${match} and ${sql.table(table)}.kind = 'agent'`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  const tables = await listTables(db, "rollup!_usage!_%");
  for (const t of tables) await sql`alter table ${sql.table(t)} add column priced_runs bigint not null default 0`.execute(db);

  // One row per run and model with a priced agent line: that run's first such line's bucket, model and customer, the run's function and tags.
  // Ties on time go to the smaller id by its UTF-8 bytes, as SQLite compares text (and JavaScript, where the writer
  // compares, does for every id without characters past U+FFFF).
  const byBytes = isPostgres(db) ? sql`id collate "C"` : sql`id`;
  await sql`create temporary table tally_0026_first_priced as
    select (f.occurred_at / 900000) * 900000 as bucket, f.model, f.customer_id, r.function_slug, r.tags
    from (select run_id, model, customer_id, occurred_at,
            row_number() over (partition by run_id, model order by occurred_at, ${byBytes}) as nth
          from usage_costs where kind = 'agent' and cost_micros is not null) as f
    join runs r on r.run_id = f.run_id
    where f.nth = 1`.execute(db);
  const first = sql.table("tally_0026_first_priced");
  const keys = await db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to"]).execute();
  for (const t of tables) {
    const p = parse(t);
    if (!p) continue;
    if (!p.dims.includes("tag_key")) {
      await fill(db, t, p.dims, p.grain, first);
      continue;
    }
    for (const k of keys) {
      const tagged = sql`(select bucket, model, customer_id, function_slug, cast(${k.tag_key} as text) as tag_key,
        ${tagValue(db, "tags", k.tag_key)} as tag_value from ${first}
        ${k.filled_to === null ? sql`` : sql`where bucket < ${Number(k.filled_to)}`})`;
      await fill(db, t, p.dims, p.grain, tagged);
    }
  }
  await sql`drop table tally_0026_first_priced`.execute(db);

  for (const t of await listTables(db, "rollup!_%!_local")) await sql`delete from ${sql.table(t)}`.execute(db);
  const earliest = "select min(b) from (select min(bucket) as b from rollup_usage_15m union all select min(bucket) from rollup_scores_15m union all select min(bucket) from rollup_runs_15m) as m";
  await sql.raw(`update rollup_calendars set filled_to = (${earliest})`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of await listTables(db, "rollup!_usage!_%")) await sql`alter table ${sql.table(t)} drop column priced_runs`.execute(db);
}

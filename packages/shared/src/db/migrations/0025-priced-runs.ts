import { type Kysely, type RawBuilder, sql } from "kysely";
import { listTables, tagValue } from "../dialect.ts";
import { GRAIN_MS } from "./frozen-grains.ts";

// Frozen once landed.
// Priced runs counted once per run: cost per run divided the spend by priced agent usage LINES, so a run
// that called two models (the demo's triage call) counted twice on the Overview and per customer, function
// and tag (1,204 "priced runs" beside 1,086 runs). The run rollups get `priced_runs`: 1 for a run with an
// agent line that has a price, at the run's own time, model, customer, function and tags.
// Every run rollup table gains the column (0 by default), filled from the raw rows: the UTC tables here (a
// promoted tag key still filling only below its `filled_to`, as 0015: the tag fill writes the rest), the
// local calendars as 0019 did: every calendar's rows are emptied and the calendar is pending from the
// earliest bucket, so the server's keeper refills them (reads go through the edges, exact, until then).

/** The run rollups' cuboids and their dimensions as they stand at this migration (the base table: model, customer, function). */
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

/** A run rollup table's dimensions and grain, from its name; null for a local calendar table. */
function parse(table: string): { dims: readonly string[]; grain: UtcGrain } | null {
  if (table === "rollup_runs_15m") return { dims: ["model", "customer_id", "function_slug"], grain: "15m" };
  const m = /^rollup_runs_(.+)_(15m|1h|1d|1w|4w|local)$/.exec(table);
  if (!m || m[2] === "local") return null;
  const dims = DIMS[m[1]!];
  if (!dims) throw new Error(`0025: unknown run rollup table ${table}`);
  return { dims, grain: m[2] as UtcGrain };
}

const start = (grain: UtcGrain) => {
  const [size, origin] = GRAIN_MS[grain];
  return sql.raw(`((bucket - ${origin}) / ${size}) * ${size} + ${origin}`);
};

/** Sets `table`'s priced_runs to the count of priced runs in each of its rows, from `source` rows (one per priced run). */
async function fill(db: Kysely<any>, table: string, dims: readonly string[], grain: UtcGrain, source: RawBuilder<unknown>): Promise<void> {
  const cols = sql.raw(dims.join(", "));
  const match = sql.join(
    ["bucket", ...dims].map((d) => sql`${sql.table(table)}.${sql.ref(d)} = s.${sql.ref(d === "bucket" ? "b" : d)}`),
    sql` and `,
  );
  await sql`update ${sql.table(table)} set priced_runs = s.n
    from (select ${start(grain)} as b, ${cols}, count(*) as n from ${source} as src group by 1, ${cols}) as s
    where ${match}`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  const tables = await listTables(db, "rollup!_runs!_%");
  for (const t of tables) await sql`alter table ${sql.table(t)} add column priced_runs bigint not null default 0`.execute(db);

  // One row per priced run: its 15-minute bucket, model, customer, function and tags.
  await sql`create temporary table tally_0025_priced_runs as
    select (r.occurred_at / 900000) * 900000 as bucket, r.model, r.customer_id, r.function_slug, r.tags from runs r
    where exists (select 1 from usage_costs u where u.run_id = r.run_id and u.kind = 'agent' and u.cost_micros is not null)`.execute(db);
  const priced = sql.table("tally_0025_priced_runs");
  const keys = await db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to"]).execute();
  for (const t of tables) {
    const p = parse(t);
    if (!p) continue;
    if (!p.dims.includes("tag_key")) {
      await fill(db, t, p.dims, p.grain, priced);
      continue;
    }
    for (const k of keys) {
      const tagged = sql`(select bucket, model, customer_id, function_slug, cast(${k.tag_key} as text) as tag_key,
        ${tagValue(db, "tags", k.tag_key)} as tag_value from ${priced}
        ${k.filled_to === null ? sql`` : sql`where bucket < ${Number(k.filled_to)}`})`;
      await fill(db, t, p.dims, p.grain, tagged);
    }
  }
  await sql`drop table tally_0025_priced_runs`.execute(db);

  for (const t of await listTables(db, "rollup!_%!_local")) await sql`delete from ${sql.table(t)}`.execute(db);
  const first = "select min(b) from (select min(bucket) as b from rollup_usage_15m union all select min(bucket) from rollup_scores_15m union all select min(bucket) from rollup_runs_15m) as m";
  await sql.raw(`update rollup_calendars set filled_to = (${first})`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of await listTables(db, "rollup!_runs!_%")) await sql`alter table ${sql.table(t)} drop column priced_runs`.execute(db);
}

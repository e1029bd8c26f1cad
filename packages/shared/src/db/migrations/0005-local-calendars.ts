import { type Kysely, sql } from "kysely";
import { autoId, clusteredTableSuffix, engineOf, tableColumns } from "../dialect.ts";

// Frozen once landed.
// Local calendars (`syncCalendars`): day and week rollups in a configured time zone, so a series in that
// zone reads one row per key and bucket, as a UTC series does. `rollup_calendars` lists them; each
// per-model and per-customer usage and score projection gets a `_local` table keyed by calendar and local
// day number (a week by its Monday's), with the day projection's other columns. Filled by syncCalendars,
// then by bump(); empty until a zone is configured.

const TABLES = ["usage_model", "usage_customer", "scores_model", "scores_customer"];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("rollup_calendars")
    .addColumn("id", "integer", autoId(db, false))
    .addColumn("time_zone", "text", (c) => c.notNull())
    .addColumn("unit", "text", (c) => c.notNull().check(sql`unit in ('day', 'week')`))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("rollup_calendars_zone_unit", ["time_zone", "unit"])
    .execute();
  for (const t of TABLES) {
    const template = `rollup_${t}_1d`;
    const cols = await tableColumns(db, template);
    if (cols.length === 0) throw new Error(`migration 0005: ${template} not found`);
    const key = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => `"${c.name}"`);
    const defs = cols.map((c) => `"${c.name}" ${c.type} not null`);
    await sql
      .raw(
        `create table "rollup_${t}_local" ("calendar" integer not null, ${defs.join(", ")}, ` +
          `constraint "rollup_${t}_local_pk" primary key ("calendar", ${key.join(", ")}))${clusteredTableSuffix(engineOf(db))}`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) await db.schema.dropTable(`rollup_${t}_local`).execute();
  await db.schema.dropTable("rollup_calendars").execute();
}

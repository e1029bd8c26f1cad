import { type Kysely, sql } from "kysely";

// Frozen once landed.
// Calendars fill in the background and come by themselves for the zones people view (calendars.ts):
// `filled_to` is how far a calendar's backfill has read the 15-minute projections (every bucket before it is
// in the calendar; NULL: all of them, the calendar is complete and read); `source` says whether the zone is
// configured (TALLY_TIME_ZONES) or was added because requests asked for it (`auto`, dropped when unused);
// `used_at` is when a request last asked for it. Calendars that landed with 0005 were filled at start-up.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("rollup_calendars").addColumn("filled_to", "bigint").execute();
  await db.schema
    .alterTable("rollup_calendars")
    .addColumn("source", "text", (c) => c.notNull().defaultTo("config").check(sql`source in ('config', 'auto')`))
    .execute();
  await db.schema.alterTable("rollup_calendars").addColumn("used_at", "bigint").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ["used_at", "source", "filled_to"]) await db.schema.alterTable("rollup_calendars").dropColumn(c).execute();
}

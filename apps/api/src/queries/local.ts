import { type RawBuilder, sql } from "kysely";
import { canonicalZone, type Db, mondayOf, offsetAt } from "@tally/shared/db";
import { type BucketUnit, DAY_MS, type ZoneBucket } from "./zone.ts";

/**
 * Reads from local calendars (@tally/shared/db calendars.ts): a zone series whose zone has one reads its
 * whole local days (weeks) from the calendar's rows, one per key and bucket; only a bucket the window cuts
 * (a first or last partial day or week) goes through the UTC rows and edges.
 */

/** The id of the complete calendar kept for this zone (by canonical name) and unit, or null (hours never have one). */
export async function localCalendar(db: Db, timeZone: string, unit: BucketUnit): Promise<number | null> {
  if (unit === "hour") return null;
  const zone = canonicalZone(timeZone);
  const rows = await db.selectFrom("rollup_calendars").select(["id", "time_zone"]).where("unit", "=", unit).where("filled_to", "is", null).execute();
  return rows.find((c) => canonicalZone(c.time_zone) === zone)?.id ?? null;
}

/** Whether `t` starts a local day (a week: a Monday) in `tz`. */
function startsBucket(tz: string, t: number, unit: "day" | "week"): boolean {
  const day = (t + offsetAt(tz, t)) / DAY_MS;
  return Number.isInteger(day) && (unit === "day" || mondayOf(day) === day);
}

/** Indexes [first, last] of the buckets that are whole local days (weeks), or null when none is. */
export function wholeBuckets(buckets: ZoneBucket[], tz: string, unit: "day" | "week"): [number, number] | null {
  if (buckets.length === 0) return null;
  const first = startsBucket(tz, buckets[0]!.start, unit) ? 0 : 1;
  const last = startsBucket(tz, buckets.at(-1)!.end, unit) ? buckets.length - 1 : buckets.length - 2;
  return first <= last ? [first, last] : null;
}

/**
 * A calendar's rows for the buckets keyed `keys` (day or Monday numbers, in order) from `table`, as a
 * series source's rows: `k` the row's key, then `cols` (the source's other columns, from `t`). With the
 * table's dimension filtered to a list (`seek`), each (key, dimension) pair is sought.
 */
export function localRows(calendar: number, table: string, keys: number[], seek: boolean, conds: RawBuilder<unknown>[], cols: RawBuilder<unknown>[]): RawBuilder<unknown> {
  const range = seek && keys.length <= 500 ? [sql`t.bucket in (${sql.join(keys)})`] : [sql`t.bucket >= ${keys[0]!}`, sql`t.bucket <= ${keys.at(-1)!}`];
  const where = [sql`t.calendar = ${calendar}`, ...range, ...conds];
  return sql`select t.bucket as k, ${sql.join(cols)} from ${sql.table(table)} as t where ${sql.join(where, sql` and `)}`;
}

import { type RawBuilder, sql } from "kysely";
import { canonicalZone, type Db, localDay, mondayOf, offsetAt } from "@tally/shared/db";
import type { AggregateFilter } from "./common.ts";
import { type Dim, filterConds, seeksKeys } from "./source.ts";
import { type BucketUnit, DAY_MS, type ZoneBucket } from "./zone.ts";

/**
 * Reads from local calendars (@tally/shared/db calendars.ts): a zone series whose zone has one reads its
 * whole local days (weeks) from the calendar's rows, one per key and bucket; only a bucket the window cuts
 * (a first or last partial day or week) goes through the UTC rows and edges.
 */

/** The id of the calendar kept for this zone (by canonical name) and unit, or null (hours never have one). */
export async function localCalendar(db: Db, timeZone: string, unit: BucketUnit): Promise<number | null> {
  if (unit === "hour") return null;
  const zone = canonicalZone(timeZone);
  const rows = await db.selectFrom("rollup_calendars").select(["id", "time_zone"]).where("unit", "=", unit).execute();
  return rows.find((c) => canonicalZone(c.time_zone) === zone)?.id ?? null;
}

/** Whether `t` starts a local day (a week: a Monday) in `tz`. */
function startsBucket(tz: string, t: number, unit: "day" | "week"): boolean {
  if ((t + offsetAt(tz, t)) % DAY_MS !== 0) return false;
  return unit === "day" || mondayOf(localDay(tz, t)) === localDay(tz, t);
}

/** Indexes [first, last] of the buckets that are whole local days (weeks), or null when none is. */
export function wholeBuckets(buckets: ZoneBucket[], tz: string, unit: "day" | "week"): [number, number] | null {
  if (buckets.length === 0) return null;
  const first = startsBucket(tz, buckets[0]!.start, unit) ? 0 : 1;
  const last = startsBucket(tz, buckets.at(-1)!.end, unit) ? buckets.length - 1 : buckets.length - 2;
  return first <= last ? [first, last] : null;
}

/**
 * The calendar's rows for the buckets keyed `keys`, in the columns of a series source: `k` the row's day
 * (Monday) number, then the measures.
 */
export function localRows(
  calendar: number,
  fact: "usage" | "scores",
  projection: Dim,
  keys: number[],
  f: AggregateFilter,
  extra: RawBuilder<unknown>[],
  columns: { keys: string[]; measures: string[] },
): RawBuilder<unknown> {
  const table = `rollup_${fact}_${projection === "model" ? "model" : "customer"}_local`;
  const model = projection === "customer_id" ? sql`'' as model` : sql`t.model`;
  const customer = projection === "model" ? sql`'' as customer_id` : sql`t.customer_id`;
  const range =
    seeksKeys(f, projection) && keys.length <= 500
      ? [sql`t.bucket in (${sql.join(keys)})`]
      : [sql`t.bucket >= ${keys[0]!}`, sql`t.bucket <= ${keys.at(-1)!}`];
  const cols = [
    sql`t.bucket as k`,
    model,
    customer,
    ...columns.keys.map((c) => sql`t.${sql.ref(c)}`),
    ...columns.measures.map((c) => sql`t.${sql.ref(c)}`),
  ];
  const conds = [sql`t.calendar = ${calendar}`, ...range, ...filterConds(f, projection), ...extra];
  return sql`select ${sql.join(cols)} from ${sql.table(table)} as t where ${sql.join(conds, sql` and `)}`;
}

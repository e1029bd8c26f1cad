import { type RawBuilder, sql } from "kysely";
import { canonicalZone, CUBOIDS, type CuboidId, type Db, type Fact, LOCAL_FACTS, mondayOf, offsetAt } from "@tally/shared/db";
import type { Window } from "./common.ts";
import { type BucketUnit, DAY_MS, segments, type ZoneBucket } from "./chart-buckets.ts";

/**
 * Calendars: the one answer to "what rows make a local hour, day or week in zone Z" (`calendarFor`).
 * - utc: calendar 0. Every row of the grains that nest in the zone's buckets lies inside one chart bucket:
 *   hours in every zone (hour rows for whole-hour offsets, quarters otherwise), and days and weeks when the
 *   zone's offset is a whole number of days over the window (UTC and its aliases): the `_1d`, `_1w` tables.
 * - local: a complete local calendar of the zone (calendars.ts, TALLY_TIME_ZONES or auto): whole local days
 *   (weeks) are one row per key in the cuboid's `_local` table; only a bucket the window cuts (a first or
 *   last partial day or week) goes through the UTC rows and edges.
 * - edges: series.ts's signed edges: UTC days (weeks) ± the stretch to each local boundary. Exact in every
 *   zone (half-hour, 45-minute, DST) from the UTC grains alone. They remain because a calendar exists only
 *   for configured and recently asked zones, is read only once filled, and is kept only for the facts and
 *   cuboids that charts read most (usage, scores and runs × model, customer, model × customer, and a function
 *   or a promoted tag × model or × customer): any other zone, a calendar still filling, the judge and
 *   score-bin facts, and a function or tag alone or with model × customer stay exact through edges.
 */
export type CalendarRead = { kind: "utc" } | { kind: "local"; id: number } | { kind: "edges" };

/** How a series of `fact` from `cuboid` in `timeZone` by `unit` over `w` reads its buckets (see above). */
export async function calendarFor(db: Db, timeZone: string, unit: BucketUnit, w: Window, table: { fact: Fact; cuboid: CuboidId }): Promise<CalendarRead> {
  if (unit === "hour" || segments(timeZone, w.from, w.to).every((s) => s.offset % DAY_MS === 0)) return { kind: "utc" };
  const kept = CUBOIDS[table.cuboid].local && LOCAL_FACTS.includes(table.fact);
  const id = kept ? await localCalendar(db, timeZone, unit) : null;
  return id === null ? { kind: "edges" } : { kind: "local", id };
}

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

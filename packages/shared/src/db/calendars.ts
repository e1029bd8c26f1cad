import { sql } from "kysely";
import type { Db } from "./connect.ts";
import type { RollupCalendarTable } from "./schema.ts";
import { BUCKET_MS } from "./time.ts";
import { bucketKeySql, localDay, mondayOf } from "./zone.ts";

/**
 * Local calendars: day and week rollups in the time zones a team reports in (TALLY_TIME_ZONES), like a
 * Google Analytics property's or a PostHog project's time zone. A day series in UTC reads one day row per
 * key and bucket; in any other zone it reads UTC days plus or minus an edge per boundary (series.ts), about
 * three rows per key and bucket. A configured zone reads one, as UTC does. Any other zone stays exact,
 * through the edges.
 */
export type CalendarUnit = RollupCalendarTable["unit"];
export interface Calendar {
  id: number;
  time_zone: string;
  unit: CalendarUnit;
}
/** The projections kept per calendar (what zone series read: spend and scores, per model and per customer). */
export const LOCAL_TABLES = ["usage_model", "usage_customer", "scores_model", "scores_customer"] as const;
const UNITS: CalendarUnit[] = ["day", "week"];

/** The zone's canonical IANA name (remembered); a RangeError naming it if Intl does not know it. */
export function canonicalZone(tz: string): string {
  let name = canonical.get(tz);
  if (name === undefined) {
    try {
      name = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
    } catch {
      throw new RangeError(`unknown IANA time zone "${tz}"`);
    }
    if (canonical.size < 2000) canonical.set(tz, name);
  }
  return name;
}
const canonical = new Map<string, string>();

/** The key of a rollup bucket's row in a calendar: its local day number, or its week's Monday's. */
export function localKey(cal: Calendar, bucket: number): number {
  const id = `${cal.time_zone}|${bucket}`;
  let day = days.get(id);
  if (day === undefined) {
    day = localDay(cal.time_zone, bucket);
    if (days.size >= 10_000) days.clear();
    days.set(id, day);
  }
  return cal.unit === "week" ? mondayOf(day) : day;
}
const days = new Map<string, number>();

/**
 * Makes the calendars exactly `zones` × (day, week), in one write transaction taken up front (BEGIN
 * IMMEDIATE): a new calendar is backfilled from the 15-minute projections (every zone's day is a union of
 * them), a dropped one deleted with its rows. Writers read the calendars inside their own transactions
 * (bump), so each delta lands either in the backfill or through bump, never both.
 */
export async function syncCalendars(db: Db, zones: readonly string[], now = Date.now()): Promise<{ added: Calendar[]; removed: Calendar[] }> {
  // Zones are kept as configured and matched by their canonical name (Intl's may be an older alias:
  // Asia/Kolkata's is Asia/Calcutta). UTC and its aliases need none: its days and weeks are `_1d`, `_1w`.
  const named = new Map<string, string>();
  for (const tz of zones) {
    const canonical = canonicalZone(tz);
    if (canonical !== "UTC" && !named.has(canonical)) named.set(canonical, tz);
  }
  const wanted = [...named.values()].flatMap((time_zone) => UNITS.map((unit) => ({ time_zone, unit })));
  const same = (a: { time_zone: string; unit: CalendarUnit }, b: { time_zone: string; unit: CalendarUnit }) =>
    a.unit === b.unit && canonicalZone(a.time_zone) === canonicalZone(b.time_zone);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const have = await conn.selectFrom("rollup_calendars").select(["id", "time_zone", "unit"]).execute();
      const removed = have.filter((c) => !wanted.some((w) => same(w, c)));
      for (const c of removed) {
        for (const t of LOCAL_TABLES) await sql`delete from ${sql.table(`rollup_${t}_local`)} where calendar = ${c.id}`.execute(conn);
        await conn.deleteFrom("rollup_calendars").where("id", "=", c.id).execute();
      }
      const added: Calendar[] = [];
      for (const w of wanted.filter((w) => !have.some((c) => same(w, c)))) {
        const row = await conn.insertInto("rollup_calendars").values({ ...w, created_at: now }).returning("id").executeTakeFirstOrThrow();
        const cal = { id: row.id, ...w };
        for (const t of LOCAL_TABLES) await backfill(conn, cal, t);
        added.push(cal);
      }
      await sql`commit`.execute(conn);
      return { added, removed };
    } catch (e) {
      await sql`rollback`.execute(conn);
      throw e;
    }
  });
}

async function backfill(db: Db, cal: Calendar, t: (typeof LOCAL_TABLES)[number]): Promise<void> {
  const source = `rollup_${t}_15m`;
  const range = await sql<{ lo: number | null; hi: number | null }>`select min(bucket) as lo, max(bucket) as hi from ${sql.table(source)}`.execute(db);
  const { lo, hi } = range.rows[0] ?? {};
  if (lo == null || hi == null) return;
  const cols = (await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${source})`.execute(db)).rows;
  const group = cols.filter((c) => c.pk > 0 && c.name !== "bucket").map((c) => `"${c.name}"`);
  const measures = cols.filter((c) => c.pk === 0).map((c) => `"${c.name}"`);
  const day = bucketKeySql(cal.time_zone, lo, hi + BUCKET_MS, "day");
  const key = cal.unit === "week" ? "d - (((d + 3) % 7 + 7) % 7)" : "d"; // mondayOf
  await sql
    .raw(
      `insert into "rollup_${t}_local" (calendar, bucket, ${group.join(", ")}, ${measures.join(", ")}) ` +
        `select ${cal.id}, ${key} as k, ${group.join(", ")}, ${measures.map((m) => `sum(${m})`).join(", ")} ` +
        `from (select ${day} as d, * from "${source}") group by k, ${group.join(", ")}`,
    )
    .execute(db);
}

/** The calendars rollup writes keep up to date; read inside the writer's transaction. */
export function calendars(db: Db): Promise<Calendar[]> {
  return db.selectFrom("rollup_calendars").select(["id", "time_zone", "unit"]).orderBy("id").execute();
}

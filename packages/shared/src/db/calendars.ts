import { sql } from "kysely";
import type { Db } from "./connect.ts";
import { CUBOIDS, type CuboidId, type Fact, FACTS, grainTable, keyColumns, LOCAL_FACTS, measureColumns, tableGrains, tableName } from "./catalogue.ts";
import type { RollupCalendarTable } from "./schema-rollups.ts";
import { bucketKeySql, localDay, mondayOf } from "./zone.ts";

/**
 * Local calendars: day and week rollups in the time zones a team reports in (TALLY_TIME_ZONES), like a
 * Google Analytics property's or a PostHog project's time zone, and in the zones requests ask for (auto,
 * up to a cap; the server's calendar keeper). A day series in UTC reads one day row per key and bucket; in
 * any other zone it reads UTC days plus or minus an edge per boundary (series.ts), about three rows per key
 * and bucket. A zone with a complete calendar reads one, as UTC does. Any other zone stays exact, through
 * the edges. A calendar is added pending and filled in short transactions (fillCalendars).
 */
export type CalendarUnit = RollupCalendarTable["unit"];
export interface Calendar {
  id: number;
  time_zone: string;
  unit: CalendarUnit;
  /** Every 15-minute bucket before this is in the calendar; null once complete (only then is it read). */
  filled_to: number | null;
  source: "config" | "auto";
}
/** The rollups kept per calendar (the catalogue's LOCAL_FACTS × local cuboids), as `<fact>_<cuboid>`: table `rollup_<fact>_<cuboid>_local`. */
const LOCAL: readonly { fact: Fact; cuboid: CuboidId; name: string }[] = (Object.keys(FACTS) as Fact[]).flatMap((fact) =>
  (Object.keys(CUBOIDS) as CuboidId[]).filter((c) => tableGrains(fact, c).includes("local")).map((cuboid) => ({ fact, cuboid, name: `${fact}_${cuboid}` })),
);
export const LOCAL_TABLES: readonly string[] = LOCAL.map((t) => t.name);
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

/** One UTC day of 15-minute rows per fill transaction: writers wait for one chunk at most (~50 ms at 10M runs). */
const FILL_CHUNK_MS = 86_400_000;
/** An auto calendar no request has asked for in this long makes room for another zone, or goes at start-up. */
export const AUTO_IDLE_MS = 14 * 86_400_000;

/**
 * Makes the configured calendars exactly `zones` × (day, week): a new zone's calendars are added (an auto
 * one for the zone becomes configured), a dropped zone's deleted with their rows, and so are auto calendars
 * unused for AUTO_IDLE_MS. Then, unless `fill` is false, fills every pending calendar (fillCalendars).
 */
export async function syncCalendars(
  db: Db,
  zones: readonly string[],
  opts: { now?: number; fill?: boolean } = {},
): Promise<{ added: Calendar[]; removed: Calendar[] }> {
  const now = opts.now ?? Date.now();
  // Zones are kept as configured and matched by their canonical name (Intl's may be an older alias:
  // Asia/Kolkata's is Asia/Calcutta). UTC and its aliases need none: its days and weeks are `_1d`, `_1w`.
  const named = new Map<string, string>();
  for (const tz of zones) {
    const canonical = canonicalZone(tz);
    if (canonical !== "UTC" && !named.has(canonical)) named.set(canonical, tz);
  }
  const out = await db.transaction().execute(async (conn) => {
    const have = await conn.selectFrom("rollup_calendars").select(["id", "time_zone", "unit", "filled_to", "source", "used_at"]).execute();
    const configured = (c: { time_zone: string }) => named.has(canonicalZone(c.time_zone));
    const removed = have.filter((c) => !configured(c) && (c.source === "config" || (c.used_at ?? 0) < now - AUTO_IDLE_MS));
    for (const c of removed) await drop(conn, c.id);
    const promoted = have.filter((c) => c.source === "auto" && configured(c)).map((c) => c.id);
    if (promoted.length > 0) await conn.updateTable("rollup_calendars").set({ source: "config" }).where("id", "in", promoted).execute();
    const added: Calendar[] = [];
    for (const [canonical, tz] of named) {
      if (!have.some((c) => canonicalZone(c.time_zone) === canonical)) added.push(...(await addPending(conn, tz, "config", now)));
    }
    return { added, removed: removed.map(({ used_at: _, ...c }) => c) };
  });
  if (opts.fill !== false) await fillCalendars(db);
  return out;
}

/**
 * A request asked for a day or week series in `tz`: marks its calendars used, or adds them (`auto`, to be
 * filled by fillCalendars) while fewer than `cap` auto zones are kept, making room by dropping the least
 * recently used one if no request asked for it in AUTO_IDLE_MS. `full` when there is no room.
 */
export async function wantCalendar(db: Db, tz: string, opts: { now: number; cap: number }): Promise<"utc" | "kept" | "added" | "full"> {
  const zone = canonicalZone(tz);
  if (zone === "UTC") return "utc";
  return db.transaction().execute(async (conn) => {
    const have = await conn.selectFrom("rollup_calendars").select(["id", "time_zone", "source", "used_at"]).execute();
    const mine = have.filter((c) => canonicalZone(c.time_zone) === zone).map((c) => c.id);
    if (mine.length > 0) {
      await conn.updateTable("rollup_calendars").set({ used_at: opts.now }).where("id", "in", mine).execute();
      return "kept";
    }
    const autos = have.filter((c) => c.source === "auto").sort((a, b) => (a.used_at ?? 0) - (b.used_at ?? 0));
    if (new Set(autos.map((c) => canonicalZone(c.time_zone))).size >= opts.cap) {
      const oldest = autos[0];
      if (!oldest || (oldest.used_at ?? 0) >= opts.now - AUTO_IDLE_MS) return "full";
      for (const c of autos.filter((c) => canonicalZone(c.time_zone) === canonicalZone(oldest.time_zone))) await drop(conn, c.id);
    }
    await addPending(conn, tz, "auto", opts.now);
    return "added";
  });
}

/**
 * Fills pending calendars from the 15-minute projections (every zone's day is a union of them), one UTC
 * day of rows per write transaction, until every calendar is complete; `pause` runs between transactions
 * (the server yields to requests there; false stops). A calendar's `filled_to` moves in the transaction
 * that adds the rows before it, and bump() writes a calendar only for buckets before its `filled_to`
 * (inside the writer's own transaction), so each delta lands once: through bump() or through the fill.
 * Returns the chunks filled.
 */
export async function fillCalendars(db: Db, pause?: () => Promise<boolean>): Promise<number> {
  let chunks = 0;
  while (await fillChunk(db)) {
    chunks++;
    if (pause && !(await pause())) break;
  }
  return chunks;
}

async function fillChunk(db: Db): Promise<boolean> {
  return db.transaction().execute(async (conn) => {
    const cal = await conn
      .selectFrom("rollup_calendars")
      .select(["id", "time_zone", "unit", "filled_to"])
      .where("filled_to", "is not", null)
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
    if (!cal) return false;
    // Gaps in the data are skipped: the chunk starts at the first bucket at or after filled_to.
    const next = await firstBucket(conn, cal.filled_to!);
    if (next === null) {
      await conn.updateTable("rollup_calendars").set({ filled_to: null }).where("id", "=", cal.id).execute();
      return true;
    }
    const to = next + FILL_CHUNK_MS;
    for (const t of LOCAL) await backfill(conn, cal, t, next, to);
    await conn.updateTable("rollup_calendars").set({ filled_to: to }).where("id", "=", cal.id).execute();
    return true;
  });
}

/** The first 15-minute bucket at or after `from` that a calendar reads (in the local facts' base tables), or null. */
async function firstBucket(db: Db, from: number): Promise<number | null> {
  const firsts = LOCAL_FACTS.map((f) => `select min(bucket) as b from "${tableName(f, "model_customer", "15m")}" where bucket >= ${Number(from)}`);
  const row = await sql<{ b: number | null }>`select min(b) as b from (${sql.raw(firsts.join(" union all "))}) as firsts`.execute(db);
  const b = row.rows[0]?.b;
  return b == null ? null : Number(b);
}

/** The day and week calendars of `tz`, pending from the first bucket held (complete at once when none is). */
async function addPending(db: Db, tz: string, source: "config" | "auto", now: number): Promise<Calendar[]> {
  const first = await firstBucket(db, Number.MIN_SAFE_INTEGER);
  const out: Calendar[] = [];
  for (const unit of UNITS) {
    const row = await db
      .insertInto("rollup_calendars")
      .values({ time_zone: tz, unit, created_at: now, filled_to: first, source, used_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    out.push({ id: row.id, time_zone: tz, unit, filled_to: first, source });
  }
  return out;
}

async function drop(db: Db, id: number): Promise<void> {
  for (const t of LOCAL_TABLES) await sql`delete from ${sql.table(`rollup_${t}_local`)} where calendar = ${id}`.execute(db);
  await db.deleteFrom("rollup_calendars").where("id", "=", id).execute();
}

/**
 * Adds the calendar's rows of one local table for the 15-minute buckets in [from, to), summed from the
 * cuboid's 15-minute rows (model and customer: the fact's base table, model × customer by 15 minutes), into
 * rows a chunk before began.
 */
async function backfill(db: Db, cal: Pick<Calendar, "id" | "time_zone" | "unit">, t: (typeof LOCAL)[number], from: number, to: number): Promise<void> {
  const table = tableName(t.fact, t.cuboid, "local");
  const group = keyColumns(t.fact, t.cuboid, "local").filter((c) => c !== "calendar" && c !== "bucket").map((c) => `"${c}"`);
  const measures = measureColumns(t.fact).map((c) => `"${c}"`);
  const day = bucketKeySql(cal.time_zone, from, to, "day");
  const key = cal.unit === "week" ? "d - (((d + 3) % 7 + 7) % 7)" : "d"; // mondayOf
  await sql
    .raw(
      `insert into "${table}" (calendar, bucket, ${group.join(", ")}, ${measures.join(", ")}) ` +
        `select ${cal.id}, ${key} as k, ${group.join(", ")}, ${measures.map((m) => `sum(${m})`).join(", ")} ` +
        `from (select ${day} as d, * from "${grainTable(t.fact, t.cuboid, "15m")}" where bucket >= ${Number(from)} and bucket < ${Number(to)}) as b where true ` +
        `group by k, ${group.join(", ")} ` +
        `on conflict (calendar, bucket, ${group.join(", ")}) do update set ${measures.map((m) => `${m} = "${table}".${m} + excluded.${m}`).join(", ")}`,
    )
    .execute(db);
}

/** The calendars rollup writes keep up to date; read inside the writer's transaction. */
export function calendars(db: Db): Promise<Calendar[]> {
  return db.selectFrom("rollup_calendars").select(["id", "time_zone", "unit", "filled_to", "source"]).orderBy("id").execute();
}

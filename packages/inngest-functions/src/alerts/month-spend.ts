import { type RawBuilder, sql } from "kysely";
import { type MonthCalendar, monthCalendar } from "@tally/shared";
import { budgetsAt, canonicalZone, commaJoin, type Db, DAY_MS, GRAIN_MS, grainStart, grainTable, jsonArray, jsonArrayAgg, localDay, pieces, segments, SPEND_PART_NAMES, SPEND_PARTS, type SpendPart, type SpendPartSpec, tableName } from "@tally/shared/db";
import type { Memo } from "./evaluate.ts";
import { windowEnd } from "./rollup-window.ts";

/**
 * Each budgeted customer's spend per local day of the reporting zone's month so far, for the budget and
 * forecast rules (and `alerts.budgets`), read in one statement for every customer. Spend is counted as the
 * Spend page and the statement count it (`SPEND_PARTS`: agent lines at their own time, the judge's spend on a
 * run at the judged run's time). Each piece below is read for both parts:
 * - a zone with a complete local day calendar (TALLY_TIME_ZONES): the calendar's rows, one per customer
 *   and whole local day, and today's so far as whole buckets (`pieces`);
 * - any other zone, UTC included: whole UTC days (the customer day rows) from the UTC midnight nearest each
 *   local midnight to the next, plus or minus the edge between the two (hours, and 15-minute buckets only
 *   at a half- or quarter-hour zone's boundary; each edge read once, for the two days it separates). UTC
 *   has no edges. Exact through DST and half-hour zones.
 * better-sqlite3 builds a JS object per result row (a few µs each: 15,000 customer-days cost more than the
 * SQL), so each piece answers ONE row: its columns joined in strings, parsed and summed here.
 */

export interface Budgeted {
  id: string;
  name: string;
  budget: number;
}

/** Each budgeted customer's (or the one customer's) spend per local day of the reporting zone's month so far. */
export interface MonthSpend {
  cal: MonthCalendar;
  customers: Budgeted[];
  daily: Map<string, number[]>;
  /** Priced and unpriced calls of the month so far: without a priced call the spend is unknown, never $0. */
  calls: Map<string, { priced: number; unpriced: number }>;
}

/** The month's spend, read once per evaluation (memo) for every rule that needs it. */
export function monthSpend(db: Db, tz: string, now: number, memo: Memo): Promise<MonthSpend> {
  const key = `month:${tz}`;
  const hit = memo.get(key) as Promise<MonthSpend> | undefined;
  if (hit) return hit;
  const read = readMonthSpend(db, tz, now);
  memo.set(key, read);
  return read;
}

/**
 * A piece's answer: its rows' columns, each joined in row order (ids as a JSON array, numbers by commas:
 * both parsed by JSON.parse). Every customer's rows are read and the budgeted ones kept here: an `in
 * (budgeted)` condition makes SQLite seek once per customer, twice the cost of the scan.
 */
interface PieceRow {
  piece: number;
  /** A JSON array (text on SQLite, parsed on PostgreSQL: `jsonArray`). */
  ids: unknown;
  spend: string | null;
  priced: string;
  unpriced: string;
}
/** What a piece counts for: (local day index, +1 or −1) pairs. */
type Targets = (readonly [day: number, sign: number])[];

async function readMonthSpend(db: Db, tz: string, now: number): Promise<MonthSpend> {
  const cal = monthCalendar(now, tz);
  const end = Math.min(cal.end, windowEnd(now));
  const { parts, targets } = await monthParts(db, tz, cal, end);
  const rows = parts.length === 0 ? [] : (await sql<PieceRow>`${sql.join(parts, sql` union all `)}`.execute(db)).rows;
  // The budgets in force at `now` (customer_budget_history): a past month's own, this month's today's.
  const budgets = await budgetsAt(db, now);
  const customers = (await db.selectFrom("customers").select(["id", "name"]).orderBy("id").execute())
    .map((c) => ({ id: c.id, name: c.name, budget: budgets.get(c.id) ?? 0 }))
    .filter((c) => c.budget > 0);
  const slot = new Map(customers.map((c, i) => [c.id, i]));
  const days = cal.dayStarts.length;
  const spent = customers.map(() => null as number[] | null);
  const priced = customers.map(() => 0);
  const unpriced = customers.map(() => 0);
  for (const row of rows) {
    if (row.spend === null) continue;
    const to = targets[Number(row.piece)]!;
    const ids = jsonArray<string>(row.ids);
    const spend = JSON.parse(`[${row.spend}]`) as number[];
    const p = JSON.parse(`[${row.priced}]`) as number[];
    const u = JSON.parse(`[${row.unpriced}]`) as number[];
    for (let k = 0; k < ids.length; k++) {
      const c = slot.get(ids[k]!);
      if (c === undefined) continue;
      let d = spent[c];
      if (!d) {
        d = new Array<number>(days).fill(0);
        spent[c] = d;
      }
      for (let t = 0; t < to.length; t++) {
        const [day, sign] = to[t]!;
        d[day]! += sign * spend[k]!;
        priced[c]! += sign * p[k]!;
        unpriced[c]! += sign * u[k]!;
      }
    }
  }
  const daily = new Map<string, number[]>();
  const calls = new Map<string, { priced: number; unpriced: number }>();
  customers.forEach((c, i) => {
    const d = spent[i];
    if (!d) return;
    daily.set(c.id, d);
    calls.set(c.id, { priced: priced[i]!, unpriced: unpriced[i]! });
  });
  return { cal, customers, daily, calls };
}

/** The statements reading the month [cal.start, end), and what each piece counts for. */
async function monthParts(db: Db, tz: string, cal: MonthCalendar, end: number): Promise<{ parts: RawBuilder<unknown>[]; targets: Targets[] }> {
  const parts: RawBuilder<unknown>[] = [];
  const targets: Targets[] = [];
  const add = (table: (fact: SpendPartSpec["fact"]) => string, where: RawBuilder<unknown>[], to: Targets) => {
    for (const part of SPEND_PART_NAMES) {
      parts.push(piece(db, parts.length, part, sql.table(table(SPEND_PARTS[part].fact)), where));
      targets.push(to);
    }
  };
  const utc = segments(tz, cal.start, end).every((s) => s.offset === 0);
  const calendar = utc
    ? undefined
    : await db.selectFrom("rollup_calendars").select("id").where("time_zone", "=", canonicalZone(tz)).where("unit", "=", "day").where("filled_to", "is", null).executeTakeFirst();
  const read = (a: number, b: number, to: Targets) => {
    for (const [p, sign] of cover(a, b)) {
      add((fact) => grainTable(fact, "customer", p.grain), [sql`bucket >= ${p.a}`, sql`bucket < ${p.b}`], sign > 0 ? to : to.map(([d, s]) => [d, -s] as const));
    }
  };
  if (calendar) {
    // The zone's complete local day calendar: the row of each whole local day; today's so far as pieces.
    const first = localDay(tz, cal.start);
    cal.dayStarts.forEach((start, i) => {
      const stop = cal.dayStarts[i + 1] ?? cal.end;
      if (stop <= end) add((fact) => tableName(fact, "customer", "local"), [sql`calendar = ${calendar.id}`, sql`bucket = ${first + i}`], [[i, 1]]);
      else if (start < end) read(start, end, [[i, 1]]);
    });
    return { parts, targets };
  }
  // Local day i = [b_i, b_i+1) = UTC days [m_i, m_i+1) − edge [m_i, b_i) + edge [m_i+1, b_i+1), with m the UTC
  // midnight nearest b (an edge is negative where b < m). The last boundary is `end`.
  const bounds = [...cal.dayStarts.filter((b) => b < end), end];
  const mid = bounds.map((b) => Math.round(b / DAY_MS) * DAY_MS);
  bounds.forEach((b, i) => {
    const m = mid[i]!;
    // This edge counts +1 for the day before boundary i and −1 for the day after it (oriented from m to b).
    const sign = b > m ? 1 : -1;
    const to: Targets = [...(i > 0 ? [[i - 1, sign] as const] : []), ...(i < bounds.length - 1 ? [[i, -sign] as const] : [])];
    if (b !== m) read(Math.min(b, m), Math.max(b, m), to);
    if (i < bounds.length - 1) read(m, mid[i + 1]!, [[i, 1]]);
  });
  return { parts, targets };
}

type Piece = ReturnType<typeof pieces>[number];
const WITHIN_DAY = { "1h": true, "1d": true, "1w": false, "4w": false };
const buckets = (ps: (readonly [Piece, number])[]) => ps.reduce((n, [p]) => n + (p.b - p.a) / GRAIN_MS[p.grain][0], 0);

/**
 * [a, b) as signed whole buckets: its pieces, or (when that reads fewer buckets) the hours around it minus
 * the quarters outside it: Asia/Kathmandu's edge 18:15–24:00 is 6 × 1h 18:00–24:00 − 15m, not 3 × 15m + 5 × 1h.
 */
function cover(a: number, b: number): (readonly [Piece, number])[] {
  const direct = pieces(a, b, WITHIN_DAY).map((p) => [p, 1] as const);
  const a1 = grainStart("1h", a);
  const b1 = grainStart("1h", b, Math.ceil);
  const around = [
    ...pieces(a1, b1, WITHIN_DAY).map((p) => [p, 1] as const),
    ...[...pieces(a1, a, WITHIN_DAY), ...pieces(b, b1, WITHIN_DAY)].map((p) => [p, -1] as const),
  ];
  return buckets(around) < buckets(direct) ? around : direct;
}

/** A piece: one row (see PieceRow), one spend part's rows in [a, b) of one table of its fact. */
function piece(db: Db, n: number, part: SpendPart, table: RawBuilder<unknown>, where: RawBuilder<unknown>[]): RawBuilder<unknown> {
  const c = SPEND_PARTS[part];
  const join = (col: string) => commaJoin(db, sql.ref(col));
  return sql`select ${sql.lit(n)} as piece, ${jsonArrayAgg(db, sql.ref("customer_id"))} as ids, ${join(c.cost)} as spend, ${join(c.priced)} as priced,
    ${join(c.unpriced)} as unpriced from ${table} where ${sql.join([...where, c.rows], sql` and `)}`;
}

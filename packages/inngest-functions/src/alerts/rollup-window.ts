import { type RawBuilder, sql } from "kysely";
import { BUCKET_MS, type Db, grainTable, HOUR_MS, pieces } from "@tally/shared/db";

/**
 * Sums over a window from the rollups only, for the alert rules: the window as whole buckets (`pieces`, as
 * the API's rollup sources read it) over the per-model or per-customer cuboids (their 15-minute edges from
 * the base table, which holds both keys), or the base 15-minute table when both keys matter. Windows are whole
 * 15-minute buckets: [windowStart, windowEnd), from the bucket holding `now − hours` to the bucket boundary
 * after `now` (the running bucket counts): the last `hours` whole, plus up to 15 minutes.
 */
export type Fact = "usage" | "scores" | "runs";
/** Which keys a read groups by: `model` and `customer` read that cuboid, `both` the base 15-minute table. */
export type Keys = "model" | "customer" | "both";

export interface WindowSumsQuery {
  fact: Fact;
  keys: Keys;
  from: number;
  to: number;
  /** `sum(<expr>) as <name>` per entry; the expressions name the fact's columns. */
  measures: Record<string, string>;
  /** Extra grouping columns of the fact (`name`, `kind`). */
  group?: string[];
  /** Conditions on the table's columns. */
  where?: RawBuilder<unknown>[];
}

export type SumsRow = { model: string; customer_id: string } & Record<string, number | string>;

export function windowEnd(now: number): number {
  return Math.ceil((now + 1) / BUCKET_MS) * BUCKET_MS;
}

/**
 * The start of a rolling window of `hours` ending now: the 15-minute bucket holding `now − hours`, so the
 * window covers every moment of the last `hours` (and up to 15 minutes more), never less.
 */
export function windowStart(now: number, hours: number): number {
  return Math.floor((now - hours * HOUR_MS) / BUCKET_MS) * BUCKET_MS;
}

export async function windowSums(db: Db, q: WindowSumsQuery): Promise<SumsRow[]> {
  const projection = q.keys === "both" ? null : q.keys;
  const all = projection !== null;
  const parts = pieces(q.from, q.to, { "1h": all, "1d": all, "1w": all, "4w": all }).map((p) => {
    const table = projection === null ? grainTable(q.fact, "model_customer", "15m") : grainTable(q.fact, projection, p.grain);
    const conds = [sql`bucket >= ${p.a}`, sql`bucket < ${p.b}`, ...(q.where ?? [])];
    return sql`select ${sql.raw(columns(projection, q))} from ${sql.table(table)} where ${sql.join(conds, sql` and `)}`;
  });
  if (parts.length === 0) return [];
  const group = ["model", "customer_id", ...(q.group ?? [])];
  const measures = Object.entries(q.measures).map(([name, expr]) => `sum(${expr}) as ${name}`);
  const query = sql<SumsRow>`select ${sql.raw([...group, ...measures].join(", "))} from (${sql.join(parts, sql` union all `)}) as r group by ${sql.raw(group.join(", "))}`;
  return (await query.execute(db)).rows;
}

/** The columns a piece selects: the keys, extra groups and every column the measures use. */
function columns(projection: "model" | "customer" | null, q: WindowSumsQuery): string {
  const used = new Set(Object.values(q.measures).flatMap((e) => e.match(/[a-z_]+/g) ?? []).filter((w) => MEASURE_COLUMNS.has(w)));
  const keys = projection === "model" ? ["model", "'' as customer_id"] : projection === "customer" ? ["'' as model", "customer_id"] : ["model", "customer_id"];
  return [...keys, ...(q.group ?? []), ...used].join(", ");
}
const MEASURE_COLUMNS = new Set(["calls", "cost_micros", "priced_calls", "unpriced_calls", "n", "sum_value", "sum_sq_value", "runs", "scored_runs", "judge_cost_micros", "judge_priced_calls", "judge_unpriced_calls"]);

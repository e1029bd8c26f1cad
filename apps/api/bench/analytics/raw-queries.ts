import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { pickBucket } from "@tally/shared";
import { bucketKeySql, readUnit } from "../../src/queries/zone.ts";

/**
 * The same answers as the aggregate procedures, computed by a plain GROUP BY over the raw tables (no
 * rollups). Each returns one comparable figure so the bench can check both paths agree.
 */
export interface RawWindow {
  from: number;
  to: number;
  timeZone: string;
}

const DAY = 86_400_000;
const num = (v: unknown) => Number(v ?? 0);

async function totals(db: Db, w: { from: number; to: number }): Promise<number> {
  const usage = await sql<{ kind: string; spend: number; unpriced: number }>`
    select kind, sum(cost_micros) as spend, sum(cost_micros is null) as unpriced
    from usage_costs where occurred_at >= ${w.from} and occurred_at < ${w.to} group by kind`.execute(db);
  await sql`select count(*) as runs, count(scored_at) as scored from runs where occurred_at >= ${w.from} and occurred_at < ${w.to}`.execute(db);
  await sql`select name, count(*) as n, avg(value) as mean from scores where occurred_at >= ${w.from} and occurred_at < ${w.to} group by name`.execute(db);
  return usage.rows.reduce((s, r) => s + num(r.spend), 0);
}

export const rawQueries: Record<string, (db: Db, w: RawWindow) => Promise<number>> = {
  "overview.summary": async (db, w) => {
    const len = w.to - w.from;
    const [cur] = await Promise.all([totals(db, w), totals(db, { from: w.from - len, to: w.from })]);
    return cur;
  },
  "spend.timeseries": (db, w) => spendSeries(db, w, "model"),
  "spend.timeseries/cust": (db, w) => spendSeries(db, w, "customer_id"),
  "spend.byCustomer": (db, w) => breakdown(db, w, "customer_id"),
  "spend.byModel": (db, w) => breakdown(db, w, "model"),
  "quality.trend": async (db, w) => {
    const k = sql.raw(bucketKeySql(w.timeZone, w.from, w.to, "day", "occurred_at"));
    const r = await sql<{ n: number }>`select ${k} as k, model, name, count(*) as n, sum(value), sum(value * value)
      from scores where occurred_at >= ${w.from} and occurred_at < ${w.to} group by k, model, name`.execute(db);
    return r.rows.reduce((s, x) => s + num(x.n), 0);
  },
  "quality.compareModels": async (db, w) => {
    const r = await sql<{ n: number }>`select model, name, count(*) as n, sum(value), sum(value * value)
      from scores where occurred_at >= ${w.from} and occurred_at < ${w.to} group by model, name`.execute(db);
    return r.rows.reduce((s, x) => s + num(x.n), 0);
  },
  "quality.costVsQuality": async (db, w) => {
    await sql`select model, sum(cost_micros) from usage_costs where kind = 'agent' and occurred_at >= ${w.from} and occurred_at < ${w.to} group by model`.execute(db);
    await sql`select model, count(*) from runs where occurred_at >= ${w.from} and occurred_at < ${w.to} group by model`.execute(db);
    const r = await sql<{ passing: number }>`select model, count(*) as n, avg(value), sum(value >= 0.7) as passing from scores
      where name = 'helpfulness' and occurred_at >= ${w.from} and occurred_at < ${w.to} group by model`.execute(db);
    return r.rows.reduce((s, x) => s + num(x.passing), 0);
  },
};

export { DAY };

async function spendSeries(db: Db, w: RawWindow, dim: "model" | "customer_id"): Promise<number> {
  const k = sql.raw(bucketKeySql(w.timeZone, w.from, w.to, "day", "occurred_at"));
  const r = await sql<{ spend: number }>`select ${k} as k, ${sql.ref(dim)}, sum(cost_micros) as spend from usage_costs
    where occurred_at >= ${w.from} and occurred_at < ${w.to} group by k, ${sql.ref(dim)}`.execute(db);
  return r.rows.reduce((s, x) => s + num(x.spend), 0);
}

/**
 * spend.byCustomer / spend.byModel the plain way: totals and run counts per group (only the `ids`
 * groups, if given), and the spend per chart bucket of the `sparklines` groups (default: every group).
 */
export async function breakdown(
  db: Db,
  w: RawWindow,
  dim: "customer_id" | "model",
  o: { ids?: string[]; sparklines?: string[] | false } = {},
): Promise<number> {
  const d = sql.ref(dim);
  const within = (ids: string[] | undefined) => (ids ? sql`and ${d} in (${sql.join(ids)})` : sql``);
  const only = within(o.ids);
  const r = await sql<{ spend: number }>`select ${d}, sum(cost_micros) as spend, sum(cost_micros is null) as unpriced
    from usage_costs where occurred_at >= ${w.from} and occurred_at < ${w.to} ${only} group by ${d}`.execute(db);
  await sql`select ${d}, count(*) from runs where occurred_at >= ${w.from} and occurred_at < ${w.to} ${only} group by ${d}`.execute(db);
  if (o.sparklines !== false) {
    const k = sql.raw(bucketKeySql(w.timeZone, w.from, w.to, readUnit(pickBucket(w)), "occurred_at"));
    await sql`select ${d}, ${k} as k, sum(cost_micros) from usage_costs
      where occurred_at >= ${w.from} and occurred_at < ${w.to} ${within(o.sparklines ?? o.ids)} group by ${d}, k`.execute(db);
  }
  return r.rows.reduce((s, x) => s + num(x.spend), 0);
}

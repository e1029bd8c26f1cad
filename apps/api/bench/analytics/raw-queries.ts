import { type RawBuilder, sql } from "kysely";
import { type Db, jsonText } from "@tally/shared/db";
import { pickBucket } from "@tally/shared";
import { bucketKeySql, readUnit } from "../../src/queries/chart-buckets.ts";

/**
 * The same answers as the aggregate procedures, computed by a plain GROUP BY over the raw tables (no
 * rollups), under the same filters. Each returns one comparable figure so the bench can check both paths agree.
 */
export interface RawWindow {
  from: number;
  to: number;
  timeZone: string;
}

/** The dashboard's filters (an aggregate takes one promoted tag key at a time). */
export interface RawFilter {
  models?: string[];
  customerIds?: string[];
  functionSlugs?: string[];
  tags?: Record<string, string>;
}

const DAY = 86_400_000;
const num = (v: unknown) => Number(v ?? 0);
const none = sql``;

/**
 * A usage line `u` in the window under the filter. Function slug and tags are the run's (`r`, joined only
 * when needed). A model filter names the line's own model ("line": agent lines, as the usage rollups key
 * them), or the run's model for spend ("run": the judge's spend on a run counts under the judged model,
 * issue 17 §3).
 */
function usage(db: Db, w: { from: number; to: number }, f: RawFilter, model: "line" | "run", joinRuns = false): RawBuilder<unknown> {
  const join = joinRuns || f.functionSlugs || f.tags || (model === "run" && f.models);
  const m = model === "line" ? sql.ref("u.model") : sql.ref("r.model");
  return sql`usage_costs u ${join ? sql`join runs r on r.run_id = u.run_id` : none}
    where u.occurred_at >= ${w.from} and u.occurred_at < ${w.to}
    ${f.models ? sql`and ${m} in (${sql.join(f.models)})` : none}
    ${f.customerIds ? sql`and u.customer_id in (${sql.join(f.customerIds)})` : none} ${runConditions(db, f)}`;
}
/** Runs `r` in the window under the filter. */
function runs(db: Db, w: { from: number; to: number }, f: RawFilter): RawBuilder<unknown> {
  return sql`runs r where r.occurred_at >= ${w.from} and r.occurred_at < ${w.to}
    ${f.models ? sql`and r.model in (${sql.join(f.models)})` : none}
    ${f.customerIds ? sql`and r.customer_id in (${sql.join(f.customerIds)})` : none} ${runConditions(db, f)}`;
}
/** Scores `s` in the window under the filter (the customer, function and tags are the run's). */
function scores(db: Db, w: { from: number; to: number }, f: RawFilter): RawBuilder<unknown> {
  const join = f.customerIds || f.functionSlugs || f.tags;
  return sql`scores s ${join ? sql`join runs r on r.run_id = s.run_id` : none}
    where s.occurred_at >= ${w.from} and s.occurred_at < ${w.to}
    ${f.models ? sql`and s.model in (${sql.join(f.models)})` : none}
    ${f.customerIds ? sql`and r.customer_id in (${sql.join(f.customerIds)})` : none} ${runConditions(db, f)}`;
}
function runConditions(db: Db, f: RawFilter): RawBuilder<unknown> {
  const tags = Object.entries(f.tags ?? {}).map(([k, v]) => sql`and ${tagValue(db, k)} = ${v}`);
  return sql`${f.functionSlugs ? sql`and r.function_slug in (${sql.join(f.functionSlugs)})` : none} ${sql.join(tags, sql` `)}`;
}
/** A run's tag value ('' when absent), as the tag cuboids key it. */
const tagValue = (db: Db, key: string) => sql`coalesce(${jsonText(db, "r.tags", key)}, '')`;
/** 1 when `cond` holds, else 0, summable on both engines (PostgreSQL does not sum booleans). */
const oneIf = (cond: RawBuilder<unknown>) => sql`case when ${cond} then 1 else 0 end`;
const unpriced = oneIf(sql`u.cost_micros is null`);
const dayKey = (w: RawWindow, column: string) => sql.raw(bucketKeySql(w.timeZone, w.from, w.to, "day", column));

async function totals(db: Db, w: { from: number; to: number }, f: RawFilter): Promise<number> {
  const spend = await sql<{ kind: string; spend: number; unpriced: number }>`
    select u.kind, sum(u.cost_micros) as spend, sum(${unpriced}) as unpriced from ${usage(db, w, f, "run")} group by u.kind`.execute(db);
  await sql`select count(*) as runs, count(r.scored_at) as scored from ${runs(db, w, f)}`.execute(db);
  await sql`select s.name, count(*) as n, avg(s.value) as mean from ${scores(db, w, f)} group by s.name`.execute(db);
  return spend.rows.reduce((s, r) => s + num(r.spend), 0);
}

export type RawQuery = (db: Db, w: RawWindow, f?: RawFilter) => Promise<number>;

export const rawQueries: Record<string, RawQuery> = {
  "overview.summary": async (db, w, f = {}) => {
    const len = w.to - w.from;
    const cur = await totals(db, w, f);
    await totals(db, { from: w.from - len, to: w.from }, f);
    return cur;
  },
  "spend.timeseries": (db, w, f = {}) => spendSeries(db, w, sql.ref("r.model"), f, true),
  "spend.timeseries/cust": (db, w, f = {}) => spendSeries(db, w, sql.ref("u.customer_id"), f),
  "spend.timeseries/function": (db, w, f = {}) => spendSeries(db, w, sql.ref("r.function_slug"), f, true),
  "spend.timeseries/tag:plan": (db, w, f = {}) => spendSeries(db, w, tagValue(db, "plan"), f, true),
  "spend.byCustomer": (db, w, f = {}) => breakdown(db, w, "customer_id", { sparklines: false, filter: f }),
  "spend.byModel": (db, w, f = {}) => breakdown(db, w, "model", { filter: f }),
  "spend.byModel/page": (db, w, f = {}) => breakdown(db, w, "model", { sparklines: false, filter: f }),
  "quality.trend": async (db, w, f = {}) => {
    const r = await sql<{ n: number }>`select ${dayKey(w, "s.occurred_at")} as k, s.model, s.name, count(*) as n, sum(s.value), sum(s.value * s.value)
      from ${scores(db, w, f)} group by k, s.model, s.name`.execute(db);
    return r.rows.reduce((s, x) => s + num(x.n), 0);
  },
  "quality.compareModels": async (db, w, f = {}) => {
    const r = await sql<{ n: number }>`select s.model, s.name, count(*) as n, sum(s.value), sum(s.value * s.value)
      from ${scores(db, w, f)} group by s.model, s.name`.execute(db);
    return r.rows.reduce((s, x) => s + num(x.n), 0);
  },
  "quality.costVsQuality": async (db, w, f = {}) => {
    await sql`select u.model, sum(u.cost_micros) from ${usage(db, w, f, "line")} and u.kind = 'agent' group by u.model`.execute(db);
    await sql`select r.model, count(*) from ${runs(db, w, f)} group by r.model`.execute(db);
    const r = await sql<{ passing: number }>`select s.model, count(*) as n, avg(s.value), sum(${oneIf(sql`s.value >= 0.7`)}) as passing
      from ${scores(db, w, f)} and s.name = 'helpfulness' group by s.model`.execute(db);
    return r.rows.reduce((s, x) => s + num(x.passing), 0);
  },
  "spend.byDimension/function": (db, w, f = {}) => byDimension(db, w, f, sql.ref("r.function_slug")),
  "spend.byDimension/tag:plan": (db, w, f = {}) => byDimension(db, w, f, tagValue(db, "plan")),
};

export { DAY };

/**
 * Spend per day and series (`by`: the run's model, the line's customer, or its run's function slug or tag
 * value): a judge line counts under the run it judged, as spend.byModel counts it.
 */
async function spendSeries(db: Db, w: RawWindow, by: RawBuilder<unknown>, f: RawFilter, joinRuns = false): Promise<number> {
  const r = await sql<{ spend: number }>`select ${dayKey(w, "u.occurred_at")} as k, ${by} as series, sum(u.cost_micros) as spend
    from ${usage(db, w, f, "run", joinRuns)} group by k, series`.execute(db);
  return r.rows.reduce((s, x) => s + num(x.spend), 0);
}

/** spend.byDimension the plain way: spend and calls per function slug or tag value (every line joined to its run), runs per value. */
async function byDimension(db: Db, w: RawWindow, f: RawFilter, value: RawBuilder<unknown>): Promise<number> {
  const r = await sql<{ spend: number }>`select ${value} as v, u.kind, sum(u.cost_micros) as spend, count(*) as calls, sum(${unpriced}) as unpriced
    from ${usage(db, w, f, "run", true)} group by v, u.kind`.execute(db);
  await sql`select ${value} as v, count(*) from ${runs(db, w, f)} group by v`.execute(db);
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
  o: { ids?: string[]; sparklines?: string[] | false; filter?: RawFilter } = {},
): Promise<number> {
  const f = o.filter ?? {};
  // Grouped by the line's own model (a judge line under the judge's); the compared total is the same.
  const d = sql.ref(dim === "model" ? "u.model" : "u.customer_id");
  const within = (ids: string[] | undefined) => (ids ? sql`and ${d} in (${sql.join(ids)})` : none);
  const only = within(o.ids);
  const r = await sql<{ spend: number }>`select ${d}, sum(u.cost_micros) as spend, sum(${unpriced}) as unpriced
    from ${usage(db, w, f, "run")} ${only} group by ${d}`.execute(db);
  const rd = sql.ref(`r.${dim}`);
  await sql`select ${rd}, count(*) from ${runs(db, w, f)} ${o.ids ? sql`and ${rd} in (${sql.join(o.ids)})` : none} group by ${rd}`.execute(db);
  if (o.sparklines !== false) {
    const k = sql.raw(bucketKeySql(w.timeZone, w.from, w.to, readUnit(pickBucket(w)), "u.occurred_at"));
    await sql`select ${d}, ${k} as k, sum(u.cost_micros) from ${usage(db, w, f, "run")} ${within(o.sparklines ?? o.ids)} group by ${d}, k`.execute(db);
  }
  return r.rows.reduce((s, x) => s + num(x.spend), 0);
}

import { type Expression, type SqlBool, sql } from "kysely";
import { type Db, inSubquery } from "@tally/shared/db";
import { num } from "./common.ts";

/**
 * runs.list with basis "spend": the runs behind a spend figure (a spend chart point, a spend table row),
 * booked as every spend figure books them (SPEND_PARTS, `@tally/shared/db` spend.ts):
 * - an agent line counts where it was spent: its own time, model and customer;
 * - a judge line counts under the run it judged: the run's time, model and customer.
 * The model, customer and time filters select lines that way; a function, tag or score filter is the run's.
 */
export interface SpendView {
  from: number;
  to: number;
  models?: string[] | undefined;
  customerIds?: string[] | undefined;
}

/** What a run (or the whole list) spent inside the view: the part of its cost the spend figure counts. */
export interface ViewSpend {
  /** Priced micro-dollars; null when none of the counted lines is priced (unpriced is never $0). */
  costMicros: number | null;
  unpricedCalls: number;
  calls: number;
}

export interface LineInView {
  kind: string;
  model: string;
  customer_id: string;
  occurred_at: number | string;
  cost_micros: number | string | null;
}

export interface RunInView {
  model: string;
  customer_id: string;
  occurred_at: number | string;
}

/** Whether a model, customer and instant fall in the view (an empty list filters nothing, as the aggregates read it). */
export function inView(v: SpendView, model: string, customerId: string, at: number): boolean {
  return at >= v.from && at < v.to && (!v.models?.length || v.models.includes(model)) && (!v.customerIds?.length || v.customerIds.includes(customerId));
}

/** The run's lines that the view's spend counts, summed (pure: the list's `inView` column). */
export function runSpendInView(v: SpendView, run: RunInView, lines: readonly LineInView[]): ViewSpend {
  const runCounts = inView(v, run.model, run.customer_id, num(run.occurred_at));
  const counted = lines.filter((l) => (l.kind === "agent" ? inView(v, l.model, l.customer_id, num(l.occurred_at)) : runCounts));
  const priced = counted.filter((l) => l.cost_micros !== null);
  return {
    costMicros: priced.length ? priced.reduce((s, l) => s + num(l.cost_micros), 0) : null,
    unpricedCalls: counted.length - priced.length,
    calls: counted.length,
  };
}

/** SQL: row `alias` (a usage line or a run) has its time, model and customer in the view. */
function inViewSql(v: SpendView, alias: "u" | "j") {
  const listed = (column: string, values: string[] | undefined) => (values?.length ? sql` and ${sql.ref(`${alias}.${column}`)} in (${sql.join(values)})` : sql``);
  return sql`${sql.ref(`${alias}.occurred_at`)} >= ${v.from} and ${sql.ref(`${alias}.occurred_at`)} < ${v.to}${listed("model", v.models)}${listed("customer_id", v.customerIds)}`;
}

/** A condition on `runs`: the run has spend in the view (an agent line there, or it is there with a judge line). */
export function hasSpendInView(db: Db, v: SpendView): Expression<SqlBool> {
  const behind = sql`
    select u.run_id from usage_costs u where u.kind = 'agent' and ${inViewSql(v, "u")}
    union all
    select j.run_id from runs j
    where ${inViewSql(v, "j")} and exists (select 1 from usage_costs k where k.run_id = j.run_id and k.kind = 'judge')`;
  return inSubquery(db, "runs.run_id", behind) as Expression<SqlBool>;
}

/**
 * How many runs `runIds` (the filtered runs' ids, a subquery) lists and their spend in the view, in one statement
 * that finds them once: the spend figure the list was opened from, when the filters are the figure's.
 */
export async function viewSummary(db: Db, v: SpendView, runIds: Expression<unknown>): Promise<{ runs: number; inView: ViewSpend }> {
  const row = (
    await sql<{ runs: number | string; cost: number | string | null; unpriced: number | string | null; calls: number | string }>`
      with listed as materialized (select run_id from ${runIds} as ids)
      select (select count(*) from listed) as runs, sum(l.cost_micros) as cost,
        sum(case when l.cost_micros is null then 1 else 0 end) as unpriced, count(l.calls) as calls
      from (
        select u.cost_micros, 1 as calls from usage_costs u
        where u.kind = 'agent' and ${inViewSql(v, "u")} and u.run_id in (select run_id from listed)
        union all
        select k.cost_micros, 1 from runs j join usage_costs k on k.run_id = j.run_id and k.kind = 'judge'
        where ${inViewSql(v, "j")} and j.run_id in (select run_id from listed)
      ) l`.execute(db)
  ).rows[0];
  const calls = num(row?.calls ?? 0);
  const unpricedCalls = num(row?.unpriced ?? 0);
  return { runs: num(row?.runs ?? 0), inView: { costMicros: calls > unpricedCalls ? num(row?.cost ?? 0) : null, unpricedCalls, calls } };
}

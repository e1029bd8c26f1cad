/**
 * The usage lines a customer's monthly statement counts, booked as SPEND_PARTS books them: an agent line at its
 * own time, model and customer; a judge line at the judged run's time, model and customer (`model` is the model
 * the statement books a line under, `called_model` the model that answered). The one definition behind the
 * line-items CSV and the statement's restatements.
 */
import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import type { Window } from "./common.ts";

export interface StatementLine {
  booked_at: number | string;
  id: string;
  run_id: string;
  kind: string;
  model: string;
  called_model: string;
  provider: string;
  price_source: string;
  input_tokens: number | string;
  output_tokens: number | string;
  cache_read_tokens: number | string;
  cache_write_tokens: number | string;
  cost_micros: number | string | null;
  /** When Tally recorded the line (usage_costs.created_at). */
  recorded_at: number | string;
}

export function statementLines(customerId: string, w: Window) {
  return sql<StatementLine>`
    select u.occurred_at as booked_at, u.id, u.run_id, u.kind, u.model, u.model as called_model, u.provider, u.price_source,
      u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens, u.cost_micros, u.created_at as recorded_at
    from usage_costs u
    where u.kind = 'agent' and u.customer_id = ${customerId} and u.occurred_at >= ${w.from} and u.occurred_at < ${w.to}
    union all
    select r.occurred_at, u.id, u.run_id, u.kind, r.model, u.model, u.provider, u.price_source,
      u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens, u.cost_micros, u.created_at
    from runs r join usage_costs u on u.run_id = r.run_id and u.kind = 'judge'
    where r.customer_id = ${customerId} and r.occurred_at >= ${w.from} and r.occurred_at < ${w.to}`;
}

/** What one repricing job changed in a statement: its lines' priced sum and unpriced count before and after it. */
export interface Restatement {
  jobId: string;
  /** `override`, `catalog` or `manual` (reprice_jobs.reason). */
  reason: string;
  createdBy: string;
  /** When the job finished (else when it started: a job still running). */
  at: number;
  /** When it changed the first of these lines: the statement read before then had none of its changes. */
  firstChangeAt: number;
  status: string;
  /** The statement's lines whose cost the job changed. */
  lines: number;
  /** Priced micro-USD of those lines before and after the job; null when none of them was priced. */
  beforeMicros: number | null;
  afterMicros: number | null;
  /** What the job changed the statement's priced total by (after − before; a side with nothing priced adds 0). */
  changeMicros: number;
  beforeUnpricedCalls: number;
  afterUnpricedCalls: number;
}

interface RestatementRow {
  job_id: string;
  first_at: number | string;
  lines: number | string;
  before_micros: number | string | null;
  after_micros: number | string | null;
  before_unpriced: number | string;
  after_unpriced: number | string;
}

/**
 * Every repricing job that changed the cost of a line this statement counts (a new price source at the same
 * cost changes no figure), oldest first (usage_cost_history by the lines' ids). A statement read before a job showed its `before` figures: the current total minus each job's
 * after plus its before is what the statement said before any of them.
 */
export async function statementRestatements(db: Db, customerId: string, w: Window): Promise<Restatement[]> {
  const rows = (
    await sql<RestatementRow>`
      select h.job_id, count(*) as lines, min(h.at) as first_at,
        sum(h.cost_micros_before) as before_micros, sum(h.cost_micros_after) as after_micros,
        sum(case when h.cost_micros_before is null then 1 else 0 end) as before_unpriced,
        sum(case when h.cost_micros_after is null then 1 else 0 end) as after_unpriced
      from (${statementLines(customerId, w)}) l
      join usage_cost_history h on h.usage_id = l.id
      where h.cost_micros_before is distinct from h.cost_micros_after
      group by h.job_id`.execute(db)
  ).rows;
  if (rows.length === 0) return [];
  const jobs = await db
    .selectFrom("reprice_jobs")
    .select(["id", "reason", "created_by", "created_at", "started_at", "finished_at", "status"])
    .where("id", "in", rows.map((r) => r.job_id))
    .execute();
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const n = (v: number | string | null) => (v === null ? null : Number(v));
  return rows
    .map((r): Restatement => {
      const j = byId.get(r.job_id);
      return {
        jobId: r.job_id,
        reason: j?.reason ?? "",
        createdBy: j?.created_by ?? "",
        at: Number(j?.finished_at ?? j?.started_at ?? j?.created_at ?? 0),
        firstChangeAt: Number(r.first_at),
        status: j?.status ?? "",
        lines: Number(r.lines),
        beforeMicros: n(r.before_micros),
        afterMicros: n(r.after_micros),
        changeMicros: (n(r.after_micros) ?? 0) - (n(r.before_micros) ?? 0),
        beforeUnpricedCalls: Number(r.before_unpriced),
        afterUnpricedCalls: Number(r.after_unpriced),
      };
    })
    .sort((a, b) => a.at - b.at || a.jobId.localeCompare(b.jobId));
}

/** A sum of statement lines: their count, priced micro-USD (null: none priced) and unpriced calls. */
export interface LineSum {
  lines: number;
  spendMicros: number | null;
  unpricedCalls: number;
}

interface SumRow {
  lines: number | string;
  spend: number | string | null;
  priced: number | string | null;
  unpriced: number | string | null;
  first_at?: number | string | null;
  last_at?: number | string | null;
}

const lineSum = (r: SumRow | undefined): LineSum => ({
  lines: Number(r?.lines ?? 0),
  spendMicros: Number(r?.priced ?? 0) > 0 ? Number(r?.spend) : null,
  unpricedCalls: Number(r?.unpriced ?? 0),
});

/**
 * What the statement showed when read at `at`: the lines Tally had recorded by then, each at its cost then (the
 * cost before the first repricing of it at or after `at`, else its cost now).
 */
export async function statementAsOf(db: Db, customerId: string, w: Window, at: number): Promise<LineSum> {
  const later = sql`from usage_cost_history h where h.usage_id = l.id and h.at >= ${at}`;
  const row = (
    await sql<SumRow>`
      select count(*) as lines, sum(v.cost) as spend, sum(case when v.cost is null then 0 else 1 end) as priced,
        sum(case when v.cost is null then 1 else 0 end) as unpriced
      from (
        select case when exists (select 1 ${later}) then (select h.cost_micros_before ${later} order by h.at, h.job_id limit 1) else l.cost_micros end as cost
        from (${statementLines(customerId, w)}) l
        where l.recorded_at < ${at}
      ) v`.execute(db)
  ).rows[0];
  return lineSum(row);
}

/** The statement's lines recorded after its month ended (late deliveries): a copy read before then lacks them. */
export async function lateLines(db: Db, customerId: string, w: Window): Promise<(LineSum & { firstAt: number; lastAt: number }) | null> {
  const row = (
    await sql<SumRow>`
      select count(*) as lines, sum(l.cost_micros) as spend, sum(case when l.cost_micros is null then 0 else 1 end) as priced,
        sum(case when l.cost_micros is null then 1 else 0 end) as unpriced, min(l.recorded_at) as first_at, max(l.recorded_at) as last_at
      from (${statementLines(customerId, w)}) l
      where l.recorded_at >= ${w.to}`.execute(db)
  ).rows[0];
  if (!row || Number(row.lines) === 0) return null;
  return { ...lineSum(row), firstAt: Number(row.first_at), lastAt: Number(row.last_at) };
}

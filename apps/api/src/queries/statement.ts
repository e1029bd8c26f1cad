/**
 * A customer's monthly statement (invoicing): one calendar month in a zone, its totals (the same reads as
 * overview.summary for that customer and window), per model (spend.byModel's rows) and per local day (a day
 * series of the customer cuboid, exact in every IANA zone: series.ts), and the monthly budget.
 * Unpriced usage is counted in calls beside each figure, never summed as $0.
 */
import { z } from "zod";
import { isTimeZone, localParts, monthStart, wellFormedString } from "@tally/shared";
import { budgetsAt, type Db, readAll, SPEND_PARTS } from "@tally/shared/db";
import { addMoney, money, num, type Window } from "./common.ts";
import { getSummary } from "./overview.ts";
import { getSpendByModel, type ModelSpendRow } from "./spend-breakdown.ts";
import { zoneSeriesSource } from "./series.ts";
import { seriesSums } from "./series-sums.ts";
import { chartBuckets } from "./chart-buckets.ts";
import { type LineSum, lateLines, type Restatement, statementAsOf, statementRestatements } from "./statement-lines.ts";

export const statementInput = z.strictObject({
  /** '' is unattributed usage. */
  customerId: wellFormedString().max(200),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: "month must be YYYY-MM" })
    .refine((m) => Number(m.slice(0, 4)) >= 2000 && Number(m.slice(0, 4)) <= 2100, { message: "month must be from 2000 to 2100" }),
  timeZone: z.string().default("UTC").refine(isTimeZone, { message: "unknown IANA time zone" }),
});
export type StatementInput = z.infer<typeof statementInput>;

/** Priced spend (null: none of its calls priced) with the unpriced calls left out of it. */
export interface StatementFigures {
  spendMicros: number | null;
  agentSpendMicros: number | null;
  judgeSpendMicros: number | null;
  unpricedCalls: number;
  agentUnpricedCalls: number;
  judgeUnpricedCalls: number;
  runs: number;
}

export interface Statement {
  customer: { id: string; name: string | null; budgetMicros: number | null };
  month: string;
  timeZone: string;
  window: Window;
  totals: StatementFigures & { pricedRuns: number };
  /** Priced spend / the month's budget; null without a budget or priced spend. */
  budgetUse: number | null;
  /** By the agent's (judged) model: the judge's spend on that model's runs. */
  models: (StatementFigures & { model: string })[];
  /** Every local day of the month, in order, with its exact bounds. */
  days: (StatementFigures & { date: string; start: number; end: number })[];
  /** When these figures were read: a repricing job after it can change them (`restatements`). */
  asOf: number;
  /** Each repricing job that changed the cost of a line of this statement, oldest first. */
  restatements: Restatement[];
  /** What the statement showed just before the first of them (`statementAsOf`); null without restatements. */
  beforeRestatements: (LineSum & { at: number }) | null;
  /** Its lines recorded after the month ended, which a copy read before then lacks; null: none. */
  lateLines: (LineSum & { firstAt: number; lastAt: number }) | null;
}

const pad = (n: number) => String(n).padStart(2, "0");

export function monthWindow(month: string, tz: string): Window {
  const [y, mo] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return { from: monthStart(y, mo, tz), to: monthStart(y, mo + 1, tz) };
}

export async function getStatement(db: Db, input: StatementInput, now: number): Promise<Statement> {
  const { customerId, month, timeZone } = input;
  const w = monthWindow(month, timeZone);
  const filter = { ...w, timeZone, customerIds: [customerId] };
  const [summary, models, days, customer, restatements, budgets, late] = await readAll(db, [
    () => getSummary(db, filter),
    () => modelRows(db, filter),
    () => dayRows(db, filter, w),
    () => db.selectFrom("customers").select(["name"]).where("id", "=", customerId).executeTakeFirst(),
    () => statementRestatements(db, customerId, w),
    // The budget in force at the month's end (a later change does not rewrite a closed month).
    () => budgetsAt(db, w.to - 1, [customerId]),
    () => lateLines(db, customerId, w),
  ]);
  const firstChange = restatements.length ? Math.min(...restatements.map((r) => r.firstChangeAt)) : null;
  const beforeRestatements = firstChange === null ? null : { at: firstChange, ...(await statementAsOf(db, customerId, w, firstChange)) };
  const c = summary.current;
  const budgetMicros = budgets.get(customerId) ?? null;
  const spend = c.spendMicros.total;
  return {
    customer: { id: customerId, name: customer?.name ?? null, budgetMicros },
    month,
    timeZone,
    window: c.window,
    totals: {
      spendMicros: spend,
      agentSpendMicros: c.spendMicros.agent,
      judgeSpendMicros: c.spendMicros.judge,
      unpricedCalls: c.unpricedCalls,
      agentUnpricedCalls: c.agentUnpricedCalls,
      judgeUnpricedCalls: c.judgeUnpricedCalls,
      runs: c.runs,
      pricedRuns: c.pricedRuns,
    },
    budgetUse: budgetMicros && spend !== null ? spend / budgetMicros : null,
    models,
    days,
    asOf: now,
    restatements,
    beforeRestatements,
    lateLines: late,
  };
}

async function modelRows(db: Db, f: Window & { timeZone: string; customerIds: string[] }): Promise<Statement["models"]> {
  const rows: ModelSpendRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await getSpendByModel(db, { ...f, sort: "model", direction: "asc", limit: 500, cursor, sparklines: false });
    rows.push(...page.rows);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows.map((r) => ({
    model: r.model,
    spendMicros: r.spendMicros,
    agentSpendMicros: r.agentSpendMicros,
    judgeSpendMicros: r.judgeSpendMicros,
    unpricedCalls: r.unpricedCalls,
    agentUnpricedCalls: r.agentUnpricedCalls,
    judgeUnpricedCalls: r.judgeUnpricedCalls,
    runs: r.runs,
  }));
}

const { agent: AGENT, judge: JUDGE } = SPEND_PARTS;

/** The month's local days (a day series of the customer cuboid): its spend (`SPEND_PARTS`) and runs. */
async function dayRows(db: Db, f: Window & { timeZone: string; customerIds: string[] }, w: Window): Promise<Statement["days"]> {
  const chart = chartBuckets(f.timeZone, w.from, w.to, "day");
  const opts = { group: [], timeZone: f.timeZone, unit: "day" as const, chart };
  const zeros = () => new Float64Array(chart.buckets.length);
  // Two independent reads (at once on PostgreSQL), as the Spend sparklines read them.
  const [[usage], [runs]] = await readAll(db, [
    async () => seriesSums(db, await zoneSeriesSource(db, AGENT.fact, f, w, { ...opts, extra: [AGENT.rows] }), [], { cost: AGENT.cost, priced: AGENT.priced, unpriced: AGENT.unpriced, calls: "calls" }, "calls"),
    async () => seriesSums(db, await zoneSeriesSource(db, JUDGE.fact, f, w, opts), [], { runs: "runs", cost: JUDGE.cost, priced: JUDGE.priced, unpriced: JUDGE.unpriced }, "runs"),
  ]);
  const u = usage?.cells ?? { cost: zeros(), priced: zeros(), unpriced: zeros(), calls: zeros() };
  const r = runs?.cells ?? { runs: zeros(), cost: zeros(), priced: zeros(), unpriced: zeros() };
  return chart.buckets.map((b, i) => {
    const l = localParts(b.start, f.timeZone);
    const agent = money(u.cost[i], u.priced[i]);
    const judge = money(r.cost[i], r.priced[i]);
    return {
      date: `${l.y}-${pad(l.mo)}-${pad(l.d)}`,
      start: b.start,
      end: b.end,
      spendMicros: addMoney(agent, judge),
      agentSpendMicros: agent,
      judgeSpendMicros: judge,
      unpricedCalls: num(u.unpriced[i]) + num(r.unpriced[i]),
      agentUnpricedCalls: num(u.unpriced[i]),
      judgeUnpricedCalls: num(r.unpriced[i]),
      runs: num(r.runs[i]),
    };
  });
}

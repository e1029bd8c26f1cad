/**
 * A customer's monthly statement (invoicing): one calendar month in a zone, its totals (the same reads as
 * overview.summary for that customer and window), per model (spend.byModel's rows) and per local day (the
 * customer's 15-minute projections, which every IANA zone's day is a union of), and the monthly budget.
 * Unpriced usage is counted in calls beside each figure, never summed as $0.
 */
import { z } from "zod";
import { isTimeZone, localParts, monthStart, wellFormedString, zoneOffset } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { addMoney, money, num, type Window } from "./common.ts";
import { getSummary } from "./overview.ts";
import { getSpendByModel, type ModelSpendRow } from "./spend-breakdown.ts";

export const statementInput = z.object({
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
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Local midnight of day `d` of month `mo` of `y` in `tz` (two passes settle DST). */
function dayStart(y: number, mo: number, d: number, tz: string): number {
  const guess = Date.UTC(y, mo - 1, d);
  return guess - zoneOffset(guess - zoneOffset(guess, tz), tz);
}

export function monthWindow(month: string, tz: string): Window {
  const [y, mo] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return { from: monthStart(y, mo, tz), to: monthStart(y, mo + 1, tz) };
}

export async function getStatement(db: Db, input: StatementInput): Promise<Statement> {
  const { customerId, month, timeZone } = input;
  const w = monthWindow(month, timeZone);
  const filter = { ...w, timeZone, customerIds: [customerId] };
  const [summary, models, days, customer] = await Promise.all([
    getSummary(db, filter),
    modelRows(db, filter),
    dayRows(db, customerId, month, timeZone, w),
    db.selectFrom("customers").select(["name", "monthly_budget_micros"]).where("id", "=", customerId).executeTakeFirst(),
  ]);
  const c = summary.current;
  const budgetMicros = customer?.monthly_budget_micros ?? null;
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

/** The month's local days from the customer's 15-minute projections: agent usage lines, and the judge's spend on the runs. */
async function dayRows(db: Db, customerId: string, month: string, tz: string, w: Window): Promise<Statement["days"]> {
  const [y, mo] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  const starts: number[] = [];
  for (let d = 1, s = dayStart(y, mo, 1, tz); s < w.to; s = dayStart(y, mo, ++d, tz)) starts.push(s);
  const [usage, runs] = await Promise.all([
    db
      .selectFrom("rollup_usage_customer_15m")
      .where("customer_id", "=", customerId)
      .where("kind", "=", "agent")
      .where("bucket", ">=", w.from)
      .where("bucket", "<", w.to)
      .select(["bucket", "cost_micros", "priced_calls", "unpriced_calls"])
      .execute(),
    db
      .selectFrom("rollup_runs_customer_15m")
      .where("customer_id", "=", customerId)
      .where("bucket", ">=", w.from)
      .where("bucket", "<", w.to)
      .select(["bucket", "runs", "judge_cost_micros", "judge_priced_calls", "judge_unpriced_calls"])
      .execute(),
  ]);
  const sums = starts.map(() => ({ cost: 0, priced: 0, unpriced: 0, jCost: 0, jPriced: 0, jUnpriced: 0, runs: 0 }));
  const dayOf = (bucket: number) => {
    let i = starts.length - 1;
    while (i > 0 && starts[i]! > bucket) i--;
    return sums[i]!;
  };
  for (const u of usage) {
    const s = dayOf(u.bucket);
    s.cost += num(u.cost_micros);
    s.priced += num(u.priced_calls);
    s.unpriced += num(u.unpriced_calls);
  }
  for (const r of runs) {
    const s = dayOf(r.bucket);
    s.runs += num(r.runs);
    s.jCost += num(r.judge_cost_micros);
    s.jPriced += num(r.judge_priced_calls);
    s.jUnpriced += num(r.judge_unpriced_calls);
  }
  return sums.map((s, i) => {
    const l = localParts(starts[i]!, tz);
    const agent = money(s.cost, s.priced);
    const judge = money(s.jCost, s.jPriced);
    return {
      date: `${l.y}-${pad(l.mo)}-${pad(l.d)}`,
      start: starts[i]!,
      end: starts[i + 1] ?? w.to,
      spendMicros: addMoney(agent, judge),
      agentSpendMicros: agent,
      judgeSpendMicros: judge,
      unpricedCalls: s.unpriced + s.jUnpriced,
      agentUnpricedCalls: s.unpriced,
      judgeUnpricedCalls: s.jUnpriced,
      runs: s.runs,
    };
  });
}

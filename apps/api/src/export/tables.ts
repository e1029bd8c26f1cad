import type { ServerResponse } from "node:http";
import type { Db } from "@tally/shared/db";
import type { RunsListInput, SpendByCustomerInput, SpendByModelInput } from "@tally/shared";
import { runsQuery, withScoresAndCosts } from "../queries/runs.ts";
import { getSpendByCustomer, getSpendByModel } from "../queries/spend-breakdown.ts";
import { csvLine, usd, write } from "./csv.ts";

const PAGE = 1000;

export async function exportSpendByCustomer(db: Db, res: ServerResponse, f: SpendByCustomerInput): Promise<void> {
  await write(res, csvLine(["customer_id", "name", "spend_usd", "spend_micros", "agent_spend_micros", "judge_spend_micros", "runs", "cost_per_run_micros", "unpriced_calls", "share", "monthly_budget_micros"]));
  let cursor: string | undefined;
  do {
    const page = await getSpendByCustomer(db, { ...f, limit: PAGE, cursor, sparklines: false });
    const rows = page.rows.map((r) => csvLine([r.customerId, r.name, usd(r.spendMicros), r.spendMicros, r.agentSpendMicros, r.judgeSpendMicros, r.runs, round(r.costPerRunMicros), r.unpricedCalls, r.share, r.budgetMicros]));
    if (rows.length > 0) await write(res, rows.join(""));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export async function exportSpendByModel(db: Db, res: ServerResponse, f: SpendByModelInput): Promise<void> {
  await write(res, csvLine(["model", "spend_usd", "spend_micros", "agent_spend_micros", "judge_spend_micros", "runs", "cost_per_run_micros", "unpriced_calls", "share"]));
  let cursor: string | undefined;
  do {
    const page = await getSpendByModel(db, { ...f, limit: PAGE, cursor, sparklines: false });
    const rows = page.rows.map((r) => csvLine([r.model, usd(r.spendMicros), r.spendMicros, r.agentSpendMicros, r.judgeSpendMicros, r.runs, round(r.costPerRunMicros), r.unpricedCalls, r.share]));
    if (rows.length > 0) await write(res, rows.join(""));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** Every matching run, newest first, one keyset page at a time (never the whole table in memory). An
 * unpriced cost is an empty cell, never 0. */
export async function exportRuns(db: Db, res: ServerResponse, f: RunsListInput): Promise<void> {
  await write(res, csvLine(["run_id", "occurred_at", "function_slug", "model", "customer_id", "cost_micros", "agent_cost_micros", "judge_cost_micros", "unpriced_calls", "scores"]));
  let after: { t: number; id: string } | undefined;
  for (;;) {
    const rows = await runsQuery(db, { ...f, cursor: undefined }, after).limit(PAGE).execute();
    const items = await withScoresAndCosts(db, rows);
    let chunk = "";
    for (const r of items) {
      const scores = r.scores.map((s) => `${s.name}=${s.value}`).join(";");
      chunk += csvLine([r.runId, new Date(r.occurredAt).toISOString(), r.functionSlug, r.model, r.customerId, r.costMicros, r.agentCostMicros, r.judgeCostMicros, r.unpricedCalls, scores]);
    }
    if (chunk) await write(res, chunk);
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || !last) return;
    after = { t: last.occurred_at, id: last.run_id };
  }
}

const round = (v: number | null) => (v === null ? null : Math.round(v));

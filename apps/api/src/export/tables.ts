import type { ServerResponse } from "node:http";
import type { Db } from "@tally/shared/db";
import type { RunsListInput, SpendByCustomerInput, SpendByModelInput } from "@tally/shared";
import { runsQuery, withScoresAndCosts } from "../queries/runs.ts";
import { getSpendByCustomer, getSpendByModel, type ModelSpendRow } from "../queries/spend-breakdown.ts";
import { csvLine, usd, write } from "./csv.ts";

const PAGE = 1000;
type SpendRow = Omit<ModelSpendRow, "model">;

/** Money cells are empty when nothing in them is priced (never 0); the unpriced calls sit beside them. */
const SPEND_COLUMNS = ["spend_usd", "spend_micros", "agent_spend_micros", "agent_unpriced_calls", "judge_spend_micros", "judge_unpriced_calls", "runs", "priced_runs", "cost_per_run_micros", "unpriced_calls", "share"];
const spendCells = (r: SpendRow) => [
  usd(r.spendMicros), r.spendMicros, r.agentSpendMicros, r.agentUnpricedCalls, r.judgeSpendMicros, r.judgeUnpricedCalls,
  r.runs, r.pricedRuns, round(r.costPerRunMicros), r.unpricedCalls, r.share,
];

export async function exportSpendByCustomer(db: Db, res: ServerResponse, f: SpendByCustomerInput): Promise<void> {
  await write(res, csvLine(["customer_id", "name", ...SPEND_COLUMNS, "monthly_budget_micros"]));
  let cursor: string | undefined;
  do {
    const page = await getSpendByCustomer(db, { ...f, limit: PAGE, cursor, sparklines: false });
    const rows = page.rows.map((r) => csvLine([r.customerId, r.name, ...spendCells(r), r.budgetMicros]));
    if (rows.length > 0) await write(res, rows.join(""));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export async function exportSpendByModel(db: Db, res: ServerResponse, f: SpendByModelInput): Promise<void> {
  await write(res, csvLine(["model", ...SPEND_COLUMNS]));
  let cursor: string | undefined;
  do {
    const page = await getSpendByModel(db, { ...f, limit: PAGE, cursor, sparklines: false });
    const rows = page.rows.map((r) => csvLine([r.model, ...spendCells(r)]));
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

import type { ServerResponse } from "node:http";
import type { Db } from "@tally/shared/db";
import type { AuditFilter, RunsListInput, SpendByCustomerInput, SpendByModelInput } from "@tally/shared";
import { auditQuery } from "../queries/audit.ts";
import { effectiveWindow } from "../queries/common.ts";
import { asListed, RUN_COLUMNS, runsQuery, withScoresAndCosts } from "../queries/runs.ts";
import { type CustomerSpendRow, getSpendByCustomer, getSpendByModel, type ModelSpendRow } from "../queries/spend-breakdown.ts";
import { type Cell, csvBody, csvLine, usd, write } from "./csv.ts";
import type { CustomerExportOptions } from "./handler.ts";
import { localIso, ratio } from "./period.ts";

/**
 * Runs read per page of an export. On SQLite each page's statements hold the one connection: at 100,000 runs a
 * year's runs.csv by pages of 1,000 held a request beside it up to 220 ms (median 139); by 250, 56 ms (37), and
 * the export took 5.2 s, not 6.1.
 */
const PAGE = 250;
type SpendRow = Omit<ModelSpendRow, "model">;

/**
 * Every row says which period and zone its figures cover (local times with their offset): the aggregates' window,
 * widened to whole 15-minute buckets (`effectiveWindow`), as the file name says too.
 */
const PERIOD_COLUMNS = ["period_start", "period_end", "time_zone"];
const periodCells = (w: { from: number; to: number }, timeZone: string): Cell[] => [localIso(w.from, timeZone), localIso(w.to, timeZone), timeZone];

/** Money cells are empty when nothing in them is priced (never 0); the unpriced calls sit beside them. */
const SPEND_COLUMNS = ["spend_usd", "spend_micros", "agent_spend_micros", "agent_unpriced_calls", "judge_spend_micros", "judge_unpriced_calls", "runs", "priced_runs", "cost_per_run_micros", "unpriced_calls", "share"];
const spendCells = (r: SpendRow) => [
  usd(r.spendMicros), r.spendMicros, r.agentSpendMicros, r.agentUnpricedCalls, r.judgeSpendMicros, r.judgeUnpricedCalls,
  r.runs, r.pricedRuns, round(r.costPerRunMicros), r.unpricedCalls, ratio(r.share),
];

/** The search box's rule: the shown name ("unattributed" for '') or the id contains the text, any case. */
function matches(r: { customerId: string; name: string | null }, search: string): boolean {
  const q = search.trim().toLowerCase();
  const label = r.customerId === "" ? "unattributed" : (r.name ?? r.customerId);
  return q === "" || label.toLowerCase().includes(q) || r.customerId.toLowerCase().includes(q);
}

/**
 * Budget columns: the monthly budget of the month holding the window's end, the months of `budgetPeriod` (each calendar month in
 * the zone counted by its share inside; default: the window), the period's budget month by month (`customerBudgets`),
 * budget use: the window's priced spend over it, and `budget_partial` (true: some months of the period have a budget and
 * some none, so the period has none; the Spend table's "no budget for part of the period").
 */
const BUDGET_COLUMNS = ["monthly_budget_micros", "budget_months", "period_budget_micros", "budget_use", "budget_partial"];

export async function exportSpendByCustomer(db: Db, res: ServerResponse, f: SpendByCustomerInput, o: CustomerExportOptions = {}): Promise<void> {
  const out = csvBody(res, ["customer_id", "name", ...SPEND_COLUMNS, ...BUDGET_COLUMNS, ...PERIOD_COLUMNS]);
  const w = effectiveWindow(f);
  const period = periodCells(w, f.timeZone); // the same on every row: computed once
  const input = { ...f, budgetPeriod: f.budgetPeriod ?? o.budgetPeriod };
  const use = (r: CustomerSpendRow) => (r.periodBudgetMicros && r.spendMicros !== null ? r.spendMicros / r.periodBudgetMicros : null);
  let months = 0;
  const line = (r: CustomerSpendRow) =>
    csvLine([r.customerId, r.name, ...spendCells(r), r.budgetMicros, ratio(months), r.periodBudgetMicros, ratio(use(r)), r.budgetPartial ? "true" : "false", ...period]);
  // By budget use: every row first (one per customer), then sorted as the Spend table sorts them.
  const held: CustomerSpendRow[] | null = o.sortBy === "budgetUse" ? [] : null;
  let cursor: string | undefined;
  do {
    const page = await getSpendByCustomer(db, { ...input, limit: PAGE, cursor, sparklines: false });
    months = page.budgetPeriod.months;
    const shown = o.search ? page.rows.filter((r) => matches(r, o.search!)) : page.rows;
    if (held) held.push(...shown);
    else await out.write(shown.map(line).join(""));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (held) {
    const sign = f.direction === "asc" ? 1 : -1;
    held.sort((a, b) => {
      const [x, y] = [use(a), use(b)];
      if (x !== y) return x === null ? 1 : y === null ? -1 : (x - y) * sign;
      return a.customerId.localeCompare(b.customerId);
    });
    await out.write(held.map(line).join(""));
  }
  await out.end();
}

export async function exportSpendByModel(db: Db, res: ServerResponse, f: SpendByModelInput): Promise<void> {
  const out = csvBody(res, ["model", ...SPEND_COLUMNS, ...PERIOD_COLUMNS]);
  const period = periodCells(effectiveWindow(f), f.timeZone);
  let cursor: string | undefined;
  do {
    const page = await getSpendByModel(db, { ...f, limit: PAGE, cursor, sparklines: false });
    await out.write(page.rows.map((r) => csvLine([r.model, ...spendCells(r), ...period])).join(""));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  await out.end();
}

/** Every matching run, newest first (each with its occurred_at, local time with its offset in the query's zone, as reviews.csv has it; the file name gives the period and zone), one page at a time (never the whole table in memory). An
 * unpriced cost is an empty cell, never 0. With basis "spend", two more columns: the run's spend in the view
 * (priced micro-dollars, and its unpriced calls there); they add up to the spend figure the list was opened from. */
export async function exportRuns(db: Db, res: ServerResponse, input: RunsListInput): Promise<void> {
  const f = asListed({ ...input, cursor: undefined });
  const spend = f.basis === "spend";
  const viewColumns = spend ? ["in_view_cost_micros", "in_view_unpriced_calls"] : [];
  const out = csvBody(res, ["run_id", "occurred_at", "function_slug", "model", "customer_id", "cost_micros", "agent_cost_micros", "judge_cost_micros", "unpriced_calls", "scores", ...viewColumns]);
  for await (const rows of spend ? spendBasisPages(db, f) : runPages(db, f)) {
    const items = await withScoresAndCosts(db, rows, spend ? f : undefined);
    let chunk = "";
    for (const r of items) {
      const scores = r.scores.map((s) => `${s.name}=${s.value}`).join(";");
      const view = r.inView ? [r.inView.costMicros, r.inView.unpricedCalls] : [];
      chunk += csvLine([r.runId, localIso(r.occurredAt, f.timeZone), r.functionSlug, r.model, r.customerId, r.costMicros, r.agentCostMicros, r.judgeCostMicros, r.unpricedCalls, scores, ...view]);
    }
    await out.write(chunk);
  }
  await out.end();
}

/** The filtered runs, newest first, a keyset page at a time. */
async function* runPages(db: Db, f: RunsListInput) {
  let after: { t: number; id: string } | undefined;
  for (;;) {
    const rows = await runsQuery(db, f, after).limit(PAGE).execute();
    if (rows.length > 0) yield rows;
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || !last) return;
    after = { t: last.occurred_at, id: last.run_id };
  }
}

/** The runs behind spend, newest first: their ids found once (a keyset page would find them again per page), then read a page at a time. */
async function* spendBasisPages(db: Db, f: RunsListInput) {
  const order = (await runsQuery(db, f).clearSelect().select("run_id").execute()).map((r) => r.run_id);
  for (let i = 0; i < order.length; i += PAGE) {
    const ids = order.slice(i, i + PAGE);
    const byId = new Map((await db.selectFrom("runs").select(RUN_COLUMNS).where("run_id", "in", ids).execute()).map((r) => [r.run_id, r]));
    yield ids.flatMap((id) => byId.get(id) ?? []);
  }
}

/**
 * Every matching audit entry, newest first, one keyset page at a time; `before` and `after` as the JSON the
 * log stored. The times are UTC ISO instants.
 */
export async function exportAudit(db: Db, res: ServerResponse, f: AuditFilter): Promise<void> {
  await write(res, csvLine(["id", "at", "actor_type", "actor_id", "actor_label", "action", "target", "before", "after"]));
  let after: { at: number; id: number } | undefined;
  for (;;) {
    const rows = await auditQuery(db, f, after).limit(PAGE).execute();
    const chunk = rows.map((r) => csvLine([r.id, new Date(Number(r.at)).toISOString(), r.actor_type, r.actor_id, r.actor_label, r.action, r.target, r.before, r.after])).join("");
    if (chunk) await write(res, chunk);
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || !last) return;
    after = { at: Number(last.at), id: Number(last.id) };
  }
}

/** `audit_<from>_<to>.csv` (UTC dates; `start` / `now` for an open end). */
export function auditFileName(name: string, f: AuditFilter): string {
  const day = (ms: number | undefined, open: string) => (ms === undefined ? open : new Date(ms).toISOString().slice(0, 10));
  return `${name}_${day(f.from, "start")}_${day(f.to, "now")}.csv`;
}

const round = (v: number | null) => (v === null ? null : Math.round(v));

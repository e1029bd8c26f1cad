import type { ServerResponse } from "node:http";
import type { Db } from "@tally/shared/db";
import { getStatement, type StatementFigures, type StatementInput } from "../queries/statement.ts";
import { type Cell, csvLine, usd, write } from "./csv.ts";
import { fileNamePart, localIso, ratio } from "./period.ts";

/** `statement_acme_2026-11_Asia-Kolkata.csv` (`statement-lines_…` for its line items): the customer ('' as `unattributed`), the month and the zone. */
export const statementFileName = (name: string, i: StatementInput) =>
  `${name}_${i.customerId === "" ? "unattributed" : fileNamePart(i.customerId)}_${i.month}_${fileNamePart(i.timeZone)}.csv`;

/**
 * One file: a row per local day (`section` day, `key` the date), per model (`model`, the agent's model; the
 * judge's spend on its runs), and the month's `total` (with the budget). Money cells are empty when nothing
 * in them is priced (never 0); the unpriced calls sit beside them. Then what dates the figures: `as_of` (when
 * read), `late_lines` (usage recorded after the month: their amount), `before_restatements` (the total just
 * before the first repricing that changed it) and a `restatement` per job (the change it made).
 */
const COLUMNS = [
  "section", "key", "spend_usd", "spend_micros", "agent_spend_micros", "agent_unpriced_calls", "judge_spend_micros", "judge_unpriced_calls",
  "unpriced_calls", "runs", "monthly_budget_micros", "budget_use", "customer_id", "customer_name", "month", "time_zone",
];

export async function exportStatement(db: Db, res: ServerResponse, input: StatementInput): Promise<void> {
  const s = await getStatement(db, input, Date.now());
  const line = (section: string, key: string, f: StatementFigures, budget: Cell[] = [null, null]) =>
    csvLine([
      section, key, usd(f.spendMicros), f.spendMicros, f.agentSpendMicros, f.agentUnpricedCalls, f.judgeSpendMicros, f.judgeUnpricedCalls,
      f.unpricedCalls, f.runs, ...budget, s.customer.id, s.customer.name, s.month, s.timeZone,
    ]);
  // What changed the figures after the month (`key` names it; spend_micros and unpriced_calls are its amount).
  const note = (section: string, key: string, spendMicros: number | null, unpricedCalls: number | null) =>
    csvLine([section, key, usd(spendMicros), spendMicros, null, null, null, null, unpricedCalls, null, null, null, s.customer.id, s.customer.name, s.month, s.timeZone]);
  const before = s.beforeRestatements;
  const rows = [
    csvLine(COLUMNS),
    ...s.days.map((d) => line("day", d.date, d)),
    ...s.models.map((m) => line("model", m.model, m)),
    line("total", s.month, s.totals, [s.customer.budgetMicros, ratio(s.budgetUse)]),
    note("as_of", localIso(s.asOf, s.timeZone), null, null),
    ...(s.lateLines ? [note("late_lines", `${s.lateLines.lines} recorded ${localIso(s.lateLines.firstAt, s.timeZone)} to ${localIso(s.lateLines.lastAt, s.timeZone)}`, s.lateLines.spendMicros, s.lateLines.unpricedCalls)] : []),
    ...(before ? [note("before_restatements", localIso(before.at, s.timeZone), before.spendMicros, before.unpricedCalls)] : []),
    ...s.restatements.map((j) => note("restatement", `${j.jobId} ${localIso(j.at, s.timeZone)}`, j.changeMicros, j.afterUnpricedCalls - j.beforeUnpricedCalls)),
  ];
  await write(res, rows.join(""));
}

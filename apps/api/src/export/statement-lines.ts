import type { ServerResponse } from "node:http";
import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { monthWindow, type StatementInput } from "../queries/statement.ts";
import { type StatementLine, statementLines } from "../queries/statement-lines.ts";
import { csvBody, csvLine, usd } from "./csv.ts";
import { localIso } from "./period.ts";

const COLUMNS = [
  "booked_at", "line_id", "run_id", "kind", "model", "called_model", "provider", "price_source", "input_tokens", "output_tokens",
  "cache_read_tokens", "cache_write_tokens", "cost_usd", "cost_micros", "customer_id", "month", "time_zone", "recorded_at",
];

const PAGE = 1000;

/**
 * The statement's line items: every usage line its totals count, booked as the statement books it
 * (`statementLines`). The priced lines' `cost_micros` add up to the statement's total spend exactly, per kind
 * to its agent and judge spend, and the empty ones (unpriced, never 0) to its unpriced calls. In booking order,
 * one keyset page at a time.
 */
export async function exportStatementLines(db: Db, res: ServerResponse, input: StatementInput): Promise<void> {
  const out = csvBody(res, COLUMNS);
  const w = monthWindow(input.month, input.timeZone);
  const c = input.customerId;
  let after: { at: number; id: string } | null = null;
  for (;;) {
    const page: StatementLine[] = (
      await sql<StatementLine>`
        select * from (${statementLines(c, w)}) lines
        ${after ? sql`where booked_at > ${after.at} or (booked_at = ${after.at} and id > ${after.id})` : sql``}
        order by booked_at, id
        limit ${PAGE}`.execute(db)
    ).rows;
    await out.write(page.map((l) => line(l, input)).join(""));
    const last = page.at(-1);
    if (page.length < PAGE || !last) return out.end();
    after = { at: Number(last.booked_at), id: last.id };
  }
}

function line(l: StatementLine, input: StatementInput): string {
  const cost = l.cost_micros === null ? null : Number(l.cost_micros);
  return csvLine([
    localIso(Number(l.booked_at), input.timeZone), l.id, l.run_id, l.kind, l.model, l.called_model, l.provider, l.price_source,
    Number(l.input_tokens), Number(l.output_tokens), Number(l.cache_read_tokens), Number(l.cache_write_tokens),
    usd(cost), cost, input.customerId, input.month, input.timeZone, localIso(Number(l.recorded_at), input.timeZone),
  ]);
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { auditExportInput, budgetPeriodInput, can, type Capability, reviewExportInput, runsListInput, spendByCustomerInput, spendByModelInput } from "@tally/shared";
import type { App } from "../app.ts";
import { issuesByField } from "../http/respond.ts";
import { effectiveWindow, InputError, InvalidCursorError } from "../queries/common.ts";
import { ClientGone } from "./csv.ts";
import type { ExportSlots } from "./slots.ts";
import { exportFileName } from "./period.ts";
import { exportReviews, reviewsFileName } from "./reviews.ts";
import { exportStatement, statementFileName } from "./statement.ts";
import { exportStatementLines } from "./statement-lines.ts";
import { statementInput } from "../queries/statement.ts";
import { auditFileName, exportAudit, exportRuns, exportSpendByCustomer, exportSpendByModel } from "./tables.ts";

/**
 * The customer export's own options (`options=<json>`, beside `input`): the table's search box (the same
 * rule: name or id contains the text, any case) and the period the budget columns measure against
 * (default: the window; the dashboard sends a calendar preset's whole month, quarter or year).
 */
export const customerExportOptions = z.strictObject({
  search: z.string().max(100).optional(),
  /** As `spend.byCustomer`'s `budgetPeriod` (either may carry it; the input's wins). */
  budgetPeriod: budgetPeriodInput.optional(),
  /** The Spend table's budget-use sort (in the input's `direction`; no budget last, ties by customer id): rows are sorted before writing. */
  sortBy: z.literal("budgetUse").optional(),
});
export type CustomerExportOptions = z.infer<typeof customerExportOptions>;
const noOptions = z.strictObject({});

/** One export: the capability it needs, its input and options schemas, its file name and its rows. */
interface ExportTable<I, O> {
  capability: Capability;
  schema: z.ZodType<I, unknown>;
  options: z.ZodType<O, unknown>;
  fileName(name: string, input: I): string;
  run(db: App["db"], res: ServerResponse, input: I, options: O): Promise<void>;
}

/** A table with its types checked here, erased to one shape the handler calls. */
function exportTable<I, O>(t: ExportTable<I, O>) {
  return {
    capability: t.capability,
    /** Parses `input` and `options`: the file name and a writer, or the field errors. */
    prepare(name: string, input: unknown, options: unknown) {
      const parsed = t.schema.safeParse(input);
      const opts = t.options.safeParse(options);
      if (parsed.success && opts.success) {
        const [i, o] = [parsed.data, opts.data];
        return { ok: true as const, fileName: t.fileName(name, i), run: (db: App["db"], res: ServerResponse) => t.run(db, res, i, o) };
      }
      const fieldErrors = issuesByField(parsed.error?.issues ?? [], "input");
      issuesByField(opts.error?.issues ?? [], "options", "options.", fieldErrors);
      return { ok: false as const, fieldErrors };
    },
  };
}

const periodFileName = (name: string, f: { from: number; to: number; timeZone: string }) => exportFileName(name, f.from, f.to, f.timeZone);
/** A spend table's figures cover whole 15-minute buckets (`effectiveWindow`): its file name says which. */
const spendFileName = (name: string, f: { from: number; to: number; timeZone: string }) => periodFileName(name, { ...f, ...effectiveWindow(f) });

/**
 * Every CSV export, by name, with the capability it needs (the walk over every money field and the walk
 * over every role read this list): the data tables are reads (any role), the audit log is admin only.
 */
export const TABLES = {
  "spend-by-customer": exportTable({ capability: "read", schema: spendByCustomerInput, options: customerExportOptions, fileName: spendFileName, run: exportSpendByCustomer }),
  "spend-by-model": exportTable({ capability: "read", schema: spendByModelInput, options: noOptions, fileName: spendFileName, run: exportSpendByModel }),
  runs: exportTable({ capability: "read", schema: runsListInput, options: noOptions, fileName: periodFileName, run: exportRuns }),
  audit: exportTable({ capability: "admin", schema: auditExportInput, options: noOptions, fileName: auditFileName, run: exportAudit }),
  reviews: exportTable({ capability: "read", schema: reviewExportInput, options: noOptions, fileName: reviewsFileName, run: exportReviews }),
  statement: exportTable({ capability: "read", schema: statementInput, options: noOptions, fileName: statementFileName, run: exportStatement }),
  "statement-lines": exportTable({ capability: "read", schema: statementInput, options: noOptions, fileName: statementFileName, run: exportStatementLines }),
};

type TableName = keyof typeof TABLES;

/**
 * `GET /api/export/<table>.csv?input=<json>`: the same JSON input as the matching tRPC procedure
 * (spend.byCustomer, spend.byModel, runs.list, audit.list; paging fields are ignored), and for
 * spend-by-customer an optional `options=<json>` (`customerExportOptions`). 401 without credentials, 403
 * when the role lacks the table's capability, before the input is read; 429 past the exports running at once
 * (`ExportSlots`; `GET /api/export/slots` answers `{ refused: string | null }`, whether one would start now).
 * Streams page by page. A data
 * table's file is named after the table, the period and the zone (`exportFileName`), and every row carries
 * period_start, period_end, time_zone.
 */
export async function handleExport(app: Pick<App, "db" | "access">, req: IncomingMessage, res: ServerResponse, slots: ExportSlots): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const principal = await app.access.authenticate(req);
  if (!principal) return json(res, 401, { error: "sign in, or send Authorization: Bearer <API key>" });
  const exporter = `${principal.kind}:${principal.id}`;
  // Whether an export would start now: the dashboard asks before each download, so a refusal is a message, not a failed file.
  if (url.pathname === "/api/export/slots") return json(res, 200, { refused: slots.refusal(exporter) });
  const match = /^\/api\/export\/([a-z-]+)\.csv$/.exec(url.pathname);
  const name = match?.[1];
  if (req.method !== "GET" || !name || !Object.hasOwn(TABLES, name)) {
    return json(res, 404, { error: `no export ${url.pathname}; tables: ${Object.keys(TABLES).join(", ")}` });
  }
  const table = TABLES[name as TableName];
  if (!can(principal.role, table.capability)) {
    return json(res, 403, { error: `the ${principal.role} role cannot export ${name} (needs ${table.capability})` });
  }
  const raw = { input: {} as unknown, options: {} as unknown };
  for (const param of ["input", "options"] as const) {
    try {
      raw[param] = JSON.parse(url.searchParams.get(param) ?? "{}");
    } catch {
      return json(res, 400, { error: `${param} is not JSON`, fieldErrors: { [param]: ["not JSON"] } });
    }
  }
  const prepared = table.prepare(name, raw.input, raw.options);
  if (!prepared.ok) return json(res, 400, { error: "invalid input", fieldErrors: prepared.fieldErrors });
  const slot = slots.take(exporter);
  if ("refused" in slot) {
    res.setHeader("retry-after", "5");
    return json(res, 429, { error: slot.refused });
  }
  // Headers go out with the first row (implicitly), so an input error found by the query itself (a tag not
  // promoted, one still filling) is still a 400 rather than a cut-off download.
  const csvHeaders = { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${prepared.fileName}"`, "cache-control": "no-store" };
  res.statusCode = 200;
  for (const [k, v] of Object.entries(csvHeaders)) res.setHeader(k, v);
  try {
    await prepared.run(app.db, res);
    res.end();
  } catch (e) {
    if (e instanceof InputError && !res.headersSent) {
      for (const k of Object.keys(csvHeaders)) res.removeHeader(k);
      return json(res, 400, { error: e.message, fieldErrors: issuesByField(e.issues, "input") });
    }
    if (e instanceof InvalidCursorError) res.end();
    else if (!(e instanceof ClientGone)) res.destroy(e instanceof Error ? e : new Error(String(e)));
  } finally {
    slot.release();
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

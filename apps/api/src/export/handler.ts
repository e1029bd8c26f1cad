import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { can } from "@tally/shared";
import { instantSchema, runsListInput, spendByCustomerInput, spendByModelInput } from "@tally/shared";
import type { App } from "../app.ts";
import { InvalidCursorError } from "../queries/common.ts";
import { ClientGone } from "./csv.ts";
import { exportFileName } from "./period.ts";
import { exportRuns, exportSpendByCustomer, exportSpendByModel } from "./tables.ts";

/**
 * The customer export's own options (`options=<json>`, beside `input`): the table's search box (the same
 * rule: name or id contains the text, any case) and the period the budget columns measure against
 * (default: the window; the dashboard sends a calendar preset's whole month, quarter or year).
 */
export const customerExportOptions = z.strictObject({
  search: z.string().max(100).optional(),
  budgetPeriod: z
    .strictObject({ from: instantSchema, to: instantSchema })
    .refine((p) => p.from < p.to && p.to - p.from <= 400 * 86_400_000, { message: "from must be before to, at most 400 days apart" })
    .optional(),
});
export type CustomerExportOptions = z.infer<typeof customerExportOptions>;
const noOptions = z.strictObject({});

/** Every CSV export, by name (the walk over every money field reads this list). */
export const TABLES = {
  "spend-by-customer": { schema: spendByCustomerInput, options: customerExportOptions, run: exportSpendByCustomer },
  "spend-by-model": { schema: spendByModelInput, options: noOptions, run: exportSpendByModel },
  runs: { schema: runsListInput, options: noOptions, run: exportRuns },
} as const;

type TableName = keyof typeof TABLES;
/** Every export is a read: any role. */
export const EXPORT_CAPABILITY = "read" as const;

/**
 * `GET /api/export/<table>.csv?input=<json>`: the same JSON input as the matching tRPC procedure
 * (spend.byCustomer, spend.byModel, runs.list; paging fields are ignored), and for spend-by-customer an
 * optional `options=<json>` (`customerExportOptions`). Streams page by page. The file is named after the
 * table, the period and the zone (`exportFileName`); every row carries period_start, period_end, time_zone.
 */
export async function handleExport(app: Pick<App, "db" | "access">, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const principal = await app.access.authenticate(req);
  if (!principal) return json(res, 401, { error: "sign in, or send Authorization: Bearer <API key>" });
  if (!can(principal.role, EXPORT_CAPABILITY)) return json(res, 403, { error: `the ${principal.role} role cannot export` });
  const match = /^\/api\/export\/([a-z-]+)\.csv$/.exec(url.pathname);
  const name = match?.[1];
  if (req.method !== "GET" || !name || !(name in TABLES)) {
    return json(res, 404, { error: `no export ${url.pathname}; tables: ${Object.keys(TABLES).join(", ")}` });
  }
  const table = TABLES[name as TableName];
  const raw = { input: {} as unknown, options: {} as unknown };
  for (const param of ["input", "options"] as const) {
    try {
      raw[param] = JSON.parse(url.searchParams.get(param) ?? "{}");
    } catch {
      return json(res, 400, { error: `${param} is not JSON`, fieldErrors: { [param]: ["not JSON"] } });
    }
  }
  const parsed = table.schema.safeParse(raw.input);
  const options = table.options.safeParse(raw.options);
  if (!parsed.success || !options.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const [prefix, r] of [["", parsed], ["options.", options]] as const) {
      for (const i of r.error?.issues ?? []) (fieldErrors[prefix + (i.path.map(String).join(".") || "input")] ??= []).push(i.message);
    }
    return json(res, 400, { error: "invalid input", fieldErrors });
  }
  const { from, to, timeZone } = parsed.data;
  res.writeHead(200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${exportFileName(name, from, to, timeZone)}"`,
    "cache-control": "no-store",
  });
  try {
    // The parsed input and options match the table's schemas; the map above pairs them.
    await (table.run as (db: App["db"], res: ServerResponse, input: z.infer<typeof table.schema>, options: CustomerExportOptions) => Promise<void>)(
      app.db,
      res,
      parsed.data,
      options.data,
    );
    res.end();
  } catch (e) {
    if (e instanceof InvalidCursorError) res.end();
    else if (!(e instanceof ClientGone)) res.destroy(e instanceof Error ? e : new Error(String(e)));
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

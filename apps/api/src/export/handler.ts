import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { runsListInput, spendByCustomerInput, spendByModelInput } from "@tally/shared";
import type { App } from "../app.ts";
import { InvalidCursorError } from "../queries/common.ts";
import { ClientGone } from "./csv.ts";
import { exportRuns, exportSpendByCustomer, exportSpendByModel } from "./tables.ts";

/** Every CSV export, by name (the walk over every money field reads this list). */
export const TABLES = {
  "spend-by-customer": { schema: spendByCustomerInput, run: exportSpendByCustomer },
  "spend-by-model": { schema: spendByModelInput, run: exportSpendByModel },
  runs: { schema: runsListInput, run: exportRuns },
} as const;

type TableName = keyof typeof TABLES;

/**
 * `GET /api/export/<table>.csv?input=<json>`: the same JSON input as the matching tRPC procedure
 * (spend.byCustomer, spend.byModel, runs.list; paging fields are ignored). Streams page by page.
 */
export async function handleExport(app: Pick<App, "db">, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const match = /^\/api\/export\/([a-z-]+)\.csv$/.exec(url.pathname);
  const name = match?.[1];
  if (req.method !== "GET" || !name || !(name in TABLES)) {
    return json(res, 404, { error: `no export ${url.pathname}; tables: ${Object.keys(TABLES).join(", ")}` });
  }
  const table = TABLES[name as TableName];
  let raw: unknown = {};
  try {
    raw = JSON.parse(url.searchParams.get("input") ?? "{}");
  } catch {
    return json(res, 400, { error: "input is not JSON", fieldErrors: { input: ["not JSON"] } });
  }
  const parsed = table.schema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const i of parsed.error.issues) (fieldErrors[i.path.map(String).join(".") || "input"] ??= []).push(i.message);
    return json(res, 400, { error: "invalid input", fieldErrors });
  }
  res.writeHead(200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${name}.csv"`,
    "cache-control": "no-store",
  });
  try {
    // The parsed input matches the table's schema; the map above pairs them.
    await (table.run as (db: App["db"], res: ServerResponse, input: z.infer<typeof table.schema>) => Promise<void>)(
      app.db,
      res,
      parsed.data,
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

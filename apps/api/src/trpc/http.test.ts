import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../app.ts";
import { readEnv } from "../env.ts";
import { createHttpServer } from "../server.ts";
import { AUTH, TEST_API_KEY } from "../../test/harness.ts";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { agentCost, fixture, judgeCost, type RunSpec, seedRuns } from "../queries/test-support.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 1, 1);
let app: App;
let server: Server;
let base: string;
let dir: string;
let runs: RunSpec[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tally-http-"));
  app = await createApp(readEnv({ INNGEST_DEV: "1", DATABASE_URL: await testDatabaseUrl({ file: join(dir, "tally.db") }), TALLY_INIT_API_KEY: TEST_API_KEY }));
  for (const [model, p] of [["acme-large", 2], ["acme-small", 2], ["acme-judge", 1]] as const) {
    await app.db
      .insertInto("model_prices")
      .values({ model, provider: "", input_micros_per_mtok: 1_000_000, output_micros_per_mtok: p * 1_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: 0, created_at: 0 })
      .execute();
  }
  runs = fixture(START, 3, 1100, 9);
  await seedRuns(app.db, runs);
  server = createHttpServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 300_000);
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (input: unknown) => `input=${encodeURIComponent(JSON.stringify(input))}`;

describe("GET /api/trpc", () => {
  it("answers overview.summary with 200 and the figures", async () => {
    const res = await fetch(`${base}/api/trpc/overview.summary?${q({ from: START, to: START + 3 * DAY, timeZone: "Asia/Kolkata" })}`, { headers: AUTH });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { current: { runs: number; spendMicros: { total: number } } } } };
    expect(body.result.data.current.runs).toBe(runs.length);
    expect(body.result.data.current.spendMicros.total).toBe(runs.reduce((s, r) => s + (agentCost(r) ?? 0) + (judgeCost(r) ?? 0), 0));
  });

  it("answers bad input with 400 and field messages, never 500", async () => {
    const res = await fetch(`${base}/api/trpc/overview.summary?${q({ from: START + DAY, to: START, timeZone: "Nowhere/City" })}`, { headers: AUTH });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { data: { code: string; zodError: { fieldErrors: Record<string, string[]> } } } };
    expect(body.error.data.code).toBe("BAD_REQUEST");
    expect(Object.keys(body.error.data.zodError.fieldErrors).sort()).toEqual(["timeZone", "to"]);
    const sort = await fetch(`${base}/api/trpc/spend.byModel?${q({ from: START, to: START + DAY, sort: "nope" })}`, { headers: AUTH });
    expect(sort.status).toBe(400);
  });
});

describe("GET /api/export/<table>.csv", () => {
  it("streams the runs list as CSV, page by page, unpriced cost as an empty cell", async () => {
    const res = await fetch(`${base}/api/export/runs.csv?${q({ from: START, to: START + 3 * DAY })}`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    const reader = res.body!.getReader();
    let chunks = 0;
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += new TextDecoder().decode(value);
    }
    expect(chunks).toBeGreaterThan(1);
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("run_id,occurred_at,function_slug,model,customer_id,cost_micros,agent_cost_micros,judge_cost_micros,unpriced_calls,scores");
    expect(lines).toHaveLength(runs.length + 1);
    const unpriced = runs.find((r) => agentCost(r) === null && !r.judge)!;
    const row = lines.find((l) => l.startsWith(`${unpriced.runId},`))!.split(",");
    expect(row[5]).toBe("");
    expect(row[8]).toBe("1");
  });

  it("exports spend by customer and by model with the same filters, and refuses bad input with 400", async () => {
    const res = await fetch(`${base}/api/export/spend-by-customer.csv?${q({ from: START, to: START + 3 * DAY, customerIds: ["cust-1"] })}`, { headers: AUTH });
    const lines = (await res.text()).trimEnd().split("\r\n");
    expect(lines).toHaveLength(2);
    const spend = runs.filter((r) => r.customerId === "cust-1").reduce((s, r) => s + (agentCost(r) ?? 0) + (judgeCost(r) ?? 0), 0);
    expect(lines[1]!.split(",")[3]).toBe(String(spend));
    const models = await fetch(`${base}/api/export/spend-by-model.csv?${q({ from: START, to: START + 3 * DAY })}`, { headers: AUTH });
    // One row per judged model (the judge's spend on its runs included): the judge's own model is not a row (issue 17 §3).
    const modelRows = (await models.text()).trimEnd().split("\r\n").slice(1).map((l) => l.split(",")[0]);
    expect(modelRows.sort()).toEqual([...new Set(runs.map((r) => r.model))].sort());
    const bad = await fetch(`${base}/api/export/runs.csv?${q({ from: START, to: START - 1 })}`, { headers: AUTH });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).toHaveProperty("to");
    expect((await fetch(`${base}/api/export/nope.csv`, { headers: AUTH })).status).toBe(404);
  });
});

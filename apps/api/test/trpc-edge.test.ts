import { createServer } from "node:http";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_BATCH_CALLS } from "@tally/shared";
import { sendFailure } from "../src/http/respond.ts";
import { agentCost, fixture, judgeCost, PRICE, seedRuns } from "../src/queries/test-support.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { PRODUCTION } from "./raw-http.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 1, 1);

describe("long query inputs by POST (method override)", () => {
  let tally: Tally;
  const runs = fixture(START, 2, 300, 4);
  beforeAll(async () => {
    tally = await startTally();
    for (const [model, p] of Object.entries(PRICE)) {
      await tally.db
        .insertInto("model_prices")
        .values({ model, provider: "", input_micros_per_mtok: p.in * 1_000_000, output_micros_per_mtok: p.out * 1_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: 0, created_at: 0 })
        .execute();
    }
    await seedRuns(tally.db, runs);
  }, 60_000);
  afterAll(() => tally.close());

  // The schema's maximum: 500 customer ids of 200 characters; two of them have spend.
  const ids = ["cust-1", "cust-2", ...Array.from({ length: 498 }, (_, i) => `${String(i).padStart(4, "0")}-${"x".repeat(195)}`)];
  const input = { from: START, to: START + 2 * DAY, customerIds: ids, sparklines: false, limit: 500 };

  it("is too long for a GET URL", async () => {
    const res = await fetch(`${tally.base}/api/trpc/spend.byCustomer?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
    expect(res.status).toBe(431);
  });

  it("answers the same query sent by POST, with the right figures", async () => {
    expect(ids).toHaveLength(500);
    expect(ids.every((id) => id.length <= 200)).toBe(true);
    const res = await fetch(`${tally.base}/api/trpc/spend.byCustomer`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json", origin: tally.base, "sec-fetch-site": "same-origin" },
      body: JSON.stringify(input),
    });
    expect(res.status).toBe(200);
    const rows = ((await res.json()) as { result: { data: { rows: { customerId: string; spendMicros: number; runs: number }[] } } }).result.data.rows;
    const expected = ["cust-1", "cust-2"].map((c) => {
      const mine = runs.filter((r) => r.customerId === c);
      return { customerId: c, runs: mine.length, spendMicros: mine.reduce((s, r) => s + (agentCost(r) ?? 0) + (judgeCost(r) ?? 0), 0) };
    });
    expect(rows.map((r) => ({ customerId: r.customerId, runs: r.runs, spendMicros: r.spendMicros })).sort((a, b) => a.customerId.localeCompare(b.customerId))).toEqual(expected);
  });
});

describe("batches", () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  const batch = (n: number) => {
    const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { from: START, to: START + DAY }]));
    const paths = Array.from({ length: n }, () => "overview.summary").join(",");
    return fetch(`${tally.base}/api/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
  };

  it(`answer up to ${MAX_BATCH_CALLS} calls and refuse a larger batch with a 400, so one request cannot ask for thousands`, async () => {
    const full = await batch(MAX_BATCH_CALLS);
    expect(full.status).toBe(200);
    expect((await full.json()) as unknown[]).toHaveLength(MAX_BATCH_CALLS);
    const over = await batch(MAX_BATCH_CALLS + 1);
    expect(over.status).toBe(400);
  });
});

describe("error answers outside dev mode", () => {
  let prod: Tally;
  let dev: Tally;
  beforeAll(async () => {
    prod = await startTally({ ...PRODUCTION });
    dev = await startTally();
    // A real server-side failure: the table a procedure reads is gone.
    for (const t of [prod, dev]) await sql`DROP TABLE customers`.execute(t.db);
  });
  afterAll(async () => {
    await prod.close();
    await dev.close();
  });

  const failing = (t: Tally) => fetch(`${t.base}/api/trpc/customers.list`, { headers: AUTH });
  const badInput = (t: Tally) => fetch(`${t.base}/api/trpc/overview.summary?input=${encodeURIComponent(JSON.stringify({ from: 2, to: 1 }))}`, { headers: AUTH });

  it("carry no stack, no server path and no internal message", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const send of [failing, badInput]) {
      const res = await send(prod);
      const text = await res.text();
      const body = JSON.parse(text) as { error: { message: string; data: Record<string, unknown> } };
      expect(body.error.data).not.toHaveProperty("stack");
      expect(text).not.toMatch(/\/work\/|\.ts:\d|node_modules|at [\w.]+ \(/);
      if (res.status === 500) expect(body.error.message).toBe("internal server error");
    }
    const bad = await badInput(prod);
    expect(bad.status).toBe(400);
    // Its message says the issues as text (field: message), not a zod issue array as JSON.
    const { error } = (await bad.json()) as { error: { message: string; data: { zodError: { fieldErrors: Record<string, string[]> } } } };
    expect(error.message).toBe(Object.entries(error.data.zodError.fieldErrors).map(([f, [m]]) => `${f}: ${m}`).join("; "));
    expect(error.message).toMatch(/^to: /);
    expect(JSON.stringify(await (await failing(prod)).json())).not.toMatch(/no such table|does not exist/);
    vi.restoreAllMocks();
  });

  it("keep the stack and message in dev mode", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const body = (await (await failing(dev)).json()) as { error: { message: string; data: { stack?: string } } };
    expect(body.error.message).toMatch(/no such table: customers|relation "customers" does not exist/);
    expect(body.error.data.stack).toMatch(/\.ts:\d+/);
    vi.restoreAllMocks();
  });

  it("an unexpected error in any handler is a 500 without its message, unless in dev mode", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const expose of [false, true]) {
      const server = createServer((_req, res) => sendFailure(res, new Error("ENOENT: /work/secret/path.ts"), expose));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      const text = await res.text();
      await new Promise((r) => server.close(r));
      expect(res.status).toBe(500);
      expect(JSON.parse(text).error).toBe("internal server error");
      expect(text.includes("/work/secret")).toBe(expose);
    }
    expect(error).toHaveBeenCalledTimes(2); // the details stay in the log
    vi.restoreAllMocks();
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../app.ts";
import { readEnv } from "../env.ts";
import { createHttpServer } from "../server.ts";
import { AUTH, TEST_API_KEY } from "../../test/harness.ts";
import { type RunSpec, seedRun } from "../queries/test-support.ts";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { monthsIn } from "@tally/shared";
import { exportFileName, localIso, ratio } from "./period.ts";

// Hand-computed instants: Kolkata is UTC+05:30 all year; New York UTC−04:00 until 1 Nov 2026 02:00, then −05:00.
const NOV_KOLKATA = { from: Date.parse("2026-10-31T18:30:00Z"), to: Date.parse("2026-11-30T18:30:00Z") };

describe("export period", () => {
  it("names the file after the table, the local period and the zone", () => {
    expect(exportFileName("spend-by-customer", NOV_KOLKATA.from, NOV_KOLKATA.to, "Asia/Kolkata")).toBe("spend-by-customer_2026-11-01_2026-12-01_Asia-Kolkata.csv");
    // Not whole days: local date and time of both ends.
    expect(exportFileName("runs", Date.parse("2026-12-01T05:00:00Z"), Date.parse("2026-12-03T19:52:00Z"), "America/New_York")).toBe("runs_2026-12-01T0000_2026-12-03T1452_America-New_York.csv");
    expect(exportFileName("spend-by-model", Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 8), "Etc/GMT+5")).toBe("spend-by-model_2025-12-31T1900_2026-01-07T1900_Etc-GMT+5.csv");
  });

  it("writes local times with their offset, DST-exact", () => {
    expect(localIso(NOV_KOLKATA.from, "Asia/Kolkata")).toBe("2026-11-01T00:00:00+05:30");
    expect(localIso(Date.parse("2026-11-01T04:00:00Z"), "America/New_York")).toBe("2026-11-01T00:00:00-04:00");
    expect(localIso(Date.parse("2026-12-01T05:00:00Z"), "America/New_York")).toBe("2026-12-01T00:00:00-05:00");
  });

  it("counts months by each calendar month's share of time in the zone", () => {
    expect(monthsIn(NOV_KOLKATA.from, NOV_KOLKATA.to, "Asia/Kolkata")).toBe(1);
    expect(monthsIn(Date.UTC(2026, 9, 1), Date.UTC(2027, 0, 1), "UTC")).toBe(3);
    expect(monthsIn(Date.UTC(2026, 10, 30), Date.UTC(2026, 11, 2), "UTC")).toBeCloseTo(1 / 30 + 1 / 31, 12);
    // November in New York is 30 days and one hour long; the whole month is still exactly 1.
    expect(monthsIn(Date.parse("2026-11-01T04:00:00Z"), Date.parse("2026-12-01T05:00:00Z"), "America/New_York")).toBe(1);
    expect(ratio(1 / 3)).toBe("0.333333");
    // 78,969 / 2,000,000 = 0.0394845 exactly; its double lies just below the half, which toFixed alone rounds down.
    expect(ratio(78_969 / 2_000_000)).toBe("0.039485");
    expect(ratio(null)).toBeNull();
  });
});

describe("CSV exports over HTTP", () => {
  let app: App;
  let server: Server;
  let base: string;
  let dir: string;
  const at = Date.parse("2026-11-10T12:00:00Z");
  // Prices: 1 µ$ per input token, 2 per output token (acme-large); 3 customers, one with a monthly budget.
  const runs: RunSpec[] = [
    { runId: "r1", model: "acme-large", customerId: "globex", occurredAt: at, agent: { in: 1000, out: 0 } },
    { runId: "r2", model: "acme-large", customerId: "acme", occurredAt: at + 60_000, agent: { in: 2000, out: 0 } },
    { runId: "r3", model: "acme-large", customerId: "initech", occurredAt: at + 120_000, agent: { in: 0, out: 0 } },
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tally-export-"));
    app = await createApp(readEnv({ INNGEST_DEV: "1", DATABASE_URL: await testDatabaseUrl({ file: join(dir, "tally.db") }), TALLY_INIT_API_KEY: TEST_API_KEY }));
    await app.db
      .insertInto("model_prices")
      .values({ model: "acme-large", provider: "", input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 2_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: 0, created_at: 0 })
      .execute();
    await app.db
      .insertInto("customers")
      .values([
        { id: "globex", name: "Globex", monthly_budget_micros: 3_000, created_at: 0, updated_at: 0 },
        { id: "acme", name: "Acme Corp", monthly_budget_micros: null, created_at: 0, updated_at: 0 },
      ])
      .execute();
    for (const r of runs) await seedRun(app.db, r);
    server = createHttpServer(app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 300_000);
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (table: string, input: unknown, options?: unknown) =>
    fetch(`${base}/api/export/${table}.csv?input=${encodeURIComponent(JSON.stringify(input))}${options ? `&options=${encodeURIComponent(JSON.stringify(options))}` : ""}`, { headers: AUTH });
  const rows = async (res: Response) => {
    const [head, ...body] = (await res.text()).trimEnd().split("\r\n").map((l) => l.split(","));
    return body.map((cells) => Object.fromEntries(head!.map((h, i) => [h, cells[i]])));
  };
  const nov = { ...NOV_KOLKATA, timeZone: "Asia/Kolkata" };

  it("sortBy budgetUse orders rows as the Spend table does: by spend over the period's budget, no budget last", async () => {
    await app.db.insertInto("customers").values({ id: "initech", name: "Initech", monthly_budget_micros: 100, created_at: 0, updated_at: 0 }).execute();
    try {
      // globex 1000 of 3000 (0.333), initech 0 of 100 (0), acme without a budget (last either way).
      for (const [direction, order] of [["desc", ["globex", "initech", "acme"]], ["asc", ["initech", "globex", "acme"]]] as const) {
        const body = await rows(await get("spend-by-customer", { ...nov, direction }, { sortBy: "budgetUse" }));
        expect(body.map((r) => r.customer_id), direction).toEqual(order);
        expect(body.map((r) => r.budget_use)).toEqual(order.map((c) => ({ globex: "0.333333", initech: "0.000000", acme: "" })[c]));
      }
    } finally {
      await app.db.deleteFrom("customers").where("id", "=", "initech").execute();
    }
  });

  it("names the file and every row after the period and zone; share has 6 decimals", async () => {
    const res = await get("spend-by-customer", nov);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="spend-by-customer_2026-11-01_2026-12-01_Asia-Kolkata.csv"');
    const body = await rows(res);
    expect(body.map((r) => [r.customer_id, r.spend_micros, r.share])).toEqual([
      ["acme", "2000", "0.666667"],
      ["globex", "1000", "0.333333"],
      ["initech", "0", "0.000000"],
    ]);
    expect(body.every((r) => r.period_start === "2026-11-01T00:00:00+05:30" && r.period_end === "2026-12-01T00:00:00+05:30" && r.time_zone === "Asia/Kolkata")).toBe(true);
    const models = await get("spend-by-model", nov);
    expect(models.headers.get("content-disposition")).toContain('filename="spend-by-model_2026-11-01_2026-12-01_Asia-Kolkata.csv"');
    expect((await rows(models))[0]).toMatchObject({ model: "acme-large", share: "1.000000", time_zone: "Asia/Kolkata" });
    const runsCsv = await get("runs", { ...nov, limit: 50 });
    expect(runsCsv.headers.get("content-disposition")).toContain('filename="runs_2026-11-01_2026-12-01_Asia-Kolkata.csv"');
    // Each run's time in the query's zone: 12:00 UTC is 17:30 in Kolkata (UTC+05:30).
    expect((await rows(runsCsv)).map((r) => [r.run_id, r.occurred_at])).toEqual([
      ["r3", "2026-11-10T17:32:00+05:30"],
      ["r2", "2026-11-10T17:31:00+05:30"],
      ["r1", "2026-11-10T17:30:00+05:30"],
    ]);
  });

  it("labels a window off the 15-minute edges with the whole buckets its figures cover", async () => {
    // Asked 12:05–12:20 UTC; the aggregates read the buckets 12:00–12:30, which hold all three runs (12:00–12:02).
    const w = { from: Date.parse("2026-11-10T12:05:00Z"), to: Date.parse("2026-11-10T12:20:00Z"), timeZone: "UTC" };
    const res = await get("spend-by-customer", w);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="spend-by-customer_2026-11-10T1200_2026-11-10T1230_UTC.csv"');
    const globex = (await rows(res)).find((r) => r.customer_id === "globex")!;
    // 30 minutes of November's 720 hours: 1/1440 of a month's budget of 3,000 micro-USD.
    expect(globex).toMatchObject({ spend_micros: "1000", period_start: "2026-11-10T12:00:00+00:00", period_end: "2026-11-10T12:30:00+00:00", budget_months: "0.000694", period_budget_micros: "2" });
    const models = await get("spend-by-model", w);
    expect(models.headers.get("content-disposition")).toContain('filename="spend-by-model_2026-11-10T1200_2026-11-10T1230_UTC.csv"');
    expect((await rows(models))[0]).toMatchObject({ model: "acme-large", spend_micros: "3000", period_start: "2026-11-10T12:00:00+00:00", period_end: "2026-11-10T12:30:00+00:00" });
    // runs.csv lists runs in the window as asked: its name keeps the asked bounds.
    expect((await get("runs", { ...w, limit: 50 })).headers.get("content-disposition")).toContain('filename="runs_2026-11-10T1205_2026-11-10T1220_UTC.csv"');
  });

  it("gives budget and budget use for the period: the month, or the budget period the dashboard sends", async () => {
    const globex = async (options?: unknown) => (await rows(await get("spend-by-customer", nov, options))).find((r) => r.customer_id === "globex")!;
    expect(await globex()).toMatchObject({ monthly_budget_micros: "3000", budget_months: "1.000000", period_budget_micros: "3000", budget_use: "0.333333" });
    // A quarter: 3 × the monthly budget.
    const q4 = { from: Date.parse("2026-09-30T18:30:00Z"), to: Date.parse("2026-12-31T18:30:00Z") };
    expect(await globex({ budgetPeriod: q4 })).toMatchObject({ budget_months: "3.000000", period_budget_micros: "9000", budget_use: "0.111111" });
    // 10 days of November (30 days): a third of the budget.
    const tenDays = { from: Date.UTC(2026, 10, 5), to: Date.UTC(2026, 10, 15), timeZone: "UTC" };
    expect((await rows(await get("spend-by-customer", tenDays))).find((r) => r.customer_id === "globex")).toMatchObject({ budget_months: "0.333333", period_budget_micros: "1000", budget_use: "1.000000" });
    const acme = (await rows(await get("spend-by-customer", nov))).find((r) => r.customer_id === "acme")!;
    expect([acme.monthly_budget_micros, acme.period_budget_micros, acme.budget_use]).toEqual(["", "", ""]);
  });

  it("honours the table's search: name or id, any case", async () => {
    expect((await rows(await get("spend-by-customer", nov, { search: "GLOB" }))).map((r) => r.customer_id)).toEqual(["globex"]);
    expect((await rows(await get("spend-by-customer", nov, { search: "corp" }))).map((r) => r.customer_id)).toEqual(["acme"]);
    expect((await rows(await get("spend-by-customer", nov, { search: "tech" }))).map((r) => [r.customer_id, r.share])).toEqual([["initech", "0.000000"]]);
  });

  it("refuses bad options with a 400 naming the field", async () => {
    const bad = await get("spend-by-customer", nov, { search: "x".repeat(101) });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as { fieldErrors: object }).fieldErrors)).toEqual(["options.search"]);
    const extra = await get("runs", { ...nov, limit: 5 }, { search: "a" });
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { fieldErrors: object }).fieldErrors).toEqual({ "options.search": [expect.stringMatching(/search/)] });
    // A misspelt option is named itself, under options.
    const misspelt = await get("spend-by-customer", nov, { serch: "x" });
    expect([misspelt.status, Object.keys(((await misspelt.json()) as { fieldErrors: object }).fieldErrors)]).toEqual([400, ["options.serch"]]);
    const notAnObject = await get("spend-by-customer", nov, ["x"]);
    expect(Object.keys(((await notAnObject.json()) as { fieldErrors: object }).fieldErrors)).toEqual(["options"]);
    const notJson = await fetch(`${base}/api/export/spend-by-customer.csv?input=${encodeURIComponent(JSON.stringify(nov))}&options=%7B`, { headers: AUTH });
    expect(notJson.status).toBe(400);
  });
});

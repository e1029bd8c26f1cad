import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { calcPrice, type Provider, waitForUpdate } from "@pydantic/genai-prices";
import { connect, type Db } from "@tally/shared/db";
import { testDatabaseUrl, testEngine } from "@tally/shared/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executor } from "./executor.ts";
import { startTally, type Tally, TEST_API_KEY } from "./harness.ts";
import { waitForJob } from "./reprice-support.ts";
import { AT, callProcedure } from "./unpriced-money.ts";
import { micros } from "./micros.ts";

// Issue 17 §4, last bullet: GENAI_PRICES_URL refreshes the genai-prices catalog at run time, with a cache that
// issue 21 moved into the database (settings row genai_prices_catalog): the same on SQLite and PostgreSQL, shared by instances.
// A loopback server serves a modified copy of genai-prices' own data (gpt-4o's input price doubled, $2.50 →
// $5.00 per Mtok). Expected costs by hand: 1,000,000 input + 100,000 output tokens of gpt-4o cost
// 1 × $2.50 + 0.1 × $10 = $3.50 with the bundled data and 1 × $5 + 0.1 × $10 = $6.00 with the modified data.
const USAGE = { promptTokens: 1_000_000, completionTokens: 100_000 };
const OLD = 3_500_000;
const NEW = 6_000_000;

/** A data-file server whose answer the test sets: status and body. */
function dataServer() {
  const state = { status: 503, body: "unavailable", requests: 0 };
  const server: Server = createServer((_req, res) => {
    state.requests++;
    res.writeHead(state.status, { "content-type": "application/json" });
    res.end(state.body);
  });
  return {
    state,
    start: () => new Promise<string>((ok) => server.listen(0, "127.0.0.1", () => ok(`http://127.0.0.1:${(server.address() as { port: number }).port}/data.json`))),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** The real app on a database that outlives it (a restart, another instance). */
const startOn = (dbFile: string, env: Record<string, string>): Promise<Tally> => startTally({ TALLY_DEMO: "0", ...env }, {}, dbFile);

async function track(tally: Tally, runId: string, i: number) {
  const input = { model: "gpt-4o", customerId: "acme", ticketId: `T-${i}`, ...USAGE };
  const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input }, { fnSlug: "tally-handle-support-ticket", runId }, { runId: `${runId}-costs`, ts: AT + i * 60_000 });
  expect(out.status, JSON.stringify(out.error)).toBe("completed");
  const line = await tally.db.selectFrom("usage_costs").selectAll().where("run_id", "=", runId).executeTakeFirstOrThrow();
  return line.cost_micros;
}

type Catalog = { source: string; fetchedAt: number | null; models: number; changes: { provider: string; model: string; change: string; storedModels: string[] }[]; lastAttemptAt: number | null; lastError: string | null };
const catalog = (t: Tally) => callProcedure(t, "prices.catalog", "query", undefined) as Promise<Catalog>;
const refresh = (t: Tally) => callProcedure(t, "prices.refreshCatalog", "mutation", undefined) as Promise<Catalog>;
const bundledGpt4o = () => micros(calcPrice({ input_tokens: 1_000_000, output_tokens: 100_000 }, "gpt-4o", { providerId: "openai" })!.total_price);

const CACHE_KEY = "genai_prices_catalog";
/** The database while no server has it open (the test's own connection). */
async function onDatabase(url: string, fn: (db: Db) => Promise<unknown>): Promise<void> {
  const db = await connect({ url });
  try {
    await fn(db);
  } finally {
    await db.destroy();
  }
}
const storedCache = async (t: Tally) => {
  const row = await t.db.selectFrom("settings").select("value").where("key", "=", CACHE_KEY).executeTakeFirst();
  return row ? (JSON.parse(row.value) as { fetchedAt: number; providers: Provider[] }) : null;
};

/** A second instance: Tally's server in a Node process of its own (server-process.ts) on the same database. */
async function startProcess(databaseUrl: string, env: Record<string, string>): Promise<{ tally: Tally; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./server-process.ts", import.meta.url))], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { PATH: process.env.PATH ?? "", INNGEST_DEV: "1", DATABASE_URL: databaseUrl, TALLY_INIT_API_KEY: TEST_API_KEY, TALLY_DEMO: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (tail = (tail + d).slice(-4000)));
  const port = await new Promise<number>((ok, fail) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const m = /^\{"port":(\d+)\}$/.exec(l);
      if (m) ok(Number(m[1]));
    });
    child.once("exit", (code) => fail(new Error(`server exited (${code}) before listening:\n${tail}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return { child, tally: { base, executor: new Executor(`${base}/api/inngest`), db: undefined as never, dbFile: databaseUrl, calendars: undefined as never, close: async () => void child.kill("SIGTERM") } };
}

describe("catalog refresh from GENAI_PRICES_URL", { timeout: 60_000 }, () => {
  const data = dataServer();
  let url: string;
  let dir: string;
  let dbFile: string;
  let tally: Tally;
  let bundled: Provider[];
  let modified: Provider[];

  beforeAll(async () => {
    bundled = structuredClone((await waitForUpdate())!);
    modified = structuredClone(bundled);
    const gpt4o = modified.find((p) => p.id === "openai")!.models.find((m) => m.id === "gpt-4o")!;
    expect(gpt4o.prices).toMatchObject({ input_mtok: 2.5, output_mtok: 10 }); // the premise of the figures above
    (gpt4o.prices as Record<string, number>).input_mtok = 5;
    url = await data.start();
    dir = mkdtempSync(join(tmpdir(), "tally-catalog-"));
    dbFile = await testDatabaseUrl({ file: join(dir, "tally.db") });
    tally = await startOn(dbFile, { GENAI_PRICES_URL: url });
  }, 60_000);
  afterAll(async () => {
    await tally.close();
    await data.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a failed download at start-up keeps the bundled catalog and says so", async () => {
    expect(bundledGpt4o()).toBe(OLD);
    let status = await catalog(tally);
    for (let i = 0; status.lastError === null && i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await catalog(tally);
    }
    expect(status).toMatchObject({ source: "bundled", fetchedAt: null, models: bundled.reduce((n, p) => n + p.models.length, 0), changes: [] });
    expect(status.lastError).toMatch(/HTTP 503.*kept/);
    expect(await track(tally, "cat-run-1", 1)).toBe(OLD);
  });

  it("a malformed download keeps the catalog in use and names what is wrong", async () => {
    data.state.status = 200;
    data.state.body = "{ not json";
    expect((await refresh(tally)).lastError).toMatch(/not JSON/);
    const broken = structuredClone(modified);
    (broken.find((p) => p.id === "openai")!.models.find((m) => m.id === "gpt-4o")!.prices as Record<string, unknown>).input_mtok = "5";
    data.state.body = JSON.stringify(broken);
    const status = await refresh(tally);
    expect(status.lastError).toMatch(/models\.\d+\.prices(\.input_mtok)?:/);
    expect(status).toMatchObject({ source: "bundled", changes: [] });
    // A price that is a number but so dear that a line within the unit bounds (1e9 web searches) would not be an
    // exact micro-USD integer (over 2e15): refused, not left to refuse that model's usage at recording time.
    const dear = structuredClone(modified);
    (dear.find((p) => p.id === "openai")!.models.find((m) => m.id === "gpt-4o")!.prices as Record<string, unknown>).web_searches_kcount = 5_000;
    data.state.body = JSON.stringify(dear);
    expect((await refresh(tally)).lastError).toMatch(/models\.\d+\.prices: a line with every unit at its bound would cost \d+ micro-USD, over 2000000000000000/);
    expect(await catalog(tally)).toMatchObject({ source: "bundled", changes: [] });
    data.state.body = JSON.stringify({ providers: [] });
    expect((await refresh(tally)).lastError).toMatch(/not a genai-prices data file/);
    expect(bundledGpt4o()).toBe(OLD);
    expect(await track(tally, "cat-run-2", 2)).toBe(OLD);
  });

  it("a good download prices new usage at the new price and names the changed model with its usage", async () => {
    data.state.body = JSON.stringify(modified);
    const status = await refresh(tally);
    expect(status.lastError).toBeNull();
    expect(status.source).toBe("download");
    expect(status.fetchedAt).toBeGreaterThan(0);
    expect(status.changes).toEqual([{ provider: "openai", model: "gpt-4o", change: "changed", storedModels: ["gpt-4o"] }]);
    expect(await track(tally, "cat-run-3", 3)).toBe(NEW);
    // Cached in the database, whole: the downloaded data with when it was fetched; no file beside the database.
    const stored = await storedCache(tally);
    expect(stored?.fetchedAt).toBe(status.fetchedAt);
    expect(stored?.providers).toEqual(modified);
    expect(existsSync(join(dir, "genai-prices-cache.json"))).toBe(false);
  });

  it("reprice.preview shows the catalog change's delta, and a catalog repricing applies it", async () => {
    const preview = (await callProcedure(tally, "reprice.preview", "query", { model: "gpt-4o" })) as Record<string, unknown>;
    // Two lines at $3.50 and one at $6.00 before; all three at $6.00 after.
    expect(preview).toMatchObject({ lines: 3, changedLines: 2, beforeMicros: 2 * OLD + NEW, afterMicros: 3 * NEW, deltaMicros: 2 * (NEW - OLD) });
    const { jobId } = (await callProcedure(tally, "reprice.start", "mutation", { model: "gpt-4o", reason: "catalog" })) as { jobId: string };
    const job = await waitForJob(tally.db, jobId);
    expect(job).toMatchObject({ status: "done", reason: "catalog", lines_changed: 2 });
    const costs = await tally.db.selectFrom("usage_costs").select("cost_micros").execute();
    expect(costs.map((c) => c.cost_micros)).toEqual([NEW, NEW, NEW]);
  }, 60_000);

  it("a second instance on the same database starts from the first one's download, without downloading", async () => {
    const before = await catalog(tally);
    data.state.status = 503; // a download now would fail and say so
    const requests = data.state.requests;
    const second = await startProcess(dbFile, { GENAI_PRICES_URL: url });
    try {
      const status = await catalog(second.tally);
      expect(status).toMatchObject({ source: "cache", fetchedAt: before.fetchedAt, lastAttemptAt: null, lastError: null });
      const input = { model: "gpt-4o", customerId: "acme", ticketId: "T-2nd", ...USAGE };
      const out = await second.tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input }, { fnSlug: "tally-handle-support-ticket", runId: "cat-run-2nd" }, { runId: "cat-run-2nd-costs", ts: AT + 10 * 60_000 });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
      const line = await tally.db.selectFrom("usage_costs").select("cost_micros").where("run_id", "=", "cat-run-2nd").executeTakeFirstOrThrow();
      expect(line.cost_micros).toBe(NEW);
      expect(data.state.requests).toBe(requests);
    } finally {
      await new Promise<void>((r) => {
        second.child.once("exit", () => r());
        second.child.kill("SIGTERM");
      });
    }
  });

  it("after a restart without the network the cached download prices, not the bundled catalog; closing puts the bundled data back", async () => {
    const before = await catalog(tally);
    await tally.close();
    expect(bundledGpt4o()).toBe(OLD);
    await data.close();
    const requests = data.state.requests;
    tally = await startOn(dbFile, { GENAI_PRICES_URL: url });
    const status = await catalog(tally);
    expect(status).toMatchObject({ source: "cache", fetchedAt: before.fetchedAt, lastAttemptAt: null, lastError: null });
    expect(status.changes).toEqual(before.changes);
    expect(await track(tally, "cat-run-4", 4)).toBe(NEW);
    expect(data.state.requests).toBe(requests);
  });

  it("the periodic check takes another instance's fresh download from the database instead of downloading", async () => {
    // Another instance's download, simulated by writing its row: gpt-4o input at $7.50 per Mtok, so the line
    // costs 1 × $7.50 + 0.1 × $10 = $8.50. The network is down (closed above): a download here would fail.
    const other = structuredClone(modified);
    (other.find((p) => p.id === "openai")!.models.find((m) => m.id === "gpt-4o")!.prices as Record<string, number>).input_mtok = 7.5;
    await tally.close();
    tally = await startOn(dbFile, { GENAI_PRICES_URL: url, GENAI_PRICES_REFRESH_HOURS: "0.0005" }); // a check every 1.8 s
    let status = await catalog(tally);
    for (let i = 0; status.lastAttemptAt === null && i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await catalog(tally);
    }
    const startUpAttempt = status.lastAttemptAt; // the cache is older than the period: a download was tried (and failed)
    expect(startUpAttempt).not.toBeNull();
    const written = new Set<number>();
    for (let i = 0; !written.has(status.fetchedAt ?? -1) && i < 100; i++) {
      const fetchedAt = Date.now(); // kept fresh (younger than the period) until a check reads it
      written.add(fetchedAt);
      const value = JSON.stringify({ version: 1, url, fetchedAt, changedAt: fetchedAt, changes: [], providers: other });
      await tally.db.updateTable("settings").set({ value }).where("key", "=", CACHE_KEY).execute();
      await new Promise((r) => setTimeout(r, 200));
      status = await catalog(tally);
    }
    expect(status.source).toBe("cache");
    expect(written.has(status.fetchedAt ?? -1)).toBe(true);
    expect(status.lastAttemptAt).toBe(startUpAttempt); // taken from the database, not downloaded
    expect(await track(tally, "cat-run-7", 7)).toBe(8_500_000);
  });

  it("an unreadable cache is reported and the bundled catalog used", async () => {
    await tally.close();
    await onDatabase(dbFile, (db) => db.updateTable("settings").set({ value: "{ truncated" }).where("key", "=", CACHE_KEY).execute());
    tally = await startOn(dbFile, { GENAI_PRICES_URL: url, GENAI_PRICES_REFRESH_HOURS: "0" });
    const status = await catalog(tally);
    expect(status.source).toBe("bundled");
    expect(status.lastError ?? "").toMatch(/cache|download/);
    expect(await track(tally, "cat-run-5", 5)).toBe(OLD);
  });

  // About SQLite only: an older version kept the cache in a file beside the SQLite database file (PostgreSQL never had one).
  it.runIf(testEngine() === "sqlite")("an older version's cache file is the starting cache when the database has none, and is copied into it", async () => {
    await tally.close();
    await onDatabase(dbFile, (db) => db.deleteFrom("settings").where("key", "=", CACHE_KEY).execute());
    const fetchedAt = Date.UTC(2026, 10, 1);
    const changes = [{ provider: "openai", model: "gpt-4o", change: "changed" }];
    writeFileSync(join(dir, "genai-prices-cache.json"), JSON.stringify({ version: 1, url, fetchedAt, changedAt: fetchedAt, changes, providers: modified }));
    tally = await startOn(dbFile, { GENAI_PRICES_URL: url, GENAI_PRICES_REFRESH_HOURS: "0" });
    expect(await catalog(tally)).toMatchObject({ source: "cache", fetchedAt, lastError: null });
    expect(await track(tally, "cat-run-6", 6)).toBe(NEW);
    expect((await storedCache(tally))?.fetchedAt).toBe(fetchedAt);
  });
});

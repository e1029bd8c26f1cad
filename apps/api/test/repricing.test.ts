import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { calcPrice } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Db } from "@tally/shared/db";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { SYSTEM } from "../src/auth/principal.ts";
import { startReprice } from "../src/reprice/jobs.ts";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import type { Json } from "./json.ts";
import { calendarsMatchRefill, rollupMismatches, seededLine, seedUsageLines, waitForJob } from "./reprice-support.ts";
import { callProcedure, type Delivery, deliver } from "./unpriced-money.ts";
import { micros } from "./micros.ts";

// Issue 17 §4 through the real server: overrides edited, removed and kept as history; the preview of a
// repricing (before = stored, after = priced now) and the job that applies it, agent and judge lines, rollups
// (projections, local calendars, the judge's run measures) equal to the raw lines after it. Expected costs
// come from genai-prices' calcPrice (catalog) or by hand (override: $1/Mtok in = 1 µ$ a token, $4/Mtok out).

const ZONE = "America/New_York";
const catalog = (model: string, input: number, output: number, at: number) =>
  micros(calcPrice({ input_tokens: input, output_tokens: output }, model, { timestamp: new Date(at) })!.total_price);
const byHand = (input: number, output: number) => input * 1 + output * 4;
const JUDGE_IN = 400;
const JUDGE_OUT = 60;

async function trpc(tally: Tally, path: string, input: unknown, method: "GET" | "POST" = "GET") {
  const url = `${tally.base}/api/trpc/${path}`;
  const res =
    method === "POST"
      ? await fetch(url, { method, headers: { ...AUTH, "content-type": "application/json", origin: tally.base, "sec-fetch-site": "same-origin" }, body: JSON.stringify(input) })
      : await fetch(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
  return { status: res.status, body: (await res.json()) as { result?: { data: Json }; error?: { message: string; data?: { zodError?: unknown } } } };
}

describe("repricing history after an override", () => {
  let llm: FakeServer;
  let tally: Tally;
  // Agent lines of gpt-4o and its dated snapshot (the catalog prices both as gpt-4o), a snapshot the catalog
  // prices apart (2024-05-13) and another model; the judge is gpt-4o too, so judge lines are repriced.
  const runs: Delivery[] = [
    ...Array.from({ length: 6 }, (_, i) => ({ runId: `rp-${i}`, model: "gpt-4o", customerId: i % 2 ? "globex" : "acme", promptTokens: 1000 + 17 * i, completionTokens: 200 + 3 * i, judged: i % 2 === 0 })),
    { runId: "rp-6", model: "gpt-4o-2024-08-06", customerId: "acme", promptTokens: 5000, completionTokens: 700, judged: true },
    { runId: "rp-7", model: "gpt-4o-2024-05-13", customerId: "globex", promptTokens: 3000, completionTokens: 300, judged: false },
    { runId: "rp-8", model: "gpt-4o-mini", customerId: "acme", promptTokens: 9000, completionTokens: 900, judged: false },
  ];

  beforeAll(async () => {
    llm = await fakeChatServer(() => ({ content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }), promptTokens: JUDGE_IN, completionTokens: JUDGE_OUT }));
    tally = await startTally({ JUDGE_BASE_URL: `${llm.url}/v1`, JUDGE_API_KEY: "sk-judge", JUDGE_MODEL: "gpt-4o", TALLY_TIME_ZONES: ZONE });
    await deliver(tally, runs);
    await tally.calendars.idle();
  }, 60_000);
  afterAll(async () => {
    await tally.close();
    await llm.close();
  });

  const lines = () => tally.db.selectFrom("usage_costs").selectAll().orderBy("id").execute();

  it("stored every line at the catalog price (the premise)", async () => {
    const stored = await lines();
    expect(stored).toHaveLength(9 + 4);
    for (const l of stored) {
      const [input, output] = l.kind === "judge" ? [JUDGE_IN, JUDGE_OUT] : [l.input_tokens, l.output_tokens];
      expect(l.cost_micros, l.id).toBe(catalog(l.model, input, output, l.occurred_at));
    }
  });

  it("edits, removes and lists the history of overrides, audited with who and before → after", async () => {
    const key = { model: "acme-custom", provider: "", effectiveFrom: "2026-01-01T00:00:00Z" };
    const values = { inputMicrosPerMtok: 2_000_000, outputMicrosPerMtok: 8_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null };
    expect((await trpc(tally, "prices.update", { ...key, values }, "POST")).status).toBe(404);
    expect((await trpc(tally, "prices.remove", key, "POST")).status).toBe(404);
    await callProcedure(tally, "prices.upsert", "mutation", { model: "ACME-Custom", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 1_000_000, effectiveFrom: key.effectiveFrom });
    const updated = await trpc(tally, "prices.update", { ...key, model: " Acme-Custom ", values }, "POST");
    expect(updated.status).toBe(200);
    expect(updated.body.result!.data).toMatchObject({ model: "acme-custom", inputMicrosPerMtok: 2_000_000, outputMicrosPerMtok: 8_000_000 });
    const bad = await trpc(tally, "prices.update", { ...key, values: { ...values, inputMicrosPerMtok: -1 } }, "POST");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error!.data!.zodError)).toContain("values.inputMicrosPerMtok");
    expect((await trpc(tally, "prices.remove", key, "POST")).status).toBe(200);
    expect(await callProcedure(tally, "prices.list", "query", { model: "acme-custom" })).toEqual([]);

    const history = (await callProcedure(tally, "prices.history", "query", { model: "ACME-custom" })) as Json[];
    expect(history.map((h) => h.action)).toEqual(["prices.remove", "prices.update", "prices.upsert"]);
    expect(new Set(history.map((h) => h.actor))).toEqual(new Set(["TALLY_INIT_API_KEY"]));
    expect(history[0]).toMatchObject({ target: "price:acme-custom/*@2026-01-01T00:00:00.000Z", before: { inputMicrosPerMtok: 2_000_000 }, after: null });
    expect(history[1]).toMatchObject({ before: { inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 1_000_000 }, after: { inputMicrosPerMtok: 2_000_000, outputMicrosPerMtok: 8_000_000 } });
    expect(history[2]).toMatchObject({ before: null, after: { inputMicrosPerMtok: 1_000_000 } });
    expect(history[0].at).toBeGreaterThanOrEqual(history[1].at);
  });

  it("previews, applies and records a repricing of agent and judge lines; rollups equal the raw lines", async () => {
    const before = await lines();
    await callProcedure(tally, "prices.upsert", "mutation", { model: "gpt-4o", provider: "openai", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 4_000_000, effectiveFrom: 0 });

    // Expected, independently: lines of gpt-4o and gpt-4o-2024-08-06 (agent and judge) at the override, by hand.
    const inScope = before.filter((l) => l.model === "gpt-4o" || l.model === "gpt-4o-2024-08-06");
    expect(inScope).toHaveLength(7 + 4);
    const tokens = (l: (typeof before)[number]) => (l.kind === "judge" ? [JUDGE_IN, JUDGE_OUT] : [l.input_tokens, l.output_tokens]) as [number, number];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const beforeMicros = sum(inScope.map((l) => catalog(l.model, ...tokens(l), l.occurred_at)));
    const afterMicros = sum(inScope.map((l) => byHand(...tokens(l))));
    const customer = (id: string) => inScope.filter((l) => l.customer_id === id);

    const preview = (await callProcedure(tally, "reprice.preview", "query", { model: "GPT-4o" })) as Json;
    expect(preview).toMatchObject({ lines: 11, changedLines: 11, beforeMicros, afterMicros, deltaMicros: afterMicros - beforeMicros, beforeUnpriced: 0, afterUnpriced: 0 });
    expect(preview.scope.models).toEqual(["gpt-4o", "gpt-4o-2024-08-06"]);
    for (const id of ["acme", "globex"]) {
      const rows = customer(id);
      expect(preview.byCustomer.find((c: Json) => c.customerId === id)).toMatchObject({
        lines: rows.length,
        beforeMicros: sum(rows.map((l) => catalog(l.model, ...tokens(l), l.occurred_at))),
        afterMicros: sum(rows.map((l) => byHand(...tokens(l)))),
      });
    }
    expect(preview.byModel.map((m: Json) => [m.model, m.lines]).sort()).toEqual([["gpt-4o", 10], ["gpt-4o-2024-08-06", 1]]);
    // By calendar month of each line's own time in the asked zone (Asia/Kolkata, UTC+05:30 all year), newest first.
    const kolkataMonth = (at: number) => new Date(at + 19_800_000).toISOString().slice(0, 7);
    const months = [...new Set(inScope.map((l) => kolkataMonth(l.occurred_at)))].sort().reverse();
    const zoned = (await callProcedure(tally, "reprice.preview", "query", { model: "GPT-4o", timeZone: "Asia/Kolkata" })) as Json;
    expect(zoned.timeZone).toBe("Asia/Kolkata");
    expect(zoned.byMonth.map((m: Json) => [m.month, m.lines, m.beforeMicros, m.afterMicros])).toEqual(
      months.map((m) => {
        const rows = inScope.filter((l) => kolkataMonth(l.occurred_at) === m);
        return [m, rows.length, sum(rows.map((l) => catalog(l.model, ...tokens(l), l.occurred_at))), sum(rows.map((l) => byHand(...tokens(l))))];
      }),
    );
    expect(preview.timeZone).toBe("UTC");
    // The preview writes nothing.
    expect(await lines()).toEqual(before);

    const { jobId } = (await callProcedure(tally, "reprice.start", "mutation", { model: "gpt-4o", reason: "override" })) as { jobId: string };
    expect((await waitForJob(tally.db, jobId)).status).toBe("done");
    const job = (await callProcedure(tally, "reprice.job", "query", { id: jobId })) as Json;
    expect(job).toMatchObject({ status: "done", reason: "override", linesTotal: 11, linesDone: 11, linesChanged: 11, beforeMicros, afterMicros, beforeUnpriced: 0, afterUnpriced: 0, error: null });
    expect(job.createdBy).toBeTruthy();
    expect(((await callProcedure(tally, "reprice.jobs", "query", undefined)) as Json[])[0].id).toBe(jobId);
    const audit = await tally.db.selectFrom("audit_log").selectAll().where("action", "=", "reprice.start").execute();
    expect(audit.map((a) => a.target)).toEqual([`reprice:${jobId}`]);

    // Every line of the scope now costs the override; the others are untouched.
    const after = await lines();
    for (const l of after) {
      const was = before.find((b) => b.id === l.id)!;
      if (inScope.some((s) => s.id === l.id)) {
        expect(l, l.id).toMatchObject({ cost_micros: byHand(...tokens(l)), price_source: "override:gpt-4o@1970-01-01T00:00:00.000Z", provider: "openai" });
      } else expect(l, l.id).toEqual(was);
    }
    // Each repriced line keeps its history, shown on Run detail.
    const history = await tally.db.selectFrom("usage_cost_history").selectAll().execute();
    expect(history).toHaveLength(11);
    const detail = (await callProcedure(tally, "runs.byId", "query", { runId: "rp-0" })) as Json;
    for (const c of detail.costs) {
      const was = before.find((b) => b.id === c.id)!;
      expect(c.priceHistory).toEqual([
        { jobId, at: expect.any(Number), costMicrosBefore: was.cost_micros, priceSourceBefore: was.price_source, costMicrosAfter: c.costMicros, priceSourceAfter: "override:gpt-4o@1970-01-01T00:00:00.000Z" },
      ]);
    }

    // Every rollup equals the raw lines again; the calendars equal a fill from scratch.
    expect(await rollupMismatches(tally.db)).toEqual([]);
    expect(await calendarsMatchRefill(tally.db, [ZONE])).toBe(true);
    // The totals the pages read moved by the delta.
    const total = await tally.db.selectFrom("rollup_usage_15m").select((e) => e.fn.sum<number>("cost_micros").as("c")).executeTakeFirstOrThrow();
    expect(Number(total.c)).toBe(sum(after.map((l) => l.cost_micros ?? 0)));

    // A second repricing changes nothing and repeats no line.
    const again = (await callProcedure(tally, "reprice.start", "mutation", { model: "gpt-4o" })) as { jobId: string };
    expect(await waitForJob(tally.db, again.jobId)).toMatchObject({ status: "done", lines_done: 11, lines_changed: 0 });
    expect(await lines()).toEqual(after);
    expect(await tally.db.selectFrom("usage_cost_history").selectAll().execute()).toHaveLength(11);
  });

  it("removing the override and repricing brings back the catalog price", async () => {
    await callProcedure(tally, "prices.remove", "mutation", { model: "gpt-4o", provider: "openai", effectiveFrom: 0 });
    const preview = (await callProcedure(tally, "reprice.preview", "query", { model: "gpt-4o", from: 0 })) as Json;
    expect(preview.changedLines).toBe(11);
    const { jobId } = (await callProcedure(tally, "reprice.start", "mutation", { model: "gpt-4o", reason: "override" })) as { jobId: string };
    expect((await waitForJob(tally.db, jobId)).status).toBe("done");
    for (const l of await lines()) {
      const [input, output] = l.kind === "judge" ? [JUDGE_IN, JUDGE_OUT] : [l.input_tokens, l.output_tokens];
      expect(l.cost_micros, l.id).toBe(catalog(l.model, input, output, l.occurred_at));
      expect(l.price_source).toMatch(/^genai-prices:/);
    }
    expect(await rollupMismatches(tally.db)).toEqual([]);
    const detail = (await callProcedure(tally, "runs.byId", "query", { runId: "rp-6" })) as Json;
    expect(detail.costs.map((c: Json) => c.priceHistory.length)).toEqual([2, 2]);
  });

  it("refuses bad scopes with the field named", async () => {
    const bad = await trpc(tally, "reprice.preview", { model: "gpt-4o", from: 10, to: 5 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error!.data!.zodError)).toContain('"to"');
    const reason = await trpc(tally, "reprice.start", { model: "gpt-4o", reason: "because" }, "POST");
    expect(reason.status).toBe(400);
    expect(JSON.stringify(reason.body.error!.data!.zodError)).toContain("reason");
    expect((await trpc(tally, "reprice.job", { id: "nope" })).status).toBe(404);
  });
});

// Two processes on one database taking one job's batches at once: each batch re-reads the job's cursor
// inside its write transaction, after the write lock (BEGIN IMMEDIATE on SQLite, the writer advisory lock on
// PostgreSQL), so no batch is done twice and the counters are exact. Processes, not two handles in this one:
// better-sqlite3 waits for the lock synchronously, so a second handle here would block the first's commit.
describe("two processes on one database take a job's batches in turn", () => {
  const LINES = 600;
  const START = Date.UTC(2026, 4, 1);
  let url: string;
  let db: Db;
  beforeAll(async () => {
    url = await testDatabaseUrl();
    db = await connect({ url });
    await seedUsageLines(db, LINES, START);
  }, 120_000);
  afterAll(async () => {
    await db.destroy();
  });

  /** A process that runs the job's batches (50 lines each) until it is done. */
  function drainInProcess(jobId: string): Promise<void> {
    // Between batches it pauses longer than SQLite's busy handler waits between retries (≤ 100 ms): SQLite
    // keeps no queue of waiting writers, so without the pause one process could hold the other off for good.
    const script = `
      import { connect } from "@tally/shared/db";
      import { repriceBatch } from ${JSON.stringify(fileURLToPath(new URL("../src/reprice/runner.ts", import.meta.url)))};
      const db = await connect({ url: process.env.URL, migrate: false });
      while ((await repriceBatch(db, process.env.JOB, 50, ${START})) === "more") await new Promise((ok) => setTimeout(ok, 150));
      await db.destroy();`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { PATH: process.env.PATH ?? "", URL: url, JOB: jobId },
      stdio: ["ignore", "inherit", "pipe"],
    });
    let err = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    return new Promise((ok, fail) => child.once("exit", (code) => (code === 0 ? ok() : fail(new Error(`drain exited ${code}: ${err}`)))));
  }

  it("every line repriced once, counters and totals exact, rollups equal the raw lines", async () => {
    await db
      .insertInto("model_prices")
      .values({ model: "gpt-4o", provider: "", effective_from: 0, input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 4_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, created_at: START })
      .execute();
    const { jobId } = await startReprice(db, SYSTEM, { model: "gpt-4o", reason: "override" }, START);
    await Promise.all([drainInProcess(jobId), drainInProcess(jobId)]);

    let before = 0;
    let after = 0;
    for (let i = 0; i < LINES; i++) {
      const l = seededLine(i, START);
      before += catalog(l.model, l.input, l.output, l.occurredAt);
      after += byHand(l.input, l.output);
    }
    const job = await db.selectFrom("reprice_jobs").selectAll().where("id", "=", jobId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: "done", lines_done: LINES, lines_changed: LINES, before_micros: before, after_micros: after, before_unpriced: 0, after_unpriced: 0 });
    const history = await db.selectFrom("usage_cost_history").select((e) => [e.fn.countAll<number>().as("n"), e.fn.count<number>("usage_id").distinct().as("lines")]).executeTakeFirstOrThrow();
    expect(history).toEqual({ n: LINES, lines: LINES });
    const raw = await db.selectFrom("usage_costs").select((e) => e.fn.sum<number>("cost_micros").as("c")).executeTakeFirstOrThrow();
    expect(raw.c).toBe(after);
    expect(await rollupMismatches(db)).toEqual([]);
  }, 180_000);
});

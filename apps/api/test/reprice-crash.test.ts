import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { calcPrice } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Db } from "@tally/shared/db";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { AUTH, TEST_API_KEY } from "./harness.ts";
import type { Json } from "./json.ts";
import { rollupMismatches, seededLine, seedUsageLines } from "./reprice-support.ts";
import { micros } from "./micros.ts";

// Issue 17 §4: a repricing job survives the death of its server. A real server process (server-process.ts,
// configured like `npm start`, no Inngest engine) runs the job; it is SIGKILLed mid-job, a new process on the
// same database (the SQLite file, or the PostgreSQL database's URL) carries on at the job's cursor, and the job ends with every line repriced once and totals equal
// to a fresh recomputation (before: genai-prices' calcPrice; after: the override by hand, 1 µ$ per input
// token and 4 per output token at $1 / $4 per Mtok).

const LINES = 4_000; // 8 batches of 500: the kill lands after the first (seconds a batch), well before the last
const START = Date.UTC(2026, 4, 1);

interface Server {
  base: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function startServer(databaseUrl: string): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./server-process.ts", import.meta.url))], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { PATH: process.env.PATH ?? "", INNGEST_DEV: "1", DATABASE_URL: databaseUrl, TALLY_INIT_API_KEY: TEST_API_KEY },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (tail = (tail + d).slice(-4000)));
  const exited = new Promise<number | null>((r) => child.once("exit", (code, signal) => r(code ?? (signal ? -1 : null))));
  const port = await new Promise<number>((ok, fail) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const m = /^\{"port":(\d+)\}$/.exec(l);
      if (m) ok(Number(m[1]));
    });
    void exited.then((code) => fail(new Error(`server exited (${code}) before listening:\n${tail}`)));
  });
  return { base: `http://127.0.0.1:${port}`, child, exited };
}

async function mutate(base: string, path: string, input: unknown) {
  const res = await fetch(`${base}/api/trpc/${path}`, {
    method: "POST",
    headers: { ...AUTH, "content-type": "application/json", origin: base, "sec-fetch-site": "same-origin" },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: Json } };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.result!.data;
}

describe("a repricing job killed mid-way resumes after a restart", { timeout: 240_000 }, () => {
  let dir: string;
  let url: string;
  let db: Db;
  const servers: Server[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tally-reprice-crash-"));
    url = await testDatabaseUrl({ file: join(dir, "tally.db") });
    db = await connect({ url });
    await seedUsageLines(db, LINES, START);
  }, 180_000);
  afterAll(async () => {
    for (const s of servers) s.child.kill("SIGKILL");
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const job = (id: string) => db.selectFrom("reprice_jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  it("SIGKILL mid-job, restart: the job completes, each line repriced once, totals exact", async () => {
    const first = await startServer(url);
    servers.push(first);
    await mutate(first.base, "prices.upsert", { model: "gpt-4o", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 4_000_000, effectiveFrom: 0 });
    const { jobId } = await mutate(first.base, "reprice.start", { model: "gpt-4o", reason: "override" });

    // Kill the server once some batches have committed, before the last.
    for (;;) {
      const j = await job(jobId);
      if (j.lines_done > 0) break;
      expect(j.status).not.toBe("failed");
      await new Promise((ok) => setTimeout(ok, 2));
    }
    first.child.kill("SIGKILL");
    await first.exited;
    const killed = await job(jobId);
    expect(killed.status).toBe("running");
    expect(killed.lines_done).toBeGreaterThan(0);
    expect(killed.lines_done).toBeLessThan(LINES);
    expect(killed.lines_done % 500).toBe(0); // whole batches only: the one in flight rolled back

    const second = await startServer(url);
    servers.push(second);
    for (;;) {
      const j = await job(jobId);
      if (j.status === "done" || j.status === "failed") break;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    const done = await job(jobId);
    console.log(`killed at ${killed.lines_done}/${LINES} lines; resumed and finished: ${done.lines_done} lines, ${done.lines_changed} changed`);

    // A fresh recomputation, without Tally's pricing code.
    let before = 0;
    let after = 0;
    for (let i = 0; i < LINES; i++) {
      const l = seededLine(i, START);
      before += micros(calcPrice({ input_tokens: l.input, output_tokens: l.output }, l.model, { timestamp: new Date(l.occurredAt) })!.total_price);
      after += l.input + 4 * l.output;
    }
    expect(done).toMatchObject({ status: "done", error: null, lines_done: LINES, lines_changed: LINES, before_micros: before, after_micros: after, before_unpriced: 0, after_unpriced: 0 });
    const raw = await db.selectFrom("usage_costs").select((e) => [e.fn.sum<number>("cost_micros").as("c"), e.fn.countAll<number>().as("n")]).executeTakeFirstOrThrow();
    expect(raw).toEqual({ c: after, n: LINES });
    // No line repriced twice: one history row per line, each from this job.
    const history = await db
      .selectFrom("usage_cost_history")
      .select((e) => [e.fn.countAll<number>().as("n"), e.fn.count<number>("usage_id").distinct().as("lines")])
      .where("job_id", "=", jobId)
      .executeTakeFirstOrThrow();
    expect(history).toEqual({ n: LINES, lines: LINES });
    expect(await rollupMismatches(db)).toEqual([]);
    const rollup = await db.selectFrom("rollup_usage_15m").select((e) => e.fn.sum<number>("cost_micros").as("c")).executeTakeFirstOrThrow();
    expect(rollup.c).toBe(after);
  });
});

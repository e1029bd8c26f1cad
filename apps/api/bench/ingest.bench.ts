/**
 * Ingestion CPU cost: Tally's `track-ai-costs` through the real serve() handler, against a bare Inngest app
 * (same client options, the same `createDefer` shape and payload schema, one no-op step) served by the SDK's
 * `serve()` behind a plain node:http adapter, in ONE process, driven by the same executor
 * (test/executor.ts) at the same concurrency. CPU is the whole process's (process.cpuUsage, user +
 * system): the driver's share is the same on both sides, so the ratio compares what each app adds.
 * Rounds alternate bare / Tally so drift (GC, JIT, page cache) falls on both.
 *   npx tsx bench/ingest.bench.ts [--runs 3000] [--concurrency 8] [--rounds 3]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { serve } from "inngest/edge";
import { createDefer } from "inngest/experimental";
import { sql } from "kysely";
import { trackCostsPayloadSchema } from "@tally/shared";
import { createInngest } from "@tally/inngest-functions";
import { createApp } from "../src/app.ts";
import { readEnv } from "../src/env.ts";
import { readText } from "../src/http/body.ts";
import { createHttpServer } from "../src/server.ts";
import { sendWebResponse, webRequest } from "../src/http/web-request.ts";
import { Executor } from "../test/executor.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "300" },
    /** Drive one side only (for a CPU profile of it: node --cpu-prof --import tsx bench/ingest.bench.ts --only tally). */
    only: { type: "string" },
  },
});
const RUNS = Number(values.runs);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const SIDES = (["bare", "tally"] as const).filter((s) => values.only === undefined || values.only === s);
const MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-20250514", "acme-llm-unpriced"];

function payload(i: number) {
  return { model: MODELS[i % MODELS.length]!, promptTokens: 1000 + (i % 500), completionTokens: 100 + (i % 50), customerId: `cust-${i % 50}` };
}

/** Runs deliveries [from, to) through `executor`, CONCURRENCY at a time; returns CPU µs and wall seconds. */
async function drive(executor: Executor, prefix: string, from: number, to: number): Promise<{ cpuMicros: number; secs: number }> {
  let next = from;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) {
        const i = next++;
        const out = await executor.runDeferred(
          { fnSlug: "tally-track-ai-costs", input: payload(i) },
          { fnSlug: "tally-bench-parent", runId: `${prefix}-p-${i}` },
          { runId: `${prefix}-r-${i}`, maxAttempts: 1 },
        );
        if (out.status !== "completed") throw new Error(`${prefix} delivery ${i} failed: ${JSON.stringify(out.error)}`);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { cpuMicros: cpu.user + cpu.system, secs: (performance.now() - t0) / 1000 };
}

/** The bare SDK: Tally's client options, a deferred function with the same id and schema, one no-op step. */
function bareServer(): Server {
  const inngest = createInngest({ isDev: true });
  const fn = createDefer(inngest, { id: "track-ai-costs", name: "Track AI costs", schema: trackCostsPayloadSchema }, async (ctx) =>
    ctx.step.run("record-usage", async () => null),
  );
  const handler = serve({ client: inngest, functions: [fn] });
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    readText(req, 16 * 1024 * 1024, {})
      .then(async (text) => sendWebResponse(res, await handler(webRequest(req, text, url))))
      .catch((e: unknown) => res.writeHead(500).end(String(e)));
  });
}

async function listen(server: Server): Promise<Executor> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return new Executor(`http://127.0.0.1:${(server.address() as { port: number }).port}/api/inngest`);
}

/** Rows SQLite inserted, updated or deleted on the app's connection so far (one connection: Kysely's SQLite driver). */
async function rowChanges(app: Awaited<ReturnType<typeof createApp>>): Promise<number> {
  return Number((await sql<{ n: number }>`select total_changes() as n`.execute(app.db)).rows[0]!.n);
}

async function rollupRows(app: Awaited<ReturnType<typeof createApp>>): Promise<number> {
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'rollup\_%' escape '\\' and name not in ('rollup_calendars', 'rollup_tag_keys')`.execute(app.db);
  let n = 0;
  for (const { name } of tables.rows) n += Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(app.db)).rows[0]!.n);
  return n;
}

const dir = mkdtempSync(join(tmpdir(), "tally-ingest-bench-"));
try {
  const app = await createApp(readEnv({ INNGEST_DEV: "1", DATABASE_URL: join(dir, "ingest.db") }));
  await app.calendars.stop(); // no background fill competing for CPU (there are no calendars to fill: no zones configured)
  const tallyServer = createHttpServer(app);
  const bare = bareServer();
  const tally = await listen(tallyServer);
  const bareExec = await listen(bare);

  // Warm-up (JIT, statement caches), not measured; Tally's warm-up rows stay in the database.
  if (SIDES.includes("bare")) await drive(bareExec, "wb", 0, WARMUP);
  if (SIDES.includes("tally")) await drive(tally, "wt", 0, WARMUP);

  const rowsBefore = await rollupRows(app);
  const usageBefore = Number((await app.db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  const changesBefore = await rowChanges(app);
  const totals = { bare: { cpuMicros: 0, secs: 0 }, tally: { cpuMicros: 0, secs: 0 } };
  for (let r = 0; r < ROUNDS; r++) {
    const from = Math.floor((RUNS * r) / ROUNDS);
    const to = Math.floor((RUNS * (r + 1)) / ROUNDS);
    for (const side of SIDES) {
      const exec = side === "bare" ? bareExec : tally;
      const t = await drive(exec, side, from, to);
      totals[side].cpuMicros += t.cpuMicros;
      totals[side].secs += t.secs;
    }
  }
  const rowsAfter = await rollupRows(app);
  const changesAfter = await rowChanges(app);
  const usageAfter = Number((await app.db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  await new Promise<void>((r) => tallyServer.close(() => r()));
  await new Promise<void>((r) => bare.close(() => r()));
  await app.close();
  if (SIDES.includes("tally") && usageAfter - usageBefore !== RUNS) throw new Error(`expected ${RUNS} new usage rows, found ${usageAfter - usageBefore}`);

  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const perCpuSec = (t: { cpuMicros: number }) => RUNS / (t.cpuMicros / 1e6);
  console.log(`ingestion, ${fmt(RUNS)} deliveries each (${ROUNDS} alternating rounds, ${WARMUP} warm-up), concurrency ${CONCURRENCY}, one process, SQLite file`);
  for (const side of SIDES) {
    const t = totals[side];
    const label = side === "bare" ? "bare serve() + no-op step:   " : "Tally track-ai-costs:        ";
    console.log(`  ${label}${fmt(t.cpuMicros / RUNS)} CPU µs/delivery, ${fmt(perCpuSec(t))} deliveries/CPU-s, ${fmt(RUNS / t.secs)} deliveries/s wall`);
  }
  if (SIDES.length === 2) console.log(`  ratio Tally/bare per CPU-second: ${fmt(perCpuSec(totals.tally) / perCpuSec(totals.bare), 2)}× (target ≥ 0.8×)`);
  // A delivery inserts its run and its usage line; every other row it changes is a rollup row (upserted).
  console.log(`  rollup rows written per delivery: ${fmt((changesAfter - changesBefore) / RUNS - 2, 1)} (SQLite total_changes less the run and usage rows)`);
  console.log(`  rollup rows added per delivery:   ${fmt((rowsAfter - rowsBefore) / RUNS, 2)} (${fmt(rowsBefore)} → ${fmt(rowsAfter)} rows; the rest add to existing rows)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

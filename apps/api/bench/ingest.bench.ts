/**
 * Ingestion CPU cost: Tally's `track-ai-costs` through the real serve() handler, against a bare Inngest app
 * (same client options, the same `createDefer` shape and payload schema, one no-op step) served by the SDK's
 * `serve()` behind a plain node:http adapter, in ONE process, driven by the same executor
 * (test/executor.ts) at the same concurrency. CPU is the whole process's (process.cpuUsage, user +
 * system): the driver's share is the same on both sides, so the ratio compares what each app adds.
 * Rounds alternate bare / Tally so drift (GC, JIT, page cache) falls on both.
 *   npx tsx bench/ingest.bench.ts [--runs 3000] [--concurrency 8] [--rounds 3] [--db file|postgres://…]
 * --db: the database of that comparison (default a temp SQLite file; a PostgreSQL server: the bench's own
 * database tally_bench_ingest there, bench-db.ts). Then, by API instances (--instances, default 1 on SQLite
 * and 1,2 on a PostgreSQL --db; 0 skips): track-ai-costs through servers in processes of their own on one
 * fresh database each, wall-clock deliveries/s, against ONE server on a SQLite file in the same run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { serve } from "inngest/edge";
import { createDefer } from "inngest/experimental";
import { sql } from "kysely";
import { isPostgres, isPostgresUrl, listTables } from "@tally/shared/db";
import { trackCostsPayloadSchema } from "@tally/shared";
import { createInngest } from "@tally/inngest-functions";
import { createApp } from "../src/app.ts";
import { readEnv } from "../src/env.ts";
import { readText } from "../src/http/body.ts";
import { createHttpServer } from "../src/server.ts";
import { sendWebResponse, webRequest } from "../src/http/web-request.ts";
import { Executor } from "../test/executor.ts";
import { benchDatabase } from "./bench-db.ts";
import { ingestByInstances, type InstancesResult } from "./ingest/instances.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "300" },
    /** Drive one side only (for a CPU profile of it: node --cpu-prof --import tsx bench/ingest.bench.ts --only tally). */
    only: { type: "string" },
    db: { type: "string" },
    instances: { type: "string" },
    /** Deliveries per instances phase. */
    "instance-runs": { type: "string", default: "2000" },
  },
});
const TARGET = values.db;
const PG_TARGET = TARGET && isPostgresUrl(TARGET) ? TARGET : undefined;
const INSTANCES = (values.instances ?? (PG_TARGET ? "1,2" : "1")).split(",").map(Number).filter((n) => n > 0);
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

/**
 * Rows SQLite inserted, updated or deleted on the app's connection so far (one connection: Kysely's SQLite
 * driver); null on PostgreSQL (a pool of connections, its statistics counted later).
 */
async function rowChanges(app: Awaited<ReturnType<typeof createApp>>): Promise<number | null> {
  if (isPostgres(app.db)) return null;
  return Number((await sql<{ n: number }>`select total_changes() as n`.execute(app.db)).rows[0]!.n);
}

async function rollupRows(app: Awaited<ReturnType<typeof createApp>>): Promise<number> {
  const tables = (await listTables(app.db, "rollup!_%")).filter((t) => t !== "rollup_calendars" && t !== "rollup_tag_keys");
  let n = 0;
  for (const name of tables) n += Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(app.db)).rows[0]!.n);
  return n;
}

const dir = mkdtempSync(join(tmpdir(), "tally-ingest-bench-"));
try {
  const url = await benchDatabase(TARGET ?? join(dir, "ingest.db"), "ingest", { reuse: false });
  const app = await createApp(readEnv({ INNGEST_DEV: "1", DATABASE_URL: url }));
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
  /** Each round's ratio (bare CPU / Tally CPU for the same deliveries): the VM's speed drifts within a run, a round's two sides run back to back. */
  const roundRatios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const from = Math.floor((RUNS * r) / ROUNDS);
    const to = Math.floor((RUNS * (r + 1)) / ROUNDS);
    const cpu: Partial<Record<(typeof SIDES)[number], number>> = {};
    for (const side of SIDES) {
      const exec = side === "bare" ? bareExec : tally;
      const t = await drive(exec, side, from, to);
      totals[side].cpuMicros += t.cpuMicros;
      totals[side].secs += t.secs;
      cpu[side] = t.cpuMicros;
    }
    if (cpu.bare !== undefined && cpu.tally !== undefined) roundRatios.push(cpu.bare / cpu.tally);
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
  console.log(`ingestion, ${fmt(RUNS)} deliveries each (${ROUNDS} alternating rounds, ${WARMUP} warm-up), concurrency ${CONCURRENCY}, one process, ${PG_TARGET ? "PostgreSQL" : "SQLite file"}`);
  for (const side of SIDES) {
    const t = totals[side];
    const label = side === "bare" ? "bare serve() + no-op step:   " : "Tally track-ai-costs:        ";
    console.log(`  ${label}${fmt(t.cpuMicros / RUNS)} CPU µs/delivery, ${fmt(perCpuSec(t))} deliveries/CPU-s, ${fmt(RUNS / t.secs)} deliveries/s wall`);
  }
  if (SIDES.length === 2) {
    const sorted = [...roundRatios].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    console.log(`  ratio Tally/bare per CPU-second: ${fmt(perCpuSec(totals.tally) / perCpuSec(totals.bare), 2)}× (target ≥ 0.8×)`);
    console.log(`  per round: median ${fmt(median, 2)}×, min ${fmt(sorted[0]!, 2)}×, max ${fmt(sorted.at(-1)!, 2)}× over ${sorted.length} rounds`);
  }
  // A delivery inserts its run and its usage line; every other row it changes is a rollup row (upserted).
  if (changesAfter !== null && changesBefore !== null) console.log(`  rollup rows written per delivery: ${fmt((changesAfter - changesBefore) / RUNS - 2, 1)} (SQLite total_changes less the run and usage rows)`);
  console.log(`  rollup rows added per delivery:   ${fmt((rowsAfter - rowsBefore) / RUNS, 2)} (${fmt(rowsBefore)} → ${fmt(rowsAfter)} rows; the rest add to existing rows)`);

  if (INSTANCES.length > 0) {
    const o = { deliveries: Number(values["instance-runs"]), warmup: WARMUP, concurrency: CONCURRENCY };
    const phases: [string, InstancesResult][] = [["SQLite, 1 instance", await ingestByInstances(join(dir, "instances.db"), { ...o, processes: 1 })]];
    for (const n of INSTANCES) {
      const where = PG_TARGET ? await benchDatabase(PG_TARGET, `ingest_${n}`, { reuse: false }) : join(dir, `instances-${n}.db`);
      if (PG_TARGET || n > 1) phases.push([`${PG_TARGET ? "PostgreSQL" : "SQLite"}, ${n} instance${n > 1 ? "s" : ""}`, await ingestByInstances(where, { ...o, processes: n })]);
    }
    const base = phases[0]![1].perSecond;
    console.log(`ingestion by API instances (server processes), ${fmt(o.deliveries)} deliveries a phase after ${WARMUP} warm-up, ${CONCURRENCY} in flight in all:`);
    for (const [label, r] of phases) console.log(`  ${label.padEnd(26)}${fmt(r.perSecond)} deliveries/s (${fmt(r.secs, 1)} s), ${fmt(r.perSecond / base, 2)}× one SQLite instance`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

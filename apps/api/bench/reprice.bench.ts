/**
 * Repricing at scale (issue 17 §4): preview and apply a repricing of 100,000 usage lines (agent and judge,
 * gpt-4o and its dated snapshot) after an override, on one SQLite file, and check the totals against a fresh
 * recomputation (genai-prices' calcPrice for before, the override by hand for after) and every rollup against
 * the raw lines.
 *   npm run bench -w @tally/api            (or: npx tsx bench/reprice.bench.ts --lines 100000 [--db file|postgres://…])
 * --db: a SQLite file (default a temp one) or a PostgreSQL server (the bench's own database tally_bench_reprice
 * there, made afresh: bench-db.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { calcPrice } from "@pydantic/genai-prices";
import { connect } from "@tally/shared/db";
import { SYSTEM } from "../src/auth/principal.ts";
import { upsertPrice } from "../src/queries/prices.ts";
import { startReprice } from "../src/reprice/jobs.ts";
import { previewReprice } from "../src/reprice/preview.ts";
import { createRepriceRunner } from "../src/reprice/runner.ts";
import { rollupMismatches, seededLine, seedUsageLines } from "../test/reprice-support.ts";
import { benchDatabase } from "./bench-db.ts";
import { micros } from "../test/micros.ts";

const { values } = parseArgs({ options: { lines: { type: "string", default: "100000" }, db: { type: "string" } } });
const LINES = Number(values.lines);
const START = Date.UTC(2026, 4, 1);
const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);
/** This process's CPU seconds since `c` (the wall time counts other processes on a shared machine too). */
const cpu = (c: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(c);
  return ((d.user + d.system) / 1e6).toFixed(1);
};

const dir = mkdtempSync(join(tmpdir(), "tally-reprice-bench-"));
const db = await connect({ url: await benchDatabase(values.db ?? join(dir, "tally.db"), "reprice", { reuse: false }) });
try {
  let t = performance.now();
  await seedUsageLines(db, LINES, START);
  console.log(`seeded ${LINES} usage lines in ${secs(t)} s`);

  // The fresh recomputation, without Tally's pricing code.
  let before = 0;
  let after = 0;
  for (let i = 0; i < LINES; i++) {
    const l = seededLine(i, START);
    before += micros(calcPrice({ input_tokens: l.input, output_tokens: l.output }, l.model, { timestamp: new Date(l.occurredAt) })!.total_price);
    after += l.input * 1 + l.output * 4; // $1 / $4 per Mtok = 1 / 4 µ$ a token
  }

  await upsertPrice(db, SYSTEM, { model: "gpt-4o", provider: "", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 4_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null, effectiveFrom: 0 }, Date.now());
  t = performance.now();
  let c = process.cpuUsage();
  const preview = await previewReprice(db, { model: "gpt-4o", timeZone: "UTC" });
  console.log(`preview: ${preview.lines} lines in ${secs(t)} s (${cpu(c)} s CPU); before ${preview.beforeMicros} µ$, after ${preview.afterMicros} µ$, ${preview.byCustomer.length} customers`);

  const runner = createRepriceRunner(db);
  t = performance.now();
  c = process.cpuUsage();
  const { jobId } = await startReprice(db, SYSTEM, { model: "gpt-4o", reason: "override" }, Date.now());
  for (;;) {
    const job = await db.selectFrom("reprice_jobs").selectAll().where("id", "=", jobId).executeTakeFirstOrThrow();
    if (job.status === "done" || job.status === "failed") break;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  const applied = `${secs(t)} s (${cpu(c)} s CPU)`;
  await runner.stop();
  const job = await db.selectFrom("reprice_jobs").selectAll().where("id", "=", jobId).executeTakeFirstOrThrow();
  console.log(`apply: ${job.lines_done} lines (${job.lines_changed} changed) in ${applied}, status ${job.status}; before ${job.before_micros} µ$, after ${job.after_micros} µ$`);

  const raw = await db.selectFrom("usage_costs").select((e) => e.fn.sum<number>("cost_micros").as("c")).executeTakeFirstOrThrow();
  const rollup = await db.selectFrom("rollup_usage_15m").select((e) => e.fn.sum<number>("cost_micros").as("c")).executeTakeFirstOrThrow();
  const mismatches = await rollupMismatches(db);
  const checks = {
    "preview before = recomputation": preview.beforeMicros === before,
    "preview after = recomputation": preview.afterMicros === after,
    "job before = recomputation": Number(job.before_micros) === before,
    "job after = recomputation": Number(job.after_micros) === after,
    "lines after = recomputation": Number(raw.c) === after,
    "rollup total = lines": Number(rollup.c) === after,
    "every rollup = raw lines": mismatches.length === 0,
    "every line once": Number(job.lines_done) === LINES && Number(job.lines_changed) === LINES,
  };
  console.log(`recomputed: before ${before} µ$, after ${after} µ$`);
  for (const [check, ok] of Object.entries(checks)) console.log(`${ok ? "ok  " : "FAIL"} ${check}`);
  if (mismatches.length) console.log(`rollups that differ: ${mismatches.join(", ")}`);
  if (Object.values(checks).some((ok) => !ok)) process.exitCode = 1;
} finally {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
}

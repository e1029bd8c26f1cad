/**
 * Two Tally processes on one SQLite file (issue 15, "Writers must not fail each other"), the 60 s version of
 * test/two-writers.test.ts: deferred track-ai-costs deliveries through the real serve() handler, each key
 * 1–3 times and at both processes, one attempt each, while readers query both. Baseline in the same run:
 * the same load (same deliveries in flight, same readers) against ONE process on its own file.
 *   npx tsx bench/two-writers.bench.ts [--seconds 60] [--concurrency 6] [--readers 1] [--read-pause 50]
 * (concurrency: deliveries in flight per process of the two; readers: read loops per process, each pausing
 * --read-pause ms between reads; the baseline's one process gets both processes' share.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connect } from "@tally/shared/db";
import { consistency, type LoadResult, percentile, runLoad, startWriter } from "../test/two-writers-load.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "60" }, concurrency: { type: "string", default: "6" }, readers: { type: "string", default: "1" }, "read-pause": { type: "string", default: "50" } } });
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const READERS = Number(values.readers);
const READ_PAUSE_MS = Number(values["read-pause"]);

/** The load for SECONDS against `processes` servers on a new file; the same deliveries in flight whatever `processes`. */
async function phase(processes: number): Promise<LoadResult & { mismatches: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "tally-two-writers-bench-"));
  const dbFile = join(dir, "tally.db");
  const db = await connect({ url: dbFile });
  try {
    const writers = await Promise.all(Array.from({ length: processes }, () => startWriter(dbFile)));
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    const load = await runLoad(writers, { t0, seconds: SECONDS, concurrency: (2 * CONCURRENCY) / processes, readers: (2 * READERS) / processes, readPauseMs: READ_PAUSE_MS });
    for (const w of writers) await w.stop();
    const { mismatches } = await consistency(db);
    return { ...load, mismatches };
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
function report(name: string, r: LoadResult & { mismatches: string[] }): number {
  const deliveries = r.latenciesMs.length;
  const rate = deliveries / r.seconds;
  console.log(`  ${name}`);
  console.log(`    deliveries:        ${fmt(deliveries)} (${r.perProcess.map((n) => fmt(n)).join(" + ")}) of ${fmt(r.completed.size)} keys in ${fmt(r.seconds, 1)} s = ${fmt(rate)}/s`);
  console.log(`    failed:            ${fmt(r.failed)}${r.failed ? ` (${fmt((100 * r.failed) / deliveries, 1)}%) ${JSON.stringify(r.errors)}` : ""}`);
  console.log(`    delivery latency:  p50 ${fmt(percentile(r.latenciesMs, 50), 1)} ms, p95 ${fmt(percentile(r.latenciesMs, 95), 1)} ms, max ${fmt(Math.max(...r.latenciesMs))} ms`);
  console.log(`    reads:             ${fmt(r.reads)} (${fmt(r.reads / r.seconds)}/s), p50 ${fmt(percentile(r.readLatenciesMs, 50), 1)} ms, p95 ${fmt(percentile(r.readLatenciesMs, 95), 1)} ms, ${r.readFailures.length} failed`);
  console.log(`    rollups = raw:     ${r.mismatches.length === 0 ? "yes" : r.mismatches.join("; ")}`);
  return rate;
}

console.log(`two writers on one SQLite file: ${SECONDS} s a phase, ${2 * CONCURRENCY} deliveries in flight, ${2 * READERS} read loops (${READ_PAUSE_MS} ms apart), one attempt per delivery`);
const single = report("baseline: one process", await phase(1));
const two = report("two processes", await phase(2));
console.log(`  ratio two/one:       ${(two / single).toFixed(2)}× deliveries/s`);

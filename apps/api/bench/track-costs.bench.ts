/**
 * Throughput of `track-ai-costs` through the real serve() handler (HTTP, one process), against the
 * same write called directly (no HTTP, no SDK) as the baseline, in the same run.
 *   npm run bench -w @tally/api            (or: npx tsx bench/track-costs.bench.ts --runs 4000)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { recordUsage } from "@tally/inngest-functions";
import { connect } from "@tally/shared/db";
import { normalizeUsage } from "@tally/shared/pricing";
import { createApp } from "../src/app.ts";
import { readEnv } from "../src/env.ts";
import { createHttpServer } from "../src/server.ts";
import { Executor } from "../test/executor.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3000" }, concurrency: { type: "string", default: "8" } } });
const RUNS = Number(values.runs);
const CONCURRENCY = Number(values.concurrency);
const MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-20250514", "acme-llm-unpriced"];

function payload(i: number) {
  return { model: MODELS[i % MODELS.length]!, promptTokens: 1000 + (i % 500), completionTokens: 100 + (i % 50), customerId: `cust-${i % 50}` };
}

async function pool(n: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await work(next++);
    }),
  );
  return (performance.now() - start) / 1000;
}

const dir = mkdtempSync(join(tmpdir(), "tally-bench-"));
try {
  // Baseline: the recording code alone, on its own database.
  const direct = await connect({ url: join(dir, "direct.db") });
  const t0 = Date.now();
  const directSecs = await pool(RUNS, async (i) => {
    const p = payload(i);
    await recordUsage(direct, { runId: `p-${i}`, functionSlug: "bench", customerId: p.customerId, model: p.model, occurredAt: t0 + i, now: t0 }, {
      key: `d-${i}`, deferredRunId: `d-${i}`, kind: "agent", model: p.model, usage: normalizeUsage(p),
    });
  });
  await direct.destroy();

  // Through the SDK: every run is POST (step runs, 206) + POST (memoised, 200), as the executor does.
  const app = await createApp(readEnv({ INNGEST_DEV: "1", DATABASE_URL: join(dir, "serve.db") }));
  const server = createHttpServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const executor = new Executor(`http://127.0.0.1:${(server.address() as { port: number }).port}/api/inngest`);
  let requests = 0;
  const parent = { fnSlug: "tally-bench-parent", runId: "" };
  const logError = console.error;
  const serveSecs = await pool(RUNS, async (i) => {
    const out = await executor.runDeferred({ fnSlug: "tally-track-ai-costs", input: payload(i) }, { ...parent, runId: `p-${i}` }, { runId: `r-${i}` });
    if (out.status !== "completed") throw new Error(`run ${i} failed: ${JSON.stringify(out.error)}`);
    requests += out.responses.length;
  });
  console.error = logError;
  const rows = await app.db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  await new Promise<void>((r) => server.close(() => r()));
  await app.close();
  if (Number(rows.n) !== RUNS) throw new Error(`expected ${RUNS} usage rows, found ${rows.n}`);

  const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
  console.log(`track-ai-costs throughput, ${fmt(RUNS)} runs, concurrency ${CONCURRENCY}, one process, SQLite file`);
  console.log(`  direct recordUsage (baseline):   ${fmt(RUNS / directSecs)} writes/s`);
  console.log(`  through serve() over HTTP:       ${fmt(RUNS / serveSecs)} runs/s  (${fmt(requests / serveSecs)} requests/s, ${(requests / RUNS).toFixed(1)} per run)`);
  console.log(`  ratio serve/direct:              ${(directSecs / serveSecs).toFixed(2)}×`);
  console.log(`  peak RSS:                        ${fmt(process.resourceUsage().maxRSS / 1024)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

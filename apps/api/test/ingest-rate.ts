/**
 * Ingestion through the real serve() handler, in runs per second: Tally servers in processes of their own
 * (two-writers-load.ts) fed deferred track-ai-costs deliveries (each key 1–3 times, copies to different
 * processes), no readers, for a fixed time. Configurations: 1 server on SQLite, 1 and 2 servers on one
 * PostgreSQL database (TALLY_TEST_POSTGRES_URL, the admin URL of a server). A measurement, not a test:
 *   TALLY_TEST_POSTGRES_URL=postgres://… npx tsx test/ingest-rate.ts [seconds=30] [deliveries in flight per server=6]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { percentile, runLoad, startWriter } from "./two-writers-load.ts";

const seconds = Number(process.argv[2] ?? 30);
const concurrency = Number(process.argv[3] ?? 6);

async function measure(label: string, url: string, servers: number): Promise<void> {
  const writers = await Promise.all(Array.from({ length: servers }, () => startWriter(url)));
  try {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    const r = await runLoad(writers, { t0, concurrency, readers: 0, readPauseMs: 0, seconds });
    const runs = r.latenciesMs.length;
    console.log(
      `${label}: ${(runs / r.seconds).toFixed(0)} runs/s (${runs} deliveries of ${r.completed.size} keys in ${r.seconds.toFixed(1)} s, ` +
        `${r.failed} failed; latency p50 ${percentile(r.latenciesMs, 50).toFixed(0)} ms, p95 ${percentile(r.latenciesMs, 95).toFixed(0)} ms)`,
    );
  } finally {
    await Promise.all(writers.map((w) => w.stop()));
  }
}

const dir = mkdtempSync(join(tmpdir(), "tally-ingest-rate-"));
try {
  await measure("SQLite, 1 server", join(dir, "tally.db"), 1);
  process.env.TALLY_TEST_ENGINE = "postgres";
  await measure("PostgreSQL, 1 server", await testDatabaseUrl(), 1);
  await measure("PostgreSQL, 2 servers", await testDatabaseUrl(), 2);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

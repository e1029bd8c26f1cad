import type { DatabaseSize } from "../bench-db.ts";

/** One engine's timings: its table rows, the rows that miss a target, and the calls that failed. */
export interface EngineReport {
  rows: string[];
  misses: string[];
  aggregates: number;
  missed: { p95: number; ratio: number; answer: number };
  filled: string[];
  /** Calls that failed on this engine: where, and the error's first line. */
  failed: string[];
}

export interface Summary {
  title: string;
  notes: string[];
  calendarZones: string[];
  iterations: number;
  header: string;
  runs: number;
  reports: { engine: string; size: DatabaseSize; load: string; report: EngineReport }[];
}

/** The bench's closing summary: every engine's rows together, then per engine its misses, failures and size. */
export function printSummary(s: Summary): void {
  console.log(`\n=== ${s.title} ===`);
  for (const n of s.notes) console.log(n);
  console.log(`local calendars (*): ${s.calendarZones.join(", ") || "none"}; auto calendars (+) are added by the zone's first request and filled in the background`);
  console.log(`p50/p95 over up to ${s.iterations} calls, 8 s budget each (raw: up to 5 in 8 s at 30 d, 3 in 20 s at 365 d; raw queries that take no zone are timed in the first zone only); n = rollup/raw samples; ratio = raw p50 / rollup p50`);
  console.log(s.header);
  for (const { report } of s.reports) for (const row of report.rows) console.log(row);
  console.log(`targets: aggregate p95 <= 50 ms and >= 100x raw (every filter, model + customer included), the raw answer; runs.list page 1 p95 <= 30 ms`);
  const perMillion = (bytes: number) => `${((bytes / s.runs) * 1e6 / 1e9).toFixed(2)} GB`;
  for (const { engine, size, load, report: r } of s.reports) {
    console.log(`\n${engine} (load average ${load} over its timings): auto calendars ${r.filled.join(", ") || "none added"}`);
    console.log(r.misses.length === 0 ? `every aggregate row (${r.aggregates}) meets the targets` : `${r.misses.length} of ${r.aggregates} aggregate rows miss a target:\n  ${r.misses.join("\n  ")}`);
    if (r.failed.length > 0) console.log(`${r.failed.length} calls FAILED:\n  ${r.failed.join("\n  ")}`);
    console.log(`of ${r.aggregates} aggregate rows: ${r.missed.p95} with p95 > 50 ms, ${r.missed.ratio} under 100x raw, ${r.missed.answer} with an answer other than raw`);
    const what = engine === "sqlite" ? "file" : "pg_database_size";
    console.log(`database size per 1M runs: ${perMillion(size.total)} (${what} ${(size.total / 1e6).toFixed(0)} MB for ${s.runs.toLocaleString()} runs, before the timings)`);
    if (size.tables) {
      const { rollup, raw, other } = size.tables;
      const how = engine === "sqlite" ? "dbstat" : "pg_total_relation_size";
      console.log(`  by ${how}, per 1M runs: rollup tables ${perMillion(rollup)}, raw tables + their indexes ${perMillion(raw)}, the rest ${perMillion(other)}`);
    }
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

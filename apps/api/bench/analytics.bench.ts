// Analytics bench: `npm run bench` (apps/api). Not part of `npm test`.
//   tsx bench/analytics.bench.ts [--runs 100000] [--days 365] [--customers 200] [--models 12] [--end 2026-11-01]
//                                [--db path|postgres://…]… [--source path] [--reuse] [--tz UTC,America/New_York,Asia/Kolkata]
//                                [--iterations 30] [--calendars America/New_York] [--auto 1] [--filters 1]
// Generates parent runs through the real write path (recordUsage + recordEvaluation; several function
// slugs, a `plan` tag promoted before generating as TALLY_TAG_KEYS=plan would, filled by fillTagKeys on a
// --reuse'd DB that lacks it), then times every aggregate procedure through createCaller over 30- and
// 365-day windows against a plain GROUP BY over the raw tables giving the same answer, and runs.list's
// first page; then (--filters 1) the dashboard's calls under each filter it offers (FILTERS: customer,
// model, model + customer, a promoted tag, a function slug). One pass per time zone (comma list):
// totals do not depend on the zone, day series do (whole-hour, half-hour and DST offsets). Zones in
// --calendars get a local calendar (TALLY_TIME_ZONES) before generating, or backfilled on a --reuse'd DB;
// with --auto 1 (the default) every other zone gets one as the server gives it on the zone's first request
// (calendar-keeper.ts: wantCalendar, then fillCalendars), and its pass starts once filled (timed); --auto 0:
// none is added (one a --reuse'd DB holds is still read).
// Engines: `--db` names a SQLite file or a PostgreSQL server (bench-db.ts: the bench uses its own database
// tally_bench_analytics_<runs> there) and may repeat; every one given is timed, one after the other, on the
// same data. The runs are always generated on SQLite (the given file, else --source or a temp file) and copied into
// PostgreSQL (copy-to-postgres.ts). No --db: one temp SQLite file.
// --reuse keeps the databases; a SQLite one holding fewer runs than --runs (an interrupted generation) is
// generated onwards, a PostgreSQL one holding another count of runs is copied afresh. A PostgreSQL database
// is VACUUM ANALYZEd before the timings (copied or reused), as autovacuum would have done in steady state.
// Its sessions run with connect()'s settings (jit and parallel workers off), raw GROUP BYs included;
// --pg-defaults 1 times the same database a second time with the server's own (engine "pg-server").
// Load averages (1 min) are printed beside each engine's figures: the VM is shared.
import { loadavg, tmpdir } from "node:os";
import { sql } from "kysely";
import { join } from "node:path";
import { type BucketUnit, pickBucket } from "@tally/shared";
import { connect, type Db, fillCalendars, isPostgresUrl, syncCalendars, syncTagKeys, wantCalendar } from "@tally/shared/db";
import { fillTagKeys } from "@tally/inngest-functions";
import { createCaller } from "../src/trpc/root.ts";
import { copyToPostgres } from "./analytics/copy-to-postgres.ts";
import { breakdown, DAY, type RawFilter, rawQueries, type RawWindow } from "./analytics/raw-queries.ts";
import { customerName, generate, modelName } from "./analytics/generate.ts";
import { type EngineReport, printSummary } from "./analytics/report.ts";
import { ms, RAW_PLAN, type Timing, time } from "./analytics/timing.ts";
import { benchDatabase, databaseSize, type DatabaseSize, dbArgs } from "./bench-db.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const opts = {
  runs: Number(arg("runs", "100000")),
  days: Number(arg("days", "365")),
  customers: Number(arg("customers", "200")),
  models: Number(arg("models", "12")),
  end: Date.parse(arg("end", "2026-11-01T00:00:00Z")),
  seed: 42,
};
const zones = arg("tz", "UTC,America/New_York,Asia/Kolkata").split(",");
const iterations = Number(arg("iterations", "30"));
const calendarZones = arg("calendars", "America/New_York").split(",").filter(Boolean);
const auto = arg("auto", "1") !== "0";
const reuse = process.argv.includes("--reuse");
const withFilters = arg("filters", "1") !== "0";
const pgDefaults = arg("pg-defaults", "0") !== "0";
const targets = dbArgs();
const sqliteTarget = targets.find((t) => !isPostgresUrl(t));
const sqliteFile = sqliteTarget ?? arg("source", join(tmpdir(), `tally-bench-${opts.runs}.db`));
/** The filter bar's choices: the biggest customer, the busiest model, both, a promoted tag's value, a function slug. */
const FILTERS: Record<string, RawFilter> = {
  customer: { customerIds: [customerName(0)] },
  model: { models: [modelName(0)] },
  "model+customer": { models: [modelName(0)], customerIds: [customerName(0)] },
  "tag plan=pro": { tags: { plan: "pro" } },
  "function": { functionSlugs: ["refund-agent"] },
};
const ROLLUP = { n: iterations, warmup: 2, min: 5, budget: 8000 };
/** Raw queries that do not take the zone: timed in the first zone's pass and reused. */
const ZONE_FREE = new Set(["overview.summary", "spend.byCustomer", "spend.byModel/page", "quality.compareModels", "quality.costVsQuality", "spend.byDimension/function", "spend.byDimension/tag:plan"]);
const countRuns = async (db: Db) => Number((await db.selectFrom("runs").select((eb) => eb.fn.countAll().as("n")).executeTakeFirst())?.n ?? 0);
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** Tag key and calendars as configured, before any run is written (on an empty database complete at once). */
async function configure(db: Db): Promise<string> {
  await syncTagKeys(db, ["plan"]);
  const t0 = performance.now();
  const { added, removed } = await syncCalendars(db, calendarZones);
  return added.length + removed.length > 0 ? `${calendarZones.join(", ") || "none"} (${added.length} added, ${removed.length} removed) in ${secs(t0)}s` : "";
}

// 1. The runs, generated on SQLite through the real write path.
const notes: string[] = [];
const source = await connect({ url: await benchDatabase(sqliteFile, "", { reuse }) });
const synced = await configure(source);
if (synced) notes.push(`local calendars (SQLite): ${synced}`);
const have = await countRuns(source);
let genSeconds: number | null = null;
if (have > opts.runs) throw new Error(`${sqliteFile} holds ${have} runs, more than ${opts.runs}; drop --reuse`);
if (have < opts.runs) {
  const what = `${opts.runs.toLocaleString()} runs (${opts.days} days, ${opts.customers} customers, ${opts.models} models, 3 scores each) into ${sqliteFile}`;
  console.log(have > 0 ? `continuing at run ${have.toLocaleString()}: ${what}` : `generating ${what}`);
  const t0 = performance.now();
  await generate(source, opts, have, (done) => {
    const s = (performance.now() - t0) / 1000;
    const rate = (done - have) / s;
    process.stdout.write(`  ${done.toLocaleString()} runs  ${s.toFixed(0)}s  ${rate.toFixed(0)} runs/s  eta ${((opts.runs - done) / rate).toFixed(0)}s\n`);
  });
  genSeconds = (performance.now() - t0) / 1000;
  notes.push(`generation: ${(opts.runs - have).toLocaleString()} runs in ${genSeconds.toFixed(0)}s through recordUsage + recordEvaluation on SQLite (${((opts.runs - have) / genSeconds).toFixed(0)} runs/s)`);
} else console.log(`reusing ${sqliteFile} (${have.toLocaleString()} runs)`);
const tagFill = performance.now();
const tagChunks = await fillTagKeys(source); // a --reuse'd DB generated without the key: filled from the raw rows
if (tagChunks > 0) notes.push(`tag key plan filled in ${secs(tagFill)}s (${tagChunks} transactions)`);

// 2. The engines timed: every --db (PostgreSQL ones copied from the SQLite source), else the temp SQLite file.
const engines: { name: string; db: Db; size: DatabaseSize }[] = [];
if (sqliteTarget || targets.length === 0) engines.push({ name: "sqlite", db: source, size: await databaseSize(source) });
for (const target of targets.filter(isPostgresUrl)) {
  const db = await connect({ url: await benchDatabase(target, `analytics_${opts.runs}`, { reuse }) });
  await configure(db);
  if (!reuse || (await countRuns(db)) !== opts.runs) {
    const t0 = performance.now();
    const rows = await copyToPostgres(sqliteFile, db, (table, n) => process.stdout.write(`  copied ${table}: ${n.toLocaleString()} rows (${secs(t0)}s)\n`));
    notes.push(`PostgreSQL ${new URL(target).host}: ${rows.toLocaleString()} rows copied from SQLite in ${secs(t0)}s (insert … select from unnest, 20,000 rows a statement)`);
  }
  const t0 = performance.now();
  await sql`vacuum (analyze)`.execute(db);
  const settings = await sql<{ s: string }>`select string_agg(name || '=' || setting, ', ' order by name) as s from pg_settings where name in ('jit', 'max_parallel_workers_per_gather', 'shared_buffers', 'work_mem')`.execute(db);
  notes.push(`PostgreSQL: VACUUM ANALYZE before the timings in ${secs(t0)}s (as autovacuum would have in steady state); sessions: ${settings.rows[0]!.s}`);
  engines.push({ name: "postgres", db, size: await databaseSize(db) });
  if (pgDefaults) {
    // The server's own jit and parallel settings: a URL's options win over connect()'s.
    const url = new URL(await benchDatabase(target, `analytics_${opts.runs}`, { reuse: true }));
    url.searchParams.set("options", "-c jit=on -c max_parallel_workers_per_gather=2");
    const dflt = await connect({ url: url.toString() });
    engines.push({ name: "pg-server", db: dflt, size: await databaseSize(dflt) });
  }
}
if (!engines.some((e) => e.db === source)) await source.destroy();

/** Every procedure, zone, window and filter on one database, each against its raw GROUP BY there. */
async function benchEngine(db: Db, engine: string): Promise<EngineReport> {
  const report: EngineReport = { rows: [], misses: [], aggregates: 0, missed: { p95: 0, ratio: 0, answer: 0 }, filled: [], failed: [] };
  const rawTimings = new Map<string, Timing<number>>();
  const autoZones = new Set<string>();
  const caller = createCaller({ db, runUrlTemplate: "http://localhost:8288/run?runID={runId}", now: Date.now, principal: { kind: "api_key", id: "bench", label: "bench", role: "viewer" } });
  // Series in the bucket the dashboard asks for (pickBucket: day at 30 days, week at 365), and at 365 days
  // also in days ("/day" rows), for an API client that asks for a year day by day.
  const series = {
    "spend.timeseries": async (w: RawWindow, bucket: BucketUnit) =>
      (await caller.spend.timeseries({ ...w, bucket, splitBy: "model" })).series.reduce((s, x) => s + (x.totalMicros ?? 0), 0),
    "quality.trend": async (w: RawWindow, bucket: BucketUnit) =>
      (await caller.quality.trend({ ...w, bucket })).series.reduce((s, x) => s + x.points.reduce((a, p) => a + p.n, 0), 0),
  };
  /** The first `n` customers by spend in the window (the Spend table shows 20; the API's default page is 50). */
  const tops = new Map<string, string[]>();
  async function top(w: RawWindow, n: number): Promise<string[]> {
    const key = `${w.from}-${w.to}-${n}`;
    if (!tops.has(key)) tops.set(key, (await caller.spend.byCustomer({ ...w, limit: n, sparklines: false })).rows.map((r) => r.customerId));
    return tops.get(key)!;
  }
  type Input = RawWindow & RawFilter;
  const byDimension = (dimension: "function" | "tag") => async (w: Input) =>
    (await caller.spend.byDimension({ ...w, dimension, ...(dimension === "tag" ? { tagKey: "plan" } : {}) })).totals.spendMicros;
  const splitSeries = (splitBy: "function" | "tag") => async (w: Input) =>
    (await caller.spend.timeseries({ ...w, bucket: pickBucket(w), splitBy, ...(splitBy === "tag" ? { tagKey: "plan" } : {}) })).series.reduce((s, x) => s + (x.totalMicros ?? 0), 0);
  const procedures: Record<string, (w: Input) => Promise<number | null>> = {
    "overview.summary": async (w) => (await caller.overview.summary(w)).current.spendMicros.total,
    "spend.timeseries": (w) => series["spend.timeseries"](w, pickBucket(w)),
    // The Spend page's chart: the top 7 customers' series and the rest summed (`top`).
    "spend.timeseries/cust": async (w: Input) => {
      const r = await caller.spend.timeseries({ ...w, bucket: pickBucket(w), splitBy: "customer", top: 7 });
      return r.series.reduce((s, x) => s + (x.totalMicros ?? 0), r.other?.totalMicros ?? 0);
    },
    // What the Spend page asks: every customer's totals, then the sparklines of the 20 it shows; and an API
    // client's default page (50 customers with sparklines). byModel: every model, each with its sparkline.
    "spend.byCustomer": async (w) => (await caller.spend.byCustomer({ ...w, limit: 500, sparklines: false })).totals.spendMicros,
    "spend.byCustomer/page": async (w) => (await caller.spend.byCustomer({ ...w, customerIds: await top(w, 20), limit: 20 })).totals.spendMicros,
    "spend.byCustomer/50": async (w) => (await caller.spend.byCustomer({ ...w, limit: 50 })).totals.spendMicros,
    "spend.byModel": async (w) => (await caller.spend.byModel({ ...w, limit: 200 })).totals.spendMicros,
    "quality.trend": (w) => series["quality.trend"](w, pickBucket(w)),
    "quality.compareModels": async (w) => (await caller.quality.compareModels({ ...w, baselineModel: "bench-model-01" })).rows.reduce((s, r) => s + r.n, 0),
    "quality.costVsQuality": async (w) =>
      (await caller.quality.costVsQuality({ ...w, scoreName: "helpfulness", threshold: 0.7 })).rows.reduce((s, r) => s + r.passing, 0),
    // The Spend page's "By function / By tag" section: the table and its stacked chart.
    "spend.byDimension/function": byDimension("function"),
    "spend.byDimension/tag:plan": byDimension("tag"),
    "spend.timeseries/function": splitSeries("function"),
    "spend.timeseries/tag:plan": splitSeries("tag"),
  };
  /** What the dashboard asks under a filter: Overview (summary, spend by model, quality trend), Spend (its chart, both tables). */
  const filtered: Record<string, (w: Input) => Promise<number | null>> = {
    "overview.summary": procedures["overview.summary"]!,
    "spend.timeseries": procedures["spend.timeseries"]!,
    "spend.timeseries/cust": procedures["spend.timeseries/cust"]!,
    "spend.byModel/page": async (w) => (await caller.spend.byModel({ ...w, limit: 200, sparklines: false })).totals.spendMicros,
    "spend.byCustomer": procedures["spend.byCustomer"]!,
    "quality.trend": procedures["quality.trend"]!,
  };
  /** The split a filter's Spend section shows beside it. */
  const filteredSplits: Record<string, string[]> = { "tag plan=pro": ["spend.byDimension/tag:plan", "spend.timeseries/tag:plan"], function: ["spend.byDimension/function", "spend.timeseries/function"] };

  type Raw = (d: Db, x: RawWindow) => Promise<number>;
  /** Times one procedure and its raw GROUP BY (raw timings that take no zone are reused), prints and checks the row. */
  /** A call that fails (a query one engine refuses) is a row of its own, counted and listed, and the bench goes on. */
  async function measure(zone: string, filter: string, label: string, days: number, fn: () => Promise<number | null>, raw: () => Promise<number>, rawId: string) {
    const where = `${zone} ${filter} ${label} ${days}d`;
    const timed = [await time(fn, ROLLUP).catch((e: unknown) => e)]; // one after the other: neither slows the other
    timed.push(rawTimings.get(rawId) ?? (await time(raw, RAW_PLAN(days)).catch((e: unknown) => e)));
    const failed = timed.map((t, i) => (t instanceof Error ? `${i === 0 ? "procedure" : "raw"} failed: ${t.message.split("\n")[0]}` : null)).filter((x) => x !== null);
    if (failed.length > 0) {
      report.failed.push(`${where}: ${failed.join("; ")}`);
      console.log(`${engine.padEnd(9)}${where}: ${failed.join("; ")}`);
      return;
    }
    const [rollup, rawT] = timed as [Timing<number | null>, Timing<number>];
    rawTimings.set(rawId, rawT);
    const same = rollup.answer === rawT.answer;
    const ratio = rawT.p50 / rollup.p50;
    const line = `${engine.padEnd(9)}${zone.padEnd(18)}${filter.padEnd(16)}${label.padEnd(32)}${`${days}d`.padStart(7)}${ms(rollup.p50)} ${ms(rollup.p95)} ${ms(rawT.p50)} ${ms(rawT.p95)} ${`${ratio.toFixed(1)}x`.padStart(7)}  ${same ? "yes" : `NO (${rollup.answer} vs ${rawT.answer})`} (n=${rollup.n}/${rawT.n})`;
    report.rows.push(line);
    console.log(line);
    report.aggregates++;
    report.missed.p95 += Number(rollup.p95 > 50);
    report.missed.ratio += Number(ratio < 100);
    report.missed.answer += Number(!same);
    const why = [rollup.p95 > 50 && `p95 ${rollup.p95.toFixed(1)} ms`, ratio < 100 && `${ratio.toFixed(0)}x`, !same && "answer differs"].filter(Boolean);
    if (why.length > 0) report.misses.push(`${where}: ${why.join(", ")}`);
  }
  const bucketed = (name: string) => name in series || name.startsWith("spend.timeseries");
  for (const tz of zones) for (const days of [30, 365]) {
    if (auto && days === 30 && !calendarZones.includes(tz)) {
      // What the server's calendar keeper does on a zone's first request, waited for here.
      const t0 = performance.now();
      const got = await wantCalendar(db, tz, { now: Date.now(), cap: 20 });
      const chunks = await fillCalendars(db);
      if (got === "added" || got === "kept") autoZones.add(tz);
      if (got === "added") {
        report.filled.push(`${tz} in ${((performance.now() - t0) / 1000).toFixed(1)}s (${chunks} transactions)`);
        console.log(`auto calendar: ${report.filled.at(-1)}`);
      }
    }
    const w: RawWindow = { from: opts.end - days * DAY, to: opts.end, timeZone: tz };
    const zone = calendarZones.includes(tz) ? `${tz}*` : autoZones.has(tz) ? `${tz}+` : tz;
    const daily = days > 120 ? Object.entries(series).map(([name, fn]) => [`${name}/day`, (x: RawWindow) => fn(x, "day")] as const) : [];
    for (const [name, fn] of [...Object.entries(procedures), ...daily]) {
      const raw: Raw =
        name === "spend.byCustomer" ? (d, x) => breakdown(d, x, "customer_id", { sparklines: false })
        : name === "spend.byCustomer/page" ? async (d, x) => breakdown(d, x, "customer_id", { ids: await top(w, 20) })
        : name === "spend.byCustomer/50" ? async (d, x) => breakdown(d, x, "customer_id", { sparklines: await top(w, 50) })
        : rawQueries[name.replace("/day", "")]!;
      const id = ZONE_FREE.has(name) ? `${name}|${days}` : `${name}|${days}|${tz}`;
      const label = bucketed(name) && !name.endsWith("/day") ? `${name}/${pickBucket(w)}` : name;
      await measure(zone, "-", label, days, () => fn(w), () => raw(db, w), id);
    }
    for (const [filterName, filter] of withFilters ? Object.entries(FILTERS) : []) {
      const x: Input = { ...w, ...filter };
      for (const name of [...Object.keys(filtered), ...(filteredSplits[filterName] ?? [])]) {
        const fn = filtered[name] ?? procedures[name]!;
        const id = `${filterName}|${ZONE_FREE.has(name) ? `${name}|${days}` : `${name}|${days}|${tz}`}`;
        const label = bucketed(name) ? `${name}/${pickBucket(w)}` : name;
        await measure(zone, filterName, label, days, () => fn(x), () => rawQueries[name]!(db, w, filter), id);
      }
    }
    const lists = {
      "runs.list (page 1)": { from: w.from, to: w.to, limit: 50 },
      "runs.list (1 customer)": { from: w.from, to: w.to, limit: 50, customerIds: ["cust-007"] },
      "runs.list (score range)": { from: w.from, to: w.to, limit: 50, scoreName: "accuracy", scoreMin: 0.9, scoreMax: 1 },
    };
    for (const [name, input] of Object.entries(lists)) {
      if (tz !== zones[0]) break; // runs.list takes no zone: time it once
      const list = await time(() => caller.runs.list(input), { ...ROLLUP, warmup: 3 }).catch((e: Error) => e);
      if (list instanceof Error) {
        report.failed.push(`${name} ${days}d: ${list.message.split("\n")[0]}`);
        continue;
      }
      const line = `${engine.padEnd(9)}${"-".padEnd(18)}${"-".padEnd(16)}${name.padEnd(32)}${`${days}d`.padStart(7)}${ms(list.p50)} ${ms(list.p95)}`;
      report.rows.push(line);
      console.log(line);
    }
  }

  return report;
}

const header = `${"engine".padEnd(9)}${"zone".padEnd(18)}${"filter".padEnd(16)}${"procedure".padEnd(32)}${"window".padStart(7)}${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"raw p50".padStart(9)}${"raw p95".padStart(9)}${"ratio".padStart(8)}  same answer`;
const reports: [(typeof engines)[number], EngineReport][] = [];
const loads = new Map<string, string>();
for (const e of engines) {
  const load = loadavg()[0]!.toFixed(1);
  console.log(`\n--- ${e.name} (load average ${load}) ---\n${header}`);
  reports.push([e, await benchEngine(e.db, e.name)]);
  loads.set(e.name, `${load} → ${loadavg()[0]!.toFixed(1)}`);
  await e.db.destroy();
}
printSummary({
  title: `analytics bench: ${opts.runs.toLocaleString()} runs, ${opts.days} days, ${opts.customers} customers, ${opts.models} models, zones ${zones.join(", ")}; engines ${engines.map((e) => e.name).join(", ")}`,
  notes,
  calendarZones,
  iterations,
  header,
  runs: opts.runs,
  reports: reports.map(([e, r]) => ({ engine: e.name, size: e.size, load: loads.get(e.name) ?? "", report: r })),
});

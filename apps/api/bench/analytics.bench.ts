// Analytics bench: `npm run bench` (apps/api). Not part of `npm test`.
//   tsx bench/analytics.bench.ts [--runs 100000] [--days 365] [--customers 200] [--models 12]
//                                [--db path] [--reuse] [--tz UTC,America/New_York,Asia/Kolkata] [--iterations 30]
//                                [--calendars America/New_York] [--auto 1] [--filters 1]
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
// --reuse keeps --db; one holding fewer runs than --runs (an interrupted generation) is generated onwards.
import { existsSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BucketUnit, pickBucket } from "@tally/shared";
import { connect, fillCalendars, syncCalendars, syncTagKeys, wantCalendar } from "@tally/shared/db";
import { fillTagKeys } from "@tally/inngest-functions";
import { createCaller } from "../src/trpc/root.ts";
import { breakdown, DAY, type RawFilter, rawQueries, type RawWindow } from "./analytics/raw-queries.ts";
import { customerName, databaseSize, generate, modelName } from "./analytics/generate.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const opts = {
  runs: Number(arg("runs", "100000")),
  days: Number(arg("days", "365")),
  customers: Number(arg("customers", "200")),
  models: Number(arg("models", "12")),
  end: Date.UTC(2026, 10, 1),
  seed: 42,
};
const zones = arg("tz", "UTC,America/New_York,Asia/Kolkata").split(",");
const iterations = Number(arg("iterations", "30"));
const calendarZones = arg("calendars", "America/New_York").split(",").filter(Boolean);
const auto = arg("auto", "1") !== "0";
const file = arg("db", join(tmpdir(), `tally-bench-${opts.runs}.db`));
const reuse = process.argv.includes("--reuse");
const withFilters = arg("filters", "1") !== "0";
/** The filter bar's choices: the biggest customer, the busiest model, both, a promoted tag's value, a function slug. */
const FILTERS: Record<string, RawFilter> = {
  customer: { customerIds: [customerName(0)] },
  model: { models: [modelName(0)] },
  "model+customer": { models: [modelName(0)], customerIds: [customerName(0)] },
  "tag plan=pro": { tags: { plan: "pro" } },
  "function": { functionSlugs: ["refund-agent"] },
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
};
interface Timing<T> {
  p50: number;
  p95: number;
  n: number;
  /** The last call's answer. */
  answer: T;
}
/** Up to `n` timed calls after `warmup`, stopping early (at `min` samples or more) once `budget` ms are spent. */
async function time<T>(fn: () => Promise<T>, o: { n: number; warmup: number; min: number; budget: number }): Promise<Timing<T>> {
  for (let i = 0; i < o.warmup; i++) await fn();
  const xs: number[] = [];
  let answer!: T;
  const started = performance.now();
  for (let i = 0; i < o.n && (xs.length < o.min || performance.now() - started < o.budget); i++) {
    const t0 = performance.now();
    answer = await fn();
    xs.push(performance.now() - t0);
  }
  return { p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), n: xs.length, answer };
}
const ROLLUP = { n: iterations, warmup: 2, min: 5, budget: 8000 };
// A raw GROUP BY over a year takes seconds at 1M runs, about a minute at 10M (more than RAM holds): up to
// three calls within 20 s, at least one; over 30 days up to five within 8 s, at least two.
const RAW = (days: number) => (days > 30 ? { n: 3, warmup: 0, min: 1, budget: 20_000 } : { n: 5, warmup: 1, min: 2, budget: 8000 });
/** Raw queries that do not take the zone: timed in the first zone's pass and reused. */
const ZONE_FREE = new Set(["overview.summary", "spend.byCustomer", "spend.byModel/page", "quality.compareModels", "quality.costVsQuality", "spend.byDimension/function", "spend.byDimension/tag:plan"]);
const rawTimings = new Map<string, Timing<number>>();
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)).padStart(8);
const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);

if (!reuse) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
const db = await connect({ url: file });
await syncTagKeys(db, ["plan"]); // on an empty database complete at once: bump() writes its rows
const synced = performance.now();
const { added, removed } = await syncCalendars(db, calendarZones);
const syncSeconds = (performance.now() - synced) / 1000;
if (added.length + removed.length > 0) console.log(`local calendars: ${calendarZones.join(", ") || "none"} (${added.length} added, ${removed.length} removed) in ${syncSeconds.toFixed(1)}s`);
const have = Number((await db.selectFrom("runs").select((eb) => eb.fn.countAll().as("n")).executeTakeFirst())?.n ?? 0);
let genSeconds: number | null = null;
if (have > opts.runs) throw new Error(`${file} holds ${have} runs, more than ${opts.runs}; drop --reuse`);
if (have < opts.runs) {
  const what = `${opts.runs.toLocaleString()} runs (${opts.days} days, ${opts.customers} customers, ${opts.models} models, 3 scores each) into ${file}`;
  console.log(have > 0 ? `continuing at run ${have.toLocaleString()}: ${what}` : `generating ${what}`);
  const t0 = performance.now();
  await generate(db, opts, have, (done) => {
    const s = (performance.now() - t0) / 1000;
    const rate = (done - have) / s;
    const eta = (opts.runs - done) / rate;
    process.stdout.write(`  ${done.toLocaleString()} runs  ${s.toFixed(0)}s  ${rate.toFixed(0)} runs/s  eta ${eta.toFixed(0)}s\n`);
  });
  genSeconds = (performance.now() - t0) / 1000;
  console.log(`generated ${(opts.runs - have).toLocaleString()} runs in ${genSeconds.toFixed(0)}s (${((opts.runs - have) / genSeconds).toFixed(0)} runs/s)`);
} else {
  console.log(`reusing ${file} (${have.toLocaleString()} runs)`);
}
const tagFill = performance.now();
const tagChunks = await fillTagKeys(db); // a --reuse'd DB generated without the key: filled from the raw rows
if (tagChunks > 0) console.log(`tag key plan filled in ${((performance.now() - tagFill) / 1000).toFixed(1)}s (${tagChunks} transactions)`);
const dbSize = await databaseSize(db, file);

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

const rows: string[] = [];
const header = `${"zone".padEnd(18)}${"filter".padEnd(16)}${"procedure".padEnd(32)}${"window".padStart(7)}${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"raw p50".padStart(9)}${"raw p95".padStart(9)}${"ratio".padStart(8)}  same answer`;
/** Aggregate rows missing a target (p95 <= 50 ms, >= 100x raw, the raw answer). */
const misses: string[] = [];
let aggregates = 0;
const missed = { p95: 0, ratio: 0, answer: 0 };
const filled: string[] = [];
const autoZones = new Set<string>();
type Raw = (d: typeof db, x: RawWindow) => Promise<number>;
/** Times one procedure and its raw GROUP BY (raw timings that take no zone are reused), prints and checks the row. */
async function measure(zone: string, filter: string, label: string, days: number, fn: () => Promise<number | null>, raw: () => Promise<number>, rawId: string) {
  const rollup = await time(fn, ROLLUP);
  const rawT = rawTimings.get(rawId) ?? (await time(raw, RAW(days)));
  rawTimings.set(rawId, rawT);
  const same = rollup.answer === rawT.answer;
  const ratio = rawT.p50 / rollup.p50;
  const line = `${zone.padEnd(18)}${filter.padEnd(16)}${label.padEnd(32)}${`${days}d`.padStart(7)}${ms(rollup.p50)} ${ms(rollup.p95)} ${ms(rawT.p50)} ${ms(rawT.p95)} ${`${ratio.toFixed(1)}x`.padStart(7)}  ${same ? "yes" : `NO (${rollup.answer} vs ${rawT.answer})`} (n=${rollup.n}/${rawT.n})`;
  rows.push(line);
  console.log(line);
  aggregates++;
  missed.p95 += Number(rollup.p95 > 50);
  missed.ratio += Number(ratio < 100);
  missed.answer += Number(!same);
  const why = [rollup.p95 > 50 && `p95 ${rollup.p95.toFixed(1)} ms`, ratio < 100 && `${ratio.toFixed(0)}x`, !same && "answer differs"].filter(Boolean);
  if (why.length > 0) misses.push(`${zone} ${filter} ${label} ${days}d: ${why.join(", ")}`);
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
      filled.push(`${tz} in ${((performance.now() - t0) / 1000).toFixed(1)}s (${chunks} transactions)`);
      console.log(`auto calendar: ${filled.at(-1)}`);
    }
  }
  const w: RawWindow = { from: opts.end - days * DAY, to: opts.end, timeZone: tz };
  const zone = calendarZones.includes(tz) ? `${tz}*` : autoZones.has(tz) ? `${tz}+` : tz;
  const daily = days > 120 ? Object.entries(series).map(([name, fn]) => [`${name}/day`, (x: RawWindow) => fn(x, "day")] as const) : [];
  for (const [name, fn] of [...Object.entries(procedures), ...daily]) {
    const [page, first50] = [await top(w, 20), await top(w, 50)];
    const raw: Raw =
      name === "spend.byCustomer" ? (d, x) => breakdown(d, x, "customer_id", { sparklines: false })
      : name === "spend.byCustomer/page" ? (d, x) => breakdown(d, x, "customer_id", { ids: page })
      : name === "spend.byCustomer/50" ? (d, x) => breakdown(d, x, "customer_id", { sparklines: first50 })
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
    const list = await time(() => caller.runs.list(input), { ...ROLLUP, warmup: 3 });
    const line = `${"-".padEnd(18)}${"-".padEnd(16)}${name.padEnd(32)}${`${days}d`.padStart(7)}${ms(list.p50)} ${ms(list.p95)}`;
    rows.push(line);
    console.log(line);
  }
}

await db.destroy();
const rss = process.resourceUsage().maxRSS / 1024;
console.log(`\n=== analytics bench: ${opts.runs.toLocaleString()} runs, ${opts.days} days, ${opts.customers} customers, ${opts.models} models, zones ${zones.join(", ")} ===`);
if (genSeconds !== null) console.log(`generation: ${(opts.runs - have).toLocaleString()} runs in ${genSeconds.toFixed(0)}s through recordUsage + recordEvaluation (${((opts.runs - have) / genSeconds).toFixed(0)} runs/s)`);
console.log(`local calendars (*): ${calendarZones.join(", ") || "none"}${added.length ? `, backfilled in ${syncSeconds.toFixed(1)}s` : ""}`);
console.log(`auto calendars (+), added by the zone's first request and filled in the background: ${filled.join(", ") || "none"}`);
console.log(`p50/p95 over up to ${iterations} calls, 8 s budget each (raw: up to 5 in 8 s at 30 d, 3 in 20 s at 365 d; raw queries that take no zone are timed in the first zone only); n = rollup/raw samples; ratio = raw p50 / rollup p50`);
console.log(header);
for (const r of rows) console.log(r);
console.log(`targets: aggregate p95 <= 50 ms and >= 100x raw (every filter, model + customer included), the raw answer; runs.list page 1 p95 <= 30 ms`);
console.log(misses.length === 0 ? `every aggregate row (${aggregates}) meets the targets` : `${misses.length} of ${aggregates} aggregate rows miss a target:\n  ${misses.join("\n  ")}`);
console.log(`of ${aggregates} aggregate rows: ${missed.p95} with p95 > 50 ms, ${missed.ratio} under 100x raw, ${missed.answer} with an answer other than raw`);
const perMillion = (bytes: number) => `${((bytes / opts.runs) * 1e6 / 1e9).toFixed(2)} GB`;
console.log(`database size per 1M runs: ${perMillion(dbSize.file)} (file ${(dbSize.file / 1e6).toFixed(0)} MB for ${opts.runs.toLocaleString()} runs, before the timings)`);
if (dbSize.tables) {
  const { rollup, raw, other } = dbSize.tables;
  console.log(`  by dbstat, per 1M runs: rollup tables ${perMillion(rollup)}, raw tables + their indexes ${perMillion(raw)}, the rest ${perMillion(other)}`);
}
console.log(`peak RSS: ${rss.toFixed(0)} MB; database: ${((size(file) + size(`${file}-wal`)) / 1e6).toFixed(0)} MB (${file})`);

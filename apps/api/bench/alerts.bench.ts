// Alerts bench: `npm run bench` (apps/api), after the analytics bench. Not part of `npm test`.
//   tsx bench/alerts.bench.ts [--runs 1000000] [--days 90] [--customers 1000] [--quality-rules 50]
//                             [--db path|postgres://…] [--source path] [--reuse] [--iterations 30]
// Generates parent runs with the analytics bench's generator (real recordUsage + recordEvaluation), gives
// every customer a monthly budget, then times evaluateRules over the built-in budget rule, a forecast rule
// for every customer and 50 quality-drop rules, in UTC (day rollups), in a zone with a local calendar
// (America/New_York, as TALLY_TIME_ZONES gives the reporting zone one) and in a half-hour zone with none
// (Asia/Kolkata: UTC days ± an edge per local midnight). Each must answer in p95 ≤ 100 ms. Every statement is
// logged: none may read a raw table. On PostgreSQL (--db postgres://…: the bench's own database
// tally_bench_alerts_<runs> on that server, bench-db.ts) the runs are generated on SQLite (--source, default a
// temp file) and copied in (copy-to-postgres.ts); --reuse keeps both, and copies only when the counts differ.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateRules, type RuleInput } from "@tally/inngest-functions";
import { connect, type Db, fillCalendars, isPostgresUrl, syncCalendars } from "@tally/shared/db";
import { copyToPostgres } from "./analytics/copy-to-postgres.ts";
import { customerName, generate, modelName, SCORE_NAMES } from "./analytics/generate.ts";
import { benchDatabase } from "./bench-db.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const NOW = Date.UTC(2026, 11, 15, 12);
const opts = { runs: Number(arg("runs", "1000000")), days: Number(arg("days", "90")), customers: Number(arg("customers", "1000")), models: 12, end: NOW, seed: 7 };
const qualityRules = Number(arg("quality-rules", "50"));
const iterations = Number(arg("iterations", "30"));
const target = arg("db", join(tmpdir(), `tally-alerts-bench-${opts.runs}.db`));
const file = isPostgresUrl(target) ? arg("source", join(tmpdir(), `tally-alerts-bench-${opts.runs}.db`)) : target;
const reuse = process.argv.includes("--reuse");
const CALENDAR_ZONE = "America/New_York";
const countRuns = async (d: Db) => Number((await d.selectFrom("runs").select((eb) => eb.fn.countAll().as("n")).executeTakeFirst())?.n ?? 0);

if (!reuse) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
let db = await connect({ url: file });
await syncCalendars(db, [CALENDAR_ZONE]);
const have = await countRuns(db);
if (have < opts.runs) {
  console.log(`alerts bench: generating ${(opts.runs - have).toLocaleString()} runs (${opts.days} days to ${new Date(NOW).toISOString()}, ${opts.customers} customers) into ${file}`);
  const t0 = performance.now();
  await generate(db, opts, have, (done) => {
    if (done % 100_000 === 0) process.stdout.write(`  ${done.toLocaleString()} runs  ${((performance.now() - t0) / 1000).toFixed(0)}s\n`);
  });
  console.log(`generated in ${((performance.now() - t0) / 1000).toFixed(0)}s`);
} else console.log(`alerts bench: reusing ${file} (${have.toLocaleString()} runs)`);
const url = isPostgresUrl(target) ? await benchDatabase(target, `alerts_${opts.runs}`, { reuse }) : file;
if (url !== file) {
  await db.destroy();
  db = await connect({ url });
  await syncCalendars(db, [CALENDAR_ZONE]);
  if ((await countRuns(db)) !== opts.runs) {
    const t0 = performance.now();
    const rows = await copyToPostgres(file, db, () => {});
    console.log(`copied ${rows.toLocaleString()} rows into PostgreSQL in ${((performance.now() - t0) / 1000).toFixed(0)}s`);
  }
}
while ((await fillCalendars(db)) > 0);
// Every customer gets a monthly budget (the generator gives one to a third), $50 … $250.
await db.updateTable("customers").set((eb) => ({ monthly_budget_micros: eb.lit(50_000_000) })).execute();
await db.updateTable("customers").set({ monthly_budget_micros: 250_000_000 }).where("id", "<", customerName(Math.floor(opts.customers / 5))).execute();
const budgeted = Number((await db.selectFrom("customers").select((eb) => eb.fn.countAll().as("n")).where("monthly_budget_micros", ">", 0).executeTakeFirst())?.n ?? 0);
await db.destroy();

// Reads through the server's own connection, with a plugin that keeps every SQL text, to check that no raw table is read.
const statements: string[] = [];
const plain = await connect({ url, migrate: false });
const reader: Db = plain.withPlugin({
  transformQuery: (args) => {
    statements.push(plain.getExecutor().compileQuery(args.node, args.queryId).sql);
    return args.node;
  },
  transformResult: async (args) => args.result,
});

const builtin = (await reader.selectFrom("alert_rules").selectAll().where("id", "=", "builtin-budget").execute())[0]!;
const rules: RuleInput[] = [builtin, { id: "forecast-all", kind: "forecast", name: "forecast", params: "{}" }];
for (let i = 0; i < qualityRules; i++) {
  const model = modelName(i % opts.models);
  const scoreName = SCORE_NAMES[Math.floor(i / opts.models) % SCORE_NAMES.length]!;
  const windowHours = [24, 168, 72, 6][Math.floor(i / (opts.models * SCORE_NAMES.length)) % 4]!;
  rules.push({ id: `q${i}`, kind: "quality_drop", name: `q${i}`, params: JSON.stringify({ scoreName, model, windowHours, threshold: 0.6, compareToPrevious: true }) });
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? NaN;
const RAW = /\b(?:from|join)\s+"?(usage_costs|scores|runs|evaluations)"?(?:\s|$|\))/i;
const rows: string[] = [];
let failed = false;
for (const timeZone of ["UTC", CALENDAR_ZONE, "Asia/Kolkata"]) {
  statements.length = 0;
  await evaluateRules(reader, rules, { now: NOW, timeZone }); // warm-up
  const xs: number[] = [];
  const cpu: number[] = [];
  let evaluations = 0;
  let firing = 0;
  for (let i = 0; i < iterations; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await evaluateRules(reader, rules, { now: NOW, timeZone });
    xs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    evaluations = out.length;
    firing = out.filter((e) => e.firing).length;
  }
  const raw = [...new Set(statements.filter((s) => RAW.test(s)))];
  const p95 = quantile(xs, 0.95);
  const ok = raw.length === 0 && p95 <= 100;
  failed ||= !ok;
  rows.push(
    `${timeZone.padEnd(18)} p50 ${quantile(xs, 0.5).toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms  (CPU p50 ${quantile(cpu, 0.5).toFixed(1)} ms, p95 ${quantile(cpu, 0.95).toFixed(1)} ms)  ${String(evaluations).padStart(5)} evaluations (${firing} firing)  ` +
      `${new Set(statements).size} distinct statements, raw-table reads: ${raw.length}${ok ? "  ok (≤ 100 ms)" : "  OVER BUDGET"}`,
  );
  for (const s of raw) rows.push(`    raw read: ${s.slice(0, 200)}`);
}
await plain.destroy();
console.log(`\nalerts: evaluateRules at ${opts.runs.toLocaleString()} runs on ${url === file ? "SQLite" : "PostgreSQL"}, ${budgeted} budgeted customers, rules: built-in budget + forecast (every customer) + ${qualityRules} quality drops`);
for (const r of rows) console.log(`  ${r}`);
if (failed) process.exitCode = 1;

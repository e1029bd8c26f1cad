import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CuboidId, isPostgres, syncCalendars } from "@tally/shared/db";
import type { AggregateFilter } from "./common.ts";
import { calendarFor } from "./local.ts";
import { planFor, rollupSource } from "./source.ts";
import { fixture, localDate, openTestDb, seedPrices, seedRuns, type TestDb } from "./test-support.ts";

// Issue 20: every filter the API takes reads rollups and answers exactly what grouping the raw rows gives:
// model + customer (the model × customer cuboid), a function slug (function cuboid), a promoted tag (tag
// cuboid, one key), each alone and with a model or customer, in UTC (calendar 0), Asia/Kolkata (a complete
// local calendar) and America/St_Johns (−3:30, DST on 2026-03-08; signed edges).
const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 2, 3);
const FROM = START + 2 * DAY + 5 * HOUR + 15 * 60_000;
const TO = START + 33 * DAY + 19 * HOUR + 30 * 60_000;
const ZONES = ["UTC", "Asia/Kolkata", "America/St_Johns"];
const FILTERS: Partial<AggregateFilter>[] = [
  { models: ["acme-large"], customerIds: ["cust-1", ""] },
  { functionSlugs: ["triage-agent"] },
  { tags: { env: "prod" } },
  { tags: { env: "" } },
  { functionSlugs: ["support-agent"], models: ["acme-small"] },
  { functionSlugs: ["triage-agent"], customerIds: ["cust-2"] },
  { tags: { env: "staging" }, customerIds: ["cust-0", ""] },
  { tags: { env: "prod" }, models: ["acme-small", "zz-unpriced-model"] },
  { functionSlugs: ["support-agent"], models: ["acme-small"], customerIds: ["cust-1"] },
  { tags: { env: "prod" }, models: ["acme-large"], customerIds: ["cust-0", ""] },
  { customerIds: ["cust-1", ""] },
];

interface Run { id: string; t: number; model: string; customer: string; fn: string; tags: Record<string, string> }
interface Line { t: number; model: string; customer: string; kind: string; cost: number | null; run: Run }
interface Score { t: number; model: string; name: string; value: number; run: Run }
let t: TestDb;
let runs: Run[];
let lines: Line[];
let scores: Score[];

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  // `env` is promoted and complete before anything is written: every fact gets its tag rows from the writers.
  await t.db.insertInto("rollup_tag_keys").values({ tag_key: "env", filled_to: null, added_at: 0 }).execute();
  const specs = fixture(START, 36, 450, 20).map((r, i) => (i % 7 === 0 ? { ...r, tags: { plan: "pro" } } : r));
  await seedRuns(t.db, specs);
  await syncCalendars(t.db, ["Asia/Kolkata"]);
  // The raw rows, read back as stored (the test's own GROUP BY below).
  const rr = await t.db.selectFrom("runs").select(["run_id", "occurred_at", "model", "customer_id", "function_slug", "tags"]).execute();
  runs = rr.map((r) => ({ id: r.run_id, t: r.occurred_at, model: r.model, customer: r.customer_id, fn: r.function_slug, tags: JSON.parse(r.tags) }));
  const byId = new Map(runs.map((r) => [r.id, r]));
  lines = (await t.db.selectFrom("usage_costs").select(["run_id", "occurred_at", "model", "customer_id", "kind", "cost_micros"]).execute()).map((u) => ({
    t: u.occurred_at, model: u.model, customer: u.customer_id, kind: u.kind, cost: u.cost_micros, run: byId.get(u.run_id)!,
  }));
  scores = (await t.db.selectFrom("scores").select(["run_id", "occurred_at", "model", "name", "value"]).where("source", "=", "judge").execute()).map((s) => ({
    t: s.occurred_at, model: s.model, name: s.name, value: s.value, run: byId.get(s.run_id)!,
  }));
}, 120_000);
afterAll(() => t.close());

const inside = (x: { t: number }, a: number, b: number) => x.t >= a && x.t < b;
/** Whether a fact of run `r`, keyed by `model` and `customer`, passes filter `f`. */
function passes(f: Partial<AggregateFilter>, r: Run, model: string, customer: string): boolean {
  return (!f.models?.length || f.models.includes(model)) && (!f.customerIds?.length || f.customerIds.includes(customer))
    && (!f.functionSlugs?.length || f.functionSlugs.includes(r.fn)) && Object.entries(f.tags ?? {}).every(([k, v]) => (r.tags[k] ?? "") === v);
}
/** Priced sum; null when none is priced (never $0). */
const priced = (costs: (number | null)[]) => {
  const p = costs.filter((c): c is number => c !== null);
  return p.length ? p.reduce((a, c) => a + c, 0) : null;
};
const agentLines = (f: Partial<AggregateFilter>) => lines.filter((l) => l.kind === "agent" && passes(f, l.run, l.model, l.customer));
/** The judge's lines on the filtered runs, at the run's time (run rollups key them by the judged run). */
const judgeOnRuns = (f: Partial<AggregateFilter>) =>
  lines.filter((l) => l.kind === "judge" && passes(f, l.run, l.run.model, l.run.customer)).map((l) => ({ ...l, t: l.run.t }));
/** What a spend chart adds up: agent lines, and the judge's lines under the judged run's model and time. */
const chartLines = (f: Partial<AggregateFilter>) => [...agentLines(f), ...judgeOnRuns(f).map((l) => ({ ...l, model: l.run.model }))];

// Hundreds of procedure calls per test: seconds on a loaded machine (PostgreSQL pass); a hang guard, not a budget.
describe("every filter combination equals the raw rows", { timeout: 120_000 }, () => {
  it("overview.summary, spend.byModel and spend.byCustomer (totals and sparklines) in every zone", async () => {
    for (const timeZone of ZONES) {
      for (const filter of FILTERS) {
        const f = { from: FROM, to: TO, timeZone, ...filter };
        const label = `${timeZone} ${JSON.stringify(filter)}`;
        const agent = agentLines(filter).filter((l) => inside(l, FROM, TO));
        const judge = judgeOnRuns(filter).filter((l) => inside(l, FROM, TO));
        const mine = runs.filter((r) => inside(r, FROM, TO) && passes(filter, r, r.model, r.customer));
        expect(mine.length, label).toBeGreaterThan(5);
        const summary = (await t.caller.overview.summary(f)).current;
        expect(summary.spendMicros, label).toEqual({ agent: priced(agent.map((l) => l.cost)), judge: priced(judge.map((l) => l.cost)), total: priced([...agent, ...judge].map((l) => l.cost)) });
        expect(summary.runs, label).toBe(mine.length);
        expect(summary.agentUnpricedCalls, label).toBe(agent.filter((l) => l.cost === null).length);
        const sc = scores.filter((s) => inside(s, FROM, TO) && passes(filter, s.run, s.model, s.run.customer));
        expect(summary.scores.map((s) => [s.name, s.n]), label).toEqual(["accuracy", "helpfulness"].map((n) => [n, sc.filter((s) => s.name === n).length]));
        for (const s of summary.scores) expect(s.mean, label).toBeCloseTo(sc.filter((x) => x.name === s.name).reduce((a, x) => a + x.value, 0) / s.n, 12);

        for (const [dim, key] of [["model", (l: Line) => l.model], ["customer", (l: Line) => l.customer]] as const) {
          const page = dim === "model" ? await t.caller.spend.byModel({ ...f, limit: 100 }) : await t.caller.spend.byCustomer({ ...f, limit: 100 });
          const keyOf = (r: object) => (dim === "model" ? (r as { model: string }).model : (r as { customerId: string }).customerId);
          const runKey = (l: Line) => (dim === "model" ? l.run.model : l.run.customer);
          const expectKeys = new Set([...agent.map(key), ...mine.map((r) => (dim === "model" ? r.model : r.customer))]);
          expect(new Set(page.rows.map(keyOf)), `${label} ${dim}`).toEqual(expectKeys);
          for (const row of page.rows) {
            const k = keyOf(row);
            const spend = (a: number, b: number) => [...agent.filter((l) => key(l) === k && inside(l, a, b)), ...judge.filter((l) => runKey(l) === k && inside(l, a, b))].map((l) => l.cost);
            expect(row.spendMicros, `${label} ${dim} ${k}`).toBe(priced(spend(FROM, TO)));
            expect(row.runs, `${label} ${dim} ${k}`).toBe(mine.filter((r) => (dim === "model" ? r.model : r.customer) === k).length);
            page.buckets.forEach((b, i) => { expect(row.sparkline[i], `${label} ${dim} ${k} ${i}`).toBe(priced(spend(b.start, b.end))); });
          }
        }
      }
    }
  });

  it.each(["day", "week"] as const)("spend.timeseries and quality.trend per local %s in every zone", async (bucket) => {
    for (const timeZone of ZONES) {
      for (const filter of FILTERS) {
        const f = { from: FROM, to: TO, timeZone, bucket, ...filter };
        const label = `${timeZone} ${bucket} ${JSON.stringify(filter)}`;
        const spend = await t.caller.spend.timeseries({ ...f, splitBy: "model" });
        // Local midnights (Mondays) between buckets, by Intl: the buckets are the zone's own.
        for (const b of spend.buckets.slice(1)) expect(localDate(b.start - 1, timeZone), label).not.toBe(localDate(b.start, timeZone));
        const usage = chartLines(filter).filter((l) => inside(l, FROM, TO));
        expect(new Set(spend.series.map((s) => s.key)), label).toEqual(new Set(usage.map((l) => l.model)));
        for (const s of spend.series) {
          spend.buckets.forEach((b, i) => { expect(s.points[i], `${label} ${s.key} ${i}`).toBe(priced(usage.filter((l) => l.model === s.key && inside(l, b.start, b.end)).map((l) => l.cost))); });
        }
        const trend = await t.caller.quality.trend(f);
        const sc = scores.filter((s) => inside(s, FROM, TO) && passes(filter, s.run, s.model, s.run.customer));
        expect(new Set(trend.series.map((s) => `${s.model}/${s.name}`)), label).toEqual(new Set(sc.map((s) => `${s.model}/${s.name}`)));
        for (const s of trend.series) {
          trend.buckets.forEach((b, i) => {
            const v = sc.filter((x) => x.model === s.model && x.name === s.name && inside(x, b.start, b.end)).map((x) => x.value);
            expect(s.points[i]!.n, `${label} ${s.model} ${s.name} ${i}`).toBe(v.length);
            if (v.length) expect(s.points[i]!.mean).toBeCloseTo(v.reduce((a, x) => a + x, 0) / v.length, 12);
          });
        }
      }
    }
  });

  it("spend.timeseries split by function and by a promoted tag (with top and the rest) equals the raw rows", async () => {
    for (const timeZone of ZONES) {
      for (const filter of [{}, { customerIds: ["cust-1"] }, { models: ["acme-large"] }, { customerIds: ["cust-0"], models: ["acme-small"] }]) {
        for (const [splitBy, keyOf] of [["function", (l: Line) => l.run.fn], ["tag", (l: Line) => l.run.tags.env ?? ""]] as const) {
          const label = `${timeZone} ${splitBy} ${JSON.stringify(filter)}`;
          const usage = chartLines(filter).filter((l) => inside(l, FROM, TO));
          const input = { from: FROM, to: TO, timeZone, bucket: "day" as const, splitBy, ...(splitBy === "tag" ? { tagKey: "env" } : {}), ...filter };
          const all = await t.caller.spend.timeseries(input);
          expect(new Set(all.series.map((s) => s.key)), label).toEqual(new Set(usage.map(keyOf)));
          for (const s of all.series) {
            all.buckets.forEach((b, i) => { expect(s.points[i], `${label} ${s.key} ${i}`).toBe(priced(usage.filter((l) => keyOf(l) === s.key && inside(l, b.start, b.end)).map((l) => l.cost))); });
          }
          // A top as large as the series: every one as it is, nothing left out.
          const whole = await t.caller.spend.timeseries({ ...input, top: Math.max(1, all.series.length) });
          expect(whole.series, label).toEqual(all.series);
          expect(whole.other, label).toBeNull();
          if (all.series.length < 2) continue;
          const top = await t.caller.spend.timeseries({ ...input, top: 1 });
          expect(top.series.map((s) => s.key), label).toEqual([all.series[0]!.key]);
          const rest = usage.filter((l) => keyOf(l) !== all.series[0]!.key);
          expect(top.other?.totalMicros, label).toBe(priced(rest.map((l) => l.cost)));
          top.buckets.forEach((b, i) => { expect(top.other!.points[i], `${label} other ${i}`).toBe(priced(rest.filter((l) => inside(l, b.start, b.end)).map((l) => l.cost))); });
        }
      }
    }
  });

  it("quality.costVsQuality and quality.compareModels per filter equal the raw rows", async () => {
    for (const filter of FILTERS) {
      const f = { from: FROM, to: TO, timeZone: "America/St_Johns", ...filter };
      const label = JSON.stringify(filter);
      const agent = agentLines(filter).filter((l) => inside(l, FROM, TO));
      const sc = scores.filter((s) => inside(s, FROM, TO) && passes(filter, s.run, s.model, s.run.customer));
      const cvq = await t.caller.quality.costVsQuality({ ...f, scoreName: "helpfulness", threshold: 0.5 });
      expect(cvq.rows.some((r) => r.scored > 0 && r.agentSpendMicros !== null), label).toBe(true);
      for (const row of cvq.rows) {
        const mine = sc.filter((s) => s.model === row.model && s.name === "helpfulness");
        expect(row.agentSpendMicros, `${label} ${row.model}`).toBe(priced(agent.filter((l) => l.model === row.model).map((l) => l.cost)));
        expect([row.scored, row.passing], `${label} ${row.model}`).toEqual([mine.length, mine.filter((s) => s.value >= 0.5).length]);
      }
      const cmp = await t.caller.quality.compareModels({ ...f, baselineModel: "acme-large" });
      for (const row of cmp.rows) {
        // The baseline is read even when a model filter leaves it out.
        const base = { ...filter, models: filter.models && [...filter.models, "acme-large"] };
        expect(row.n, `${label} ${row.model} ${row.name}`).toBe(scores.filter((s) => inside(s, FROM, TO) && s.model === row.model && s.name === row.name && passes(base, s.run, s.model, s.run.customer)).length);
      }
    }
  });

  it("a function with a tag (no cuboid keeps both) is a 400 naming the field", async () => {
    const w = { from: FROM, to: TO, timeZone: "UTC" };
    await expect(t.caller.overview.summary({ ...w, functionSlugs: ["triage-agent"], tags: { env: "prod" } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("not both") });
    await expect(t.caller.spend.timeseries({ ...w, splitBy: "function", tags: { env: "prod" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("spend.statement's days for a customer in a -3:30 zone equal the raw rows", async () => {
    const s = await t.caller.spend.statement({ customerId: "cust-1", month: "2026-03", timeZone: "America/St_Johns" });
    expect(s.days.length).toBe(31);
    for (const d of s.days) {
      expect(localDate(d.start, "America/St_Johns")).toBe(d.date);
      const agent = agentLines({ customerIds: ["cust-1"] }).filter((l) => inside(l, d.start, d.end));
      const judge = judgeOnRuns({ customerIds: ["cust-1"] }).filter((l) => inside(l, d.start, d.end));
      expect(d.agentSpendMicros, d.date).toBe(priced(agent.map((l) => l.cost)));
      expect(d.judgeSpendMicros, d.date).toBe(priced(judge.map((l) => l.cost)));
      expect(d.runs, d.date).toBe(runs.filter((r) => r.customer === "cust-1" && inside(r, d.start, d.end)).length);
    }
  });
});

describe("which rows a filter reads", () => {
  it("picks the smallest cuboid covering the filter, and a calendar per zone", async () => {
    const w = { from: FROM, to: TO };
    const cuboid = (f: Partial<AggregateFilter>) => planFor({ ...w, timeZone: "UTC", ...f }).cuboid;
    const picks = [{}, { customerIds: ["a"] }, ...[0, 1, 2, 4, 7, 5, 6, 8, 9].map((i) => FILTERS[i]!)].map((f) => cuboid(f));
    expect(picks).toEqual([
      "model", "customer", "model_customer", "function_only", "tag_only", "function_model", "tag_model", "function_customer", "tag_customer", "function", "tag",
    ]);
    const kind = async (tz: string, c: CuboidId, fact: "usage" | "scores" | "runs" | "judge" = "usage") => (await calendarFor(t.db, tz, "day", w, { fact, cuboid: c })).kind;
    expect([await kind("UTC", "model_customer"), await kind("Asia/Kolkata", "model_customer"), await kind("Asia/Kolkata", "function"), await kind("America/St_Johns", "model_customer")]).toEqual(["utc", "local", "edges", "edges"]);
    // The run rollups keep calendars too (0019: the judge's spend on runs in the Spend page's sparklines); the judge fact does not.
    expect([await kind("Asia/Kolkata", "customer", "runs"), await kind("Asia/Kolkata", "function", "runs"), await kind("Asia/Kolkata", "customer", "judge")]).toEqual(["local", "edges", "edges"]);
    // A function or a tag × model and × customer keep calendars (0020: a function or tag filter's charts); either alone or with both does not.
    const functionAndTag = [["function_model", "scores"], ["function_customer", "usage"], ["tag_model", "runs"], ["tag_customer", "usage"], ["function_only", "usage"], ["tag_only", "scores"], ["tag", "usage"]] as const;
    expect(await Promise.all(functionAndTag.map(([c, fact]) => kind("Asia/Kolkata", c, fact)))).toEqual(["local", "local", "local", "local", "edges", "edges", "edges"]);
  });

  it("a model + customer filter over 30 days reads no 15-minute table but at the window's edges (the query plan)", async () => {
    // The plan's lines: SQLite's EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN lines (tables named in both).
    const pg = isPostgres(t.db);
    const plan = async (from: number, to: number) => {
      const f = { from, to, timeZone: "UTC", models: ["acme-large"], customerIds: ["cust-1"] };
      const q = t.db.selectFrom(rollupSource(t.db, "usage", f, f)).select(sql<number>`sum(cost_micros)`.as("s")).compile();
      const res = await t.db.executeQuery<Record<string, string>>(CompiledQuery.raw(`${pg ? "explain" : "explain query plan"} ${q.sql}`, [...q.parameters]));
      return res.rows.map((r) => (pg ? r["QUERY PLAN"]! : r.detail!));
    };
    const day = Date.UTC(2026, 2, 2);
    const aligned = await plan(day, day + 30 * DAY);
    expect(aligned.join("\n")).toMatch(/rollup_usage_model_customer_(1d|1w|4w)/);
    expect(aligned.join("\n")).not.toMatch(/_15m/);
    // 45 minutes off at each end: only those quarters read the base table, each sought by its bucket.
    const ragged = await plan(day + 45 * 60_000, day + 30 * DAY - 45 * 60_000);
    const quarters = ragged.filter((d) => d.includes("_15m"));
    expect(quarters.length).toBeGreaterThan(0);
    // SQLite seeks each quarter by its bucket (PostgreSQL's planner picks its own way over tables this small).
    if (!pg) for (const d of quarters) expect(d).toMatch(/^SEARCH .*rollup_usage_15m USING PRIMARY KEY \(bucket=\? AND model=\?/);
    expect(ragged.join("\n")).toMatch(/rollup_usage_model_customer_1d/);
  });

  it("a customer filter grouped by model seeks each (bucket, model, customer) instead of scanning every model's rows (the query plan)", async () => {
    const pg = isPostgres(t.db);
    const f = { from: Date.UTC(2026, 2, 2), to: Date.UTC(2026, 2, 2) + 30 * DAY, timeZone: "UTC", customerIds: ["cust-1"] };
    const q = t.db.selectFrom(rollupSource(t.db, "scores", f, f, { group: ["model"] })).select(["model", sql<number>`sum(n)`.as("n")]).groupBy("model").compile();
    const res = await t.db.executeQuery<Record<string, string>>(CompiledQuery.raw(`${pg ? "explain" : "explain query plan"} ${q.sql}`, [...q.parameters]));
    const lines = res.rows.map((r) => (pg ? r["QUERY PLAN"]! : r.detail!)).join("\n");
    // The models come from the model cuboid's 4-week rows (SQLite names the subquery; PostgreSQL reads the table
    // once into an array every part compares with, not a semi-join per part); every model × customer grain is read by key.
    expect(lines).toMatch(pg ? /rollup_scores_model_4w/ : /LIST SUBQUERY/);
    if (pg) expect(lines).toMatch(/model = ANY \(\$\d+\)/);
    if (pg) expect(lines).not.toMatch(/Semi Join/);
    if (!pg) {
      expect(lines).toMatch(/SEARCH .*rollup_scores_model_customer_1d USING PRIMARY KEY \(bucket=\? AND model=\? AND customer_id=\?/);
      expect(lines).not.toMatch(/rollup_scores_model_customer_1d USING PRIMARY KEY \(bucket>\? AND bucket<\?\)/);
    }
  });
});

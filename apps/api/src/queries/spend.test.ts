import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentCost,
  fixture,
  judgeCost,
  localDate,
  openTestDb,
  type RunSpec,
  seedPrices,
  seedRuns,
  type TestDb,
} from "./test-support.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 1); // spans the US DST switch on 2026-03-08
let t: TestDb;
let runs: RunSpec[];

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  runs = fixture(START, 14, 400, 3);
  await seedRuns(t.db, runs);
  await t.caller.customers.upsert({ id: "cust-1", name: "Globex", monthlyBudgetMicros: 5_000_000 });
}, 300_000);
afterAll(() => t.close());

const cost = (r: RunSpec) => (agentCost(r) ?? 0) + (judgeCost(r) ?? 0);

describe("spend.timeseries", () => {
  it("buckets by day in Asia/Kolkata (+5:30) exactly", async () => {
    const from = Date.UTC(2026, 1, 28, 18, 30); // 2026-03-01 00:00 IST
    const to = from + 10 * DAY;
    const res = await t.caller.spend.timeseries({ from, to, timeZone: "Asia/Kolkata", bucket: "day", splitBy: "model" });
    expect(res.buckets).toHaveLength(10);
    expect(res.buckets[0]).toEqual({ start: from, end: from + DAY });
    const byDay = new Map<string, number>();
    for (const r of runs) {
      if (r.occurredAt < from || r.occurredAt >= to || r.model !== "acme-large") continue;
      const d = localDate(r.occurredAt, "Asia/Kolkata");
      byDay.set(d, (byDay.get(d) ?? 0) + cost(r));
    }
    // The judge's spend on a model's runs is in that model's series (as in spend.byModel), not in one of the judge's own.
    const series = res.series.find((s) => s.key === "acme-large")!;
    res.buckets.forEach((b, i) => {
      expect(series.points[i] ?? 0).toBe(byDay.get(localDate(b.start, "Asia/Kolkata")) ?? 0);
    });
    expect(res.series.map((s) => s.key)).not.toContain("acme-judge");
    const inWindow = runs.filter((r) => r.occurredAt >= from && r.occurredAt < to);
    expect(res.series.reduce((s, x) => s + (x.totalMicros ?? 0), 0)).toBe(inWindow.reduce((s, r) => s + cost(r), 0));
    expect(new Set(res.series.map((s) => s.key))).toEqual(new Set(inWindow.map((r) => r.model)));
  });

  it("has 23- and 25-hour days across DST in America/New_York and keeps unpriced spend a gap", async () => {
    const from = Date.UTC(2026, 2, 5, 5); // 2026-03-05 00:00 EST
    const to = Date.UTC(2026, 2, 12, 4); // 2026-03-12 00:00 EDT
    const res = await t.caller.spend.timeseries({ from, to, timeZone: "America/New_York", bucket: "day", splitBy: "customer" });
    const hours = res.buckets.map((b) => (b.end - b.start) / 3_600_000);
    expect(hours).toEqual([24, 24, 24, 23, 24, 24, 24]);
    for (const s of res.series) {
      res.buckets.forEach((b, i) => {
        const inDay = runs.filter((r) => (r.customerId ?? "") === s.key && r.occurredAt >= b.start && r.occurredAt < b.end);
        const expected = inDay.reduce((sum, r) => sum + cost(r), 0);
        if (inDay.every((r) => agentCost(r) === null && judgeCost(r) === null)) expect(s.points[i]).toBeNull();
        else expect(s.points[i]).toBe(expected);
      });
    }
    const fall = await t.caller.spend.timeseries({
      from: Date.UTC(2026, 9, 31, 4),
      to: Date.UTC(2026, 10, 3, 5),
      timeZone: "America/New_York",
      bucket: "day",
      splitBy: "model",
    });
    expect(fall.buckets.map((b) => (b.end - b.start) / 3_600_000)).toEqual([24, 25, 24]);
  });

  it("with `top`, returns those series as they are and sums the rest into `other`", async () => {
    for (const [timeZone, bucket, days] of [["Asia/Kolkata", "day", 12], ["UTC", "week", 30]] as const) {
      const input = { from: START, to: START + days * DAY, timeZone, bucket, splitBy: "customer" as const };
      const full = await t.caller.spend.timeseries(input);
      expect(full.other).toBeNull();
      expect(full.series.length).toBeGreaterThan(2);
      const folded = await t.caller.spend.timeseries({ ...input, top: 2 });
      expect(folded.buckets).toEqual(full.buckets);
      expect(folded.series).toEqual(full.series.slice(0, 2));
      const rest = full.series.slice(2);
      expect(folded.other).toEqual({
        count: rest.length,
        totalMicros: rest.some((x) => x.totalMicros !== null) ? rest.reduce((s, x) => s + (x.totalMicros ?? 0), 0) : null,
        unpricedCalls: rest.reduce((s, x) => s + x.unpricedCalls, 0),
        points: full.buckets.map((_, i) => (rest.some((x) => x.points[i] !== null) ? rest.reduce((s, x) => s + (x.points[i] ?? 0), 0) : null)),
      });
      // Nothing left out: no `other`.
      const whole = await t.caller.spend.timeseries({ ...input, top: full.series.length });
      expect(whole.series).toEqual(full.series);
      expect(whole.other).toBeNull();
    }
  });

  it("hour buckets in Asia/Kathmandu (+5:45) start at :15 UTC", async () => {
    const from = Date.UTC(2026, 2, 2, 0, 15);
    const res = await t.caller.spend.timeseries({ from, to: from + 6 * 3_600_000, timeZone: "Asia/Kathmandu", bucket: "hour", splitBy: "model" });
    expect(res.buckets.map((b) => b.start)).toEqual([0, 1, 2, 3, 4, 5].map((h) => from + h * 3_600_000));
  });
});

describe("spend.byCustomer / spend.byModel", () => {
  const w = { from: START, to: START + 14 * DAY };

  it("gives spend, runs, cost per run, share, budget and a sparkline per customer", async () => {
    const res = await t.caller.spend.byCustomer({ ...w, limit: 10 });
    const total = runs.reduce((s, r) => s + cost(r), 0);
    expect(res.totals.spendMicros).toBe(total);
    expect(res.totals.runs).toBe(runs.length);
    for (const row of res.rows) {
      const mine = runs.filter((r) => (r.customerId ?? "") === row.customerId);
      const spend = mine.reduce((s, r) => s + cost(r), 0);
      expect(row.spendMicros).toBe(spend);
      expect(row.runs).toBe(mine.length);
      const pricedRuns = mine.filter((r) => agentCost(r) !== null).length;
      expect(row.pricedRuns).toBe(pricedRuns);
      expect(row.costPerRunMicros).toBe(Math.round(spend / pricedRuns));
      expect(row.share).toBeCloseTo(spend / total, 12);
      expect(row.unpricedCalls).toBe(mine.filter((r) => agentCost(r) === null).length);
      expect(row.sparkline).toHaveLength(14);
      expect(row.sparkline.reduce<number>((s, v) => s + (v ?? 0), 0)).toBe(spend);
    }
    const globex = res.rows.find((r) => r.customerId === "cust-1")!;
    expect(globex).toMatchObject({ name: "Globex", budgetMicros: 5_000_000 });
    expect(res.rows.find((r) => r.customerId === "")).toMatchObject({ name: null, budgetMicros: null });
    const spends = res.rows.map((r) => r.spendMicros ?? -1);
    expect(spends).toEqual([...spends].sort((a, b) => b - a));
  });

  it("leaves the sparklines out when asked to, and nothing else", async () => {
    const full = await t.caller.spend.byCustomer({ ...w, limit: 10 });
    const bare = await t.caller.spend.byCustomer({ ...w, limit: 10, sparklines: false });
    expect(bare.buckets).toEqual([]);
    expect(bare.rows.every((r) => r.sparkline.length === 0)).toBe(true);
    expect(bare.rows).toEqual(full.rows.map((r) => ({ ...r, sparkline: [] })));
    expect(bare.totals).toEqual(full.totals);
  });

  it("paginates with a stable cursor in every sort order", async () => {
    for (const sort of ["spend", "runs", "costPerRun", "customerId"] as const) {
      for (const direction of ["asc", "desc"] as const) {
        const all = await t.caller.spend.byCustomer({ ...w, sort, direction, limit: 100 });
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await t.caller.spend.byCustomer({ ...w, sort, direction, limit: 1, cursor });
          seen.push(...page.rows.map((r) => r.customerId));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen).toEqual(all.rows.map((r) => r.customerId));
        expect(new Set(seen).size).toBe(seen.length);
      }
    }
  });

  it("gives each judged model the judge's spend on its runs, and the judge's own model apart (issue 17 §3)", async () => {
    const res = await t.caller.spend.byModel({ ...w, sort: "model", direction: "asc" });
    expect(res.rows.map((r) => r.model)).toEqual(["acme-large", "acme-small", "zz-unpriced-model"]);
    const sum = (xs: (number | null)[]) => (xs.some((x) => x !== null) ? xs.reduce<number>((s, x) => s + (x ?? 0), 0) : null);
    for (const row of res.rows) {
      const mine = runs.filter((r) => r.model === row.model);
      const priced = mine.filter((r) => agentCost(r) !== null);
      const agent = sum(mine.map(agentCost));
      const judge = sum(mine.map(judgeCost));
      expect(row.agentSpendMicros).toBe(agent);
      expect(row.judgeSpendMicros).toBe(judge);
      expect(row.spendMicros).toBe(sum([agent, judge]));
      expect(row.costPerRunMicros).toBe(priced.length ? Math.round(((agent ?? 0) + (judge ?? 0)) / priced.length) : null);
      expect(row.runs).toBe(mine.length);
    }
    const judged = runs.filter((r) => r.judge);
    expect(res.judgeModels).toEqual([{ model: "acme-judge", spendMicros: sum(judged.map(judgeCost)), unpricedCalls: 0, calls: judged.length }]);
    const unpriced = res.rows.find((r) => r.model === "zz-unpriced-model")!;
    expect(unpriced.unpricedCalls).toBe(runs.filter((r) => r.model === "zz-unpriced-model").length);
    // Its agent usage is unpriced: a count, never $0; its cost per run has no priced run (null). The judge on it is priced.
    expect(unpriced).toMatchObject({ agentSpendMicros: null, costPerRunMicros: null });
    expect(unpriced.judgeSpendMicros).toBeGreaterThan(0);
  });
});

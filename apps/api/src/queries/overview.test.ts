import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentCost, fixture, judgeCost, openTestDb, type RunSpec, seedPrices, seedRun, seedRuns, type TestDb } from "./test-support.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 1);
let t: TestDb;
let runs: RunSpec[];

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  runs = fixture(START, 20, 300, 7);
  await seedRuns(t.db, runs);
}, 300_000);
afterAll(() => t.close());

/** The test's own arithmetic over the inputs. */
function expected(list: RunSpec[]) {
  const agent = list.reduce((s, r) => s + (agentCost(r) ?? 0), 0);
  const judge = list.reduce((s, r) => s + (judgeCost(r) ?? 0), 0);
  const unpriced = list.filter((r) => r.agent && agentCost(r) === null);
  const names = new Map<string, { n: number; sum: number }>();
  for (const r of list) {
    for (const [k, v] of Object.entries(r.scores ?? {})) {
      const e = names.get(k) ?? { n: 0, sum: 0 };
      names.set(k, { n: e.n + 1, sum: e.sum + v });
    }
  }
  return {
    agent,
    judge,
    runs: list.length,
    scored: list.filter((r) => r.scores).length,
    // A priced run: one whose agent line has a price (each fixture run has one agent line).
    pricedRuns: list.filter((r) => agentCost(r) !== null).length,
    unpricedCalls: unpriced.length,
    unpricedTokens: unpriced.reduce((s, r) => s + r.agent!.in + r.agent!.out, 0),
    names,
  };
}

describe("overview.summary", () => {
  it("totals the window from the rollups, exactly, with unpriced usage counted apart", async () => {
    const from = START + 10 * DAY;
    const to = START + 20 * DAY;
    const res = await t.caller.overview.summary({ from, to });
    const e = expected(runs.filter((r) => r.occurredAt >= from && r.occurredAt < to));
    expect(res.current.window).toEqual({ from, to });
    expect(res.current.spendMicros).toEqual({ total: e.agent + e.judge, agent: e.agent, judge: e.judge });
    expect(res.current.runs).toBe(e.runs);
    expect(res.current.scoredRuns).toBe(e.scored);
    expect(res.current.pricedRuns).toBe(e.pricedRuns);
    expect(e.pricedRuns).toBeLessThan(e.runs);
    expect(res.current.costPerRunMicros).toBe(Math.round((e.agent + e.judge) / e.pricedRuns));
    expect(e.unpricedCalls).toBeGreaterThan(0);
    expect(res.current.unpricedCalls).toBe(e.unpricedCalls);
    expect(res.current.unpricedTokens).toBe(e.unpricedTokens);
    for (const s of res.current.scores) {
      const x = e.names.get(s.name)!;
      expect(s.n).toBe(x.n);
      expect(s.mean).toBeCloseTo(x.sum / x.n, 12);
    }
    expect(res.current.scores.map((s) => s.name)).toEqual(["accuracy", "helpfulness"]);
  });

  it("gives the previous period of equal length", async () => {
    const from = START + 10 * DAY;
    const res = await t.caller.overview.summary({ from: new Date(from).toISOString(), to: from + 10 * DAY });
    const e = expected(runs.filter((r) => r.occurredAt >= START && r.occurredAt < from));
    expect(res.previous.window).toEqual({ from: START, to: from });
    expect(res.previous.spendMicros.total).toBe(e.agent + e.judge);
    expect(res.previous.runs).toBe(e.runs);
  });

  it("filters by model and customer ('' = unattributed)", async () => {
    const from = START;
    const to = START + 20 * DAY;
    const res = await t.caller.overview.summary({ from, to, models: ["acme-large"], customerIds: ["cust-1", ""] });
    const sel = runs.filter((r) => r.model === "acme-large" && ["cust-1", undefined].includes(r.customerId));
    // A model filter names the judged model: the judge's spend on its runs counts, whatever model the judge is.
    const e = expected(sel);
    expect(res.current.spendMicros).toEqual({ total: e.agent + e.judge, agent: e.agent, judge: e.judge });
    expect(e.judge).toBeGreaterThan(0);
    expect(res.current.costPerRunMicros).toBe(Math.round((e.agent + e.judge) / e.pricedRuns));
    expect(res.current.runs).toBe(sel.length);
  });

  it("reports an empty window as zeros and nulls, never NaN", async () => {
    const res = await t.caller.overview.summary({ from: START - 5 * DAY, to: START - 4 * DAY });
    expect(res.current).toMatchObject({ runs: 0, costPerRunMicros: null, unpricedCalls: 0, scores: [] });
  });

  it("moves a run's counts when its customer becomes known later", async () => {
    const at = START + 30 * DAY + 5000;
    const late: RunSpec = { runId: "late-1", model: "acme-small", occurredAt: at, scores: { helpfulness: 0.5 }, judge: { in: 10, out: 1 } };
    await seedRun(t.db, late); // evaluation first: customer unknown
    await seedRun(t.db, { ...late, customerId: "cust-late", scores: undefined, judge: undefined, agent: { in: 100, out: 10 } });
    const w = { from: START + 30 * DAY, to: START + 31 * DAY };
    const named = await t.caller.overview.summary({ ...w, customerIds: ["cust-late"] });
    const unattributed = await t.caller.overview.summary({ ...w, customerIds: [""] });
    expect(named.current).toMatchObject({ runs: 1, scoredRuns: 1, spendMicros: { agent: 120, judge: 11, total: 131 } });
    expect(named.current.scores).toEqual([{ name: "helpfulness", mean: 0.5, n: 1 }]);
    expect(unattributed.current).toMatchObject({ runs: 0, scoredRuns: 0, spendMicros: { total: null }, scores: [] });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentCost, fixture, judgeCost, openTestDb, type RunSpec, seedPrices, seedRun, seedRuns, type TestDb } from "./test-support.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 4, 1);
let t: TestDb;
let runs: RunSpec[];

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  runs = fixture(START, 5, 250, 5);
  await seedRuns(t.db, runs);
}, 300_000);
afterAll(() => t.close());

const newestFirst = (a: RunSpec, b: RunSpec) => b.occurredAt - a.occurredAt || (a.runId < b.runId ? 1 : -1);

describe("runs.list", () => {
  it("drills into a chart point: the exact bucket bounds give the runs the aggregate counted", async () => {
    const series = await t.caller.spend.timeseries({ from: START, to: START + 5 * DAY, timeZone: "Asia/Kolkata", splitBy: "model" });
    const b = series.buckets[2]!;
    const point = series.series.find((s) => s.key === "acme-small")!.points[2];
    const all: Awaited<ReturnType<typeof t.caller.runs.list>>["items"] = [];
    let cursor: string | undefined;
    do {
      const page = await t.caller.runs.list({ from: b.start, to: b.end, models: ["acme-small"], limit: 7, cursor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    // The point is the agent's and the judge's spend on those runs, as spend.byModel counts it.
    expect(all.reduce((s, r) => s + (r.agentCostMicros ?? 0) + (r.judgeCostMicros ?? 0), 0)).toBe(point);
    expect(all.some((r) => r.judgeCostMicros)).toBe(true);
    const expected = runs.filter((r) => r.model === "acme-small" && r.occurredAt >= b.start && r.occurredAt < b.end).sort(newestFirst);
    expect(all.map((r) => r.runId)).toEqual(expected.map((r) => r.runId));
  });

  it("a run with no agent usage (scored only) has no agent line: its agent cost is no usage, not unpriced", async () => {
    const at = START - 10 * DAY;
    await seedRun(t.db, { runId: "score-only", model: "acme-small", occurredAt: at, judge: { in: 80, out: 8 }, scores: { accuracy: 0.5 } });
    const [item] = (await t.caller.runs.list({ from: at - 1000, to: at + 1000, limit: 5 })).items;
    expect(item).toMatchObject({ runId: "score-only", agentCalls: 0, agentCostMicros: null, judgeCalls: 1, unpricedCalls: 0 });
    expect(item!.judgeCostMicros).toBe(judgeCost({ runId: "x", model: "acme-small", occurredAt: at, judge: { in: 80, out: 8 } }));
  });

  it("carries each run's scores and cost; unpriced is null with a count, never $0", async () => {
    const page = await t.caller.runs.list({ from: START, to: START + 5 * DAY, limit: 500 });
    expect(page.items).toHaveLength(runs.length);
    expect(page.nextCursor).toBeNull();
    for (const item of page.items) {
      const r = runs.find((x) => x.runId === item.runId)!;
      expect(item.agentCostMicros).toBe(agentCost(r));
      expect(item.judgeCostMicros).toBe(judgeCost(r));
      expect(item.unpricedCalls).toBe(r.agent && agentCost(r) === null ? 1 : 0);
      // Lines by kind: none says "no usage" (—), where a null cost with a line says "unpriced".
      expect([item.agentCalls, item.judgeCalls]).toEqual([r.agent ? 1 : 0, r.judge ? 1 : 0]);
      expect(item.scores).toEqual(Object.entries(r.scores ?? {}).map(([name, value]) => ({ name, value })).sort((a, b) => a.name.localeCompare(b.name)));
    }
  });

  it("filters by customer, function, tag, score name and range", async () => {
    const res = await t.caller.runs.list({
      from: START,
      to: START + 5 * DAY,
      customerIds: ["cust-0", ""],
      functionSlugs: ["triage-agent"],
      tags: { env: "prod" },
      scoreName: "helpfulness",
      scoreMin: 0.3,
      scoreMax: 0.7,
      limit: 500,
    });
    const expected = runs
      .filter(
        (r) =>
          ["cust-0", undefined].includes(r.customerId) &&
          r.functionSlug === "triage-agent" &&
          r.tags?.env === "prod" &&
          r.scores !== undefined &&
          r.scores.helpfulness! >= 0.3 &&
          r.scores.helpfulness! <= 0.7,
      )
      .sort(newestFirst);
    expect(expected.length).toBeGreaterThan(3);
    expect(res.items.map((r) => r.runId)).toEqual(expected.map((r) => r.runId));
  });

  it("keeps pages stable while newer runs arrive", async () => {
    const w = { from: START, to: START + 5 * DAY };
    const first = await t.caller.runs.list({ ...w, limit: 20 });
    await seedRun(t.db, { runId: "zz-newcomer", model: "acme-large", occurredAt: START + 5 * DAY - 1, agent: { in: 1, out: 1 } });
    const second = await t.caller.runs.list({ ...w, limit: 20, cursor: first.nextCursor! });
    const expected = [...runs].sort(newestFirst).slice(20, 40);
    expect(second.items.map((r) => r.runId)).toEqual(expected.map((r) => r.runId));
  });
});

describe("runs.byId", () => {
  it("returns every score, every cost line, the deferred run ids and the Inngest URL", async () => {
    const r = runs.find((x) => x.scores && x.judge && agentCost(x) !== null)!;
    const d = await t.caller.runs.byId({ runId: r.runId });
    expect(d.inngestUrl).toBe(`https://inngest.test/run/${r.runId}`);
    expect(d.deferredRuns).toEqual([
      { runId: `${r.runId}-cost`, inngestUrl: `https://inngest.test/run/${r.runId}-cost` },
      { runId: `${r.runId}-score`, inngestUrl: `https://inngest.test/run/${r.runId}-score` },
    ]);
    expect(d.scores.map((s) => [s.name, s.value, s.judgeModel, s.rubricVersion])).toEqual(
      Object.entries(r.scores!).sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => [n, v, "acme-judge", "v1"]),
    );
    expect(d.scores[0]!.rationale).toMatch(/rationale/);
    const agent = d.costs.find((c) => c.kind === "agent")!;
    expect(agent).toMatchObject({ costMicros: agentCost(r), tokens: { input: r.agent!.in, output: r.agent!.out } });
    expect(agent.priceSource).toMatch(/^override:/);
    expect(d.costs.find((c) => c.kind === "judge")?.costMicros).toBe(judgeCost(r));
  });

  it("is NOT_FOUND for an unknown run", async () => {
    await expect(t.caller.runs.byId({ runId: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("customers and prices", () => {
  it("upserts and lists customers and dated price overrides", async () => {
    await t.caller.customers.upsert({ id: "c-9", name: "Initech", monthlyBudgetMicros: 1_000 });
    await t.caller.customers.upsert({ id: "c-9", name: "Initech Ltd", monthlyBudgetMicros: null });
    expect(await t.caller.customers.list()).toEqual([
      { id: "c-9", name: "Initech Ltd", monthlyBudgetMicros: null, createdAt: expect.any(Number), updatedAt: expect.any(Number) },
    ]);
    await t.caller.prices.upsert({ model: "acme-large", inputMicrosPerMtok: 5, outputMicrosPerMtok: 6, effectiveFrom: "2026-07-01T00:00:00Z" });
    const prices = await t.caller.prices.list({ model: "acme-large" });
    expect(prices.map((p) => [p.effectiveFrom, p.inputMicrosPerMtok])).toEqual([
      [0, 1_000_000],
      [Date.UTC(2026, 6, 1), 5],
    ]);
  });
});

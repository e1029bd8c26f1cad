import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";
import { callProcedure, type Delivery, deliver, readCsv, WINDOW } from "./unpriced-money.ts";

// Issue 17 §2 with priced and unpriced usage side by side: each money figure is the priced part, with the
// unpriced calls beside it, and cost per run = priced spend / priced runs (a priced run: an agent line with
// a price). Expected figures come from the raw usage_costs rows the writers stored; the API reads rollups.

const PRICED = "gpt-4o";
const UNPRICED = "acme-private-ft-v3";
const JUDGE = "gpt-4o-mini";

/** A usage line, with the model of the run it belongs to (a judge line's judged model: issue 17 §3). */
type Line = { kind: string; model: string; run_model: string; customer_id: string; cost_micros: number | null };

/** The test's own arithmetic over raw lines. */
function figures(lines: Line[]) {
  const money = (ls: Line[]) => (ls.some((l) => l.cost_micros !== null) ? ls.reduce((s, l) => s + (l.cost_micros ?? 0), 0) : null);
  const agent = lines.filter((l) => l.kind === "agent");
  const judge = lines.filter((l) => l.kind === "judge");
  const spend = money(lines);
  const pricedRuns = agent.filter((l) => l.cost_micros !== null).length;
  return {
    spend,
    agent: money(agent),
    judge: money(judge),
    pricedRuns,
    agentUnpriced: agent.filter((l) => l.cost_micros === null).length,
    judgeUnpriced: judge.filter((l) => l.cost_micros === null).length,
    costPerRun: spend !== null && pricedRuns > 0 ? spend / pricedRuns : null,
  };
}

describe("priced and unpriced usage together", () => {
  let llm: FakeServer;
  let tally: Tally;
  let lines: Line[];
  const run = (i: number, model: string, customerId: string, judged: boolean): Delivery => ({
    runId: `mixed-${i}`,
    model,
    customerId,
    promptTokens: 1000 + 37 * i,
    completionTokens: 100 + 11 * i,
    judged,
  });
  const runs = [
    run(0, PRICED, "acme", true),
    run(1, PRICED, "acme", true),
    run(2, PRICED, "acme", false),
    run(3, UNPRICED, "acme", true),
    run(4, UNPRICED, "acme", false),
    run(5, UNPRICED, "globex", false),
    run(6, UNPRICED, "globex", false),
    run(7, PRICED, "initech", false),
  ];

  beforeAll(async () => {
    llm = await fakeChatServer(() => ({ content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }), promptTokens: 400, completionTokens: 60 }));
    tally = await startTally({ JUDGE_BASE_URL: `${llm.url}/v1`, JUDGE_API_KEY: "sk-judge", JUDGE_MODEL: JUDGE });
    await deliver(tally, runs);
    lines = await tally.db
      .selectFrom("usage_costs as u")
      .innerJoin("runs as r", "r.run_id", "u.run_id")
      .select(["u.kind", "u.model", "r.model as run_model", "u.customer_id", "u.cost_micros"])
      .execute();
  }, 60_000);
  afterAll(async () => {
    await tally.close();
    await llm.close();
  });

  it("stored priced and unpriced lines (the premise)", () => {
    expect(lines).toHaveLength(8 + 3);
    expect(lines.filter((l) => l.cost_micros === null).map((l) => l.model)).toEqual(Array(4).fill(UNPRICED));
    expect(lines.every((l) => l.cost_micros === null || l.cost_micros > 0)).toBe(true);
  });

  it("overview.summary: priced money, the unpriced counts beside it, cost per run over priced runs", async () => {
    const e = figures(lines);
    const { current } = (await callProcedure(tally, "overview.summary", "query", WINDOW)) as { current: Record<string, unknown> };
    expect(current).toMatchObject({
      spendMicros: { total: e.spend, agent: e.agent, judge: e.judge },
      runs: 8,
      pricedRuns: e.pricedRuns,
      unpricedCalls: e.agentUnpriced + e.judgeUnpriced,
      agentUnpricedCalls: e.agentUnpriced,
      judgeUnpricedCalls: e.judgeUnpriced,
    });
    expect(e.pricedRuns).toBe(4);
    expect(current.costPerRunMicros).toBe(Math.round(e.costPerRun!));
    expect(e.costPerRun).not.toBeCloseTo(e.spend! / 8, 3); // all runs would understate it
  });

  it("spend.byCustomer, spend.byModel and their CSVs: each row's priced money, its unpriced calls, its cost per run", async () => {
    // A model row is the JUDGED model: its runs' agent lines and the judge lines on them.
    for (const [procedure, table, dim, key] of [
      ["spend.byCustomer", "spend-by-customer", "customer_id", "customerId"],
      ["spend.byModel", "spend-by-model", "run_model", "model"],
    ] as const) {
      const answer = (await callProcedure(tally, procedure, "query", { ...WINDOW, limit: 500 })) as { rows: Record<string, unknown>[]; totals: Record<string, unknown> };
      const csv = await readCsv(tally, table, WINDOW);
      const keys = [...new Set(lines.map((l) => l[dim]))].sort();
      expect(answer.rows.map((r) => r[key]).sort()).toEqual(keys);
      expect(answer.totals).toMatchObject({ spendMicros: figures(lines).spend, pricedRuns: figures(lines).pricedRuns });
      for (const k of keys) {
        const e = figures(lines.filter((l) => l[dim] === k));
        const row = answer.rows.find((r) => r[key] === k)!;
        expect(row, k).toMatchObject({
          spendMicros: e.spend,
          agentSpendMicros: e.agent,
          judgeSpendMicros: e.judge,
          pricedRuns: e.pricedRuns,
          agentUnpricedCalls: e.agentUnpriced,
          judgeUnpricedCalls: e.judgeUnpriced,
          unpricedCalls: e.agentUnpriced + e.judgeUnpriced,
        });
        if (e.costPerRun === null) expect(row.costPerRunMicros, k).toBeNull();
        else expect(row.costPerRunMicros, k).toBe(Math.round(e.costPerRun));
        const cells = csv.find((c) => c[dim === "run_model" ? "model" : "customer_id"] === k)!;
        const cell = (v: number | null) => (v === null ? "" : String(v));
        expect(cells, k).toMatchObject({
          spend_micros: cell(e.spend),
          agent_spend_micros: cell(e.agent),
          agent_unpriced_calls: String(e.agentUnpriced),
          judge_spend_micros: cell(e.judge),
          judge_unpriced_calls: String(e.judgeUnpriced),
          priced_runs: String(e.pricedRuns),
          cost_per_run_micros: cell(e.costPerRun === null ? null : Math.round(e.costPerRun)),
        });
      }
    }
    // The judge's own model, apart: its lines by the judge's model.
    const byModel = (await callProcedure(tally, "spend.byModel", "query", { ...WINDOW, limit: 500 })) as { judgeModels: unknown[] };
    const judgeLines = lines.filter((l) => l.kind === "judge");
    expect(byModel.judgeModels).toEqual([
      { model: JUDGE, spendMicros: figures(judgeLines).judge, unpricedCalls: figures(judgeLines).judgeUnpriced, calls: judgeLines.length },
    ]);
    expect(figures(judgeLines).judge).toBeGreaterThan(0);
    // The row that shows both: acme has priced money and unpriced calls beside it.
    const acme = figures(lines.filter((l) => l.customer_id === "acme"));
    expect(acme.spend).toBeGreaterThan(0);
    expect(acme.agentUnpriced).toBe(2);
    expect(acme.pricedRuns).toBe(3);
  });

  it("spend.timeseries totals and quality.costVsQuality per model", async () => {
    const ts = (await callProcedure(tally, "spend.timeseries", "query", { ...WINDOW, bucket: "day", splitBy: "customer" })) as {
      series: { key: string; totalMicros: number | null; unpricedCalls: number }[];
    };
    for (const s of ts.series) {
      const e = figures(lines.filter((l) => l.customer_id === s.key));
      expect([s.key, s.totalMicros, s.unpricedCalls]).toEqual([s.key, e.spend, e.agentUnpriced + e.judgeUnpriced]);
    }
    expect(ts.series.map((s) => s.key)).toContain("globex");

    const cvq = (await callProcedure(tally, "quality.costVsQuality", "query", { ...WINDOW, scoreName: "helpfulness", threshold: 0.5 })) as { rows: Record<string, unknown>[] };
    const scores = await tally.db.selectFrom("scores").select(["model", "value"]).where("name", "=", "helpfulness").execute();
    for (const model of [PRICED, UNPRICED]) {
      const e = figures(lines.filter((l) => l.model === model && l.kind === "agent"));
      // The one cost per run: agent + the judge's spend on the model's runs, over priced runs.
      const all = figures(lines.filter((l) => l.run_model === model));
      const passing = scores.filter((s) => s.model === model && s.value >= 0.5).length;
      const row = cvq.rows.find((r) => r.model === model)!;
      expect(row, model).toMatchObject({ agentSpendMicros: e.agent, unpricedCalls: e.agentUnpriced, pricedRuns: e.pricedRuns, passing });
      if (all.costPerRun === null) expect(row.costPerRunMicros).toBeNull();
      else expect(row.costPerRunMicros).toBe(Math.round(all.costPerRun));
      // Per passing run on cost per run's basis (agent + the judge's spend on the model's runs), only when every
      // call is priced: the passing runs cannot be split.
      if (e.agentUnpriced > 0 || all.judgeUnpriced > 0 || e.agent === null || passing === 0) expect(row.costPerPassingRunMicros).toBeNull();
      else expect(row.costPerPassingRunMicros).toBe(Math.round((e.agent + (all.judge ?? 0)) / passing));
    }
  });
});

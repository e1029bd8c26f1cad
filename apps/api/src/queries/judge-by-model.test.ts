import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { recordEvaluation, recordUsage, type RunRef } from "@tally/inngest-functions";
import { openTestDb, seedPrices, type TestDb } from "./test-support.ts";

// Issue 17 §3: the judge's cost belongs to the model it judged. Runs of three agent models (two priced, one
// unpriced) judged by two judge models (one priced, one unpriced), written by the real recording code, and
// every page's cost per run checked against raw SQL over usage_costs joined to runs.

const HOUR = 3_600_000;
const START = Date.UTC(2026, 6, 1);
const WINDOW = { from: START, to: START + 24 * HOUR, timeZone: "UTC" };
const AGENTS = ["acme-large", "acme-small", "zz-unpriced-agent"];
const JUDGES = ["acme-judge", "zz-unpriced-judge"];
const tokens = (i: number, o: number) => ({ input_tokens: i, output_tokens: o, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 });
let t: TestDb;

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t); // acme-large, acme-small: 1/2 micro-USD per token; acme-judge 1/1; zz-* have no price.
  for (let i = 0; i < 36; i++) {
    const model = AGENTS[i % 3]!;
    const ref: RunRef = { runId: `run-${i}`, functionSlug: "support-agent", model, customerId: `cust-${i % 2}`, occurredAt: START + i * 600_000, now: START + i * 600_000 + 1000 };
    // Every fourth run reports no usage of its own (judged, not priced): pricedRuns < runs.
    if (i % 4 !== 3) await recordUsage(t.db, ref, { key: `${ref.runId}-cost`, deferredRunId: `${ref.runId}-cost`, kind: "agent", model, usage: tokens(100 + i, 10 + i) });
    // acme-small is judged by the unpriced judge only: its judge spend is unknown, never $0.
    const judges = model === "acme-small" ? ["zz-unpriced-judge"] : i % 5 === 0 ? JUDGES : ["acme-judge"];
    for (const [j, judgeModel] of judges.entries()) {
      await recordEvaluation(t.db, { ...ref, customerId: undefined }, {
        key: `${ref.runId}-score-${j}`,
        deferredRunId: `${ref.runId}-score-${j}`,
        model,
        judgeModel,
        rubricVersion: "v1",
        judgeCalls: 1,
        judgeUsage: tokens(300 + 7 * i, 20 + j),
        outcome: { ok: true, scores: [{ name: "helpfulness", rawValue: i % 10, scaleMin: 0, scaleMax: 10, rationale: "r" }] },
      });
    }
  }
}, 60_000);
afterAll(() => t.close());

interface Raw {
  spend: number | null;
  priced: number;
  unpriced: number;
}
/** Lines of `kind` summed by `by` (the run's model, or the line's own model), straight from usage_costs ⋈ runs. */
async function raw(kind: "agent" | "judge", by: "r.model" | "u.model"): Promise<Map<string, Raw>> {
  const rows = await sql<{ key: string; spend: number | null; priced: number; unpriced: number }>`
    select ${sql.raw(by)} as key, sum(u.cost_micros) as spend,
      sum(case when u.cost_micros is not null then 1 else 0 end) as priced, sum(case when u.cost_micros is null then 1 else 0 end) as unpriced
    from usage_costs u join runs r on r.run_id = u.run_id
    where u.kind = ${kind} and u.occurred_at >= ${WINDOW.from} and u.occurred_at < ${WINDOW.to}
    group by 1`.execute(t.db);
  return new Map(rows.rows.map((r) => [r.key, { spend: r.spend, priced: Number(r.priced), unpriced: Number(r.unpriced) }]));
}

/** Independent cost per run: (priced agent + priced judge spend on the model's runs) / runs with a priced agent line. */
function rawCostPerRun(agent: Raw | undefined, judge: Raw | undefined): number | null {
  const pricedRuns = agent?.priced ?? 0;
  const a = agent?.priced ? agent.spend! : null;
  const j = judge?.priced ? judge.spend! : null;
  if (pricedRuns === 0 || (a === null && j === null)) return null;
  return Math.round(((a ?? 0) + (j ?? 0)) / pricedRuns);
}

describe("judge cost by judged model (issue 17 §3)", () => {
  it("spend.byModel: each judged model's row carries the judge's spend on its runs; judge models are a separate breakdown", async () => {
    const [agent, judgeOnRuns, judgeByJudge] = await Promise.all([raw("agent", "r.model"), raw("judge", "r.model"), raw("judge", "u.model")]);
    const b = await t.caller.spend.byModel({ ...WINDOW, limit: 100 });
    expect(b.rows.map((r) => r.model).sort()).toEqual([...AGENTS].sort());
    for (const m of AGENTS) {
      const row = b.rows.find((r) => r.model === m)!;
      const a = agent.get(m);
      const j = judgeOnRuns.get(m)!;
      expect(row.judgeSpendMicros, m).toBe(j.priced ? j.spend : null);
      expect(row.judgeUnpricedCalls, m).toBe(j.unpriced);
      expect(row.agentSpendMicros, m).toBe(a?.priced ? a.spend : null);
      expect(row.pricedRuns, m).toBe(a?.priced ?? 0);
      expect(row.costPerRunMicros, m).toBe(rawCostPerRun(a, j));
      expect(row.runs, m).toBe(12);
    }
    // acme-small: judged only by the unpriced judge: unknown, never 0.
    expect(b.rows.find((r) => r.model === "acme-small")!.judgeSpendMicros).toBeNull();
    expect(b.judgeModels).toEqual(
      JUDGES.map((model) => {
        const r = judgeByJudge.get(model)!;
        return { model, spendMicros: r.priced ? r.spend : null, unpricedCalls: r.unpriced, calls: r.priced + r.unpriced };
      }),
    );
    expect(b.judgeModels.find((r) => r.model === "zz-unpriced-judge")!.spendMicros).toBeNull();
    // Totals: the rows' judge spend is the judge models' spend.
    const rowsJudge = b.rows.reduce((s, r) => s + (r.judgeSpendMicros ?? 0), 0);
    expect(rowsJudge).toBe(b.judgeModels.reduce((s, r) => s + (r.spendMicros ?? 0), 0));
    expect(rowsJudge).toBeGreaterThan(0);
    const summary = await t.caller.overview.summary(WINDOW);
    expect(b.totals.spendMicros).toBe(summary.current.spendMicros.total);
  });

  it("one cost per run: overview.summary({models:[m]}), spend.byModel row m and quality.costVsQuality row m agree with raw SQL", async () => {
    const [agent, judgeOnRuns] = await Promise.all([raw("agent", "r.model"), raw("judge", "r.model")]);
    const b = await t.caller.spend.byModel({ ...WINDOW, limit: 100 });
    const q = await t.caller.quality.costVsQuality({ ...WINDOW, scoreName: "helpfulness", threshold: 0.5 });
    for (const m of AGENTS) {
      const expected = rawCostPerRun(agent.get(m), judgeOnRuns.get(m));
      const s = await t.caller.overview.summary({ ...WINDOW, models: [m] });
      const j = judgeOnRuns.get(m)!;
      expect(s.current.spendMicros.judge, m).toBe(j.priced ? j.spend : null);
      expect(s.current.judgeUnpricedCalls, m).toBe(j.unpriced);
      expect(s.current.costPerRunMicros, `overview ${m}`).toBe(expected);
      expect(b.rows.find((r) => r.model === m)!.costPerRunMicros, `spend ${m}`).toBe(expected);
      expect(q.rows.find((r) => r.model === m)!.costPerRunMicros, `quality ${m}`).toBe(expected);
    }
    // A priced model with judge spend: the judge's share is in its cost per run.
    expect(rawCostPerRun(agent.get("acme-large"), judgeOnRuns.get("acme-large"))).toBeGreaterThan(rawCostPerRun(agent.get("acme-large"), undefined)!);
    // An unpriced agent model has no priced run: null, never 0, though its judge spend is priced.
    expect(b.rows.find((r) => r.model === "zz-unpriced-agent")!.costPerRunMicros).toBeNull();
    expect(b.rows.find((r) => r.model === "zz-unpriced-agent")!.judgeSpendMicros).toBeGreaterThan(0);
  });

  it("a model filter on spend.byModel reads the judge models' spend on the filtered models' runs", async () => {
    const b = await t.caller.spend.byModel({ ...WINDOW, limit: 100, models: ["acme-large"] });
    const judgeOnRuns = (await raw("judge", "r.model")).get("acme-large")!;
    expect(b.rows.map((r) => r.model)).toEqual(["acme-large"]);
    expect(b.judgeModels.reduce((s, r) => s + (r.spendMicros ?? 0), 0)).toBe(judgeOnRuns.spend);
    expect(b.judgeModels.reduce((s, r) => s + r.unpricedCalls, 0)).toBe(judgeOnRuns.unpriced);
  });
});

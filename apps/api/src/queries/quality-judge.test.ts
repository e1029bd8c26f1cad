import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordEvaluation, recordSkippedEvaluation, type RunRef } from "@tally/inngest-functions";
import type { AggregateFilter } from "./common.ts";
import { fixture, JUDGE, inOneBatch, openTestDb, type RunSpec, seedPrices, seedRun, type TestDb, UNPRICED } from "./test-support.ts";

// Issue 23: the quality rows say which fraction their statistics rest on (runs, scored, left out by sampling,
// skipped by the judge budget) and what the judge cost on each judged model's runs, checked against raw SQL
// over runs and usage_costs, with the same window and filters. Rows are written by the real recording code:
// usage and evaluations (recordUsage / recordEvaluation via seedRun), skipped runs by recordSkippedEvaluation.

const DAY = 86_400_000;
const START = Date.UTC(2026, 6, 1);
const TZ = "America/New_York";
let t: TestDb;
let runs: RunSpec[];

const ref = (r: RunSpec): RunRef => ({ runId: r.runId, functionSlug: r.functionSlug ?? "support-agent", model: r.model, customerId: r.customerId, occurredAt: r.occurredAt, now: r.occurredAt + 1000 });

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  runs = fixture(START, 10, 500, 23);
  await inOneBatch(t.db, async (db) => {
    for (const [i, r] of runs.entries()) {
      await seedRun(db, r);
      if (r.scores) {
        // Some acme-small runs judged again by a judge without a price: its spend there is partly unknown.
        if (r.model === "acme-small" && i % 5 === 0) {
          await recordEvaluation(db, ref(r), {
            key: `${r.runId}-rescore`,
            deferredRunId: `${r.runId}-rescore`,
            model: r.model,
            judgeModel: UNPRICED,
            rubricVersion: "v1",
            judgeCalls: 2,
            judgeUsage: { input_tokens: 80, output_tokens: 9, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
            outcome: { ok: true, scores: [] },
          });
        }
        continue;
      }
      // Unscored runs: a failed judgement (spend, no score), or left out by sampling, or by the day's budget.
      const kind = i % 3;
      if (kind === 0) {
        await recordEvaluation(db, ref(r), {
          key: `${r.runId}-score`,
          deferredRunId: `${r.runId}-score`,
          model: r.model,
          judgeModel: JUDGE,
          rubricVersion: "v1",
          judgeCalls: 3,
          judgeUsage: { input_tokens: 300, output_tokens: 30, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
          outcome: { ok: false, error: "no JSON", rawOutput: "?" },
        });
      } else {
        const reason = kind === 1 ? "not_sampled" : "judge_budget";
        await recordSkippedEvaluation(db, { run: ref(r), key: `${r.runId}-score`, deferredRunId: `${r.runId}-score`, judgeModel: JUDGE, rubricVersion: "v1", reason });
      }
    }
  });
}, 300_000);
afterAll(() => t.close());

interface Expected {
  runs: number;
  scoredRuns: number;
  unsampledRuns: number;
  judgeSkippedRuns: number;
  judgeSpendMicros: number | null;
  judgeUnpricedCalls: number;
  judgeCostPerScoredRunMicros: number | null;
}

/** Per model, from the raw rows: runs in the window (and filters), their scores, outcomes and judge lines. */
async function expected(f: AggregateFilter): Promise<Map<string, Expected>> {
  const from = Math.floor(f.from / 900_000) * 900_000;
  const to = Math.ceil(f.to / 900_000) * 900_000;
  let q = t.db.selectFrom("runs").select(["run_id", "model", "customer_id", "judge_outcome"]).where("occurred_at", ">=", from).where("occurred_at", "<", to);
  if (f.models?.length) q = q.where("model", "in", f.models);
  if (f.customerIds?.length) q = q.where("customer_id", "in", f.customerIds);
  const inWindow = await q.execute();
  const scored = new Set((await t.db.selectFrom("scores").select("run_id").distinct().execute()).map((s) => s.run_id));
  const lines = await t.db.selectFrom("usage_costs").select(["run_id", "cost_micros"]).where("kind", "=", "judge").execute();
  const out = new Map<string, Expected>();
  for (const r of inWindow) {
    const e = out.get(r.model) ?? { runs: 0, scoredRuns: 0, unsampledRuns: 0, judgeSkippedRuns: 0, judgeSpendMicros: null, judgeUnpricedCalls: 0, judgeCostPerScoredRunMicros: null };
    e.runs++;
    if (scored.has(r.run_id)) e.scoredRuns++;
    if (r.judge_outcome === "not_sampled") e.unsampledRuns++;
    if (r.judge_outcome === "judge_budget") e.judgeSkippedRuns++;
    for (const l of lines.filter((x) => x.run_id === r.run_id)) {
      if (l.cost_micros === null) e.judgeUnpricedCalls++;
      else e.judgeSpendMicros = (e.judgeSpendMicros ?? 0) + l.cost_micros;
    }
    out.set(r.model, e);
  }
  for (const e of out.values()) {
    e.judgeCostPerScoredRunMicros = e.judgeSpendMicros !== null && e.judgeUnpricedCalls === 0 && e.scoredRuns > 0 ? Math.round(e.judgeSpendMicros / e.scoredRuns) : null;
  }
  return out;
}
const coverage = ({ runs, scoredRuns, unsampledRuns, judgeSkippedRuns }: Expected) => ({ runs, scoredRuns, unsampledRuns, judgeSkippedRuns });

// Off bucket edges and whole days, in a zone with DST: projections in the middle, 15-minute rows at the edges.
const WINDOWS: AggregateFilter[] = [
  { from: START + DAY + 6 * 3_600_000 + 7 * 60_000, to: START + 8 * DAY + 3_600_000 + 1, timeZone: TZ },
  { from: START, to: START + 10 * DAY, timeZone: TZ, customerIds: ["cust-1", ""] },
  { from: START + 2 * DAY, to: START + 9 * DAY, timeZone: TZ, models: ["acme-small", UNPRICED] },
];

describe("quality rows carry what they rest on and the judge's spend per judged model", () => {
  it("the fixture has every case: unsampled, budget-skipped, failed judgements, unpriced judge calls", async () => {
    const all = await expected({ from: START, to: START + 10 * DAY, timeZone: TZ });
    const sum = (k: keyof Expected) => [...all.values()].reduce((s, e) => s + Number(e[k] ?? 0), 0);
    expect(sum("runs")).toBe(500);
    for (const k of ["unsampledRuns", "judgeSkippedRuns", "judgeUnpricedCalls"] as const) expect(sum(k), k).toBeGreaterThan(10);
    expect(all.get("acme-small")!.judgeCostPerScoredRunMicros).toBeNull();
    expect(all.get("acme-large")!.judgeCostPerScoredRunMicros).toBeGreaterThan(0);
    expect(all.get(UNPRICED)!.judgeSpendMicros).toBeGreaterThan(0); // an unpriced agent judged by a priced judge
  });

  it.each(WINDOWS)("costVsQuality: %j", async (f) => {
    const e = await expected(f);
    const res = await t.caller.quality.costVsQuality({ ...f, scoreName: "helpfulness", threshold: 0.5 });
    expect(res.rows.map((r) => r.model)).toEqual([...e.keys()].sort());
    for (const r of res.rows) {
      const { runs, scoredRuns, unsampledRuns, judgeSkippedRuns, judgeSpendMicros, judgeUnpricedCalls, judgeCostPerScoredRunMicros } = r;
      expect({ runs, scoredRuns, unsampledRuns, judgeSkippedRuns, judgeSpendMicros, judgeUnpricedCalls, judgeCostPerScoredRunMicros }, r.model).toEqual(e.get(r.model));
    }
  });

  it.each(WINDOWS)("trend: %j", async (f) => {
    const e = await expected(f);
    const res = await t.caller.quality.trend({ ...f, bucket: "day" });
    expect(res.series.length).toBeGreaterThan(0);
    for (const s of res.series) expect({ runs: s.runs, scoredRuns: s.scoredRuns, unsampledRuns: s.unsampledRuns, judgeSkippedRuns: s.judgeSkippedRuns }, s.model).toEqual(coverage(e.get(s.model)!));
  });

  it.each(WINDOWS)("compareModels (the baseline's coverage too, when the filter leaves it out): %j", async (f) => {
    const res = await t.caller.quality.compareModels({ ...f, baselineModel: "acme-large" });
    const e = await expected({ ...f, models: f.models?.length ? [...f.models, "acme-large"] : undefined });
    expect(res.rows.some((r) => r.model === "acme-large")).toBe(true);
    for (const r of res.rows) expect({ runs: r.runs, scoredRuns: r.scoredRuns, unsampledRuns: r.unsampledRuns, judgeSkippedRuns: r.judgeSkippedRuns }, r.model).toEqual(coverage(e.get(r.model)!));
  });
});

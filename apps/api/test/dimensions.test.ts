import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTagKeys } from "@tally/shared/db";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import type { Json } from "./json.ts";
import { oracleT975 } from "@tally/shared/stats/t-oracle";

// Issue 20: spend and quality by function slug and by a promoted tag (TALLY_TAG_KEYS=plan), through the real
// serve() handler into a real SQLite file, read over HTTP. Every expected figure is the test's own arithmetic
// over the raw rows the writers stored (usage_costs, scores, runs with their function_slug and tags JSON).

const AT = Date.UTC(2026, 5, 1, 9);
const WINDOW = { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 3), timeZone: "UTC" };
const PRICED = "gpt-4o";
const UNPRICED = "acme-private-ft-v3";

interface Seed {
  runId: string;
  fn: string;
  model: string;
  customerId: string;
  tags?: Record<string, string>;
  judged: boolean;
}
const SEEDS: Seed[] = [
  { runId: "dim-1", fn: "support-agent", model: PRICED, customerId: "acme", tags: { plan: "pro", env: "prod" }, judged: true },
  { runId: "dim-2", fn: "support-agent", model: "gpt-4o-mini", customerId: "globex", tags: { plan: "free" }, judged: true },
  { runId: "dim-3", fn: "billing-agent", model: PRICED, customerId: "acme", tags: { plan: "pro" }, judged: true },
  { runId: "dim-4", fn: "billing-agent", model: PRICED, customerId: "initech", judged: false },
  { runId: "dim-5", fn: "private-agent", model: UNPRICED, customerId: "acme", tags: { plan: "free" }, judged: true },
  { runId: "dim-6", fn: "private-agent", model: UNPRICED, customerId: "globex", tags: { plan: "enterprise" }, judged: false },
  { runId: "dim-7", fn: "support-agent", model: PRICED, customerId: "acme", tags: { plan: "pro" }, judged: true },
];

async function get(tally: Tally, path: string, input: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${tally.base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
  return { status: res.status, body: await res.json() };
}
async function data<T = Json>(tally: Tally, path: string, input: unknown): Promise<T> {
  const { status, body } = await get(tally, path, input);
  expect(status, `${path}: ${JSON.stringify(body)}`).toBe(200);
  return body.result.data as T;
}

interface Line {
  kind: string;
  cost_micros: number | null;
  fn: string;
  tags: string;
  customer_id: string;
}
/** spend.byDimension's figures for a set of raw lines and runs, by the test's own arithmetic. */
function spendOf(lines: Line[], runs: number) {
  const money = (ls: Line[]) => (ls.some((l) => l.cost_micros !== null) ? ls.reduce((s, l) => s + (l.cost_micros ?? 0), 0) : null);
  const agent = lines.filter((l) => l.kind === "agent");
  const judge = lines.filter((l) => l.kind === "judge");
  const agentSpend = money(agent);
  const judgeSpend = money(judge);
  const spend = agentSpend === null ? judgeSpend : judgeSpend === null ? agentSpend : agentSpend + judgeSpend;
  const pricedRuns = agent.filter((l) => l.cost_micros !== null).length;
  return {
    spendMicros: spend,
    agentSpendMicros: agentSpend,
    judgeSpendMicros: judgeSpend,
    calls: lines.length,
    unpricedCalls: lines.filter((l) => l.cost_micros === null).length,
    runs,
    pricedRuns,
    costPerRunMicros: spend !== null && pricedRuns > 0 ? Math.round(spend / pricedRuns) : null,
  };
}
const planOf = (tags: string) => (JSON.parse(tags) as Record<string, string>).plan ?? "";

describe("spend and quality by function and by promoted tag", () => {
  let llm: FakeServer;
  let tally: Tally;
  let lines: Line[];
  let runs: { run_id: string; function_slug: string; tags: string; customer_id: string }[];
  let scores: { name: string; value: number; fn: string; tags: string }[];

  beforeAll(async () => {
    // Scores vary by call, so the intervals are not degenerate.
    llm = await fakeChatServer((_b, i) => ({ content: verdict({ helpfulness: 1 + (i % 5), accuracy: 5 - (i % 3), tone: 3 }), promptTokens: 400 + i, completionTokens: 60 }));
    tally = await startTally({ TALLY_TAG_KEYS: "plan", TALLY_REVIEW_SAMPLE_RATE: "0", JUDGE_BASE_URL: `${llm.url}/v1`, JUDGE_API_KEY: "sk-judge", JUDGE_MODEL: "gpt-4o-mini" });
    for (const [i, s] of SEEDS.entries()) {
      const parent = { fnSlug: s.fn, runId: s.runId };
      const context = { customerId: s.customerId, ticketId: `T-${i}`, ...(s.tags ? { tags: s.tags } : {}) };
      const ts = AT + i * 600_000;
      const costs = { model: s.model, promptTokens: 1000 + 37 * i, completionTokens: 100 + 11 * i, ...context };
      const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input: costs }, parent, { runId: `${s.runId}-costs`, ts });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
      if (!s.judged) continue;
      const judged = await tally.executor.runDeferred({ fnSlug: "tally-score-agent-output", input: { response: "Done.", model: s.model, ...context } }, parent, { runId: `${s.runId}-score`, ts: ts + 1000 });
      expect(judged.status, JSON.stringify(judged.error)).toBe("completed");
    }
    lines = await tally.db
      .selectFrom("usage_costs as u")
      .innerJoin("runs as r", "r.run_id", "u.run_id")
      .select(["u.kind", "u.cost_micros", "r.function_slug as fn", "r.tags", "r.customer_id"])
      .execute();
    runs = await tally.db.selectFrom("runs").select(["run_id", "function_slug", "tags", "customer_id"]).execute();
    scores = await tally.db.selectFrom("scores as s").innerJoin("runs as r", "r.run_id", "s.run_id").select(["s.name", "s.value", "r.function_slug as fn", "r.tags"]).execute();
  }, 60_000);
  afterAll(async () => {
    await tally.close();
    await llm.close();
  });

  it("stored what the test expects (the premise)", () => {
    expect(runs).toHaveLength(SEEDS.length);
    expect(new Set(runs.map((r) => r.function_slug))).toEqual(new Set(["support-agent", "billing-agent", "private-agent"]));
    expect(lines.filter((l) => l.cost_micros === null)).toHaveLength(2);
    expect(scores.length).toBeGreaterThan(0);
  });

  it("dimensions.list: the function slugs, and the promoted key with its values by runs", async () => {
    const d = await data(tally, "dimensions.list", {});
    expect(d.functions).toEqual([...new Set(runs.map((r) => r.function_slug))].sort());
    const counts = new Map<string, number>();
    for (const r of runs) counts.set(planOf(r.tags), (counts.get(planOf(r.tags)) ?? 0) + 1);
    const values = [...counts].map(([value, n]) => ({ value, runs: n })).sort((a, b) => b.runs - a.runs || (a.value < b.value ? -1 : 1));
    expect(d.tags).toEqual([{ key: "plan", state: "ready", filledPercent: 100, values }]);
  });

  for (const dimension of ["function", "tag"] as const) {
    const dimensionValue = (x: { fn: string; tags: string }) => (dimension === "function" ? x.fn : planOf(x.tags));
    it(`spend.byDimension by ${dimension}: every row and the totals equal the raw lines; unpriced is never $0`, async () => {
      const input = { ...WINDOW, dimension, ...(dimension === "tag" ? { tagKey: "plan" } : {}) };
      const got = await data(tally, "spend.byDimension", input);
      const values = [...new Set(runs.map((r) => dimensionValue({ fn: r.function_slug, tags: r.tags })))];
      for (const v of values) {
        const row = got.rows.find((r: { value: string }) => r.value === v);
        const want = spendOf(lines.filter((l) => dimensionValue(l) === v), runs.filter((r) => dimensionValue({ fn: r.function_slug, tags: r.tags }) === v).length);
        expect(row, `${dimension} ${v}`).toMatchObject(want);
      }
      expect(got.rows).toHaveLength(values.length);
      expect(got.totals).toMatchObject({ ...spendOf(lines, runs.length), rows: values.length });
      // Largest spend first; a value with nothing priced has null money (with its unpriced calls), never 0.
      const spends = got.rows.map((r: { spendMicros: number | null }) => r.spendMicros);
      expect(spends.filter((s: number | null) => s !== null)).toEqual([...spends.filter((s: number | null) => s !== null)].sort((a, b) => b - a));
      const unpricedOnly = got.rows.find((r: { value: string }) => r.value === (dimension === "function" ? "private-agent" : "enterprise"));
      if (dimension === "tag") expect(unpricedOnly).toMatchObject({ spendMicros: null, agentSpendMicros: null, share: null, unpricedCalls: 1 });
      expect(got.rows.filter((r: { spendMicros: number | null; unpricedCalls: number }) => r.spendMicros === 0 && r.unpricedCalls > 0)).toEqual([]);
    });

    it(`spend.timeseries split by ${dimension}: each series' total equals the raw lines of its value`, async () => {
      const got = await data(tally, "spend.timeseries", { ...WINDOW, bucket: "day", splitBy: dimension, ...(dimension === "tag" ? { tagKey: "plan" } : {}) });
      const values = [...new Set(lines.map(dimensionValue))];
      expect(got.series.map((s: { key: string }) => s.key).sort()).toEqual(values.sort());
      for (const s of got.series) {
        const mine = lines.filter((l) => dimensionValue(l) === s.key);
        const priced = mine.filter((l) => l.cost_micros !== null);
        expect(s.totalMicros, s.key).toBe(priced.length ? priced.reduce((a, l) => a + l.cost_micros!, 0) : null);
        expect(s.unpricedCalls).toBe(mine.length - priced.length);
      }
    });

    it(`quality.byDimension by ${dimension}: mean, n and 95% CI per value and score name from the raw scores`, async () => {
      const got = await data(tally, "quality.byDimension", { ...WINDOW, dimension, ...(dimension === "tag" ? { tagKey: "plan" } : {}) });
      const groups = new Map<string, number[]>();
      for (const s of scores) groups.set(`${dimensionValue(s)}|${s.name}`, [...(groups.get(`${dimensionValue(s)}|${s.name}`) ?? []), s.value]);
      expect(got.rows).toHaveLength(groups.size);
      for (const [k, xs] of groups) {
        const [value, name] = k.split("|");
        const row = got.rows.find((r: { value: string; name: string }) => r.value === value && r.name === name);
        const n = xs.length;
        const mean = xs.reduce((a, x) => a + x, 0) / n;
        expect(row, k).toBeDefined();
        expect(row.n).toBe(n);
        expect(row.mean).toBeCloseTo(mean, 12);
        if (n < 2) expect([row.ciLow, row.ciHigh]).toEqual([null, null]);
        else {
          const half = oracleT975(n - 1) * Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1) / n);
          expect(row.ciLow).toBeCloseTo(Math.max(0, mean - half), 9);
          expect(row.ciHigh).toBeCloseTo(Math.min(1, mean + half), 9);
        }
      }
    });
  }

  it("filters combine with a split: by plan for one customer, by function for one plan", async () => {
    const acme = await data(tally, "spend.byDimension", { ...WINDOW, customerIds: ["acme"], dimension: "tag", tagKey: "plan" });
    expect(acme.totals).toMatchObject(spendOf(lines.filter((l) => l.customer_id === "acme"), runs.filter((r) => r.customer_id === "acme").length));
    const pro = await data(tally, "quality.byDimension", { ...WINDOW, tags: { plan: "pro" }, dimension: "tag", tagKey: "plan" });
    expect(new Set(pro.rows.map((r: { value: string }) => r.value))).toEqual(new Set(["pro"]));
    const support = await data(tally, "spend.byDimension", { ...WINDOW, functionSlugs: ["support-agent"], dimension: "function" });
    expect(support.rows.map((r: { value: string }) => r.value)).toEqual(["support-agent"]);
    expect(support.totals.spendMicros).toBe(spendOf(lines.filter((l) => l.fn === "support-agent"), 0).spendMicros);
  });

  it("a key promoted on a database with data is listed as filling, without values, and cannot be read until filled", async () => {
    // Promoted while the server runs (as a restart with TALLY_TAG_KEYS=plan,team would): pending from its first bucket.
    await syncTagKeys(tally.db, ["plan", "team"]);
    const d = await data(tally, "dimensions.list", {});
    expect(d.tags.map((t: { key: string; state: string }) => [t.key, t.state])).toEqual([["plan", "ready"], ["team", "filling"]]);
    const team = d.tags.find((t: { key: string }) => t.key === "team");
    expect(team.values).toEqual([]);
    expect(team.filledPercent).toBeGreaterThanOrEqual(0);
    expect(team.filledPercent).toBeLessThan(100);
    const { status, body } = await get(tally, "spend.byDimension", { ...WINDOW, dimension: "tag", tagKey: "team" });
    expect(status).toBe(400);
    expect(body.error.data.zodError.fieldErrors.tagKey[0]).toMatch(/'team' is still being filled \(\d+% done\)/);
    await syncTagKeys(tally.db, ["plan"]);
  });

  it("bad input is a 400 naming the field", async () => {
    const cases: [string, unknown, string][] = [
      ["spend.byDimension", { ...WINDOW, dimension: "tag" }, "tagKey"],
      ["spend.byDimension", { ...WINDOW, dimension: "function", tagKey: "plan" }, "tagKey"],
      ["spend.byDimension", { ...WINDOW, dimension: "model" }, "dimension"],
      ["quality.byDimension", { ...WINDOW, dimension: "tag", tagKey: "region" }, "tagKey"],
      ["quality.byDimension", { ...WINDOW, dimension: "function", tags: { region: "eu" } }, "tags"],
      ["spend.timeseries", { ...WINDOW, splitBy: "tag" }, "tagKey"],
      ["spend.timeseries", { ...WINDOW, splitBy: "tag", tagKey: "env" }, "tagKey"],
      ["dimensions.list", { extra: 1 }, ""],
    ];
    for (const [path, input, field] of cases) {
      const { status, body } = await get(tally, path, input);
      expect(status, `${path} ${JSON.stringify(input)}`).toBe(400);
      const errors = body.error.data.zodError;
      if (field) expect(Object.keys(errors.fieldErrors), JSON.stringify(body.error)).toContain(field);
    }
    const unpromoted = await get(tally, "spend.byDimension", { ...WINDOW, dimension: "tag", tagKey: "env" });
    expect(unpromoted.body.error.data.zodError.fieldErrors.tagKey[0]).toMatch(/'env' is not a promoted tag/);
  });
});

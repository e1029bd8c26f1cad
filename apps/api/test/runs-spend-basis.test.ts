import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { AUTH, PARENT, startTally, type Tally } from "./harness.ts";
import { callProcedure, readCsv } from "./unpriced-money.ts";

// A spend chart point drills into the runs behind it (runs.list basis "spend"). An agent that calls two models
// spends under both; a line reported after the run's hour spends in its own hour; the judge's spend counts under
// the run it judged. The listed runs' spend in the view adds up to the point, which the run basis cannot do.
const H = (hour: number, minute = 0) => Date.UTC(2026, 10, 10, hour, minute);
// Catalogue prices, micro-USD per token: gpt-4o $2.50 / $10 per Mtok, gpt-4o-mini $0.15 / $0.60.
const PRICE: Record<string, [number, number]> = { "gpt-4o": [2.5, 10], "gpt-4o-mini": [0.15, 0.6] };
const micros = (model: string, [inTok, outTok]: [number, number]) => inTok * PRICE[model]![0] + outTok * PRICE[model]![1];
// The judge (gpt-4o-mini) answers 400 in + 60 out on every run it scores.
const JUDGE_LINE = micros("gpt-4o-mini", [400, 60]);

interface Delivery {
  run: string;
  key: string;
  at: number;
  model: string;
  tokens?: [number, number];
  score?: boolean;
}
// Each run's FIRST delivery gives the run its model and time; later lines keep their own.
const deliveries: Delivery[] = [
  { run: "router", key: "router-plan", at: H(9, 10), model: "gpt-4o", tokens: [1000, 100] },
  { run: "router", key: "router-score", at: H(9, 10), model: "gpt-4o", score: true },
  { run: "router", key: "router-draft", at: H(9, 20), model: "gpt-4o-mini", tokens: [2000, 200] },
  { run: "mini", key: "mini-costs", at: H(9, 30), model: "gpt-4o-mini", tokens: [4000, 400] },
  { run: "late", key: "late-plan", at: H(9, 50), model: "gpt-4o", tokens: [3000, 300] },
  { run: "late", key: "late-draft", at: H(10, 5), model: "gpt-4o-mini", tokens: [8000, 800] },
  { run: "private", key: "private-costs", at: H(9, 40), model: "acme-private-ft", tokens: [500, 50] },
];
const tokens = (key: string) => deliveries.find((d) => d.key === key)!.tokens!;

interface ListAnswer {
  items: { runId: string; costMicros: number | null; inView?: { costMicros: number | null; unpricedCalls: number; calls: number } }[];
  total: number;
  inView?: { costMicros: number | null; unpricedCalls: number; calls: number };
}

describe("runs.list basis spend: the runs behind a spend chart point", () => {
  let llm: FakeServer;
  let tally: Tally;
  const list = (input: Record<string, unknown>) =>
    callProcedure(tally, "runs.list", "query", { timeZone: "UTC", limit: 50, ...input }) as Promise<ListAnswer>;
  const point = async (model: string, from: number, to: number) => {
    const s = (await callProcedure(tally, "spend.timeseries", "query", { from, to, timeZone: "UTC", bucket: "hour", splitBy: "model" })) as {
      series: { key: string; points: (number | null)[]; unpricedCalls: number }[];
    };
    const series = s.series.find((x) => x.key === model);
    return { micros: series?.points[0] ?? null, unpriced: series?.unpricedCalls ?? 0 };
  };

  beforeAll(async () => {
    llm = await fakeChatServer(() => ({ content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }), promptTokens: 400, completionTokens: 60 }));
    tally = await startTally({ JUDGE_BASE_URL: `${llm.url}/v1`, JUDGE_API_KEY: "sk-judge", JUDGE_MODEL: "gpt-4o-mini" });
    for (const d of deliveries) {
      const call = d.score
        ? { fnSlug: "tally-score-agent-output", input: { response: "Refunded.", model: d.model, customerId: "acme" } }
        : { fnSlug: "tally-track-ai-costs", input: { model: d.model, promptTokens: d.tokens![0], completionTokens: d.tokens![1], customerId: "acme" } };
      const out = await tally.executor.runDeferred(call, { ...PARENT, runId: d.run }, { runId: d.key, ts: d.at });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
    }
  }, 60_000);
  afterAll(async () => {
    await tally?.close();
    await llm?.close();
  });

  it("lists the runs that spent on a model in the hour, each with its spend there, adding up to the chart point", async () => {
    const expected = micros("gpt-4o-mini", tokens("router-draft")) + micros("gpt-4o-mini", tokens("mini-costs"));
    expect(await point("gpt-4o-mini", H(9), H(10))).toEqual({ micros: expected, unpriced: 0 });
    const a = await list({ from: H(9), to: H(10), models: ["gpt-4o-mini"], basis: "spend" });
    expect(a.items.map((r) => r.runId).sort()).toEqual(["mini", "router"]);
    expect(a.total).toBe(2);
    const router = a.items.find((r) => r.runId === "router")!;
    expect(router.inView).toEqual({ costMicros: micros("gpt-4o-mini", tokens("router-draft")), unpricedCalls: 0, calls: 1 });
    // The run's own cost is all of it: its gpt-4o line, its gpt-4o-mini line and the judge's.
    expect(router.costMicros).toBe(micros("gpt-4o", tokens("router-plan")) + micros("gpt-4o-mini", tokens("router-draft")) + JUDGE_LINE);
    expect(a.items.reduce((s, r) => s + (r.inView!.costMicros ?? 0), 0)).toBe(expected);
    expect(a.inView).toEqual({ costMicros: expected, unpricedCalls: 0, calls: 2 });
    // The run basis lists the gpt-4o-mini runs: it misses the router's spend.
    const byRun = await list({ from: H(9), to: H(10), models: ["gpt-4o-mini"] });
    expect(byRun.items.map((r) => r.runId)).toEqual(["mini"]);
    expect(byRun.inView).toBeUndefined();
    expect(byRun.items[0]!.inView).toBeUndefined();
  });

  it("counts the judge's spend under the run it judged, and a late line in its own hour", async () => {
    const expected = micros("gpt-4o", tokens("router-plan")) + JUDGE_LINE + micros("gpt-4o", tokens("late-plan"));
    expect(await point("gpt-4o", H(9), H(10))).toEqual({ micros: expected, unpriced: 0 });
    const a = await list({ from: H(9), to: H(10), models: ["gpt-4o"], basis: "spend" });
    expect(a.items.map((r) => r.runId)).toEqual(["late", "router"]);
    expect(a.items.map((r) => r.inView!.costMicros)).toEqual([micros("gpt-4o", tokens("late-plan")), micros("gpt-4o", tokens("router-plan")) + JUDGE_LINE]);
    expect(a.inView).toEqual({ costMicros: expected, unpricedCalls: 0, calls: 3 });

    const tenOClock = micros("gpt-4o-mini", tokens("late-draft"));
    expect(await point("gpt-4o-mini", H(10), H(11))).toEqual({ micros: tenOClock, unpriced: 0 });
    const late = await list({ from: H(10), to: H(11), models: ["gpt-4o-mini"], basis: "spend" });
    expect(late.items.map((r) => [r.runId, r.inView!.costMicros])).toEqual([["late", tenOClock]]);
    expect((await list({ from: H(10), to: H(11), models: ["gpt-4o-mini"] })).total).toBe(0);
  });

  it("shows unpriced spend as unpriced calls, never $0", async () => {
    expect(await point("acme-private-ft", H(9), H(10))).toEqual({ micros: null, unpriced: 1 });
    const a = await list({ from: H(9), to: H(10), models: ["acme-private-ft"], basis: "spend" });
    expect(a.items.map((r) => [r.runId, r.inView])).toEqual([["private", { costMicros: null, unpricedCalls: 1, calls: 1 }]]);
    expect(a.inView).toEqual({ costMicros: null, unpricedCalls: 1, calls: 1 });
  });

  it("pages and sorts the spend basis like the run basis, and counts every run once", async () => {
    const all = await list({ from: H(9), to: H(11), basis: "spend", sort: "cost-desc" });
    expect(all.total).toBe(4);
    const first = await list({ from: H(9), to: H(11), basis: "spend", sort: "cost-desc", limit: 3 });
    const cursor = (first as unknown as { nextCursor: string }).nextCursor;
    const second = await list({ from: H(9), to: H(11), basis: "spend", sort: "cost-desc", limit: 3, cursor });
    const paged = [...first.items, ...second.items];
    expect(paged.map((r) => r.runId)).toEqual(all.items.map((r) => r.runId));
    const costs = paged.map((r) => r.costMicros ?? -1);
    expect(costs).toEqual([...costs].sort((x, y) => y - x));
  });

  it("exports the spend in the view as two more CSV columns that add up to the point", async () => {
    const rows = await readCsv(tally, "runs", { from: H(9), to: H(10), timeZone: "UTC", models: ["gpt-4o"], basis: "spend" });
    expect(rows.map((r) => r.run_id).sort()).toEqual(["late", "router"]);
    expect(rows.reduce((s, r) => s + Number(r.in_view_cost_micros), 0)).toBe((await point("gpt-4o", H(9), H(10))).micros);
    const plain = await readCsv(tally, "runs", { from: H(9), to: H(10), timeZone: "UTC", models: ["gpt-4o"] });
    expect(Object.keys(plain[0]!)).not.toContain("in_view_cost_micros");
  });

  it("reads any window as the spend figures do, in whole 15-minute buckets", async () => {
    // 09:17–09:52 reads 09:15–10:00: the router's 09:20 line, the mini run's 09:30 line; not the late run's 10:05.
    const [from, to] = [H(9, 17), H(9, 52)];
    const figure = (await callProcedure(tally, "spend.byModel", "query", { from, to, timeZone: "UTC" })) as { rows: { model: string; spendMicros: number | null }[] };
    const expected = micros("gpt-4o-mini", tokens("router-draft")) + micros("gpt-4o-mini", tokens("mini-costs"));
    expect(figure.rows.find((r) => r.model === "gpt-4o-mini")?.spendMicros).toBe(expected);
    const a = await list({ from, to, models: ["gpt-4o-mini"], basis: "spend" });
    expect(a.inView?.costMicros).toBe(expected);
    const rows = await readCsv(tally, "runs", { from, to, timeZone: "UTC", models: ["gpt-4o-mini"], basis: "spend" });
    expect(rows.reduce((s, r) => s + Number(r.in_view_cost_micros), 0)).toBe(expected);
  });

  it("refuses an unknown basis, and a spend basis over more than 92 days, with a 400 naming the field", async () => {
    const ask = (input: object) => fetch(`${tally.base}/api/trpc/runs.list?input=${encodeURIComponent(JSON.stringify({ limit: 5, ...input }))}`, { headers: AUTH });
    const unknown = await ask({ from: H(9), to: H(10), basis: "lines" });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("basis");
    const DAY = 86_400_000;
    const long = await ask({ from: H(10) - 93 * DAY, to: H(10), basis: "spend" });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain("at most 92 days");
    expect((await ask({ from: H(10) - 92 * DAY, to: H(10), basis: "spend" })).status).toBe(200);
    expect((await ask({ from: H(10) - 93 * DAY, to: H(10) })).status).toBe(200);
  });
});

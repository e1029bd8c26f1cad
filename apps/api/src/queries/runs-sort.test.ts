import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentCost, fixture, judgeCost, openTestDb, type RunSpec, seedPrices, seedRun, seedRuns, type TestDb } from "./test-support.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 5, 1);
const W = { from: START, to: START + 4 * DAY };
let t: TestDb;
let runs: RunSpec[];

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  runs = fixture(START, 4, 180, 11);
  // A score name that differs from "accuracy" only by case, on one run.
  runs.push({ runId: "run-caps", model: "acme-small", customerId: "cust-0", occurredAt: START + DAY, agent: { in: 10, out: 1 }, judge: { in: 1, out: 1 }, scores: { Accuracy: 0.5 } });
  await seedRuns(t.db, runs);
  await t.caller.customers.upsert({ id: "cust-1", name: "Globex Corp", monthlyBudgetMicros: null });
}, 120_000);
afterAll(() => t.close());

type Page = Awaited<ReturnType<typeof t.caller.runs.list>>;
type Input = Parameters<typeof t.caller.runs.list>[0];

/** Every page of a listing, following nextCursor (7 a page, so ties cross page edges). */
async function all(input: Omit<Input, "limit" | "cursor">): Promise<Page["items"]> {
  const out: Page["items"] = [];
  let cursor: string | undefined;
  do {
    const page = await t.caller.runs.list({ ...input, limit: 7, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The expected order, by the spec's figures: missing keys last in both directions, ties by run id in the same direction. */
function order(rs: RunSpec[], key: (r: RunSpec) => number | null, dir: "asc" | "desc"): string[] {
  const s = dir === "asc" ? 1 : -1;
  return [...rs]
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka === null || kb === null) return ka === kb ? s * (a.runId < b.runId ? -1 : 1) : ka === null ? 1 : -1;
      return ka !== kb ? s * (ka - kb) : s * (a.runId < b.runId ? -1 : 1);
    })
    .map((r) => r.runId);
}
const cost = (r: RunSpec) => {
  const a = agentCost(r);
  const j = judgeCost(r);
  return a === null && j === null ? null : (a ?? 0) + (j ?? 0);
};
const lowestScore = (r: RunSpec) => (r.scores ? Math.min(...Object.values(r.scores)) : null);

describe("runs.list sort and total", () => {
  it("sorts by cost both ways, every run once, unpriced last, stable across pages", async () => {
    for (const dir of ["asc", "desc"] as const) {
      const got = await all({ ...W, sort: `cost-${dir}` });
      expect(got.map((r) => r.runId)).toEqual(order(runs, cost, dir));
    }
  });

  it("sorts by the run's lowest score without a score name, unscored last", async () => {
    for (const dir of ["asc", "desc"] as const) {
      const got = await all({ ...W, sort: `score-${dir}` });
      expect(got.map((r) => r.runId)).toEqual(order(runs, lowestScore, dir));
    }
  });

  it("score-asc with a score name and range: that score's runs, lowest first (Quality's drill-down)", async () => {
    const input = { ...W, sort: "score-asc" as const, scoreName: "accuracy", scoreMin: 0.2, scoreMax: 0.6 };
    const match = runs.filter((r) => r.scores?.accuracy !== undefined && r.scores.accuracy >= 0.2 && r.scores.accuracy <= 0.6);
    expect(match.length).toBeGreaterThan(20);
    const got = await all(input);
    expect(got.map((r) => r.runId)).toEqual(order(match, (r) => r.scores!.accuracy!, "asc"));
    expect(got[0]!.scores.find((s) => s.name === "accuracy")!.value).toBe(0.2);
    const first = await t.caller.runs.list({ ...input, limit: 5 });
    expect(first.total).toBe(match.length);
  });

  it("time-asc is oldest first; the default stays newest first", async () => {
    expect((await all({ ...W, sort: "time-asc" })).map((r) => r.runId)).toEqual(order(runs, (r) => r.occurredAt, "asc"));
    expect((await all(W)).map((r) => r.runId)).toEqual(order(runs, (r) => r.occurredAt, "desc"));
  });

  it("gives the exact total of the filtered runs on every page", async () => {
    const input = { ...W, models: ["acme-small"], customerIds: ["cust-1"] };
    const expected = runs.filter((r) => r.model === "acme-small" && r.customerId === "cust-1").length;
    expect(expected).toBeGreaterThan(3);
    const first = await t.caller.runs.list({ ...input, limit: 2 });
    expect(first.total).toBe(expected);
    const second = await t.caller.runs.list({ ...input, limit: 2, cursor: first.nextCursor! });
    expect(second.total).toBe(expected);
    expect((await t.caller.runs.list({ ...W, limit: 1 })).total).toBe(runs.length);
  });

  it("refuses a cursor from another order instead of paging wrongly", async () => {
    const page = await t.caller.runs.list({ ...W, limit: 3, sort: "time-desc" });
    await expect(t.caller.runs.list({ ...W, limit: 3, sort: "cost-asc", cursor: page.nextCursor! })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(t.caller.runs.list({ ...W, limit: 3, sort: "cheapest" as never })).rejects.toThrow(/sort/);
  });

  it("refuses a cursor made with other filters or basis (the window may move: a page of the last 24 hours asks again later)", async () => {
    const input = { ...W, customerIds: ["cust-1"], limit: 2 };
    const first = await t.caller.runs.list(input);
    const cursor = first.nextCursor!;
    const refused = /cursor was made for another sort or other filters/;
    await expect(t.caller.runs.list({ ...input, customerIds: ["cust-2"], cursor })).rejects.toThrow(refused);
    await expect(t.caller.runs.list({ ...input, models: ["acme-small"], cursor })).rejects.toThrow(refused);
    await expect(t.caller.runs.list({ ...input, basis: "spend", cursor })).rejects.toThrow(refused);
    // The same filters in another order, and a later window, resume the list.
    const again = await t.caller.runs.list({ ...input, customerIds: ["cust-1"], to: W.to + 60_000, cursor });
    expect(again.items.map((r) => r.runId)).toEqual((await t.caller.runs.list({ ...input, limit: 4 })).items.slice(2).map((r) => r.runId));
  });
});

describe("runs.list customer names, runs.scoreNames, demo runs", () => {
  it("names the customer when Settings has a name, null otherwise", async () => {
    const items = await all(W);
    for (const item of items) {
      expect(item.customerName).toBe(item.customerId === "cust-1" ? "Globex Corp" : null);
    }
  });

  it("lists every score name that exists, case exact", async () => {
    expect(await t.caller.runs.scoreNames()).toEqual(["Accuracy", "accuracy", "helpfulness"]);
  });

  it("a demo run has no Inngest link, itself or its deferred runs", async () => {
    await seedRun(t.db, { runId: "demo-run-1", model: "acme-small", occurredAt: START + DAY, agent: { in: 10, out: 1 }, judge: { in: 1, out: 1 }, scores: { accuracy: 1 } });
    const d = await t.caller.runs.byId({ runId: "demo-run-1" });
    expect(d.inngestUrl).toBeNull();
    expect(d.deferredRuns).toEqual([
      { runId: "demo-run-1-cost", inngestUrl: null },
      { runId: "demo-run-1-score", inngestUrl: null },
    ]);
  });
});

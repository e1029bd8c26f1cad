import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { AUTH, PARENT, startTally, type Tally } from "./harness.ts";
import { waitForJob } from "./reprice-support.ts";
import { callProcedure } from "./unpriced-money.ts";

// Issue 22: the monthly statement per customer. November 2026 in Asia/Kolkata (UTC+5:30) is
// [2026-10-31T18:30Z, 2026-11-30T18:30Z): deliveries one minute either side of both edges show the local month.
const FROM = Date.UTC(2026, 9, 31, 18, 30);
const TO = Date.UTC(2026, 10, 30, 18, 30);
const TZ = "Asia/Kolkata";
const INPUT = { customerId: "acme", month: "2026-11", timeZone: TZ };
const UNPRICED = "acme-private-ft-v3";
// gpt-4o: $2.50 / Mtok in, $10 / Mtok out → 1000 in + 100 out = 2,500 + 1,000 = 3,500 micro-USD.
const AGENT_LINE = 3_500;
// The judge (gpt-4o-mini: $0.15 / Mtok in, $0.60 / Mtok out) → 400 in + 60 out = 60 + 36 = 96 micro-USD.
const JUDGE_LINE = 96;

const runs = [
  { id: "st-oct", at: FROM - 60_000, model: "gpt-4o", customer: "acme", judged: true }, // Oct 31 23:59 local: out
  { id: "st-nov1", at: FROM, model: "gpt-4o", customer: "acme", judged: true }, // Nov 1 00:00 local
  { id: "st-nov15", at: Date.UTC(2026, 10, 15, 6), model: "gpt-4o", customer: "acme", judged: false },
  { id: "st-nov16", at: Date.UTC(2026, 10, 15, 20), model: UNPRICED, customer: "acme", judged: true }, // Nov 16 01:30 local
  { id: "st-nov30", at: TO - 60_000, model: "gpt-4o", customer: "acme", judged: false }, // Nov 30 23:59 local
  { id: "st-dec", at: TO, model: "gpt-4o", customer: "acme", judged: true }, // Dec 1 00:00 local: out
  { id: "st-globex", at: Date.UTC(2026, 10, 15, 7), model: "gpt-4o", customer: "globex", judged: true },
];

interface Figures {
  spendMicros: number | null;
  agentSpendMicros: number | null;
  judgeSpendMicros: number | null;
  unpricedCalls: number;
  agentUnpricedCalls: number;
  judgeUnpricedCalls: number;
  runs: number;
}
interface Statement {
  customer: { id: string; name: string | null; budgetMicros: number | null };
  window: { from: number; to: number };
  totals: Figures & { pricedRuns: number };
  budgetUse: number | null;
  models: (Figures & { model: string })[];
  days: (Figures & { date: string; start: number; end: number })[];
  asOf: number;
  restatements: { jobId: string; reason: string; at: number; lines: number; beforeMicros: number | null; afterMicros: number | null; beforeUnpricedCalls: number; afterUnpricedCalls: number }[];
  beforeRestatements: { at: number; lines: number; spendMicros: number | null; unpricedCalls: number } | null;
  lateLines: { lines: number; spendMicros: number | null; unpricedCalls: number; firstAt: number; lastAt: number } | null;
}

describe("spend.statement: a customer's month in a zone", () => {
  let llm: FakeServer;
  let tally: Tally;
  let statement: Statement;

  beforeAll(async () => {
    llm = await fakeChatServer(() => ({ content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }), promptTokens: 400, completionTokens: 60 }));
    tally = await startTally({ JUDGE_BASE_URL: `${llm.url}/v1`, JUDGE_API_KEY: "sk-judge", JUDGE_MODEL: "gpt-4o-mini" });
    for (const [i, r] of runs.entries()) {
      const parent = { ...PARENT, runId: r.id };
      const costs = { model: r.model, promptTokens: 1000, completionTokens: 100, customerId: r.customer, ticketId: `T-${i}` };
      const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input: costs }, parent, { runId: `${r.id}-costs`, ts: r.at });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
      if (!r.judged) continue;
      const score = { response: "Refunded.", model: r.model, ticketId: `T-${i}`, customerId: r.customer };
      const judged = await tally.executor.runDeferred({ fnSlug: "tally-score-agent-output", input: score }, parent, { runId: `${r.id}-score`, ts: r.at });
      expect(judged.status, JSON.stringify(judged.error)).toBe("completed");
    }
    // A pasted id with stray spaces: stored trimmed, as the usage payloads store "acme", so the budget applies.
    await callProcedure(tally, "customers.upsert", "mutation", { id: " acme ", name: "Acme Corp", monthlyBudgetMicros: 20_000 });
    statement = (await callProcedure(tally, "spend.statement", "query", INPUT)) as Statement;
  }, 60_000);
  afterAll(async () => {
    await tally?.close();
    await llm?.close();
  });

  it("covers the local month and sums agent, judge and unpriced usage as computed by hand", () => {
    expect(statement.window).toEqual({ from: FROM, to: TO });
    expect(statement.customer).toEqual({ id: "acme", name: "Acme Corp", budgetMicros: 20_000 });
    expect(statement.totals).toEqual({
      spendMicros: 3 * AGENT_LINE + 2 * JUDGE_LINE,
      agentSpendMicros: 3 * AGENT_LINE,
      judgeSpendMicros: 2 * JUDGE_LINE,
      unpricedCalls: 1,
      agentUnpricedCalls: 1,
      judgeUnpricedCalls: 0,
      runs: 4,
      pricedRuns: 3,
    });
    expect(statement.budgetUse).toBeCloseTo((3 * AGENT_LINE + 2 * JUDGE_LINE) / 20_000, 12);
  });

  it("equals overview.summary for the customer and month", async () => {
    const summary = (await callProcedure(tally, "overview.summary", "query", { from: FROM, to: TO, timeZone: TZ, customerIds: ["acme"] })) as {
      current: { spendMicros: { total: number | null; agent: number | null; judge: number | null }; unpricedCalls: number; agentUnpricedCalls: number; judgeUnpricedCalls: number; runs: number };
    };
    const c = summary.current;
    expect(statement.totals).toMatchObject({
      spendMicros: c.spendMicros.total,
      agentSpendMicros: c.spendMicros.agent,
      judgeSpendMicros: c.spendMicros.judge,
      unpricedCalls: c.unpricedCalls,
      agentUnpricedCalls: c.agentUnpricedCalls,
      judgeUnpricedCalls: c.judgeUnpricedCalls,
      runs: c.runs,
    });
  });

  it("equals a raw-SQL recomputation from the usage lines, in total, per model and per local day", async () => {
    const lines = await sql<{ kind: string; model: string; occurred_at: number; cost_micros: number | null }>`
      select u.kind, r.model as model, u.occurred_at, u.cost_micros
      from usage_costs u join runs r on r.run_id = u.run_id
      where u.customer_id = 'acme' and u.occurred_at >= ${FROM} and u.occurred_at < ${TO}`.execute(tally.db);
    // One row per line, its local day (UTC+5:30, no DST) by date arithmetic here, not the code under test.
    const raw = {
      rows: lines.rows.map((l) => ({
        kind: l.kind,
        model: l.model,
        day: new Date(l.occurred_at + 19_800_000).toISOString().slice(0, 10),
        spend: l.cost_micros ?? 0,
        priced: l.cost_micros === null ? 0 : 1,
        unpriced: l.cost_micros === null ? 1 : 0,
      })),
    };
    const sumOf = (rows: typeof raw.rows, kind: string) => {
      const of = rows.filter((r) => r.kind === kind);
      return { spend: of.some((r) => r.priced > 0) ? of.reduce((a, r) => a + r.spend, 0) : null, unpriced: of.reduce((a, r) => a + r.unpriced, 0) };
    };
    const figures = (rows: typeof raw.rows) => {
      const [agent, judge] = [sumOf(rows, "agent"), sumOf(rows, "judge")];
      return {
        agentSpendMicros: agent.spend,
        judgeSpendMicros: judge.spend,
        spendMicros: agent.spend === null && judge.spend === null ? null : (agent.spend ?? 0) + (judge.spend ?? 0),
        agentUnpricedCalls: agent.unpriced,
        judgeUnpricedCalls: judge.unpriced,
      };
    };
    expect(statement.totals).toMatchObject(figures(raw.rows));
    for (const m of statement.models) expect(m, m.model).toMatchObject(figures(raw.rows.filter((r) => r.model === m.model)));
    expect(statement.models.map((m) => m.model).sort()).toEqual([...new Set(raw.rows.map((r) => r.model))].sort());
    expect(statement.days).toHaveLength(30);
    expect(statement.days[0]).toMatchObject({ date: "2026-11-01", start: FROM, end: FROM + 86_400_000 });
    expect(statement.days.at(-1)).toMatchObject({ date: "2026-11-30", end: TO });
    for (const d of statement.days) expect(d, d.date).toMatchObject(figures(raw.rows.filter((r) => r.day === d.date)));
    // By hand: the four local days with usage.
    const day = (date: string) => statement.days.find((d) => d.date === date)!;
    expect(day("2026-11-01")).toMatchObject({ agentSpendMicros: AGENT_LINE, judgeSpendMicros: JUDGE_LINE, runs: 1 });
    expect(day("2026-11-15")).toMatchObject({ agentSpendMicros: AGENT_LINE, judgeSpendMicros: null, runs: 1 });
    expect(day("2026-11-16")).toMatchObject({ agentSpendMicros: null, agentUnpricedCalls: 1, judgeSpendMicros: JUDGE_LINE, spendMicros: JUDGE_LINE });
    expect(day("2026-11-30")).toMatchObject({ agentSpendMicros: AGENT_LINE, runs: 1 });
    expect(day("2026-11-02")).toMatchObject({ spendMicros: null, unpricedCalls: 0, runs: 0 });
  });

  it("exports the same figures as statement_<customer>_<month>_<zone>.csv", async () => {
    const res = await fetch(`${tally.base}/api/export/statement.csv?input=${encodeURIComponent(JSON.stringify(INPUT))}`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="statement_acme_2026-11_Asia-Kolkata.csv"');
    const [header, ...lines] = (await res.text()).split("\r\n").filter((l) => l !== "");
    const names = header!.split(",");
    const rows = lines.map((l) => Object.fromEntries(l.split(",").map((c, i) => [names[i]!, c])));
    expect(rows.filter((r) => r.section === "day")).toHaveLength(30);
    expect(rows.filter((r) => r.section === "model").map((r) => r.key)).toEqual([UNPRICED, "gpt-4o"]);
    const total = rows.find((r) => r.section === "total")!;
    expect(total).toMatchObject({
      key: "2026-11",
      spend_usd: "0.010692",
      spend_micros: "10692",
      agent_spend_micros: "10500",
      judge_spend_micros: "192",
      unpriced_calls: "1",
      monthly_budget_micros: "20000",
      budget_use: "0.534600",
      customer_id: "acme",
      customer_name: "Acme Corp",
      time_zone: TZ,
    });
    const unpricedModel = rows.find((r) => r.section === "model" && r.key === UNPRICED)!;
    expect(unpricedModel).toMatchObject({ agent_spend_micros: "", agent_unpriced_calls: "1", judge_spend_micros: "96" });
  });

  it("says which repricing restated it after it was read, and what it said before", async () => {
    expect(statement.restatements).toEqual([]);
    expect(statement.beforeRestatements).toBeNull();
    expect(Math.abs(statement.asOf - Date.now())).toBeLessThan(60_000);
    // This test records November in December: every line of the statement came after the month ended. By hand:
    // four agent lines (one unpriced) and two judge lines.
    expect(statement.lateLines).toMatchObject({ lines: 6, spendMicros: 3 * AGENT_LINE + 2 * JUDGE_LINE, unpricedCalls: 1 });
    // gpt-4o at $5 / Mtok in and $20 / Mtok out from Nov 15 (UTC): 1000 in + 100 out = 5,000 + 2,000 = 7,000.
    const from = Date.UTC(2026, 10, 15);
    await callProcedure(tally, "prices.upsert", "mutation", { model: "gpt-4o", provider: "", inputMicrosPerMtok: 5_000_000, outputMicrosPerMtok: 20_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null, effectiveFrom: from });
    // The preview splits the change by local month first: October's line is before the new price, November's
    // four (acme's three, globex's one) are from Nov 1 00:00 local, three of them from Nov 15; December's one.
    const preview = (await callProcedure(tally, "reprice.preview", "query", { model: "gpt-4o", timeZone: TZ })) as { byMonth: { month: string; lines: number; changedLines: number; beforeMicros: number; afterMicros: number }[] };
    expect(preview.byMonth.map((m) => [m.month, m.lines, m.changedLines, m.beforeMicros, m.afterMicros])).toEqual([
      ["2026-12", 1, 1, AGENT_LINE, 7_000],
      ["2026-11", 4, 3, 4 * AGENT_LINE, AGENT_LINE + 3 * 7_000],
      ["2026-10", 1, 0, AGENT_LINE, AGENT_LINE],
    ]);
    const { jobId } = (await callProcedure(tally, "reprice.start", "mutation", { model: "gpt-4o", from, reason: "override" })) as { jobId: string };
    expect((await waitForJob(tally.db, jobId)).status).toBe("done");
    const after = (await callProcedure(tally, "spend.statement", "query", INPUT)) as Statement;
    // acme's gpt-4o agent lines of its local November from Nov 15 UTC: st-nov15 and st-nov30 (st-dec is December
    // there; globex is another customer; the judge answered on gpt-4o-mini).
    expect(after.restatements).toEqual([
      expect.objectContaining({ jobId, reason: "override", lines: 2, beforeMicros: 2 * AGENT_LINE, afterMicros: 2 * 7_000, changeMicros: 2 * 7_000 - 2 * AGENT_LINE, beforeUnpricedCalls: 0, afterUnpricedCalls: 0 }),
    ]);
    expect(after.restatements[0]!.at).toBeGreaterThanOrEqual(statement.asOf);
    expect(after.totals.spendMicros).toBe(statement.totals.spendMicros! + 2 * (7_000 - AGENT_LINE));
    // Just before the job, the statement read as it did before it.
    expect(after.beforeRestatements).toMatchObject({ lines: 6, spendMicros: statement.totals.spendMicros, unpricedCalls: statement.totals.unpricedCalls });

    // A line delivered late (Nov 20, recorded now, after the job) adds to the total and to the late lines, but
    // not to what the statement read before the job.
    const late = await tally.executor.runDeferred(
      { fnSlug: "tally-track-ai-costs", input: { model: "gpt-4o", promptTokens: 1000, completionTokens: 100, customerId: "acme", ticketId: "T-late" } },
      { ...PARENT, runId: "st-late" },
      { runId: "st-late-costs", ts: Date.UTC(2026, 10, 20) },
    );
    expect(late.status, JSON.stringify(late.error)).toBe("completed");
    const withLate = (await callProcedure(tally, "spend.statement", "query", INPUT)) as Statement;
    expect(withLate.totals.spendMicros).toBe(after.totals.spendMicros! + 7_000);
    expect(withLate.beforeRestatements).toEqual(after.beforeRestatements);
    expect(withLate.lateLines).toMatchObject({ lines: 7, spendMicros: after.lateLines!.spendMicros! + 7_000, unpricedCalls: 1 });
    expect(withLate.lateLines!.lastAt).toBeGreaterThan(after.lateLines!.lastAt);
    // The CSV dates its figures the same way.
    const csv = await (await fetch(`${tally.base}/api/export/statement.csv?input=${encodeURIComponent(JSON.stringify(INPUT))}`, { headers: AUTH })).text();
    const [head, ...body] = csv.split("\r\n").filter((l) => l !== "").map((l) => l.split(","));
    const bySection = (section: string) => body.filter((r) => r[0] === section).map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]])));
    expect(bySection("as_of")).toHaveLength(1);
    expect(bySection("before_restatements").map((r) => [r.spend_micros, r.unpriced_calls])).toEqual([[String(statement.totals.spendMicros), "1"]]);
    expect(bySection("restatement").map((r) => [r.key!.split(" ")[0], r.spend_micros])).toEqual([[jobId, String(2 * (7_000 - AGENT_LINE))]]);
    expect(bySection("late_lines").map((r) => [r.key!.split(" ")[0], r.spend_micros, r.unpriced_calls])).toEqual([["7", String(withLate.lateLines!.spendMicros), "1"]]);
    // A price equal to the catalog's from the local month's start: st-nov1's line gets a new price source at the
    // same cost, which changes no figure and restates nothing.
    await callProcedure(tally, "prices.upsert", "mutation", { model: "gpt-4o", provider: "", inputMicrosPerMtok: 2_500_000, outputMicrosPerMtok: 10_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null, effectiveFrom: FROM });
    const same = (await callProcedure(tally, "reprice.start", "mutation", { model: "gpt-4o", from: FROM, to: from, reason: "override" })) as { jobId: string };
    expect((await waitForJob(tally.db, same.jobId)).status).toBe("done");
    const sourceOnly = await tally.db.selectFrom("usage_cost_history").select(["cost_micros_before", "cost_micros_after"]).where("job_id", "=", same.jobId).execute();
    expect(sourceOnly.map((h) => [Number(h.cost_micros_before), Number(h.cost_micros_after)])).toEqual([[AGENT_LINE, AGENT_LINE]]);
    const again = (await callProcedure(tally, "spend.statement", "query", INPUT)) as Statement;
    expect(again.restatements.map((r) => r.jobId)).toEqual([jobId]);
    expect(again.totals).toEqual(withLate.totals);
    // Another customer's statement is not restated by lines that are not its own.
    const globex = (await callProcedure(tally, "spend.statement", "query", { ...INPUT, customerId: "globex" })) as Statement;
    expect(globex.restatements.map((r) => [r.lines, r.beforeMicros, r.afterMicros])).toEqual([[1, AGENT_LINE, 7_000]]);
  });

  it("names the field of a bad input", async () => {
    for (const [field, input] of [
      ["month", { ...INPUT, month: "2026-13" }],
      ["timeZone", { ...INPUT, timeZone: "Mars/Olympus" }],
    ] as const) {
      const res = await fetch(`${tally.base}/api/trpc/spend.statement?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { data: { zodError: { fieldErrors: Record<string, string[]> } } } };
      expect(Object.keys(body.error.data.zodError.fieldErrors)).toEqual([field]);
      const csv = await fetch(`${tally.base}/api/export/statement.csv?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
      expect(csv.status).toBe(400);
    }
  });
});

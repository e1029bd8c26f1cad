import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPasswordUser } from "../src/auth/accounts.ts";
import { createApiKey } from "../src/auth/api-keys.ts";
import { SYSTEM } from "../src/auth/principal.ts";
import { startReprice } from "../src/reprice/jobs.ts";
import { enqueueReview } from "@tally/inngest-functions";
import { createAlertChannel, createAlertRule } from "../src/queries/alerts.ts";
import { waitForJob } from "./reprice-support.ts";
import { TABLES } from "../src/export/handler.ts";
import { appRouter } from "../src/trpc/root.ts";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { callProcedure, type Delivery, deliver, eachMoney, isMoneyColumn, readCsv, WINDOW } from "./unpriced-money.ts";

// Issue 17 §2: unpriced is never 0, anywhere. Every procedure of the app router and every CSV export is read
// over HTTP from a database whose usage is all unpriced (agent and judge models genai-prices does not know,
// no overrides): any money value that is 0 there is a lie, since nothing was priced.

const AGENT = "acme-private-ft-v3";
const JUDGE = "acme-private-judge";

/** Inputs per procedure. A procedure missing here fails the test: every new one must be walked. */
const INPUTS: Record<string, unknown[]> = {
  "overview.summary": [WINDOW, { ...WINDOW, models: [AGENT] }, { ...WINDOW, customerIds: ["acme"] }],
  "spend.timeseries": [
    { ...WINDOW, bucket: "hour", splitBy: "model" },
    { ...WINDOW, bucket: "day", splitBy: "customer" },
    { ...WINDOW, bucket: "day", splitBy: "customer", top: 1 },
    { ...WINDOW, bucket: "day", splitBy: "function" },
    { ...WINDOW, bucket: "day", splitBy: "tag", tagKey: "plan" },
  ],
  "spend.byDimension": [{ ...WINDOW, dimension: "function" }, { ...WINDOW, dimension: "tag", tagKey: "plan", customerIds: ["acme"] }],
  "quality.byDimension": [{ ...WINDOW, dimension: "function" }, { ...WINDOW, dimension: "tag", tagKey: "plan" }],
  "dimensions.list": [{}],
  "spend.byCustomer": [{ ...WINDOW, limit: 500 }, { ...WINDOW, limit: 1, sort: "costPerRun" }, { ...WINDOW, sparklines: false }],
  "spend.byModel": [{ ...WINDOW, limit: 500 }, { ...WINDOW, models: [AGENT] }],
  "spend.statement": [{ customerId: "acme", month: "2026-06", timeZone: "UTC" }, { customerId: "acme", month: "2026-06", timeZone: "Asia/Kolkata" }],
  "quality.trend": [{ ...WINDOW, bucket: "hour" }, { ...WINDOW, bucket: "hour", corrected: true }],
  "quality.compareModels": [{ ...WINDOW, baselineModel: AGENT }],
  "quality.costVsQuality": [{ ...WINDOW, scoreName: "helpfulness", threshold: 0.5 }],
  "quality.agreement": [WINDOW, { ...WINDOW, models: [AGENT] }],
  "runs.list": [{ ...WINDOW, limit: 500 }, { ...WINDOW, limit: 500, sort: "cost-asc" }],
  "runs.scoreNames": [undefined],
  "runs.byId": [{ runId: "walk-run-0" }, { runId: "walk-run-3" }],
  "customers.list": [undefined],
  "customers.upsert": [{ id: "acme", name: "Acme", monthlyBudgetMicros: 5_000_000 }],
  "prices.list": [{}],
  // A price for a model no usage names: it prices nothing already recorded.
  "prices.upsert": [{ model: "walk-other-model", inputMicrosPerMtok: 2_500_000, outputMicrosPerMtok: 10_000_000, effectiveFrom: 0 }],
  // Overrides of a model no usage names; a repricing of the unpriced model changes nothing and stays null.
  "prices.update": [{ model: "walk-other-model", effectiveFrom: 0, values: { inputMicrosPerMtok: 3_000_000, outputMicrosPerMtok: 10_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null } }],
  "prices.remove": [{ model: "walk-other-model", effectiveFrom: 0 }],
  "prices.history": [{}],
  "prices.catalog": [undefined],
  "prices.refreshCatalog": [undefined],
  "prices.firstUnpriced": [{ model: AGENT }, { model: JUDGE }],
  "reprice.preview": [{ model: AGENT }, { model: JUDGE }],
  "reprice.start": [{ model: AGENT, reason: "manual" }],
  "reprice.jobs": [undefined],
  "system.status": [undefined],
  "judge.status": [undefined],
  "judge.sampling.list": [undefined],
  "judge.sampling.set": [{ scope: "model", key: AGENT, rate: 0.5 }],
  "judge.sampling.remove": [{ scope: "model", key: AGENT }],
  "alerts.rules.list": [undefined],
  "alerts.rules.create": [{ kind: "spend_over", name: "walk", params: { amountMicros: 1_000_000, windowHours: 24 } }],
  "alerts.channels.list": [undefined],
  "alerts.channels.create": [{ kind: "webhook", name: "walk", url: "https://hooks.example.com/walk" }],
  "alerts.state": [undefined],
  "alerts.history": [{}],
  // acme has a $5 budget (customers.upsert, walked before) and only unpriced calls in June: use unknown, no forecast.
  "alerts.budgets": [WINDOW],
  "reviews.queue": [{ status: "all" }, { status: "pending", model: AGENT }],
  "reviews.sampling.list": [undefined],
  "reviews.sampling.set": [{ name: "tone", rate: 0.5, threshold: 2 }],
  "reviews.sampling.remove": [{ name: "tone" }],
};

/** The access procedures (no spend in them, walked all the same), on an account and a key made for the walk. */
const accessInputs = (userId: string, keyId: string): Record<string, unknown[]> => ({
  "system.me": [undefined],
  "users.list": [undefined],
  "users.invite": [{ email: "walk-invite@example.com", role: "viewer" }],
  "users.invitations": [undefined],
  "users.revokeInvitation": [{ email: "walk-invite@example.com" }], // the walk's invitation, made just before
  "users.setRole": [{ userId, role: "finance" }],
  "users.remove": [{ userId }],
  "apiKeys.list": [undefined],
  "apiKeys.create": [{ name: "walk key", role: "viewer" }],
  "apiKeys.revoke": [{ id: keyId }],
  "audit.list": [{}, { action: "customers.upsert" }],
});

/** Exports that carry no spend column: the audit log (prices and budgets as they were set, in JSON cells). */
const NO_SPEND_EXPORTS = ["audit", "reviews"];

/** Money every walk must see (as null): the walk would prove nothing if these were missing. */
const MUST_SEE = [
  "overview.summary current.spendMicros.total",
  "overview.summary current.spendMicros.agent",
  "overview.summary current.spendMicros.judge",
  "overview.summary current.costPerRunMicros",
  "spend.timeseries series[].totalMicros",
  "spend.timeseries series[].points[]",
  "spend.timeseries other.totalMicros",
  "spend.byCustomer totals.spendMicros",
  "spend.byCustomer rows[].agentSpendMicros",
  "spend.byCustomer rows[].judgeSpendMicros",
  "spend.byCustomer rows[].costPerRunMicros",
  "spend.byCustomer rows[].share",
  "spend.byCustomer rows[].sparkline[]",
  "spend.byModel rows[].spendMicros",
  "spend.byModel rows[].agentSpendMicros",
  "spend.byModel rows[].judgeSpendMicros",
  "spend.byModel rows[].costPerRunMicros",
  "spend.byModel judgeModels[].spendMicros",
  "spend.statement totals.spendMicros",
  "spend.statement totals.judgeSpendMicros",
  "spend.statement models[].agentSpendMicros",
  "spend.statement days[].spendMicros",
  "quality.costVsQuality rows[].agentSpendMicros",
  "quality.costVsQuality rows[].costPerRunMicros",
  "quality.costVsQuality rows[].costPerPassingRunMicros",
  "quality.costVsQuality rows[].judgeSpendMicros",
  "quality.costVsQuality rows[].judgeCostPerScoredRunMicros",
  "judge.status todayMicros",
  "runs.list items[].costMicros",
  "runs.list items[].agentCostMicros",
  "runs.list items[].judgeCostMicros",
  "runs.byId costs[].costMicros",
  "reprice.preview beforeMicros",
  "reprice.preview afterMicros",
  "reprice.preview deltaMicros",
  "reprice.preview byCustomer[].deltaMicros",
  "reprice.preview byModel[].afterMicros",
  "reprice.jobs [].beforeMicros",
  "reprice.job afterMicros",
  "alerts.budgets rows[].spentMicros",
];

describe("with only unpriced usage, no procedure and no CSV shows a 0", () => {
  let llm: FakeServer;
  let tally: Tally;
  let inputs: Record<string, unknown[]>;
  const runs: Delivery[] = Array.from({ length: 6 }, (_, i) => ({
    runId: `walk-run-${i}`,
    model: AGENT,
    customerId: i < 4 ? "acme" : "globex",
    promptTokens: 1000 + i,
    completionTokens: 100 + i,
    judged: i % 2 === 0,
  }));

  beforeAll(async () => {
    llm = await fakeChatServer(() => ({ content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }), promptTokens: 400, completionTokens: 60 }));
    tally = await startTally({ JUDGE_BASE_URL: `${llm.url}/v1`, JUDGE_API_KEY: "sk-judge", JUDGE_MODEL: JUDGE, TALLY_TAG_KEYS: "plan" });
    await deliver(tally, runs);
    const now = Date.now();
    const user = await createPasswordUser(tally.db, SYSTEM, { email: "walk-user@example.com", name: "Walk", role: "viewer", password: "walk user password 1" }, now);
    const key = await createApiKey(tally.db, SYSTEM, { name: "walk key to revoke", role: "viewer" }, now);
    const job = await startReprice(tally.db, SYSTEM, { model: JUDGE, reason: "manual" }, now);
    await enqueueReview(tally.db, { id: "walk-review-item", runId: "walk-run-0", model: AGENT, customerId: "acme", judgeModel: JUDGE, rubricVersion: "v", reason: "sample", output: "out", occurredAt: now, now });
    expect((await waitForJob(tally.db, job.jobId)).status).toBe("done");
    const rule = (name: string) => createAlertRule(tally.db, SYSTEM, { kind: "unpriced", name, params: { windowHours: 24 }, enabled: true }, now);
    const channel = (name: string) => createAlertChannel(tally.db, SYSTEM, { kind: "slack", name, url: "https://hooks.slack.com/services/walk" }, now);
    const alertIds = { rule: (await rule("walk update")).id, ruleGone: (await rule("walk remove")).id, channel: (await channel("walk update")).id, channelGone: (await channel("walk remove")).id };
    inputs = {
      ...INPUTS,
      ...accessInputs(user.id, key.key.id),
      "reprice.job": [{ id: job.jobId }],
      "reviews.item": [{ id: "walk-review-item" }],
      "reviews.submit": [{ itemId: "walk-review-item", verdict: "bad", note: "walked" }],
      "alerts.rules.update": [{ id: alertIds.rule, enabled: false }],
      "alerts.rules.remove": [{ id: alertIds.ruleGone }],
      "alerts.channels.update": [{ id: alertIds.channel, name: "walk renamed" }],
      "alerts.channels.remove": [{ id: alertIds.channelGone }],
    };
  }, 60_000);
  afterAll(async () => {
    await tally.close();
    await llm.close();
  });

  it("stored every line unpriced (the premise)", async () => {
    const lines = await tally.db.selectFrom("usage_costs").select(["kind", "cost_micros"]).execute();
    expect(lines.filter((l) => l.kind === "agent")).toHaveLength(6);
    expect(lines.filter((l) => l.kind === "judge")).toHaveLength(3);
    expect(lines.every((l) => l.cost_micros === null)).toBe(true);
  });

  it("answers null, never 0, for every money field of every procedure, with the unpriced count beside it", async () => {
    const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures;
    expect(Object.keys(procedures).filter((p) => !(p in inputs)), "procedures without walk inputs").toEqual([]);
    const zeros: string[] = [];
    const seen = new Set<string>();
    const answers: Record<string, unknown[]> = {};
    for (const [path, proc] of Object.entries(procedures)) {
      for (const input of inputs[path]!) {
        const data = await callProcedure(tally, path, proc._def.type, input);
        answers[path] ??= [];
        answers[path].push(data);
        eachMoney(data, (at, value) => {
          seen.add(`${path} ${at}`);
          if (value === 0) zeros.push(`${path} ${JSON.stringify(input)} ${at}`);
        });
      }
    }
    expect(zeros).toEqual([]);
    expect(MUST_SEE.filter((p) => !seen.has(p)), "money the walk never reached").toEqual([]);

    // The counts say what is missing: 6 agent calls and 3 judge calls, none priced.
    const summary = answers["overview.summary"]![0] as { current: Record<string, unknown> };
    expect(summary.current).toMatchObject({
      spendMicros: { total: null, agent: null, judge: null },
      runs: 6,
      pricedRuns: 0,
      costPerRunMicros: null,
      unpricedCalls: 9,
      agentUnpricedCalls: 6,
      judgeUnpricedCalls: 3,
    });
    // The judge's calls belong to the model it judged (issue 17 §3); the judge's own model is a breakdown apart.
    for (const byModel of answers["spend.byModel"]! as { rows: Record<string, unknown>[]; judgeModels: unknown[] }[]) {
      expect(byModel.rows.map((r) => [r.model, r.agentUnpricedCalls, r.judgeUnpricedCalls, r.pricedRuns, r.judgeSpendMicros])).toEqual([[AGENT, 6, 3, 0, null]]);
      expect(byModel.judgeModels).toEqual([{ model: JUDGE, spendMicros: null, unpricedCalls: 3, calls: 3 }]);
    }
    const series = answers["spend.timeseries"]![1] as { series: { key: string; totalMicros: unknown; unpricedCalls: number }[] };
    expect(series.series.map((s) => [s.key, s.totalMicros, s.unpricedCalls])).toEqual([
      ["acme", null, 6],
      ["globex", null, 3],
    ]);
    const cvq = answers["quality.costVsQuality"]![0] as { rows: Record<string, unknown>[] };
    // The judge's 3 unpriced calls on the agent's runs: its spend on them unknown, not $0.
    expect(cvq.rows.find((r) => r.model === AGENT)).toMatchObject({
      agentSpendMicros: null,
      unpricedCalls: 6,
      pricedRuns: 0,
      runs: 6,
      scoredRuns: 3,
      judgeSpendMicros: null,
      judgeUnpricedCalls: 3,
      judgeCostPerScoredRunMicros: null,
    });
  }, 30_000);

  it("leaves every money cell of every CSV export empty, never 0", async () => {
    const statement = { customerId: "acme", month: "2026-06", timeZone: "UTC" };
    const windows: Record<string, unknown> = { "spend-by-customer": WINDOW, "spend-by-model": WINDOW, runs: WINDOW, statement, "statement-lines": statement };
    const spendTables = Object.keys(TABLES).filter((t) => !NO_SPEND_EXPORTS.includes(t));
    expect(spendTables.filter((t) => !(t in windows)), "exports without walk inputs").toEqual([]);
    for (const table of NO_SPEND_EXPORTS) {
      const res = await fetch(`${tally.base}/api/export/${table}.csv?input=%7B%7D`, { headers: AUTH });
      expect(res.status, table).toBe(200);
      expect((await res.text()).split("\r\n")[0]!.split(",").filter(isMoneyColumn), table).toEqual([]);
    }
    for (const table of spendTables) {
      const rows = await readCsv(tally, table, windows[table]);
      expect(rows.length, table).toBeGreaterThan(0);
      const money = Object.keys(rows[0]!).filter(isMoneyColumn);
      expect(money.length, table).toBeGreaterThan(0);
      const zeros = rows.flatMap((r) => money.filter((c) => /^0(\.0*)?$/.test(r[c]!)).map((c) => `${table} ${c}`));
      expect(zeros).toEqual([]);
      // Budgets are set, not spent: a budget column holds the budget whatever is priced.
      for (const r of rows) for (const c of money.filter((m) => !m.endsWith("budget_micros"))) expect(r[c], `${table} ${c}`).toBe("");
    }
    const byCustomer = await readCsv(tally, "spend-by-customer", WINDOW);
    expect(byCustomer.map((r) => [r.customer_id, r.agent_unpriced_calls, r.judge_unpriced_calls, r.unpriced_calls, r.priced_runs])).toEqual([
      ["acme", "4", "2", "6", "0"],
      ["globex", "2", "1", "3", "0"],
    ]);
  });
});

import { recordUsage, type RunRef } from "@tally/inngest-functions";
import { Migrator } from "kysely";
import { fillCalendars, migrate, migrationProvider } from "@tally/shared/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM } from "../auth/principal.ts";
import { startReprice } from "../reprice/jobs.ts";
import { repriceBatch } from "../reprice/runner.ts";
import { rollupMismatches } from "../../test/reprice-support.ts";
import { openTestDb, PRICE, seedPrices, type TestDb, UNPRICED } from "./test-support.ts";

/**
 * Cost per run divides by priced runs, each run once: a run that calls two models (an agent and a triage
 * call) is one run on the Overview and for its customer, function and tag, and one run of each model in the
 * model rows. Expected figures from the lines written here, priced by PRICE (micro-USD per token).
 */
const HOUR = 3_600_000;
const START = Date.UTC(2026, 4, 4, 9);
const WINDOW = { from: START - HOUR, to: START + 24 * HOUR, timeZone: "UTC" };
const MAIN = "acme-large";
const TRIAGE = "acme-small";
let t: TestDb;

const ref = (runId: string, customerId: string, at: number): RunRef => ({ runId, functionSlug: "support-agent", model: MAIN, customerId, occurredAt: at, now: at + 1000 });
const line = (runId: string, model: string, input: number, output: number) => ({
  key: `${runId}-${model}`,
  deferredRunId: `${runId}-${model}`,
  kind: "agent" as const,
  model,
  usage: { input_tokens: input, output_tokens: output, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
});
const cost = (model: keyof typeof PRICE, input: number, output: number) => input * PRICE[model].in + output * PRICE[model].out;

// r1: the main model and a triage call; r2: the main model alone; r3: an unpriced model alone (acme); r4: triage alone (globex).
const SPEND = cost(MAIN, 1000, 200) + cost(TRIAGE, 300, 20) + cost(MAIN, 800, 100) + cost(TRIAGE, 500, 50);

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  await recordUsage(t.db, ref("r1", "acme", START), line("r1", MAIN, 1000, 200));
  await recordUsage(t.db, ref("r1", "acme", START), line("r1", TRIAGE, 300, 20));
  // A redelivery of r1's triage line changes nothing.
  await recordUsage(t.db, ref("r1", "acme", START), line("r1", TRIAGE, 300, 20));
  await recordUsage(t.db, ref("r2", "acme", START + HOUR), line("r2", MAIN, 800, 100));
  await recordUsage(t.db, ref("r3", "acme", START + 2 * HOUR), line("r3", UNPRICED, 400, 40));
  await recordUsage(t.db, ref("r4", "globex", START + 3 * HOUR), line("r4", TRIAGE, 500, 50));
}, 120_000);
afterAll(() => t.close());

describe("priced runs, each run once", () => {
  it("Overview: 3 priced runs of 4 (r3's only line is unpriced), cost per run = spend / 3", async () => {
    const { current } = await t.caller.overview.summary(WINDOW);
    expect(current).toMatchObject({ runs: 4, pricedRuns: 3, costPerRunMicros: Math.round(SPEND / 3) });
    expect(current.spendMicros.total).toBe(SPEND);
  });

  it("by customer and by function: each run once; by model: the runs with a priced line of that model", async () => {
    const customers = await t.caller.spend.byCustomer({ ...WINDOW, sort: "customerId", direction: "asc", limit: 10 });
    expect(customers.rows.map((r) => [r.customerId, r.runs, r.pricedRuns])).toEqual([["acme", 3, 2], ["globex", 1, 1]]);
    const fn = await t.caller.spend.byDimension({ ...WINDOW, dimension: "function", limit: 10 });
    expect(fn.rows.map((r) => [r.value, r.runs, r.pricedRuns])).toEqual([["support-agent", 4, 3]]);
    const models = await t.caller.spend.byModel({ ...WINDOW, sort: "model", direction: "asc", limit: 10 });
    const priced = Object.fromEntries(models.rows.map((r) => [r.model, r.pricedRuns]));
    expect(priced).toEqual({ [MAIN]: 2, [TRIAGE]: 2, [UNPRICED]: 0 });
    expect(models.rows.find((r) => r.model === TRIAGE)?.costPerRunMicros).toBe(Math.round((cost(TRIAGE, 300, 20) + cost(TRIAGE, 500, 50)) / 2));
    // Under a model filter every figure counts the runs with a priced line of that model, each once: r1 (acme) and
    // r4 (globex) called the triage model beside their own (every run here is the main model's).
    expect((await t.caller.overview.summary({ ...WINDOW, models: [TRIAGE] })).current.pricedRuns).toBe(2);
    const triage = { ...WINDOW, models: [TRIAGE] };
    const byCustomer = await t.caller.spend.byCustomer({ ...triage, sort: "customerId", direction: "asc", limit: 10 });
    expect(byCustomer.rows.map((r) => [r.customerId, r.pricedRuns, r.costPerRunMicros])).toEqual([
      ["acme", 1, cost(TRIAGE, 300, 20)],
      ["globex", 1, cost(TRIAGE, 500, 50)],
    ]);
    const byFunction = await t.caller.spend.byDimension({ ...triage, dimension: "function", limit: 10 });
    expect(byFunction.rows.map((r) => [r.value, r.pricedRuns, r.costPerRunMicros])).toEqual([["support-agent", 2, Math.round((cost(TRIAGE, 300, 20) + cost(TRIAGE, 500, 50)) / 2)]]);
  });

  it("a repricing that prices r3's model makes r3 a priced run; removing the price takes it out again", async () => {
    const reprice = async () => {
      const { jobId } = await startReprice(t.db, SYSTEM, { model: UNPRICED, reason: "manual" }, START + 48 * HOUR);
      while ((await repriceBatch(t.db, jobId, 100, START + 48 * HOUR)) === "more");
    };
    await t.caller.prices.upsert({ model: UNPRICED, inputMicrosPerMtok: 2_000_000, outputMicrosPerMtok: 2_000_000, effectiveFrom: 0 });
    await reprice();
    expect((await t.caller.overview.summary(WINDOW)).current).toMatchObject({ pricedRuns: 4, costPerRunMicros: Math.round((SPEND + 2 * 440) / 4) });
    expect((await t.caller.spend.byCustomer({ ...WINDOW, sort: "customerId", direction: "asc", limit: 10 })).rows[0]).toMatchObject({ customerId: "acme", pricedRuns: 3 });
    expect(await rollupMismatches(t.db)).toEqual([]);

    await t.caller.prices.remove({ model: UNPRICED, effectiveFrom: 0 });
    await reprice();
    expect((await t.caller.overview.summary(WINDOW)).current).toMatchObject({ pricedRuns: 3, costPerRunMicros: Math.round(SPEND / 3) });
    expect(await rollupMismatches(t.db)).toEqual([]);
  });
});

/**
 * A model's cost per run counts each run once however many lines of the model it reports (README: an agent
 * that calls a model several times defers track-costs-1, track-costs-2, …). The count sits on the run's first
 * priced line of the model (earliest time, then id) and moves when an earlier line arrives late or a
 * repricing prices or unprices lines; the rollups equal the raw rows after each step.
 */
describe("priced runs of a model, each run once", () => {
  const DAY3 = START + 72 * HOUR;
  const LATER = { from: DAY3 - HOUR, to: DAY3 + 24 * HOUR, timeZone: "UTC" };
  const MYSTERY = "zz-mystery-model";
  const call = (runId: string, n: number, model: string, input: number, output: number) => ({ ...line(runId, model, input, output), key: `${runId}-${model}-${n}`, deferredRunId: `${runId}-${model}-${n}` });
  const modelRow = async (model: string) => (await t.caller.spend.byModel({ ...LATER, sort: "model", direction: "asc", limit: 10 })).rows.find((r) => r.model === model);
  const reprice = async (model: string) => {
    const { jobId } = await startReprice(t.db, SYSTEM, { model, reason: "manual" }, DAY3 + 48 * HOUR);
    while ((await repriceBatch(t.db, jobId, 100, DAY3 + 48 * HOUR)) === "more");
  };

  it("three calls of one model in a run are one run of it; a call recorded late but earlier takes the count over", async () => {
    // r5: its second and third calls arrive first, its first call (10 minutes earlier) last. r6: one call.
    await recordUsage(t.db, ref("r5", "acme", DAY3 + 600_000), call("r5", 2, MAIN, 1000, 100));
    await recordUsage(t.db, ref("r5", "acme", DAY3 + 1_200_000), call("r5", 3, MAIN, 2000, 100));
    await recordUsage(t.db, ref("r5", "acme", DAY3), call("r5", 1, MAIN, 500, 50));
    await recordUsage(t.db, ref("r5", "acme", DAY3), call("r5", 1, MAIN, 500, 50)); // a redelivery
    await recordUsage(t.db, ref("r6", "acme", DAY3 + 2 * HOUR), call("r6", 1, MAIN, 700, 70));
    const spend = cost(MAIN, 1000, 100) + cost(MAIN, 2000, 100) + cost(MAIN, 500, 50) + cost(MAIN, 700, 70);
    expect(await modelRow(MAIN)).toMatchObject({ pricedRuns: 2, runs: 2, costPerRunMicros: Math.round(spend / 2) });
    expect((await t.caller.overview.summary({ ...LATER, models: [MAIN] })).current).toMatchObject({ pricedRuns: 2, costPerRunMicros: Math.round(spend / 2) });
    const [usage] = await t.db.selectFrom("rollup_usage_15m").select((eb) => eb.fn.sum<number>("priced_runs").as("n")).where("bucket", ">=", DAY3).where("model", "=", MAIN).execute();
    expect(Number(usage?.n)).toBe(2);
    expect(await rollupMismatches(t.db)).toEqual([]);
  });

  it("a repricing that prices a run's later call first, then its earlier one, then neither: one run, then none", async () => {
    // r7 calls an unknown model twice, an hour apart.
    await recordUsage(t.db, ref("r7", "globex", DAY3 + 4 * HOUR), call("r7", 1, MYSTERY, 100, 10));
    await recordUsage(t.db, ref("r7", "globex", DAY3 + 5 * HOUR), call("r7", 2, MYSTERY, 200, 20));
    expect(await modelRow(MYSTERY)).toMatchObject({ pricedRuns: 0, costPerRunMicros: null, agentUnpricedCalls: 2 });
    // Priced from between the two calls: only the later one has a price.
    await t.caller.prices.upsert({ model: MYSTERY, inputMicrosPerMtok: 3_000_000, outputMicrosPerMtok: 3_000_000, effectiveFrom: DAY3 + 4.5 * HOUR });
    await reprice(MYSTERY);
    expect(await modelRow(MYSTERY)).toMatchObject({ pricedRuns: 1, costPerRunMicros: 3 * 220, agentUnpricedCalls: 1 });
    expect(await rollupMismatches(t.db)).toEqual([]);
    // Priced from the start as well: both calls, still one run (the count moves to the earlier call).
    await t.caller.prices.upsert({ model: MYSTERY, inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 1_000_000, effectiveFrom: 0 });
    await reprice(MYSTERY);
    expect(await modelRow(MYSTERY)).toMatchObject({ pricedRuns: 1, costPerRunMicros: 110 + 3 * 220, agentUnpricedCalls: 0 });
    expect(await rollupMismatches(t.db)).toEqual([]);
    await t.caller.prices.remove({ model: MYSTERY, effectiveFrom: 0 });
    await t.caller.prices.remove({ model: MYSTERY, effectiveFrom: DAY3 + 4.5 * HOUR });
    await reprice(MYSTERY);
    expect(await modelRow(MYSTERY)).toMatchObject({ pricedRuns: 0, costPerRunMicros: null, agentUnpricedCalls: 2 });
    expect(await rollupMismatches(t.db)).toEqual([]);
  });

  it("migration 0026 counts them from the raw lines on a database written before it", { timeout: 120_000 }, async () => {
    await t.caller.prices.upsert({ model: MYSTERY, inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 1_000_000, effectiveFrom: 0 });
    await reprice(MYSTERY);
    const migrator = new Migrator({ db: t.db, provider: migrationProvider });
    expect((await migrator.migrateTo("0025-priced-runs")).error).toBeUndefined();
    await migrate(t.db);
    await fillCalendars(t.db);
    expect(await rollupMismatches(t.db)).toEqual([]);
    expect(await modelRow(MAIN)).toMatchObject({ pricedRuns: 2 });
    expect(await modelRow(MYSTERY)).toMatchObject({ pricedRuns: 1, costPerRunMicros: 330 });
  });
});

import { recordUsage, type RunRef } from "@tally/inngest-functions";
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
    // Under a model filter the Overview counts that model's runs.
    expect((await t.caller.overview.summary({ ...WINDOW, models: [TRIAGE] })).current.pricedRuns).toBe(2);
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

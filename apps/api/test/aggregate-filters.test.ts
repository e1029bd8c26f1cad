import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTagKeys } from "@tally/shared/db";
import { seedRun } from "../src/queries/test-support.ts";
import { call, data } from "./access-client.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";

// Issue 20 over HTTP: functionSlugs and tags filter every aggregate (they were refused with a 400 before);
// what cannot be read is a 400 naming the field: two tag keys in one aggregate, a key that is not promoted
// (TALLY_TAG_KEYS), one still being filled, a function with a tag (no rollup keeps both).
const T0 = Date.UTC(2026, 4, 4, 10);
const WINDOW = { from: T0 - 86_400_000, to: T0 + 86_400_000, timeZone: "UTC" };
const AGGREGATES: [string, Record<string, unknown>][] = [
  ["overview.summary", {}],
  ["spend.byModel", {}],
  ["spend.byCustomer", {}],
  ["spend.timeseries", { bucket: "hour" }],
  ["quality.trend", { bucket: "hour" }],
  ["quality.compareModels", { baselineModel: "gpt-4o" }],
  ["quality.costVsQuality", { scoreName: "helpfulness", threshold: 0.5 }],
];

describe("aggregate filters by function and tag", () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally({ TALLY_TAG_KEYS: "env" });
    const run = { model: "gpt-4o", agent: { in: 100, out: 10 }, scores: { helpfulness: 0.8 }, judge: { in: 10, out: 1 } };
    await seedRun(tally.db, { ...run, runId: "r-prod", customerId: "acme", functionSlug: "support", tags: { env: "prod" }, occurredAt: T0 });
    await seedRun(tally.db, { ...run, runId: "r-dev", customerId: "acme", functionSlug: "triage", tags: { env: "dev" }, occurredAt: T0 + 60_000 });
    await seedRun(tally.db, { ...run, runId: "r-none", customerId: "initech", functionSlug: "support", occurredAt: T0 + 120_000 });
    // `plan` promoted on a database with data: pending (nothing asks the keeper to fill it in this test).
    await syncTagKeys(tally.db, ["env", "plan"]);
  });
  afterAll(() => tally.close());

  const ask = (path: string, input: Record<string, unknown>) => call(tally, path, "query", { ...WINDOW, ...input }, AUTH);

  it.each(AGGREGATES)("%s takes functionSlugs and one promoted tag, alone or with a model and customer", async (path, extra) => {
    for (const filter of [{ functionSlugs: ["support"] }, { tags: { env: "prod" } }, { tags: { env: "" } }, { tags: { env: "dev" }, customerIds: ["acme"], models: ["gpt-4o"] }]) {
      expect((await ask(path, { ...extra, ...filter })).status, `${path} ${JSON.stringify(filter)}`).toBe(200);
    }
  });

  it("the filters select the runs they name", async () => {
    const runs = async (filter: object) => (await data(tally, "overview.summary", "query", { ...WINDOW, ...filter }, AUTH)).current.runs;
    expect([await runs({}), await runs({ functionSlugs: ["support"] }), await runs({ tags: { env: "prod" } }), await runs({ tags: { env: "" } })]).toEqual([3, 2, 1, 1]);
    expect(await runs({ functionSlugs: ["triage"], customerIds: ["acme"], models: ["gpt-4o"] })).toBe(1);
    // The drill-down from an "untagged" row lists the runs that row counts.
    const listed = async (tags: Record<string, string>) => {
      const page = await data(tally, "runs.list", "query", { ...WINDOW, tags, limit: 50 }, AUTH);
      return [page.total, page.items.map((r: { runId: string }) => r.runId)];
    };
    expect(await listed({ env: "" })).toEqual([1, ["r-none"]]);
    expect(await listed({ env: "prod" })).toEqual([1, ["r-prod"]]);
  });

  it.each(AGGREGATES)("%s refuses what no rollup can answer, naming the field", async (path, extra) => {
    const refused = async (input: Record<string, unknown>, field: string, message: RegExp) => {
      const { status, body } = await ask(path, { ...extra, ...input });
      expect(status, `${path} ${JSON.stringify(input)}`).toBe(400);
      expect(body.error.data.zodError.fieldErrors[field]?.[0], `${path} ${JSON.stringify(body.error)}`).toMatch(message);
    };
    await refused({ tags: { env: "prod", plan: "pro" } }, "tags", /^aggregates filter on one promoted tag at a time; runs\.list takes any$/);
    await refused({ tags: { color: "red" } }, "tags", /^tag 'color' is not a promoted tag \(TALLY_TAG_KEYS\)$/);
    await refused({ tags: { plan: "pro" } }, "tags", /^tag 'plan' is still being filled \(\d+% done\)$/);
    await refused({ tags: { env: "prod" }, functionSlugs: ["support"] }, "functionSlugs", /not both; runs\.list takes both/);
  });
});

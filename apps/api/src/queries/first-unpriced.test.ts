import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "../trpc/root.ts";
import { openTestDb, RUN_URL, seedPrices, seedRuns, type TestDb, UNPRICED } from "./test-support.ts";

/**
 * prices.firstUnpriced: where a new override must start for "Reprice history" to price all of a model's unpriced
 * usage (the Overview's "Price <model>" link opens the form with it). Expected days from the runs written here.
 */
const DAY = 86_400_000;
const START = Date.UTC(2026, 3, 10);
let t: TestDb;

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  await seedRuns(t.db, [
    // The unpriced model's first line late on day 2 (23:50 UTC), more on day 5; a priced model earlier still.
    { runId: "p-0", model: "acme-large", occurredAt: START + 10 * 60_000, agent: { in: 100, out: 10 } },
    { runId: "u-1", model: UNPRICED, occurredAt: START + 2 * DAY + 23 * 3_600_000 + 50 * 60_000, agent: { in: 100, out: 10 } },
    { runId: "u-2", model: UNPRICED, occurredAt: START + 5 * DAY + 3_600_000, agent: { in: 100, out: 10 } },
  ]);
}, 120_000);
afterAll(() => t.close());

describe("prices.firstUnpriced", () => {
  it("is the start of the UTC day of the model's first unpriced line, whatever case the model is asked in", async () => {
    expect(await t.caller.prices.firstUnpriced({ model: UNPRICED })).toEqual({ model: UNPRICED, at: START + 2 * DAY });
    expect(await t.caller.prices.firstUnpriced({ model: ` ${UNPRICED.toUpperCase()} ` })).toEqual({ model: UNPRICED, at: START + 2 * DAY });
  });

  it("is null for a model whose usage is all priced, or that has none", async () => {
    expect(await t.caller.prices.firstUnpriced({ model: "acme-large" })).toEqual({ model: "acme-large", at: null });
    expect(await t.caller.prices.firstUnpriced({ model: "never-seen" })).toEqual({ model: "never-seen", at: null });
  });

  it("is for those who edit money: a viewer is refused, a blank model is refused, naming the field", async () => {
    const viewer = createCaller({ db: t.db, runUrlTemplate: RUN_URL, now: Date.now, principal: { kind: "user", id: "v", label: "viewer@test.local", role: "viewer" } });
    await expect(viewer.prices.firstUnpriced({ model: UNPRICED })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(t.caller.prices.firstUnpriced({ model: " " })).rejects.toThrow(/"path": \[\s*"model"\s*\][\s\S]*is blank/);
  });
});

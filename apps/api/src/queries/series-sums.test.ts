import { recordEvaluation, recordUsage } from "@tally/inngest-functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOW, openTestDb, type TestDb } from "./test-support.ts";

// Series keys travel joined by a control character; ids may hold any character, that one included.
const MODEL = "odd\u001fmodel";
const CUSTOMER = "odd\u001f\u001fcustomer";
let t: TestDb;
const DAY = 86_400_000;
const at = NOW - 3 * DAY;

beforeAll(async () => {
  t = await openTestDb();
  const ref = { runId: "r1", functionSlug: "f", model: MODEL, customerId: CUSTOMER, occurredAt: at, now: at + 1 };
  const usage = { input_tokens: 10, output_tokens: 5, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
  await recordUsage(t.db, ref, { key: "r1-c", deferredRunId: "r1-c", kind: "agent", model: MODEL, usage });
  await recordEvaluation(t.db, ref, {
    key: "r1-s",
    deferredRunId: "r1-s",
    model: MODEL,
    judgeModel: "j",
    rubricVersion: "v1",
    judgeCalls: 0,
    judgeUsage: usage,
    outcome: { ok: true, scores: [{ name: "tone", rawValue: 8, scaleMin: 0, scaleMax: 10, rationale: "r" }] },
  });
}, 300_000);
afterAll(() => t.close());

describe("series keys", () => {
  const w = { from: NOW - 7 * DAY, to: NOW, timeZone: "Asia/Kolkata", bucket: "day" as const };
  it("come back whole when an id holds the separator", async () => {
    const byCustomer = await t.caller.spend.timeseries({ ...w, splitBy: "customer" });
    expect(byCustomer.series.map((s) => [s.key, s.unpricedCalls])).toEqual([[CUSTOMER, 1]]);
    const byModel = await t.caller.spend.timeseries({ ...w, splitBy: "model" });
    expect(byModel.series.map((s) => s.key)).toEqual([MODEL]);
    const trend = await t.caller.quality.trend(w);
    expect(trend.series.map((s) => [s.model, s.name, s.points.reduce((n, p) => n + p.n, 0)])).toEqual([[MODEL, "tone", 1]]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, data, type Headers, keyFor } from "./access-client.ts";
import type { FakeServer } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { judgeEnv } from "./judge-runs.ts";
import { deliverAndLeaveWaiting, type EventApi, fakeEventApi, toneJudge } from "./review-runs.ts";

// Agreement and the human-corrected trend end to end: runs scored by the real score-agent-output through
// serve() (a loopback judge: helpfulness 4, accuracy 5, tone as the response says), queued by the review gate,
// labelled by a reviewer through reviews.submit, read back over HTTP by a viewer.

const T0 = Date.UTC(2026, 10, 2, 9);
const HOUR = 3_600_000;
const JUDGE_TONE = [2, 1, 4, 5];
const REVIEWER_TONE = [3, 1, 2, 5];
const WINDOW = { from: T0 - HOUR, to: T0 + 23 * HOUR, timeZone: "UTC" };

describe("quality.agreement and quality.trend corrected over HTTP", () => {
  let judge: FakeServer;
  let engine: EventApi;
  let tally: Tally;
  let viewer: Headers;

  beforeAll(async () => {
    [judge, engine] = await Promise.all([toneJudge(), fakeEventApi()]);
    tally = await startTally(judgeEnv(judge, { INNGEST_BASE_URL: engine.url, TALLY_REVIEW_SAMPLE_RATE: "1" }));
    viewer = await keyFor(tally, "viewer");
    const reviewer = await keyFor(tally, "reviewer");
    for (const [i, tone] of JUDGE_TONE.entries()) {
      await deliverAndLeaveWaiting(tally, { parentRunId: `01R${i}`, tone, ts: T0 + i * HOUR });
      await data(tally, "reviews.submit", "mutation", {
        itemId: `score-01R${i}`, verdict: "good",
        scores: [{ name: "tone", rawValue: REVIEWER_TONE[i] }, { name: "accuracy", rawValue: 5 }, { name: "helpfulness", rawValue: i === 0 ? 3 : 4 }],
      }, reviewer);
    }
  }, 120_000);
  afterAll(async () => {
    await tally.close();
    await Promise.all([judge.close(), engine.close()]);
  });

  it("agreement per score name, computed by hand from the four pairs", async () => {
    const res = await data(tally, "quality.agreement", "query", WINDOW, viewer);
    const row = (name: string) => res.rows.find((r: { name: string }) => r.name === name);
    expect(res.rows.map((r: { name: string; n: number; flagged: boolean }) => [r.name, r.n, r.flagged])).toEqual([
      ["accuracy", 4, false], ["helpfulness", 4, false], ["tone", 4, false],
    ]);
    // tone: judge 2 1 4 5, reviewer 3 1 2 5. Exact 2/4; within one 3/4 (only 4 → 2 is two apart); MAE (1+0+2+0)/4.
    // Quadratic kappa: observed mean (j − h)² = (1+0+4+0)/4 = 1.25; chance = mean over all 16 judge × reviewer
    // combinations = (11 + 21 + 15 + 29)/16 = 4.75; kappa = 1 − 1.25/4.75 = 14/19.
    // Spearman: ranks 2 1 3 4 and 3 1 2 4, Σd² = 2, rho = 1 − 6·2/(4·15) = 0.8.
    const tone = row("tone");
    expect(tone.exact.value).toBeCloseTo(0.5, 12);
    expect(tone.withinOne.value).toBeCloseTo(0.75, 12);
    expect(tone.mae.value).toBeCloseTo(0.75, 12);
    expect(tone.kappa.value).toBeCloseTo(14 / 19, 12);
    expect(tone.spearman.value).toBeCloseTo(0.8, 12);
    expect(tone.kappa.low).toBeLessThanOrEqual(tone.kappa.value);
    expect(tone.kappa.high).toBeGreaterThanOrEqual(tone.kappa.value);
    // The link opens the Review page on the items of this judge and rubric where a reviewer's tone differs from the
    // judge's (the page reads every parameter as a queue filter): 01R0 (2 against 3) and 01R2 (4 against 2), not 01R1 or 01R3.
    const link = new URL(tone.disagreementsLink, "https://tally.example.com");
    const { disagree, ...filters } = Object.fromEntries(link.searchParams);
    expect([link.pathname, filters, disagree]).toEqual(["/review", { status: "reviewed", scoreName: "tone", judgeModel: "judge-test-model", rubricVersion: tone.rubricVersion }, "1"]);
    const linked = await data(tally, "reviews.queue", "query", { ...filters, disagree: disagree === "1" }, viewer);
    expect(linked.items.map((i: { id: string }) => i.id)).toEqual(["score-01R2", "score-01R0"]);
    // accuracy: 5 against 5 every time: exact, but no spread on either side, so kappa and Spearman are undefined.
    expect(row("accuracy")).toMatchObject({ exact: { value: 1 }, mae: { value: 0 }, kappa: null, spearman: null });
    // helpfulness: the judge always says 4 (no ranks); one reviewer's 3: kappa 0 (no better than chance).
    expect(row("helpfulness").spearman).toBeNull();
    expect(row("helpfulness").kappa.value).toBeCloseTo(0, 12);
  });

  it("the human-corrected trend replaces the judge's tone by the reviewer's, n unchanged", async () => {
    const trend = (corrected: boolean) => data(tally, "quality.trend", "query", { ...WINDOW, bucket: "day", scoreNames: ["tone"], corrected }, viewer);
    const [judged, corrected] = [await trend(false), await trend(true)];
    const point = (res: { series: { points: { mean: number; n: number }[] }[] }) => res.series[0]!.points.find((p) => p.n > 0)!;
    // Normalised (raw − 1)/4: judge 0.25 0 0.75 1 → 0.5; reviewer 0.5 0 0.25 1 → 0.4375.
    expect(point(judged)).toMatchObject({ n: 4, mean: 0.5 });
    expect(point(corrected).n).toBe(4);
    expect(point(corrected).mean).toBeCloseTo(0.4375, 12);
    expect(corrected.corrected).toBe(true);
    expect(corrected.series[0].humanScores).toBe(4);
  });

  it("refuses a filter the agreement cannot honour, naming the field; needs a principal", async () => {
    // Function and one tag filter the raw review rows (reviewed-scores.ts); two tag keys are refused, as on every aggregate.
    const bad = await call(tally, "quality.agreement", "query", { ...WINDOW, tags: { env: "prod", plan: "pro" } }, AUTH);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.data.zodError.fieldErrors)).toEqual(["tags"]);
    expect((await call(tally, "quality.agreement", "query", WINDOW, {})).status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditRows, call, data, keyFor } from "./access-client.ts";
import type { FakeServer } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { expectedInSample, judgeEnv } from "./judge-runs.ts";
import { closedUrl, deliverReviewedScore, toneJudge } from "./review-runs.ts";

// Which scored runs go to review: the deterministic sample (TALLY_REVIEW_SAMPLE_RATE, a score name's rate)
// and the thresholds, through the real serve() handler. The sample rule is computed here on its own
// (sha256 of `review:<parent run id>`, first 13 hex digits over 2^52, below the rate).

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `01${prefix}${String(i).padStart(3, "0")}`);
const queued = async (tally: Tally) =>
  (await tally.db.selectFrom("review_items").select(["run_id", "reason"]).orderBy("run_id").execute()).map((r) => `${r.run_id}:${r.reason}`);

async function server(rate: string): Promise<{ tally: Tally; judge: FakeServer }> {
  const judge = await toneJudge();
  return { judge, tally: await startTally(judgeEnv(judge, { TALLY_REVIEW_SAMPLE_RATE: rate, INNGEST_BASE_URL: await closedUrl() })) };
}

describe("TALLY_REVIEW_SAMPLE_RATE=0.5", () => {
  let s: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => (s = await server("0.5")));
  afterAll(async () => {
    await s.tally.close();
    await s.judge.close();
  });

  it("sends exactly the runs whose draw is under the rate, and a second evaluation of a run draws alike", { timeout: 60_000 }, async () => {
    const runs = ids("HALF", 20);
    const expected = runs.filter((id) => expectedInSample(`review:${id}`, 0.5));
    expect(expected.length).toBeGreaterThan(3);
    expect(expected.length).toBeLessThan(17);
    for (const round of ["first", "again"]) {
      for (const parentRunId of runs) {
        const out = await deliverReviewedScore(s.tally, { parentRunId, runId: `${round}-${parentRunId}`, tone: 4 });
        expect(out.status, JSON.stringify(out.error)).toBe("completed");
        expect(out.waits.length, parentRunId).toBe(expected.includes(parentRunId) ? 1 : 0);
      }
    }
    expect(await queued(s.tally)).toEqual(expected.flatMap((id) => [`${id}:sample`, `${id}:sample`]));
  });
});

describe("TALLY_REVIEW_SAMPLE_RATE=1", () => {
  let s: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => (s = await server("1")));
  afterAll(async () => {
    await s.tally.close();
    await s.judge.close();
  });

  it("sends every scored run", { timeout: 30_000 }, async () => {
    const runs = ids("ALL", 8);
    for (const parentRunId of runs) await deliverReviewedScore(s.tally, { parentRunId, tone: 5 });
    expect(await queued(s.tally)).toEqual(runs.map((id) => `${id}:sample`));
  });
});

describe("per score name: rate and threshold (reviews.sampling)", () => {
  let s: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => (s = await server("0")));
  afterAll(async () => {
    await s.tally.close();
    await s.judge.close();
  });

  it("defaults: a judge score below 3 goes to review, 3 does not; settings change it and are audited", { timeout: 30_000 }, async () => {
    expect(await data(s.tally, "reviews.sampling.list", "query", undefined, await keyFor(s.tally, "viewer"))).toEqual({ defaultRate: 0, defaultThreshold: 3, items: [] });
    await deliverReviewedScore(s.tally, { parentRunId: "01T3", tone: 3 });
    await deliverReviewedScore(s.tally, { parentRunId: "01T2", tone: 2 });
    expect(await queued(s.tally)).toEqual(["01T2:threshold"]);

    const reviewer = await keyFor(s.tally, "reviewer", "Rex");
    // tone: no threshold (a 1 stays out); helpfulness: below 5 (every 4 goes in).
    await data(s.tally, "reviews.sampling.set", "mutation", { name: "tone", rate: 0, threshold: null }, reviewer);
    await deliverReviewedScore(s.tally, { parentRunId: "01T1", tone: 1 });
    expect(await queued(s.tally)).toEqual(["01T2:threshold"]);
    await data(s.tally, "reviews.sampling.set", "mutation", { name: "helpfulness", rate: 0, threshold: 5 }, reviewer);
    await deliverReviewedScore(s.tally, { parentRunId: "01H4", tone: 5 });
    expect(await queued(s.tally)).toEqual(["01H4:threshold", "01T2:threshold"]);
    // A score name's rate 1 sends every run that has that score.
    await data(s.tally, "reviews.sampling.set", "mutation", { name: "helpfulness", rate: 1, threshold: null }, reviewer);
    await deliverReviewedScore(s.tally, { parentRunId: "01R1", tone: 5 });
    expect(await queued(s.tally)).toEqual(["01H4:threshold", "01R1:sample", "01T2:threshold"]);

    const list = await data(s.tally, "reviews.sampling.list", "query", undefined, AUTH);
    expect(list.items.map((i: { name: string; rate: number; threshold: number | null; updatedBy: string }) => [i.name, i.rate, i.threshold, i.updatedBy])).toEqual([
      ["helpfulness", 1, null, "Rex"],
      ["tone", 0, null, "Rex"],
    ]);
    expect(await data(s.tally, "reviews.sampling.remove", "mutation", { name: "tone" }, reviewer)).toEqual({ removed: true });
    expect(await data(s.tally, "reviews.sampling.remove", "mutation", { name: "tone" }, reviewer)).toEqual({ removed: false });
    const audit = (await auditRows(s.tally)).filter((r) => r.action.startsWith("reviewSampling."));
    expect(audit.map((r) => [r.action, r.target, r.actor_label, r.before?.threshold, r.after?.rate])).toEqual([
      ["reviewSampling.set", "reviewSampling:tone", "Rex", undefined, 0],
      ["reviewSampling.set", "reviewSampling:helpfulness", "Rex", undefined, 0],
      ["reviewSampling.set", "reviewSampling:helpfulness", "Rex", 5, 1],
      ["reviewSampling.remove", "reviewSampling:tone", "Rex", null, undefined],
    ]);
    const bad = await call(s.tally, "reviews.sampling.set", "mutation", { name: "Tone!", rate: 2, threshold: 0 }, reviewer);
    expect(Object.keys(bad.body.error.data.zodError.fieldErrors).sort()).toEqual(["name", "rate", "threshold"]);
  });
});

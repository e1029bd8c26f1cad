import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, data, exportCsv, type Headers, keyFor, parseCsv } from "./access-client.ts";
import type { FakeServer } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { judgeEnv } from "./judge-runs.ts";
import { closedUrl, deliverAndLeaveWaiting, silentEventApi, toneJudge } from "./review-runs.ts";

// reviews.* over HTTP with no Inngest engine attached (the event API's address answers nothing): the queue,
// an item, submitting (stored and counted, not resumed), input errors, roles and the CSV. A submit answers
// after the SDK's five send attempts (~1.5–3 s of backoff), so tests that submit get 30 s on a busy machine.

const T0 = Date.UTC(2026, 10, 2, 9);
const HOUR = 3_600_000;

describe("reviews.* without an engine", () => {
  let judge: FakeServer;
  let tally: Tally;
  let viewer: Headers;
  let finance: Headers;
  let reviewer: Headers;
  const q = (input: object, h: Headers = AUTH) => data(tally, "reviews.queue", "query", input, h);
  const ids = async (input: object) => (await q(input)).items.map((i: { id: string }) => i.id);

  beforeAll(async () => {
    judge = await toneJudge();
    tally = await startTally(judgeEnv(judge, { INNGEST_BASE_URL: await closedUrl(), TALLY_REVIEW_SAMPLE_RATE: "0" }));
    [viewer, finance, reviewer] = [await keyFor(tally, "viewer"), await keyFor(tally, "finance"), await keyFor(tally, "reviewer", "Rita's key")];
    await data(tally, "customers.upsert", "mutation", { id: "acme", name: "Acme Inc" }, AUTH);
    await deliverAndLeaveWaiting(tally, { parentRunId: "01A", tone: 2, model: "gpt-4o", customerId: "acme", ts: T0 });
    await deliverAndLeaveWaiting(tally, { parentRunId: "01B", tone: 1, model: "gpt-4o-mini", customerId: "beta", ts: T0 + HOUR });
    await deliverAndLeaveWaiting(tally, { parentRunId: "01C", tone: 2, model: "gpt-4o", ts: T0 + 2 * HOUR });
    await deliverAndLeaveWaiting(tally, { parentRunId: "01D", tone: 2, model: "gpt-4o", customerId: "acme", ts: T0 + 3 * HOUR });
  }, 60_000);
  afterAll(async () => {
    await tally.close();
    await judge.close();
  });

  it("lists the pending queue newest first with its filters, pages and total", async () => {
    const all = await q({});
    expect(all.total).toBe(4);
    expect(all.items.map((i: { id: string }) => i.id)).toEqual(["score-01D", "score-01C", "score-01B", "score-01A"]);
    expect(all.items[3]).toEqual({
      id: "score-01A", runId: "01A", model: "gpt-4o", customerId: "acme", customerName: "Acme Inc", judgeModel: "judge-test-model",
      rubricVersion: expect.any(String), reason: "threshold", occurredAt: T0, status: "pending", reviewCount: 0, lowestJudgeScore: 2,
    });
    expect(all.items[2]).toMatchObject({ customerId: "beta", customerName: null, lowestJudgeScore: 1 });
    expect(await ids({ model: "gpt-4o" })).toEqual(["score-01D", "score-01C", "score-01A"]);
    expect(await ids({ customerId: "acme" })).toEqual(["score-01D", "score-01A"]);
    expect(await ids({ customerId: "" })).toEqual(["score-01C"]);
    expect(await ids({ from: T0 + HOUR, to: T0 + 3 * HOUR })).toEqual(["score-01C", "score-01B"]);
    expect(await ids({ scoreName: "tone" })).toHaveLength(4);
    expect(await ids({ scoreName: "brevity" })).toEqual([]);
    expect(await ids({ status: "reviewed" })).toEqual([]);
    const first = await q({ limit: 3 });
    expect(first.items.map((i: { id: string }) => i.id)).toEqual(["score-01D", "score-01C", "score-01B"]);
    const second = await q({ limit: 3, cursor: first.nextCursor });
    expect([second.items.map((i: { id: string }) => i.id), second.nextCursor, second.total]).toEqual([["score-01A"], null, 4]);
  });

  it("shows an item with its texts, the judge's scores and rationales, and its neighbours in the queue", async () => {
    const item = await data(tally, "reviews.item", "query", { id: "score-01C" }, viewer);
    expect(item).toMatchObject({ id: "score-01C", input: "Where is my refund?", output: "A refund is on its way. tone:2", prevId: "score-01D", nextId: "score-01B", reviews: [], spread: [], mine: null });
    expect(item.judge).toEqual([
      { name: "accuracy", rawValue: 5, value: 1, rationale: "accuracy is 5/5" },
      { name: "helpfulness", rawValue: 4, value: 0.75, rationale: "helpfulness is 4/5" },
      { name: "tone", rawValue: 2, value: 0.25, rationale: "tone is 2/5" },
    ]);
    const filtered = await data(tally, "reviews.item", "query", { id: "score-01C", queue: { model: "gpt-4o" } }, viewer);
    expect([filtered.prevId, filtered.nextId]).toEqual(["score-01D", "score-01A"]);
    expect((await call(tally, "reviews.item", "query", { id: "nope" }, viewer)).status).toBe(404);
  });

  it("stores a review at once with no engine (resumed: false), counts it, and keeps one review per reviewer", { timeout: 30_000 }, async () => {
    const started = Date.now();
    const answer = await data(tally, "reviews.submit", "mutation", { itemId: "score-01A", verdict: "bad", note: "  Rude  ", scores: [{ name: "tone", rawValue: 1 }, { name: "accuracy", rawValue: 5 }] }, reviewer);
    expect(answer).toMatchObject({ stored: true, resumed: false, replaced: false });
    expect(Date.now() - started).toBeLessThan(10_000);
    await data(tally, "reviews.submit", "mutation", { itemId: "score-01A", verdict: "good", scores: [{ name: "tone", rawValue: 3 }, { name: "accuracy", rawValue: 5 }] }, AUTH);
    expect(await ids({})).toEqual(["score-01D", "score-01C", "score-01B"]);
    expect((await q({ status: "reviewed" })).items).toMatchObject([{ id: "score-01A", status: "reviewed", reviewCount: 2 }]);
    const item = await data(tally, "reviews.item", "query", { id: "score-01A", queue: { status: "all" } }, reviewer);
    expect(item.reviews.map((r: { reviewerLabel: string; verdict: string; note: string | null }) => [r.reviewerLabel, r.verdict, r.note])).toEqual([
      ["Rita's key", "bad", "Rude"],
      ["TALLY_INIT_API_KEY", "good", null],
    ]);
    expect(item.spread).toEqual([
      { name: "accuracy", n: 2, min: 5, max: 5, mean: 5 },
      { name: "tone", n: 2, min: 1, max: 3, mean: 2 },
    ]);
    expect(item.mine).toMatchObject({ verdict: "bad", scores: [{ name: "accuracy", rawValue: 5 }, { name: "tone", rawValue: 1 }] });
    expect(item.prevId).toBe("score-01B");
    // Reviewer scores differ from the judge's on tone (1 and 3 against 2), agree on accuracy.
    expect(await ids({ status: "all", disagree: true })).toEqual(["score-01A"]);
    expect(await ids({ status: "all", disagree: true, scoreName: "tone" })).toEqual(["score-01A"]);
    expect(await ids({ status: "all", disagree: true, scoreName: "accuracy" })).toEqual([]);
  });

  it("refuses bad input naming the field, storing nothing", async () => {
    const before = await tally.db.selectFrom("reviews").selectAll().execute();
    const cases: [object, string][] = [
      [{ itemId: "score-01B", verdict: "good", scores: [{ name: "brevity", rawValue: 3 }] }, "scores.0.name"],
      [{ itemId: "score-01B", verdict: "good", scores: [{ name: "tone", rawValue: 6 }] }, "scores.0.rawValue"],
      [{ itemId: "score-01B", verdict: "good", scores: [{ name: "tone", rawValue: 2.5 }] }, "scores.0.rawValue"],
      [{ itemId: "score-01B", verdict: "good", scores: [{ name: "tone", rawValue: 2 }, { name: "tone", rawValue: 3 }] }, "scores.1.name"],
      [{ itemId: "score-01B", verdict: "meh", scores: [] }, "verdict"],
      [{ itemId: "score-01B", verdict: "bad", note: "x".repeat(2001) }, "note"],
      [{ itemId: "no-such-item", verdict: "bad" }, "itemId"],
    ];
    for (const [input, field] of cases) {
      const a = await call(tally, "reviews.submit", "mutation", input, reviewer);
      expect(a.status, field).toBe(400);
      expect(Object.keys(a.body.error.data.zodError.fieldErrors), JSON.stringify(input).slice(0, 80)).toEqual([field]);
    }
    expect((await call(tally, "reviews.queue", "query", { status: "done" }, viewer)).body.error.data.zodError.fieldErrors).toHaveProperty("status");
    expect(await tally.db.selectFrom("reviews").selectAll().execute()).toEqual(before);
  });

  it("lets every role read the queue; only reviewers and admins submit or change sampling", { timeout: 30_000 }, async () => {
    for (const h of [viewer, finance]) {
      expect((await call(tally, "reviews.queue", "query", {}, h)).status).toBe(200);
      expect((await call(tally, "reviews.submit", "mutation", { itemId: "score-01B", verdict: "good" }, h)).status).toBe(403);
      expect((await call(tally, "reviews.sampling.set", "mutation", { name: "tone", rate: 1, threshold: null }, h)).status).toBe(403);
    }
    expect(await tally.db.selectFrom("reviews").select("item_id").where("item_id", "=", "score-01B").execute()).toEqual([]);
    expect((await call(tally, "reviews.submit", "mutation", { itemId: "score-01B", verdict: "good" }, reviewer)).status).toBe(200);
  });

  it("exports one CSV row per review with the judge's and the reviewer's scores", async () => {
    const csv = await exportCsv(tally, "reviews", { customerId: "acme" }, viewer);
    expect(csv.status).toBe(200);
    expect(csv.fileName).toBe("reviews_start_now_UTC.csv");
    // A period is named in the query's zone, as every export: Kathmandu's November, not UTC's dates before it.
    const kathmandu = { customerId: "acme", timeZone: "Asia/Kathmandu", from: "2026-11-01T00:00:00+05:45", to: "2026-12-01T00:00:00+05:45" };
    expect((await exportCsv(tally, "reviews", kathmandu, viewer)).fileName).toBe("reviews_2026-11-01_2026-12-01_Asia-Kathmandu.csv");
    const [head, ...rows] = parseCsv(csv.text);
    expect(head).toEqual(["item_id", "run_id", "occurred_at", "model", "customer_id", "judge_model", "rubric_version", "reason", "status", "reviewer", "verdict", "note", "reviewed_at", "judge_scores", "reviewer_scores"]);
    const pick = (r: string[]) => [r[0], r[2], r[8], r[9], r[10], r[11], r[13], r[14]];
    expect(rows.map(pick)).toEqual([
      ["score-01A", "2026-11-02T09:00:00+00:00", "reviewed", "Rita's key", "bad", "Rude", "accuracy=5;helpfulness=4;tone=2", "accuracy=5;tone=1"],
      ["score-01A", "2026-11-02T09:00:00+00:00", "reviewed", "TALLY_INIT_API_KEY", "good", "", "accuracy=5;helpfulness=4;tone=2", "accuracy=5;tone=3"],
    ]);
    expect((await exportCsv(tally, "reviews", { status: "pending", timeZone: "Nowhere/City" }, viewer)).status).toBe(400);
  });

  it("keeps a note of several lines as typed (the form's textarea), and the CSV quotes it and defuses a formula", { timeout: 30_000 }, async () => {
    // A reviewer's note from a textarea has line breaks and may paste a tab; a spreadsheet formula stays text in the CSV.
    const note = "=cmd|' /C calc'!A0\r\nSecond line\tindented\nThird";
    expect(await data(tally, "reviews.submit", "mutation", { itemId: "score-01C", verdict: "bad", note, scores: [{ name: "tone", rawValue: 2 }] }, reviewer)).toMatchObject({ stored: true });
    const item = await data(tally, "reviews.item", "query", { id: "score-01C", queue: { status: "all" } }, viewer);
    expect(item.reviews.map((r: { note: string | null }) => r.note)).toEqual([note]);
    const csv = await exportCsv(tally, "reviews", { customerId: "" }, viewer);
    const rows = parseCsv(csv.text).slice(1);
    expect(rows.map((r) => [r[0], r[11]])).toEqual([["score-01C", `'${note}`]]);
    expect(csv.text).toContain(`"'=cmd|' /C calc'!A0\r\nSecond line\tindented\nThird"`);
    // Other control characters, and a note past 2,000 characters (100,000 here), are refused naming the note; nothing changes.
    const before = await tally.db.selectFrom("reviews").selectAll().orderBy("id").execute();
    for (const bad of ["bell\u0007", "nul\u0000", "esc\u001b[2J", "x".repeat(100_000)]) {
      const a = await call(tally, "reviews.submit", "mutation", { itemId: "score-01C", verdict: "good", note: bad }, reviewer);
      expect(a.status, JSON.stringify(bad.slice(0, 20))).toBe(400);
      expect(Object.keys(a.body.error.data.zodError.fieldErrors)).toEqual(["note"]);
    }
    expect(await tally.db.selectFrom("reviews").selectAll().orderBy("id").execute()).toEqual(before);
  });
});

describe("reviews.submit with an engine that never answers", () => {
  let judge: FakeServer;
  let engine: Awaited<ReturnType<typeof silentEventApi>>;
  let tally: Tally;
  beforeAll(async () => {
    [judge, engine] = await Promise.all([toneJudge(), silentEventApi()]);
    tally = await startTally(judgeEnv(judge, { INNGEST_BASE_URL: engine.url, TALLY_REVIEW_SAMPLE_RATE: "0" }));
    await deliverAndLeaveWaiting(tally, { parentRunId: "01HUNG", tone: 2, ts: T0 });
  }, 60_000);
  afterAll(async () => {
    await tally.close();
    await Promise.all([judge.close(), engine.close()]);
  });

  it("answers stored (resumed: false) within seconds instead of hanging on the send; the review is counted", { timeout: 60_000 }, async () => {
    const started = Date.now();
    const answer = await data(tally, "reviews.submit", "mutation", { itemId: "score-01HUNG", verdict: "bad", scores: [{ name: "tone", rawValue: 1 }] }, AUTH);
    const took = Date.now() - started;
    expect(answer).toMatchObject({ stored: true, resumed: false, replaced: false });
    expect(engine.requests()).toBeGreaterThanOrEqual(1); // the send was tried, and never answered
    expect(took).toBeLessThan(20_000); // SEND_WAIT_MS (10 s) and the request's own time
    expect((await data(tally, "reviews.queue", "query", { status: "reviewed" }, AUTH)).items).toMatchObject([{ id: "score-01HUNG", reviewCount: 1 }]);
  });
});

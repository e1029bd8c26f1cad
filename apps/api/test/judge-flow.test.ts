import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeChatServer, fakeInngestApi, fakeSlack } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";
import { judgeEnv } from "./judge-runs.ts";
import { rawRequest } from "./raw-http.ts";

// Flow control as the SDK registers it (the body of its sync with the Inngest API), and the failure
// handlers driven like Inngest drives them: the run fails its last attempt, then `inngest/function.failed`.
interface Registered {
  id: string;
  concurrency?: unknown;
  throttle?: unknown;
  triggers: { event: string; expression?: string }[];
}

async function registered(env: Record<string, string>): Promise<Map<string, Registered>> {
  const api = await fakeInngestApi();
  const tally = await startTally({ ...env, INNGEST_BASE_URL: api.url });
  try {
    const sync = await rawRequest(tally.base, "PUT", "/api/inngest", "", {});
    expect(sync.status, sync.text).toBe(200);
    const body = api.requests.find((r) => r.path.startsWith("/fn/register"))?.body as { functions: Registered[] };
    return new Map(body.functions.map((f) => [f.id, f]));
  } finally {
    await tally.close();
    await api.close();
  }
}

describe("flow control in the SDK's register payload", () => {
  it.each<{ name: string; env: Record<string, string>; score: unknown; throttle: unknown; notify: unknown }>([
    { name: "defaults", env: {}, score: { limit: 5 }, throttle: { limit: 60, period: "1m" }, notify: { limit: 5 } },
    {
      name: "from the environment",
      env: { TALLY_JUDGE_CONCURRENCY: "3", TALLY_NOTIFY_CONCURRENCY: "7", TALLY_JUDGE_THROTTLE: "10/30s" },
      score: { limit: 3 },
      throttle: { limit: 10, period: "30s" },
      notify: { limit: 7 },
    },
    { name: "throttle off", env: { TALLY_JUDGE_THROTTLE: "0" }, score: { limit: 5 }, throttle: undefined, notify: { limit: 5 } },
  ])("$name", async ({ env, score, throttle, notify }) => {
    const fns = await registered(env);
    expect([...fns.keys()].sort()).toEqual([
      "tally-evaluate-alerts",
      "tally-handle-support-ticket",
      "tally-notify-agent-completion",
      "tally-notify-agent-completion-failure",
      "tally-score-agent-output",
      "tally-score-agent-output-failure",
      "tally-track-ai-costs",
    ]);
    expect(fns.get("tally-score-agent-output")?.concurrency).toEqual(score);
    expect(fns.get("tally-score-agent-output")?.throttle).toEqual(throttle);
    expect(fns.get("tally-notify-agent-completion")?.concurrency).toEqual(notify);
    expect(fns.get("tally-notify-agent-completion")?.throttle).toBeUndefined();
    expect(fns.get("tally-track-ai-costs")?.concurrency).toBeUndefined();
    // Each failure handler runs when its function has failed its last attempt, as the SDK registers onFailure.
    for (const fn of ["score-agent-output", "notify-agent-completion"]) {
      expect(fns.get(`tally-${fn}-failure`)?.triggers).toEqual([{ event: "inngest/function.failed", expression: `event.data.function_id == 'tally-${fn}'` }]);
    }
  });
});

describe("failure handlers record what every attempt failed to do", () => {
  let judge: FakeServer;
  let slack: FakeServer;
  let tally: Tally;
  const parent = { fnSlug: "tally-handle-support-ticket", runId: "01FAILPARENT" };
  const ts = Date.UTC(2026, 10, 2, 9, 0);
  beforeAll(async () => {
    judge = await fakeChatServer(() => ({ status: 503, body: { error: "overloaded" } }));
    slack = await fakeSlack(500);
    tally = await startTally(judgeEnv(judge, { SLACK_WEBHOOK_URL: `${slack.url}/hook` }));
  });
  afterAll(async () => {
    await tally.close();
    await judge.close();
    await slack.close();
  });

  const deferredEvent = (fn: string, input: Record<string, unknown>) => ({
    name: "inngest/deferred.schedule",
    id: `evt-${fn}`,
    ts,
    data: { ...input, _inngest: { fn_slug: `tally-${fn}`, parent_fn_slug: parent.fnSlug, parent_run_id: parent.runId } },
  });
  /** Runs `fn` until its last attempt fails, then its failure handler with the event Inngest sends (twice: delivered at least once). */
  async function failThenHandle(fn: string, input: Record<string, unknown>, runId: string) {
    const event = deferredEvent(fn, input);
    const out = await tally.executor.run(fn, event, { runId, maxAttempts: 3 });
    expect(out.status).toBe("failed");
    const failed = { name: "inngest/function.failed", id: `evt-failed-${runId}`, ts: ts + 60_000, data: { function_id: `tally-${fn}`, run_id: runId, error: out.error, event } };
    const results = [];
    for (const attempt of ["first", "again"]) {
      const handled = await tally.executor.run(`${fn}-failure`, failed, { runId: `${runId}-failure-${attempt}` });
      expect(handled.status, JSON.stringify(handled.error)).toBe("completed");
      results.push(handled.result);
    }
    return results;
  }

  it("score: a judge that always fails leaves a failed evaluation, once, no score", { timeout: 30_000 }, async () => {
    const results = await failThenHandle("score-agent-output", { response: "Done.", model: "gpt-4o", customerId: "acme" }, "01SCOREFAILS");
    expect(judge.requests).toHaveLength(3); // one call per attempt
    expect(results).toEqual([{ inserted: true, scores: 0 }, { inserted: false, scores: 0 }]);
    const evaluations = await tally.db.selectFrom("evaluations").selectAll().execute();
    expect(evaluations).toEqual([
      expect.objectContaining({ id: "01SCOREFAILS", run_id: parent.runId, deferred_run_id: "01SCOREFAILS", status: "failed", judge_calls: 0, judge_model: "judge-test-model" }),
    ]);
    expect(evaluations[0]?.error).toMatch(/^every attempt failed: chat completion \S+ answered 503/);
    expect(await tally.db.selectFrom("scores").selectAll().execute()).toEqual([]);
    expect(await tally.db.selectFrom("runs").select(["run_id", "customer_id", "model", "occurred_at", "scored_at"]).execute()).toEqual([
      { run_id: parent.runId, customer_id: "acme", model: "gpt-4o", occurred_at: ts, scored_at: null },
    ]);
  });

  it("notify: a webhook that always answers 500 leaves a failed notification with that status, once", { timeout: 30_000 }, async () => {
    const results = await failThenHandle("notify-agent-completion", { summary: "Answered T-9", channel: "#support-ai" }, "01NOTIFYFAILS");
    expect(slack.requests).toHaveLength(3);
    expect(results).toEqual([{ inserted: true }, { inserted: false }]);
    expect(await tally.db.selectFrom("notifications").selectAll().execute()).toEqual([
      expect.objectContaining({ id: "01NOTIFYFAILS", run_id: parent.runId, deferred_run_id: "01NOTIFYFAILS", channel: "#support-ai", status: "failed", http_status: 500 }),
    ]);
  });

  it("a failure event that is not a deferred run's is answered, not retried, and records nothing", async () => {
    const stray = { name: "inngest/function.failed", id: "evt-stray", ts, data: { function_id: "tally-score-agent-output", run_id: "01STRAY", error: { name: "Error", message: "x" }, event: { name: "other", data: {} } } };
    const handled = await tally.executor.run("score-agent-output-failure", stray, { runId: "01STRAY-failure" });
    expect(handled.status).toBe("completed");
    expect(handled.result).toMatchObject({ recorded: false, reason: expect.stringMatching(/^not a deferred run's failure/) });
    expect(await tally.db.selectFrom("evaluations").select("id").where("id", "=", "01STRAY").execute()).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, type Headers, keyFor } from "./access-client.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import type { Json } from "./json.ts";

// Issue 23: the sample-rate overrides over HTTP, as Settings uses them: set, list and remove (finance and
// admin only), each change in the audit log in its own transaction, a bad input a 400 naming its field that
// stores nothing.

describe("judge.sampling over HTTP", () => {
  let tally: Tally;
  let finance: Headers;
  let viewer: Headers;
  let reviewer: Headers;
  const set = (input: unknown, headers: Headers = AUTH) => call(tally, "judge.sampling.set", "mutation", input, headers);
  const remove = (input: unknown, headers: Headers = AUTH) => call(tally, "judge.sampling.remove", "mutation", input, headers);
  const list = async (headers: Headers = AUTH) => (await call(tally, "judge.sampling.list", "query", undefined, headers)).body.result.data;
  const rows = () => tally.db.selectFrom("judge_sampling").selectAll().orderBy("scope").orderBy("key").execute();
  const audit = async () =>
    (await tally.db.selectFrom("audit_log").selectAll().where("action", "like", "judgeSampling.%").orderBy("id").execute()).map((a) => ({
      actor: a.actor_label,
      action: a.action,
      target: a.target,
      before: a.before === null ? null : JSON.parse(a.before),
      after: a.after === null ? null : JSON.parse(a.after),
    }));

  beforeAll(async () => {
    tally = await startTally();
    finance = await keyFor(tally, "finance", "finance sampler");
    viewer = await keyFor(tally, "viewer", "viewer sampler");
    reviewer = await keyFor(tally, "reviewer", "reviewer sampler");
  }, 60_000);
  afterAll(() => tally.close());

  it("sets, lists and removes rates, a model's key in the catalog form, each change audited with before and after", async () => {
    const a = await set({ scope: "model", key: "  GPT-4o ", rate: 0.25 }, finance);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.result.data).toMatchObject({ scope: "model", key: "gpt-4o", rate: 0.25, updatedBy: "finance sampler" });
    expect((await set({ scope: "customer", key: " Acme Corp ", rate: 0 })).status).toBe(200);
    expect((await set({ scope: "model", key: "gpt-4o", rate: 1 })).status).toBe(200); // the same override, updated

    // Customers first (their rate wins), then by key; the customer id is trimmed, not lower-cased.
    expect((await list(viewer)).map((r: Json) => [r.scope, r.key, r.rate, r.updatedBy])).toEqual([
      ["customer", "Acme Corp", 0, "TALLY_INIT_API_KEY"],
      ["model", "gpt-4o", 1, "TALLY_INIT_API_KEY"],
    ]);
    expect((await rows()).map((r) => [r.scope, r.key, r.rate])).toEqual([
      ["customer", "Acme Corp", 0],
      ["model", "gpt-4o", 1],
    ]);

    const r = await remove({ scope: "model", key: "GPT-4O" }, finance);
    expect(r.status).toBe(200);
    expect(r.body.result.data).toEqual({ removed: true });
    // Nothing left to remove: no change, no audit row.
    expect((await remove({ scope: "model", key: "gpt-4o" })).body.result.data).toEqual({ removed: false });
    expect((await rows()).map((x) => x.key)).toEqual(["Acme Corp"]);

    const log = await audit();
    expect(log.map((l) => [l.actor, l.action, l.target])).toEqual([
      ["finance sampler", "judgeSampling.set", "judgeSampling:model/gpt-4o"],
      ["TALLY_INIT_API_KEY", "judgeSampling.set", "judgeSampling:customer/Acme Corp"],
      ["TALLY_INIT_API_KEY", "judgeSampling.set", "judgeSampling:model/gpt-4o"],
      ["finance sampler", "judgeSampling.remove", "judgeSampling:model/gpt-4o"],
    ]);
    expect(log[0]).toMatchObject({ before: null, after: { scope: "model", key: "gpt-4o", rate: 0.25 } });
    expect(log[2]).toMatchObject({ before: { rate: 0.25, updatedBy: "finance sampler" }, after: { rate: 1, updatedBy: "TALLY_INIT_API_KEY" } });
    expect(log[3]).toMatchObject({ before: { key: "gpt-4o", rate: 1 }, after: null });

    // The audit log lists them by action.
    const listed = await call(tally, "audit.list", "query", { action: "judgeSampling.remove" }, AUTH);
    expect(listed.body.result.data.items.map((i: Json) => i.target)).toEqual(["judgeSampling:model/gpt-4o"]);
  });

  it.each([
    ["rate", { scope: "model", key: "m", rate: 1.5 }],
    ["rate", { scope: "model", key: "m", rate: -0.01 }],
    ["rate", { scope: "model", key: "m", rate: "0.5" }],
    ["rate", { scope: "model", key: "m" }],
    ["scope", { scope: "team", key: "m", rate: 0.5 }],
    ["key", { scope: "customer", key: "", rate: 0.5 }],
    ["key", { scope: "customer", key: "   ", rate: 0.5 }],
    ["key", { scope: "customer", key: "\u200b", rate: 0.5 }],
    ["key", { scope: "customer", key: "x".repeat(201), rate: 0.5 }],
    ["key", { scope: "customer", key: "a\u0000b", rate: 0.5 }],
  ])("refuses a bad %s with a 400 naming it, and stores nothing (%j)", async (field, input) => {
    const before = [await rows(), await audit()];
    const a = await set(input);
    expect(a.status).toBe(400);
    expect(Object.keys(a.body.error.data.zodError.fieldErrors)).toEqual([field]);
    expect([await rows(), await audit()]).toEqual(before);
  });

  it("refuses unknown fields and a bad remove by field", async () => {
    const extra = await set({ scope: "model", key: "m", rate: 0.5, note: "x" });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.error.data.zodError.formErrors)).toContain("note");
    const bad = await remove({ scope: "model", key: " " });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.data.zodError.fieldErrors)).toEqual(["key"]);
  });

  it("lets viewers and reviewers read, not change: 403 on set and remove, nothing stored", async () => {
    await set({ scope: "customer", key: "globex", rate: 0.5 });
    const before = [await rows(), await audit()];
    for (const who of [viewer, reviewer]) {
      expect((await set({ scope: "customer", key: "globex", rate: 0 }, who)).status).toBe(403);
      expect((await remove({ scope: "customer", key: "globex" }, who)).status).toBe(403);
      expect((await list(who)).some((r: Json) => r.key === "globex" && r.rate === 0.5)).toBe(true);
      expect((await call(tally, "judge.status", "query", undefined, who)).status).toBe(200);
    }
    expect([await rows(), await audit()]).toEqual(before);
  });

  it("judge.status shows the defaults without judge configuration: rate 1, no budget, UTC, 5 at once, 60 a minute", async () => {
    const s = (await call(tally, "judge.status", "query", undefined, AUTH)).body.result.data;
    expect(s).toMatchObject({ sampleRate: 1, dailyBudgetMicros: null, timeZone: "UTC", concurrency: 5, throttle: { limit: 60, period: "1m" } });
    expect(s).toMatchObject({ todayMicros: null, todayJudgeCalls: 0, skippedToday: 0, day: new Date().toISOString().slice(0, 10) });
  });
});

describe("judge.status reports the server's configuration", () => {
  it("takes TALLY_JUDGE_* and the reporting zone from the environment the server started with", async () => {
    const tally = await startTally({
      TALLY_JUDGE_SAMPLE_RATE: "0.25",
      TALLY_JUDGE_DAILY_BUDGET_USD: "0.5",
      TALLY_TIME_ZONES: "Asia/Kolkata",
      TALLY_JUDGE_CONCURRENCY: "3",
      TALLY_JUDGE_THROTTLE: "10/1s",
    });
    try {
      const s = (await call(tally, "judge.status", "query", undefined, AUTH)).body.result.data;
      // Kolkata is UTC+5:30 all year: its date now, independently of the code under test.
      const kolkataDay = new Date(Date.now() + 5.5 * 3_600_000).toISOString().slice(0, 10);
      expect(s).toMatchObject({ sampleRate: 0.25, dailyBudgetMicros: 500_000, timeZone: "Asia/Kolkata", concurrency: 3, throttle: { limit: 10, period: "1s" }, day: kolkataDay });
    } finally {
      await tally.close();
    }
  }, 60_000);
});
